import { Logger } from '@aws-lambda-powertools/logger';
import { type ModerationEvent, validateEvents } from '#shared/contract';
import {
  ConfigError,
  EnqueueError,
  EventConflictError,
  LedgerUnavailableError,
  MalformedBodyError,
  MessageFormatError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#shared/errors';
import { errorResponse } from '#shared/http';
import {
  acceptEvents,
  type EventQueue,
  type IngestRequest,
  planBatches,
  type QueueEntry,
  queueUnsafeCharacter,
} from '#shared/ingest';
import { toQueueMessage } from '#shared/queue';
import { MemoryLedgerStore } from '../../tools/memory-ledger';

const entry = (eventId: string, key: string, bytes = 10, orderKeys = [key]): QueueEntry => ({
  eventId,
  messageGroupId: 'one group lane',
  orderKeys,
  body: 'x'.repeat(bytes),
});
const ids = (batches: QueueEntry[][]) => batches.map((batch) => batch.map((e) => e.eventId));

describe('planBatches', () => {
  it('keeps order and fills calls up to the count limit', () => {
    const entries = Array.from({ length: 5 }, (_, i) => entry(`e${i}`, `g${i}`));
    expect(ids(planBatches(entries, 2, 1_000))).toEqual([['e0', 'e1'], ['e2', 'e3'], ['e4']]);
  });

  it('starts a new call at the byte limit', () => {
    const entries = [entry('a', 'g1', 60), entry('b', 'g2', 60), entry('c', 'g3', 30)];
    expect(ids(planBatches(entries, 10, 100))).toEqual([['a'], ['b', 'c']]);
  });

  it('puts at most one event of a member in a call', () => {
    const entries = [entry('a1', 'A'), entry('b1', 'B'), entry('a2', 'A'), entry('a3', 'A')];
    expect(ids(planBatches(entries, 10, 1_000))).toEqual([['a1', 'b1'], ['a2'], ['a3']]);
  });

  it('puts a bulk event and an event about one of its accounts in different calls', () => {
    const entries = [
      entry('bulk', '', 10, ['m a', 'm b', 'm c']),
      entry('d1', 'm d'),
      entry('b1', 'm b'),
      entry('e1', 'm e'),
    ];
    expect(ids(planBatches(entries, 10, 1_000))).toEqual([
      ['bulk', 'd1'],
      ['b1', 'e1'],
    ]);
  });

  it('plans nothing for no entries', () => {
    expect(planBatches([], 10, 1_000)).toEqual([]);
  });
});

/** A queue that records what it is sent. */
function recordingQueue(options: { maxBatchBytes?: number; fail?: Error } = {}) {
  const sent: QueueEntry[] = [];
  const queue: EventQueue = {
    maxBatchSize: 10,
    maxBatchBytes: options.maxBatchBytes ?? 262_144,
    async send(entries) {
      if (options.fail) throw options.fail;
      sent.push(...entries);
      return { refused: [] };
    },
  };
  return { queue, sent };
}

const logger = new Logger({ logLevel: 'SILENT' });
const member = '"groupId":"@TGS#2CLUZEAEJ","account":"bob"';

/** Runs acceptEvents on a JSON text body; returns the error it threw (or undefined) and what was sent. */
async function accept(
  body: string,
  request: Partial<IngestRequest> = {},
  queueOptions: Parameters<typeof recordingQueue>[0] = {},
): Promise<{ error: unknown; sent: QueueEntry[] }> {
  const { queue, sent } = recordingQueue(queueOptions);
  try {
    await acceptEvents(
      {
        body,
        isBase64Encoded: false,
        contentType: 'application/json',
        contentEncoding: undefined,
        ...request,
      },
      { queue, ledger: new MemoryLedgerStore(), ledgerRetentionDays: 14, logger, maxBodyBytes: 262_144 },
    );
    return { error: undefined, sent };
  } catch (error) {
    return { error, sent };
  }
}

const issues = (error: unknown) => (error instanceof ValidationError ? error.issues : []);

describe('acceptEvents: hostile and unusual bodies are a 4xx, and nothing is enqueued', () => {
  it('enqueues a valid event', async () => {
    // Act
    const { error, sent } = await accept(`{${member},"action":"unmute","eventId":"ok"}`);

    // Assess
    expect(error).toBeUndefined();
    expect(sent.map((entry) => entry.eventId)).toEqual(['ok']);
  });

  it.each([
    ['a duplicate field', `{${member},"action":"unmute","account":"carol"}`, 'account'],
    [
      'a duplicate field in the third event',
      `{"events":[{${member},"action":"unmute"},{${member},"action":"unmute"},{${member},"action":"unmute","account":"carol"}]}`,
      'events[2].account',
    ],
    [
      'events twice',
      `{"events":[{${member},"action":"unmute"}],"events":[{${member},"action":"mute"}]}`,
      'events',
    ],
    [
      'a duplicate data key',
      `{${member},"action":"set_member_data","data":{"level":"gold","level":"bronze"}}`,
      'data.level',
    ],
  ])('refuses %s with `duplicate key`', async (_name, body, path) => {
    // Act
    const { error, sent } = await accept(body);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(issues(error)).toEqual([{ path, rule: 'duplicate key' }]);
    expect(sent).toEqual([]);
  });

  it.each([
    ['__proto__ at the top', `{"__proto__":{"x":1},"events":[{${member},"action":"unmute"}]}`, '__proto__'],
    ['__proto__ in an event', `{${member},"action":"unmute","__proto__":{"isAdmin":true}}`, '__proto__'],
    [
      '__proto__ in data',
      `{${member},"action":"set_member_data","data":{"__proto__":"x"}}`,
      'data.__proto__',
    ],
    ['constructor in an event', `{${member},"action":"unmute","constructor":{}}`, 'constructor'],
    [
      'prototype in a batch event',
      `{"events":[{${member},"action":"unmute","prototype":1}]}`,
      'events[0].prototype',
    ],
    [
      '__proto__ deep inside an unknown field',
      `{${member},"action":"unmute","extra":{"a":[{"__proto__":1}]}}`,
      'extra.a[0].__proto__',
    ],
  ])('refuses %s with `reserved key`', async (_name, body, path) => {
    // Act
    const { error, sent } = await accept(body);

    // Assess
    expect(issues(error)).toEqual([{ path, rule: 'reserved key' }]);
    expect(sent).toEqual([]);
  });

  it('refuses U+FFFF in the last event of a batch before any of it is enqueued', async () => {
    // Prepare: 25 members, so three SQS calls; the last name card holds a character SQS refuses.
    const events = Array.from({ length: 25 }, (_, i) => ({
      groupId: 'g',
      account: `user${i}`,
      action: 'set_name_card',
      nameCard: i === 24 ? 'bob\uFFFF' : 'bob',
    }));

    // Act
    const { error, sent } = await accept(JSON.stringify({ events }));

    // Assess
    expect(issues(error)).toEqual([
      { path: 'events[24].nameCard', rule: 'must not contain Unicode non-characters (U+FFFF)' },
    ]);
    expect(sent).toEqual([]);
  });

  it.each([
    [
      'a charset other than utf-8',
      { contentType: 'application/json; charset=iso-8859-1' },
      UnsupportedMediaTypeError,
    ],
    ['a content coding', { contentEncoding: 'gzip' }, UnsupportedMediaTypeError],
    [
      'bytes that are not UTF-8',
      { body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), isBase64Encoded: true },
      MalformedBodyError,
    ],
    ['a byte-order mark', { body: `\uFEFF{${member},"action":"unmute"}` }, MalformedBodyError],
    [
      'base64 with junk',
      { body: `${Buffer.from(`{${member},"action":"unmute"}`).toString('base64')}*`, isBase64Encoded: true },
      MalformedBodyError,
    ],
    [
      'nesting deeper than 16 levels',
      { body: `{${member},"action":"unmute","x":${'['.repeat(20)}${']'.repeat(20)}}` },
      MalformedBodyError,
    ],
  ])('refuses %s', async (_name, request, type) => {
    // Act
    const { error, sent } = await accept(`{${member},"action":"unmute"}`, request);

    // Assess
    expect(error).toBeInstanceOf(type);
    expect(sent).toEqual([]);
  });

  it('refuses an event too large for the queue, naming it', async () => {
    // Prepare: a queue that takes at most 400 bytes per message.
    const events = [{ reason: 'short' }, { reason: 'r'.repeat(400) }].map((fields, i) => ({
      groupId: 'g',
      account: `user${i}`,
      action: 'unmute',
      ...fields,
    }));

    // Act
    const { error, sent } = await accept(JSON.stringify({ events }), {}, { maxBatchBytes: 400 });

    // Assess
    expect(issues(error)).toEqual([
      {
        path: 'events[1]',
        rule: expect.stringMatching(/^must be at most 400 bytes once queued \(is \d+\)$/),
      },
    ]);
    expect(sent).toEqual([]);
  });

  it('says a queue failure is retryable', async () => {
    // Act
    const { error } = await accept(`{${member},"action":"unmute"}`, {}, { fail: new Error('throttled') });

    // Assess
    expect(error).toBeInstanceOf(EnqueueError);
    expect(error).toHaveProperty('retryable', true);
  });
});

describe('queueUnsafeCharacter', () => {
  it.each([
    ['plain', undefined],
    ['tab\tline\nreturn\r', undefined],
    ['😀 \uFFFD \u{10FFFF} \u007F \u0085', undefined],
    ['nul\u0000', 0x0000],
    ['bell\u0007', 0x0007],
    ['\uFFFE', 0xfffe],
    ['\uFFFF', 0xffff],
    ['lone \uD800', 0xd800],
    ['lone \uDC00', 0xdc00],
  ])('%j -> %s', (body, expected) => {
    expect(queueUnsafeCharacter(body)).toBe(expected);
  });

  it('never finds one in the queue message of a valid event', () => {
    // Prepare: every character the contract has a rule on, and its neighbours, in every free-text field.
    const codePoints = [
      ...Array.from({ length: 0xa0 }, (_, i) => i),
      0xd7ff,
      0xd800,
      0xdbff,
      0xdc00,
      0xdfff,
      0xe000,
      0xfdcf,
      0xfdd0,
      0xfdef,
      0xfdf0,
      0xfeff,
      0xfffd,
      0xfffe,
      0xffff,
      0x10000,
      0x1fffe,
      0x1ffff,
      0x10fffd,
      0x10fffe,
      0x10ffff,
    ];
    const receivedAt = new Date();
    let valid = 0;

    for (const codePoint of codePoints) {
      const char = String.fromCodePoint(codePoint);
      const lone = codePoint >= 0xd800 && codePoint <= 0xdfff ? String.fromCharCode(codePoint) : char;
      for (const fields of [
        { action: 'set_name_card', nameCard: `a${lone}` },
        { action: 'unmute', reason: `a${lone}` },
        { action: 'set_member_data', data: { level: `a${lone}` } },
        { action: 'set_member_data', data: { [`a${lone}`]: 'x' } },
      ]) {
        let event: ModerationEvent | undefined;
        try {
          [event] = validateEvents({ groupId: 'g', account: 'bob', ...fields }, receivedAt);
        } catch (error) {
          if (error instanceof ValidationError) continue;
          throw error;
        }
        if (event === undefined) throw new Error('validateEvents returned no event');
        valid++;

        // Assess
        const body = JSON.stringify(toQueueMessage(event, receivedAt));
        expect({ codePoint, fields, unsafe: queueUnsafeCharacter(body) }).toEqual({
          codePoint,
          fields,
          unsafe: undefined,
        });
      }
    }
    expect(valid).toBeGreaterThan(20);
  });
});

describe('errorResponse', () => {
  it('lists the first 100 issues and counts them all', () => {
    // Prepare
    const error = new ValidationError(
      Array.from({ length: 20_000 }, (_, i) => ({ path: `f${i}`, rule: 'unknown field' })),
    );

    // Act
    const response = errorResponse(error, 'req-1');

    // Assess
    const payload = JSON.parse(response.body);
    expect(response.statusCode).toBe(400);
    expect(payload.message).toBe('invalid request: 20000 invalid fields (first 100 listed)');
    expect(payload.issues).toHaveLength(100);
    expect(payload.issues[99]).toEqual({ path: 'f99', rule: 'unknown field' });
    expect(payload.issueCount).toBe(20_000);
    expect(response.body.length).toBeLessThan(5_000);
  });

  it.each([
    [new MalformedBodyError('request body is not valid base64'), 400],
    [new PayloadTooLargeError(10), 413],
    [new UnsupportedMediaTypeError('Content-Type must be application/json, got none'), 415],
  ])('answers %s with %i and its message', (error, status) => {
    // Act
    const response = errorResponse(error, 'req-1');

    // Assess
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body)).toEqual({ message: error.message });
  });

  it.each([
    [new Error('connect ECONNREFUSED 10.0.0.7:443')],
    [new MessageFormatError('invalid queue message: usersig=eJ-secret')],
    [new ConfigError('Invalid configuration: QUEUE_URL=https://internal')],
    ['a thrown string'],
  ])('answers %s with a generic 500 and the request id only', (error) => {
    // Act
    const response = errorResponse(error, 'req-1');

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ message: 'internal error', requestId: 'req-1' });
  });
});

describe('acceptEvents: the ledger', () => {
  const start = new Date('2026-12-01T10:00:00Z');
  /** An ingest with a ledger that lasts across requests and a clock the test moves. */
  function ingest() {
    const ledger = new MemoryLedgerStore();
    const { queue, sent } = recordingQueue();
    let now = start;
    let failQueue = false;
    const flaky: EventQueue = {
      ...queue,
      send: (entries) => (failQueue ? Promise.reject(new Error('SQS unavailable')) : queue.send(entries)),
    };
    const post = (payload: unknown) =>
      acceptEvents(
        {
          body: JSON.stringify(payload),
          isBase64Encoded: false,
          contentType: 'application/json',
          contentEncoding: undefined,
        },
        { queue: flaky, ledger, ledgerRetentionDays: 14, logger, maxBodyBytes: 262_144, now: () => now },
      );
    return {
      ledger,
      sent,
      post,
      later: (ms: number) => {
        now = new Date(now.getTime() + ms);
      },
      setQueueFailing: (failing: boolean) => {
        failQueue = failing;
      },
    };
  }
  const mute = { groupId: 'g1', account: 'bob', action: 'mute', durationSeconds: 600, eventId: 'evt-1' };

  it('records a new event before enqueueing it, then marks it queued', async () => {
    // Prepare
    const { ledger, sent, post } = ingest();

    // Act
    const result = await post(mute);

    // Assess
    expect(result).toEqual({ accepted: [{ eventId: 'evt-1' }] });
    expect(sent.map((entry) => entry.eventId)).toEqual(['evt-1']);
    expect(ledger.items.get('evt-1')).toMatchObject({
      status: 'queued',
      groupId: 'g1',
      account: 'bob',
      action: 'mute',
      attempts: 0,
      acceptedAt: start.toISOString(),
      history: [
        { at: start.toISOString(), outcome: 'received' },
        { at: start.toISOString(), outcome: 'queued' },
      ],
      expiresAt: start.getTime() / 1000 + 14 * 86_400,
    });
  });

  it.each([
    ['at once', 0],
    ['after 10 minutes, past SQS deduplication', 600_000],
    ['after 13 days', 13 * 86_400_000],
  ])('answers a resend of the same content %s as a duplicate and does not enqueue it', async (_when, ms) => {
    // Prepare: the same event with its keys in another order.
    const { sent, post, later } = ingest();
    await post(mute);
    later(ms);

    // Act
    const result = await post({
      durationSeconds: 600,
      eventId: 'evt-1',
      action: 'mute',
      account: 'bob',
      groupId: 'g1',
    });

    // Assess
    expect(result).toEqual({ accepted: [{ eventId: 'evt-1', duplicate: true }] });
    expect(sent).toHaveLength(1);
  });

  it.each([
    ['another member', { account: 'carol' }],
    ['another action', { action: 'unmute', durationSeconds: undefined }],
    ['another value', { durationSeconds: 601 }],
  ])('refuses the same eventId for %s with a 409, all or nothing', async (_case, change) => {
    // Prepare
    const { ledger, sent, post } = ingest();
    await post(mute);

    // Act: a batch whose third event reuses evt-1.
    const events = [
      { ...mute, eventId: 'evt-2', account: 'dave' },
      { ...mute, eventId: 'evt-3', account: 'erin' },
      { ...mute, ...change },
    ];
    const error = await post({ events }).catch((caught: unknown) => caught);

    // Assess: nothing enqueued, nothing recorded.
    expect(error).toBeInstanceOf(EventConflictError);
    expect(errorResponse(error, 'req-1')).toMatchObject({ statusCode: 409 });
    expect(JSON.parse(errorResponse(error, 'req-1').body)).toEqual({
      message: '1 eventId(s) of this request were already used for other events; nothing was enqueued',
      conflicts: [{ index: 2, eventId: 'evt-1' }],
    });
    expect(sent).toHaveLength(1);
    expect([...ledger.items.keys()]).toEqual(['evt-1']);
  });

  it('enqueues, on a resend, an event recorded whose enqueue was never confirmed', async () => {
    // Prepare: the ledger write succeeds, the SQS send fails.
    const { ledger, sent, post, setQueueFailing } = ingest();
    setQueueFailing(true);
    const failed = await post(mute).catch((caught: unknown) => caught);
    setQueueFailing(false);

    // Act
    const result = await post(mute);

    // Assess
    expect(failed).toBeInstanceOf(EnqueueError);
    expect(result).toEqual({ accepted: [{ eventId: 'evt-1' }] });
    expect(sent.map((entry) => entry.eventId)).toEqual(['evt-1']);
    expect(ledger.items.get('evt-1')?.status).toBe('queued');
  });

  it('names in a 503 only the events it tried to enqueue, not the duplicates of the request', async () => {
    // Prepare: evt-1 is on the queue already; then the queue fails.
    const { post, setQueueFailing } = ingest();
    await post(mute);
    setQueueFailing(true);

    // Act: a resend of evt-1 with a new event.
    const error = await post({ events: [mute, { ...mute, eventId: 'evt-2', account: 'dave' }] }).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toBeInstanceOf(EnqueueError);
    expect(error instanceof EnqueueError ? [error.enqueued, error.notEnqueued] : []).toEqual([[], ['evt-2']]);
  });

  it('answers 503 and enqueues nothing when the ledger cannot be reached', async () => {
    // Prepare
    const { ledger, sent, post } = ingest();
    ledger.failNext('getMany');

    // Act
    const error = await post(mute).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    const response = errorResponse(error, 'req-1');
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      message: 'the event ledger could not be reached; nothing was enqueued: resend the same request as is',
      requestId: 'req-1',
    });
    expect(sent).toEqual([]);
  });

  it('still answers 202 when the events are enqueued but cannot be marked queued', async () => {
    // Prepare
    const { ledger, sent, post } = ingest();
    ledger.failNext('transition');

    // Act
    const result = await post(mute);

    // Assess: the consumer records the outcome; the item says received until then.
    expect(result).toEqual({ accepted: [{ eventId: 'evt-1' }] });
    expect(sent).toHaveLength(1);
    expect(ledger.items.get('evt-1')?.status).toBe('received');
  });
});
