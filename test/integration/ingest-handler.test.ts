import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { apiEvent, lambdaContext } from '../helpers/factories';
import { type LedgerTable, startLedgerTable } from '../helpers/ledger-table';

const sqs = mockClient(SQSClient);

let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
const logLines: string[] = [];
const outputSpies: jest.SpyInstance[] = [];
let ledgerTable: LedgerTable;

beforeAll(async () => {
  // The handler's logger reads its level once, at import ("cold start"); its lines are captured.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  for (const stream of [process.stdout, process.stderr]) {
    outputSpies.push(
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logLines.push(String(chunk));
        return true;
      }),
    );
  }
  // The ledger is a real (in-memory) DynamoDB on 127.0.0.1: the handler's SDK client finds it.
  ledgerTable = await startLedgerTable();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ledgerTable.endpoint;
  ({ handler } = await import('../../functions/ingest'));
});

afterAll(async () => {
  for (const spy of outputSpies) spy.mockRestore();
  await ledgerTable.close();
});

/** The captured log lines with this message, parsed. */
const logged = (message: string): Record<string, unknown>[] =>
  logLines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((line) => line.message === message);

const post = (body: unknown, overrides: Parameters<typeof apiEvent>[0] = {}) =>
  handler(
    apiEvent({ body: typeof body === 'string' ? body : JSON.stringify(body), ...overrides }),
    lambdaContext(),
  );

const event = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  groupId: '@TGS#2CLUZEAEJ',
  account: 'bob',
  action: 'mute',
  durationSeconds: 600,
  ...fields,
});

/** Every entry sent to SQS, over all SendMessageBatch calls. */
const sentEntries = () =>
  sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);

describe('ingest handler', () => {
  beforeEach(async () => {
    await ledgerTable.reset();
    logLines.length = 0;
    sqs.reset();
    sqs.on(SendMessageBatchCommand).callsFake(async () => ({ Successful: [], Failed: [] }));
  });

  it('records events in the ledger: a resend is a duplicate, another change under the same id a 409', async () => {
    // Prepare
    await post(event({ eventId: 'evt-led' }));

    // Act
    const resend = await post(event({ eventId: 'evt-led' }));
    const reuse = await post({
      events: [event({ eventId: 'evt-new' }), event({ eventId: 'evt-led', account: 'carol' })],
    });

    // Assess
    expect([resend.statusCode, JSON.parse(resend.body)]).toEqual([
      202,
      { accepted: [{ eventId: 'evt-led', duplicate: true }] },
    ]);
    expect([reuse.statusCode, JSON.parse(reuse.body)]).toEqual([
      409,
      {
        message: '1 eventId(s) of this request were already used for other events; nothing was enqueued',
        conflicts: [{ index: 1, eventId: 'evt-led' }],
      },
    ]);
    expect(sentEntries().map((entry) => entry.MessageDeduplicationId)).toEqual(['evt-led']);
    const items = await ledgerTable.store.getMany(['evt-led', 'evt-new']);
    expect(items.get('evt-led')?.status).toBe('queued');
    expect(items.has('evt-new')).toBe(false);
  });

  it('enqueues one event and answers 202 with its eventId', async () => {
    // Act
    const response = await post(event({ eventId: 'evt-1' }));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body)).toEqual({ accepted: [{ eventId: 'evt-1' }] });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    const [entry] = sentEntries();
    expect(entry).toMatchObject({
      MessageDeduplicationId: 'evt-1',
      MessageGroupId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(JSON.parse(entry?.MessageBody ?? '')).toMatchObject({
      v: 1,
      eventId: 'evt-1',
      action: 'mute',
      durationSeconds: 600,
      muteUntil: expect.any(String),
    });
  });

  it('enqueues group and account actions in their own message groups, as version 2, recorded without the other id', async () => {
    // Prepare: a member, its group and its account, with the same ids.
    const events = [
      event({ eventId: 'm1', action: 'remove', durationSeconds: undefined, silent: true }),
      { eventId: 'g1', groupId: '@TGS#2CLUZEAEJ', action: 'recall', msgSeqs: [3, 4] },
      { eventId: 'g2', groupId: '@TGS#2CLUZEAEJ', action: 'mute_all' },
      { eventId: 'a1', account: 'bob', action: 'kick' },
    ];

    // Act
    const response = await post({ events });

    // Assess: the group's two events share one message group; the member's and the account's differ.
    expect(response.statusCode).toBe(202);
    const groups = new Map(
      sentEntries().map((entry) => [entry.MessageDeduplicationId, entry.MessageGroupId]),
    );
    expect(groups.get('g1')).toBe(groups.get('g2'));
    expect(new Set([groups.get('m1'), groups.get('g1'), groups.get('a1')]).size).toBe(3);
    const bodies = sentEntries().map((entry) => JSON.parse(entry.MessageBody ?? ''));
    expect(bodies.map((body) => [body.v, body.action])).toEqual([
      [2, 'remove'],
      [2, 'recall'],
      [2, 'mute_all'],
      [2, 'kick'],
    ]);
    const items = await ledgerTable.store.getMany(['g1', 'a1']);
    expect(items.get('g1')).toMatchObject({ status: 'queued', groupId: '@TGS#2CLUZEAEJ', action: 'recall' });
    expect(items.get('g1')).not.toHaveProperty('account');
    expect(items.get('a1')).toMatchObject({ status: 'queued', account: 'bob', action: 'kick' });
    expect(items.get('a1')).not.toHaveProperty('groupId');
  });

  it('answers 400 naming a field the action does not take, and enqueues nothing', async () => {
    const response = await post({ groupId: '@TGS#2CLUZEAEJ', account: 'bob', action: 'kick' });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).issues).toEqual([
      { path: 'groupId', rule: "not allowed for action 'kick'" },
    ]);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it('generates an eventId when the client gives none', async () => {
    // Act
    const response = await post(event());

    // Assess
    const [accepted] = JSON.parse(response.body).accepted;
    expect(accepted.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sentEntries()[0]?.MessageDeduplicationId).toBe(accepted.eventId);
  });

  it("enqueues a batch of 25 members of one group in request order, ten per SQS call, in the group's message group", async () => {
    // Prepare
    const events = Array.from({ length: 25 }, (_, i) => event({ eventId: `evt-${i}`, account: `user${i}` }));

    // Act
    const response = await post({ events });

    // Assess
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body).accepted.map((a: { eventId: string }) => a.eventId)).toEqual(
      events.map((e) => e.eventId),
    );
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
    expect(sentEntries().map((entry) => entry.MessageDeduplicationId)).toEqual(events.map((e) => e.eventId));
    // Every member of a group shares the group's message group (the consumer orders them by member).
    const groups = new Set(sentEntries().map((entry) => entry.MessageGroupId));
    expect(groups.size).toBe(1);
  });

  it("never puts two events of one member in one SQS call, so a refusal cannot reorder a member's events", async () => {
    // Prepare
    const events = [
      event({ eventId: 'bob-1' }),
      event({ eventId: 'alice-1', account: 'alice' }),
      event({ eventId: 'bob-2' }),
      event({ eventId: 'carol-1', account: 'carol' }),
    ];

    // Act
    await post({ events });

    // Assess
    const calls = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.MessageDeduplicationId));
    expect(calls).toEqual([
      ['bob-1', 'alice-1'],
      ['bob-2', 'carol-1'],
    ]);
  });

  it('answers a body that is not UTF-8 with a 400, and enqueues nothing', async () => {
    // Prepare: 100 kB of bytes that are not UTF-8 (once they became U+FFFD each, and the event too large to queue).
    const head = Buffer.from('{"groupId":"g1","account":"bob","action":"set_member_data","data":{"k":"');
    const body = Buffer.concat([head, Buffer.alloc(100_000, 0xff), Buffer.from('"}}')]);

    // Act
    const response = await post(body.toString('base64'), { isBase64Encoded: true });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ message: 'request body is not valid UTF-8' });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('decodes a base64-encoded body', async () => {
    // Act
    const response = await post(Buffer.from(JSON.stringify(event({ eventId: 'b64' }))).toString('base64'), {
      isBase64Encoded: true,
    });

    // Assess
    expect(response.statusCode).toBe(202);
    expect(sentEntries()[0]?.MessageDeduplicationId).toBe('b64');
  });

  it('answers 400 listing every invalid event, and enqueues nothing', async () => {
    // Prepare
    const events = [event(), event({ durationSeconds: 0 }), event({ action: 'unmute' })];

    // Act
    const response = await post({ events });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      message: 'invalid request: 2 invalid fields',
      issues: [
        { path: 'events[1].durationSeconds', rule: 'must be an integer from 1 to 4294967295' },
        { path: 'events[2].durationSeconds', rule: "not allowed for action 'unmute'" },
      ],
      issueCount: 2,
    });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it.each([
    ['a body that is not JSON', 400, '{"groupId": ', {}, /^request body is not valid JSON: /],
    ['an empty body', 400, '', {}, /^request body is empty; expected a JSON event$/],
    [
      'another content type',
      415,
      'groupId=x',
      { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      /^Content-Type must be application\/json, got 'application\/x-www-form-urlencoded'$/,
    ],
    [
      'a charset other than UTF-8',
      415,
      JSON.stringify(event()),
      { headers: { 'Content-Type': 'application/json; charset="ISO-8859-1"' } },
      /^Content-Type charset must be utf-8, got 'ISO-8859-1'$/,
    ],
    [
      'a compressed body',
      415,
      JSON.stringify(event()),
      { headers: { 'Content-Type': 'application/json', 'CONTENT-ENCODING': 'gzip' } },
      /^Content-Encoding must be identity or absent \(send the body uncompressed\), got 'gzip'$/,
    ],
    ['a body with a byte-order mark', 400, `\uFEFF${JSON.stringify(event())}`, {}, /byte-order mark/],
    [
      'base64 with trailing junk',
      400,
      `${Buffer.from(JSON.stringify(event())).toString('base64')}#junk`,
      { isBase64Encoded: true },
      /^request body is not valid base64$/,
    ],
    [
      'a duplicate key',
      400,
      '{"groupId":"g","account":"bob","account":"carol","action":"unmute"}',
      {},
      /^invalid request: 1 invalid field$/,
    ],
    [
      'an oversized body',
      413,
      JSON.stringify({ events: [event({ reason: 'r'.repeat(1_100_000) })] }),
      {},
      /^request body is larger than 1048576 bytes$/,
    ],
  ] as const)('answers %s with a clear %i', async (_name, status, body, overrides, message) => {
    // Act
    const response = await post(body, overrides);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).message).toMatch(message);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it.each([
    ['an event', '{"groupId":"g","account":"bob","action":"unmute","__proto__":{"admin":true}}', '__proto__'],
    [
      'data',
      '{"groupId":"g","account":"bob","action":"set_member_data","data":{"level":"gold","__proto__":"x"}}',
      'data.__proto__',
    ],
  ])(
    'answers a __proto__ key in %s with a 400 naming it, instead of dropping it',
    async (_name, body, path) => {
      // Act
      const response = await post(body);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).issues).toEqual([{ path, rule: 'reserved key' }]);
      expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    },
  );

  it('accepts a content type with a charset, in any header case', async () => {
    // Act
    const response = await post(event(), { headers: { 'CONTENT-TYPE': 'Application/JSON; charset=utf-8' } });

    // Assess
    expect(response.statusCode).toBe(202);
  });

  it('accepts a quoted charset and an identity content coding', async () => {
    // Act
    const response = await post(event(), {
      headers: { 'content-type': 'application/json; charset="UTF-8"', 'Content-Encoding': 'identity' },
    });

    // Assess
    expect(response.statusCode).toBe(202);
  });

  it('answers a body of 20,000 unknown fields briefly, and logs neither the body nor the answer', async () => {
    // Prepare: a 230 kB event of unknown fields, the last holding a marker that must not reach the log.
    const fields = Object.fromEntries(Array.from({ length: 19_999 }, (_, i) => [`f${i}`, 12]));
    const body = JSON.stringify(event({ ...fields, last: 'SECRET' }));
    expect(body.length).toBeGreaterThan(220_000);

    // Act
    const response = await post(body);

    // Assess: the first 100 issues and the count, instead of an 800 kB answer.
    expect(response.statusCode).toBe(400);
    const payload = JSON.parse(response.body);
    expect(payload.message).toBe('invalid request: 20000 invalid fields (first 100 listed)');
    expect(payload.issues).toHaveLength(100);
    expect(payload.issues[0]).toEqual({ path: 'f0', rule: 'unknown field' });
    expect(payload.issueCount).toBe(20_000);
    expect(response.body.length).toBeLessThan(10_000);
    // One short log line: the body's size and the first five issues.
    const [line, ...more] = logged('request rejected');
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      statusCode: 400,
      bodyChars: body.length,
      isBase64Encoded: false,
      issueCount: 20_000,
      issues: payload.issues.slice(0, 5),
    });
    expect(JSON.stringify(line).length).toBeLessThan(2_000);
    expect(logLines.join('')).not.toContain('SECRET');
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('logs why a body was refused, not the body', async () => {
    // Act
    const response = await post('{"groupId": "SECRET", ', {});

    // Assess
    expect(response.statusCode).toBe(400);
    const [line] = logged('request rejected');
    expect(line).toMatchObject({
      statusCode: 400,
      bodyChars: 22,
      reason: expect.stringMatching(/^request body is not valid JSON: unexpected end of input/),
    });
    expect(logLines.join('')).not.toContain('SECRET');
  });

  it('answers a valid batch that holds U+FFFF with a 400 before anything is enqueued', async () => {
    // Prepare: 25 members (three SQS calls); the last reason holds a character SQS refuses.
    const events = Array.from({ length: 25 }, (_, i) =>
      event({ eventId: `evt-${i}`, account: `user${i}`, reason: i === 24 ? 'spam\uFFFF' : 'spam' }),
    );

    // Act
    const response = await post({ events });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).issues).toEqual([
      { path: 'events[24].reason', rule: 'must not contain Unicode non-characters (U+FFFF)' },
    ]);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('answers 503 naming the enqueued events when SQS fails midway, without internals', async () => {
    // Prepare
    const events = Array.from({ length: 25 }, (_, i) => event({ eventId: `evt-${i}`, account: `user${i}` }));
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [] })
      .rejectsOnce(new Error('ServiceUnavailable: internal host sqs-17.internal'));

    // Act
    const response = await post({ events });

    // Assess
    expect(response.statusCode).toBe(503);
    const payload = JSON.parse(response.body);
    expect(payload.enqueued).toEqual(events.slice(0, 10).map(({ eventId }) => ({ eventId })));
    expect(payload.notEnqueued).toEqual(events.slice(10).map(({ eventId }) => ({ eventId })));
    expect(payload.requestId).toBe('aws-req-1');
    expect(response.body).not.toContain('sqs-17');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
  });

  it('answers 503 when SQS refuses some entries of a batch, and sends no later batch', async () => {
    // Prepare: twelve members; the eighth entry of the first call is refused.
    const events = Array.from({ length: 12 }, (_, i) => event({ eventId: `evt-${i}`, account: `user${i}` }));
    sqs.on(SendMessageBatchCommand).resolvesOnce({
      Successful: [],
      Failed: [{ Id: 'e7', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
    });

    // Act
    const response = await post({ events });

    // Assess
    expect(response.statusCode).toBe(503);
    const payload = JSON.parse(response.body);
    expect(payload.notEnqueued).toEqual([{ eventId: 'evt-7' }, { eventId: 'evt-10' }, { eventId: 'evt-11' }]);
    expect(payload.enqueued).toHaveLength(9);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });
});
