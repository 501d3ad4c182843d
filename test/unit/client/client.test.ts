import { Webhook } from 'standardwebhooks';
import { validateEvents } from '#shared/contract';
import {
  BridgeClient,
  type BridgeClientOptions,
  type BridgeEvent,
  BridgeRejectedError,
  BridgeServerError,
  ConfigError,
  RetriesExhaustedError,
  UnexpectedAnswerError,
  webhookHeaders,
} from '../../../client/index.ts';

const URL_ = 'https://abc123.execute-api.ap-southeast-1.amazonaws.com/dev/v1/events';
const MUTE: BridgeEvent = { groupId: '@TGS#2CLUZEAEJ', account: 'bob', action: 'mute', durationSeconds: 600 };
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** One request the fake fetch got. */
interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

type Reply = Response | Error | ((sent: Sent) => Response | Promise<Response>);

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A fetch that answers from a script, and records what it was sent. */
function scriptedFetch(...replies: Reply[]) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request: Sent = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    sent.push(request);
    const reply = replies.shift();
    if (reply === undefined) throw new Error('the script has no more replies');
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply(request) : reply;
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

/** A clock that the fake sleep moves forward. */
function fakeTime(start = Date.parse('2026-01-31T12:00:00Z')) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
}

function clientWith(fetch: typeof globalThis.fetch, options: Partial<BridgeClientOptions> = {}) {
  const time = fakeTime();
  let id = 0;
  const client = new BridgeClient({
    url: URL_,
    auth: { kind: 'apiKey', key: 'key-1' },
    fetch,
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    randomId: () => `id-${++id}`,
    ...options,
  });
  return { client, time };
}

const accepted = (...ids: string[]) => json(202, { accepted: ids.map((eventId) => ({ eventId })) });

describe('BridgeClient.send', () => {
  it('gives each event without an eventId one before the first attempt, and sends the same body on every retry', async () => {
    // Prepare
    const { fetch, sent } = scriptedFetch(
      json(503, { message: 'the event ledger could not be reached; try again', requestId: 'r-1' }),
      new TypeError('fetch failed'),
      accepted('id-1', 'given'),
    );
    const { client, time } = clientWith(fetch);

    // Act
    const result = await client.send([
      MUTE,
      { groupId: MUTE.groupId, account: 'bob', action: 'unmute', eventId: 'given' },
    ]);

    // Assess
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((request) => request.body)).size).toBe(1);
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({
      events: [
        { ...MUTE, eventId: 'id-1' },
        { groupId: MUTE.groupId, account: 'bob', action: 'unmute', eventId: 'given' },
      ],
    });
    expect(result).toEqual({
      results: [
        { eventId: 'id-1', outcome: 'accepted' },
        { eventId: 'given', outcome: 'accepted' },
      ],
      attempts: 3,
    });
    expect(time.sleeps).toEqual([100, 200]);
    expect(sent[0]).toMatchObject({ method: 'POST', url: URL_ });
    expect(sent[0]?.headers).toMatchObject({ 'content-type': 'application/json', 'x-api-key': 'key-1' });
  });

  it('types events by action: a field of another action does not compile', () => {
    // Prepare
    const unmute: BridgeEvent = { groupId: 'g', account: 'bob', action: 'unmute' };
    // @ts-expect-error durationSeconds is a field of mute only
    const wrong: BridgeEvent = { groupId: 'g', account: 'bob', action: 'unmute', durationSeconds: 600 };
    // @ts-expect-error mute needs durationSeconds
    const missing: BridgeEvent = { groupId: 'g', account: 'bob', action: 'mute' };

    // Assess: the checks above are tsc's (npm test type-checks the tests); here, the values are as written.
    expect([unmute, wrong, missing].map((event) => event.action)).toEqual(['unmute', 'unmute', 'mute']);
  });

  it('sends a body that the contract takes, for every action', async () => {
    // Prepare
    const events: BridgeEvent[] = [
      { ...MUTE, reason: 'spam', occurredAt: new Date('2026-01-31T11:59:00Z') },
      { groupId: 'g', account: 'bob', action: 'unmute' },
      { groupId: 'g', account: 'bob', action: 'set_role', role: 'admin' },
      { groupId: 'g', account: 'bob', action: 'set_msg_flag', msgFlag: 'Discard' },
      { groupId: 'g', account: 'bob', action: 'set_name_card', nameCard: 'Bob' },
      { groupId: 'g', account: 'bob', action: 'set_member_data', data: { level: 'gold' } },
    ];
    const { fetch, sent } = scriptedFetch(accepted('id-1', 'id-2', 'id-3', 'id-4', 'id-5', 'id-6'));
    const { client } = clientWith(fetch);

    // Act
    await client.send(events);

    // Assess
    const validated = validateEvents(JSON.parse(sent[0]?.body ?? ''), new Date('2026-01-31T12:00:00Z'));
    expect(validated.map((event) => [event.eventId, event.action])).toEqual([
      ['id-1', 'mute'],
      ['id-2', 'unmute'],
      ['id-3', 'set_role'],
      ['id-4', 'set_msg_flag'],
      ['id-5', 'set_name_card'],
      ['id-6', 'set_member_data'],
    ]);
    expect(validated[0]?.occurredAt.toISOString()).toBe('2026-01-31T11:59:00.000Z');
  });

  it('reports a duplicate as the bridge says, but its own id made this call as accepted after a retry', async () => {
    // Prepare: the first attempt reached the bridge, but its answer was lost.
    const { fetch } = scriptedFetch(
      new TypeError('fetch failed'),
      json(202, {
        accepted: [
          { eventId: 'id-1', duplicate: true },
          { eventId: 'known', duplicate: true },
        ],
      }),
    );
    const { client } = clientWith(fetch);

    // Act
    const result = await client.send([MUTE, { ...MUTE, eventId: 'known' }]);

    // Assess
    expect(result.results).toEqual([
      { eventId: 'id-1', outcome: 'accepted' },
      { eventId: 'known', outcome: 'duplicate' },
    ]);
  });

  it('says duplicate for an event the bridge already had, without a retry', async () => {
    // Prepare
    const { fetch } = scriptedFetch(json(202, { accepted: [{ eventId: 'id-1', duplicate: true }] }));
    const { client } = clientWith(fetch);

    // Act
    const result = await client.send(MUTE);

    // Assess
    expect(result).toEqual({ results: [{ eventId: 'id-1', outcome: 'duplicate' }], attempts: 1 });
  });

  it('throws a 400 with its issues, and does not retry it', async () => {
    // Prepare
    const body = {
      message: 'invalid request: 1 invalid field',
      issues: [{ path: 'events[0].durationSeconds', rule: 'is required' }],
      issueCount: 1,
    };
    const { fetch, sent } = scriptedFetch(json(400, body));
    const { client } = clientWith(fetch);

    // Act
    const error = await client.send({ ...MUTE, durationSeconds: 0 }).catch((caught: unknown) => caught);

    // Assess
    expect(sent).toHaveLength(1);
    expect(error).toBeInstanceOf(BridgeRejectedError);
    expect(error).toMatchObject({
      name: 'BridgeRejectedError',
      status: 400,
      message: 'invalid request: 1 invalid field',
      issues: body.issues,
      issueCount: 1,
      conflicts: [],
      retryable: false,
    });
  });

  it('throws a 409 with its conflicts, and a 403 with its message', async () => {
    // Prepare
    const conflicts = [{ index: 0, eventId: 'reused' }];
    const { fetch } = scriptedFetch(
      json(409, { message: '1 eventId(s) of this request were already used', conflicts }),
      json(403, { message: 'Forbidden' }, { 'x-amzn-errortype': 'ForbiddenException' }),
    );
    const { client } = clientWith(fetch);

    // Act
    const conflict = await client.send({ ...MUTE, eventId: 'reused' }).catch((caught: unknown) => caught);
    const forbidden = await client.send(MUTE).catch((caught: unknown) => caught);

    // Assess
    expect(conflict).toMatchObject({ status: 409, conflicts, issues: [] });
    expect(forbidden).toBeInstanceOf(BridgeRejectedError);
    expect(forbidden).toMatchObject({ status: 403, message: 'Forbidden' });
  });

  it('waits a Retry-After of a 429', async () => {
    // Prepare
    const { fetch } = scriptedFetch(
      json(429, { message: 'Too Many Requests' }, { 'retry-after': '2' }),
      accepted('id-1'),
    );
    const { client, time } = clientWith(fetch);

    // Act
    await client.send(MUTE);

    // Assess
    expect(time.sleeps).toEqual([2_000]);
  });

  it('gives up at the deadline with the eventIds to resend and the last answer as the cause', async () => {
    // Prepare: each attempt takes 4 s; the deadline is 10 s.
    const { fetch, sent } = scriptedFetch(
      ...Array.from({ length: 10 }, () => () => {
        time.advance(4_000);
        return json(502, { message: 'Internal server error' });
      }),
    );
    const { client, time } = clientWith(fetch, { retry: { deadlineMs: 10_000 } });

    // Act
    const error = await client.send([MUTE, { ...MUTE, eventId: 'given' }]).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({
      reason: 'deadline',
      attempts: 3,
      lastStatus: 502,
      eventIds: ['id-1', 'given'],
      retryable: true,
    });
    expect((error as RetriesExhaustedError).cause).toBeInstanceOf(BridgeServerError);
    expect((error as Error).message).toMatch(
      /^gave up after 3 attempt\(s\) in \d+ ms \(the deadline\); last: 502 Internal server error$/,
    );
    expect(sent).toHaveLength(3);
  });

  it('gives up after the last attempt, keeping the network error', async () => {
    // Prepare
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    const { fetch, sent } = scriptedFetch(refused, refused, refused);
    const { client } = clientWith(fetch, { retry: { maxAttempts: 3 } });

    // Act
    const error = await client.send(MUTE).catch((caught: unknown) => caught);

    // Assess
    expect(sent).toHaveLength(3);
    expect(error).toMatchObject({ reason: 'attempts', attempts: 3, lastStatus: undefined, cause: refused });
    expect((error as Error).message).toContain('no answer (fetch failed: connect ECONNREFUSED 127.0.0.1:1)');
  });

  it('takes an attempt that outlasts its timeout for no answer, and retries it', async () => {
    // Prepare: the first attempt hangs until its signal aborts it.
    const { fetch, sent } = scriptedFetch(
      (request) =>
        new Promise<Response>((_resolve, reject) => {
          signals[0]?.addEventListener('abort', () => reject(signals[0]?.reason));
          void request;
        }),
      accepted('id-1'),
    );
    const signals: AbortSignal[] = [];
    const recording: typeof globalThis.fetch = (input, init) => {
      if (init?.signal) signals.push(init.signal);
      return fetch(input, init);
    };
    const { client } = clientWith(recording, { retry: { attemptTimeoutMs: 20 } });

    // Act
    const result = await client.send(MUTE);

    // Assess
    expect(sent).toHaveLength(2);
    expect(result.attempts).toBe(2);
  });

  it('tells each retry to onRetry', async () => {
    // Prepare
    const notices: unknown[] = [];
    const { fetch } = scriptedFetch(json(503, { message: 'busy' }), accepted('id-1'));
    const { client } = clientWith(fetch, { onRetry: (notice) => notices.push(notice) });

    // Act
    await client.send(MUTE);

    // Assess
    expect(notices).toEqual([
      { attempt: 1, delayMs: 100, status: 503, error: expect.any(BridgeServerError) },
    ]);
  });

  it('throws an answer it cannot read, without retrying', async () => {
    // Prepare
    const { fetch, sent } = scriptedFetch(json(202, { accepted: [{ eventId: 'other' }] }));
    const { client } = clientWith(fetch);

    // Act
    const error = await client.send(MUTE).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(UnexpectedAnswerError);
    expect(sent).toHaveLength(1);
  });
});

describe('BridgeClient.status', () => {
  const item = {
    eventId: 'evt 1',
    status: 'applied',
    groupId: 'g',
    account: 'bob',
    action: 'mute',
    acceptedAt: '2026-01-31T12:00:00.000Z',
    updatedAt: '2026-01-31T12:00:01.000Z',
    attempts: 1,
    appliedAt: '2026-01-31T12:00:01.000Z',
    history: [{ at: '2026-01-31T12:00:01.000Z', outcome: 'applied', attempt: 1, code: 0, ms: 80 }],
  };

  it('GETs the event by its URL-encoded id, after retries, and returns its status', async () => {
    // Prepare
    const { fetch, sent } = scriptedFetch(json(503, { message: 'busy' }), json(200, item));
    const { client } = clientWith(fetch);

    // Act
    const status = await client.status('evt 1');

    // Assess
    expect(status).toEqual(item);
    expect(sent.map((request) => [request.method, request.url, request.body])).toEqual([
      ['GET', `${URL_}/evt%201`, undefined],
      ['GET', `${URL_}/evt%201`, undefined],
    ]);
  });

  it('returns undefined for an unknown event and throws a 400', async () => {
    // Prepare
    const invalid = {
      message: 'invalid request: 1 invalid field',
      issues: [{ path: 'eventId', rule: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' }],
      issueCount: 1,
    };
    const { fetch } = scriptedFetch(json(404, { message: 'no event with this eventId' }), json(400, invalid));
    const { client } = clientWith(fetch);

    // Act
    const missing = await client.status('nope');
    const error = await client.status('a/b').catch((caught: unknown) => caught);

    // Assess
    expect(missing).toBeUndefined();
    expect(error).toMatchObject({ status: 400, issues: invalid.issues });
  });
});

describe('BridgeClient authentication', () => {
  it('signs each attempt of a webhook delivery with the same webhook-id and a fresh timestamp', async () => {
    // Prepare: the real clock, which Webhook.verify reads.
    let clock = Date.now();
    const { fetch, sent } = scriptedFetch(json(503, { message: 'busy' }), accepted('id-1'));
    const client = new BridgeClient({
      url: URL_,
      auth: { kind: 'webhook', secret: SECRET },
      fetch,
      now: () => clock,
      sleep: async () => {
        clock += 60_000;
      },
      randomId: () => 'id-1',
    });

    // Act
    await client.send(MUTE);

    // Assess
    const [first, second] = sent;
    const verified = sent.map((request) =>
      new Webhook(SECRET).verify(request.body ?? '', request.headers, { jsonParse: true }),
    );
    expect(verified).toEqual([
      { events: [{ ...MUTE, eventId: 'id-1' }] },
      { events: [{ ...MUTE, eventId: 'id-1' }] },
    ]);
    expect(first?.headers['webhook-id']).toBe('msg_id-1');
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    expect(Number(second?.headers['webhook-timestamp'])).toBe(
      Number(first?.headers['webhook-timestamp']) + 60,
    );
    expect(first?.headers['x-api-key']).toBeUndefined();
  });

  it('makes signatures that fail verification with another secret or another body', () => {
    // Prepare
    const body = JSON.stringify({ events: [{ ...MUTE, eventId: 'e1' }] });
    const headers = webhookHeaders(SECRET, 'msg_1', new Date(), body);

    // Act
    const otherSecret = () => new Webhook('whsec_QWxhZGRpbjpvcGVuIHNlc2FtZQ==').verify(body, { ...headers });
    const otherBody = () => new Webhook(SECRET).verify(body.replace('600', '6000'), { ...headers });

    // Assess
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(otherSecret).toThrow('No matching signature found');
    expect(otherBody).toThrow('No matching signature found');
  });

  it('refuses a webhook secret that is not base64, without quoting it', () => {
    // Act
    const attempt = () =>
      new BridgeClient({ url: URL_, auth: { kind: 'webhook', secret: 'whsec_not base64!' } });

    // Assess
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('the webhook secret must be whsec_ followed by base64');
    expect(attempt).not.toThrow(/not base64!/);
  });

  it('in webhook mode, signs send as a webhook and status with the iam credentials given (SigV4)', async () => {
    // Prepare: a webhook-mode bridge checks SigV4 on GET /v1/events/{eventId}.
    const { fetch, sent } = scriptedFetch(
      accepted('id-1'),
      json(404, { message: 'no event with this eventId' }),
    );
    const { client } = clientWith(fetch, {
      auth: {
        kind: 'webhook',
        secret: SECRET,
        iam: { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
      },
    });

    // Act
    await client.send(MUTE);
    await client.status('id-1');

    // Assess
    const [post, get] = sent;
    expect(post?.headers['webhook-signature']).toMatch(/^v1,/);
    expect(post?.headers.authorization).toBeUndefined();
    expect(get).toMatchObject({ method: 'GET', url: `${URL_}/id-1` });
    expect(get?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260131\/ap-southeast-1\/execute-api\/aws4_request, /,
    );
    expect(Object.keys(get?.headers ?? {}).filter((name) => name.startsWith('webhook-'))).toEqual([]);
  });

  it('in webhook mode without iam, throws a ConfigError from status before any request', async () => {
    // Prepare
    const { fetch, sent } = scriptedFetch(accepted('id-1'));
    const { client } = clientWith(fetch, { auth: { kind: 'webhook', secret: SECRET } });

    // Act
    const sentResult = await client.send(MUTE);
    const error = await client.status('id-1').catch((caught: unknown) => caught);

    // Assess
    expect(sentResult.results).toEqual([{ eventId: 'id-1', outcome: 'accepted' }]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      message: expect.stringMatching(/^status\(\) needs auth\.iam in webhook mode: the bridge checks SigV4/),
    });
    expect(sent).toHaveLength(1);
  });

  it('signs with SigV4 for execute-api in the region of the URL', async () => {
    // Prepare
    const { fetch, sent } = scriptedFetch(accepted('id-1'));
    const { client } = clientWith(fetch, {
      auth: { kind: 'iam', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
    });

    // Act
    await client.send(MUTE);

    // Assess
    const headers = sent[0]?.headers ?? {};
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260131\/ap-southeast-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-date']).toBe('20260131T120000Z');
    expect(headers.host).toBeUndefined();
  });

  it('needs a region for a URL that names none', () => {
    // Act
    const attempt = (env: Record<string, string>) =>
      new BridgeClient({ url: 'http://127.0.0.1:3000/v1/events', auth: { kind: 'iam' }, env });

    // Assess
    expect(() => attempt({})).toThrow('no AWS region to sign for');
    expect(attempt({ AWS_REGION: 'us-east-1' }).url.href).toBe('http://127.0.0.1:3000/v1/events');
  });

  it('refuses plain http except on the loopback interface, and an empty key', () => {
    // Act
    const attempt =
      (url: string, key = 'k') =>
      () =>
        new BridgeClient({ url, auth: { kind: 'apiKey', key } });

    // Assess
    expect(attempt('http://bridge.example.com/v1/events')).toThrow('must be https');
    expect(attempt('ftp://bridge.example.com/v1/events')).toThrow('must be https');
    expect(attempt('https://bridge.example.com/v1/events?x=1')).toThrow('no query');
    expect(attempt(URL_, '')).toThrow('the API key is empty');
    expect(attempt('http://localhost:3000/v1/events/')).not.toThrow();
  });
});
