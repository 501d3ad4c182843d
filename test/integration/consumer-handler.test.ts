import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { deadLetterIdOf } from '#shared/consumer';
import { lambdaContext, sqsRecord } from '../helpers/factories';
import { type LedgerTable, startLedgerTable } from '../helpers/ledger-table';
import { TencentStandIn } from '../helpers/tencent-standin';

const SECRET_KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const secretsManager = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);

let standIn: TencentStandIn;
let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;
const logLines: string[] = [];
const outputSpies: jest.SpyInstance[] = [];
let ledgerTable: LedgerTable;

beforeAll(async () => {
  standIn = await TencentStandIn.start();
  // The consumer reads its configuration once, at import ("cold start").
  Object.assign(process.env, {
    IM_ENDPOINT: standIn.url,
    TENCENT_TIMEOUT_MS: '300',
    TIME_RESERVE_MS: '200',
    SECRET_MAX_AGE_SECONDS: '0',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  // Capture the function's log lines (Powertools writes INFO to stdout, WARN and ERROR to stderr).
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
  ({ handler } = await import('../../functions/consumer'));
});

afterAll(async () => {
  for (const spy of outputSpies) spy.mockRestore();
  await ledgerTable.close();
  await standIn.stop();
});

beforeEach(async () => {
  await ledgerTable.reset();
  standIn.reset();
  sqs.reset();
  secretsManager.reset();
  logLines.length = 0;
  secretsManager.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({
      sdkAppId: 1400000000,
      identifier: 'administrator',
      secretKey: SECRET_KEY,
    }),
  });
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

// The consumer remembers attempts per message id for the life of its container (this test file), so
// each test uses ids of its own.
let testNumber = 0;
beforeEach(() => {
  testNumber++;
});
const id = (name: string) => `${name}-t${testNumber}`;

const consume = (records: SQSRecord[], remainingMs?: number) =>
  handler({ Records: records }, lambdaContext(remainingMs));

const failedIds = (response: SQSBatchResponse) => response.batchItemFailures.map((f) => f.itemIdentifier);

/** The visibility timeouts set, by receipt handle. */
const visibilityChanges = () =>
  Object.fromEntries(
    sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout]),
  );

/** The dead-letter sends, with attributes flattened to strings. */
const deadLetters = () =>
  sqs.commandCalls(SendMessageCommand).map((call) => ({
    ...call.args[0].input,
    attributes: Object.fromEntries(
      Object.entries(call.args[0].input.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        value.StringValue,
      ]),
    ),
  }));

describe('consumer handler', () => {
  it('applies an event: one call, the documented body, nothing failed', async () => {
    // Prepare
    const record = sqsRecord({ eventId: 'e-ok', action: 'set_role', role: 'admin' });

    // Act
    const response = await consume([record]);

    // Assess
    expect(failedIds(response)).toEqual([]);
    expect(standIn.calls.map((call) => call.body)).toEqual([
      { GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', Role: 'Admin' },
    ]);
    expect(standIn.calls[0]?.query.get('identifier')).toBe('administrator');
    expect(standIn.calls[0]?.query.get('sdkappid')).toBe('1400000000');
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    expect(sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityBatchCommand);
    expect(logLines.join('')).toContain('"eventId":"e-ok"');
  });

  it('retries 10002 with a backoff of about 2 s on the first attempt', async () => {
    // Prepare
    standIn.script.push({ code: 10002 });
    const record = sqsRecord({ action: 'unmute' }, { messageId: id('m1') });

    // Act
    const response = await consume([record]);

    // Assess
    expect(failedIds(response)).toEqual([id('m1')]);
    const visibility = visibilityChanges()[`rh-${id('m1')}`];
    expect(visibility).toBeGreaterThanOrEqual(1);
    expect(visibility).toBeLessThanOrEqual(2);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it.each<[string, Parameters<TencentStandIn['script']['push']>[0]]>([
    ['an HTTP 502', { http: 502 }],
    ['a dropped connection', { drop: true }],
    ['a rate limit (60007)', { code: 60007 }],
    ['an unknown code', { code: 99999 }],
  ])('retries after %s', async (_name, reply) => {
    // Prepare
    standIn.script.push(reply);

    // Act
    const response = await consume([
      sqsRecord({ action: 'unmute' }, { messageId: id('m1'), receiveCount: 3 }),
    ]);

    // Assess: received 3 times but attempted once (here): the first step, 1..2 s.
    expect(failedIds(response)).toEqual([id('m1')]);
    expect(visibilityChanges()[`rh-${id('m1')}`]).toBeGreaterThanOrEqual(1);
    expect(visibilityChanges()[`rh-${id('m1')}`]).toBeLessThanOrEqual(2);
  });

  it('retries a timed-out call only after the settle delay: the call may still land at Tencent', async () => {
    // Prepare
    standIn.script.push({ delayMs: 600 });

    // Act
    const response = await consume([sqsRecord({ action: 'unmute' }, { messageId: id('m1') })]);

    // Assess: TIMEOUT_SETTLE_SECONDS (10 by default) rather than the first backoff step of 1..2 s.
    expect(failedIds(response)).toEqual([id('m1')]);
    expect(visibilityChanges()[`rh-${id('m1')}`]).toBe(10);
  });

  it('holds later calls for a second after a rate-limit answer', async () => {
    // Prepare
    standIn.script.push({ code: 60007 });
    await consume([sqsRecord({ action: 'unmute' }, { messageId: id('m1') })]);

    // Act
    await consume([sqsRecord({ action: 'unmute', account: 'alice' }, { messageId: id('m2') })]);

    // Assess
    const [limited, next] = standIn.calls;
    expect((next?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('dead-letters a transient failure at the last attempt, with its reason, and acknowledges it', async () => {
    // Prepare: the same message, delivered and failing ten times.
    standIn.reply = () => ({ code: 10002, info: 'internal error' });
    const delivery = (receiveCount: number) =>
      sqsRecord(
        { eventId: 'e-last', action: 'unmute' },
        { messageId: id('m1'), receiveCount, receivedAt: sent },
      );
    const sent = new Date();
    const failedBefore: string[][] = [];

    // Act
    for (let receiveCount = 1; receiveCount < 10; receiveCount++) {
      failedBefore.push(failedIds(await consume([delivery(receiveCount)])));
    }
    const record = delivery(10);
    const response = await consume([record]);

    // Assess
    expect(failedBefore).toEqual(Array.from({ length: 9 }, () => [id('m1')]));
    expect(standIn.calls).toHaveLength(10);
    expect(failedIds(response)).toEqual([]);
    expect(deadLetters()).toEqual([
      expect.objectContaining({
        QueueUrl: process.env.DLQ_URL,
        MessageBody: record.body,
        MessageGroupId: record.attributes.MessageGroupId,
        // The delivery (the message and its receive count): a send retried within it writes one record.
        MessageDeduplicationId: deadLetterIdOf({ messageId: id('m1'), receiveCount: 10 }),
        attributes: {
          'bridge.errorKind': 'retries_exhausted',
          'bridge.errorCode': '10002',
          'bridge.errorInfo': 'internal error',
          'bridge.attempts': '10',
          'bridge.deadLetteredAt': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          'bridge.eventId': 'e-last',
        },
      }),
    ]);
  });

  it('dead-letters a permanent error (10010) at once, and counts it', async () => {
    // Prepare
    standIn.script.push({ code: 10010, info: 'group not found' });
    const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

    // Act
    const response = await consume([sqsRecord({ action: 'unmute' }, { messageId: id('m1') })]);

    // Assess
    expect(failedIds(response)).toEqual([]);
    expect(standIn.calls).toHaveLength(1);
    expect(deadLetters()[0]?.attributes).toMatchObject({
      'bridge.errorKind': 'tencent_permanent',
      'bridge.errorCode': '10010',
      'bridge.attempts': '1',
    });
    expect(addMetric).toHaveBeenCalledWith('EventsDeadLettered', 'Count', 1);
    addMetric.mockRestore();
  });

  it('retries ambiguous 60004 only up to its own limit', async () => {
    // Prepare
    standIn.reply = () => ({ code: 60004 });
    const delivery = (receiveCount: number) =>
      sqsRecord({ eventId: id('e1'), action: 'unmute' }, { messageId: id('m1'), receiveCount });

    // Act
    const first = await consume([delivery(1)]);
    const second = await consume([delivery(2)]);
    const third = await consume([delivery(3)]);

    // Assess
    expect([failedIds(first), failedIds(second), failedIds(third)]).toEqual([[id('m1')], [id('m1')], []]);
    expect(deadLetters()[0]?.attributes).toMatchObject({
      'bridge.errorKind': 'retries_exhausted',
      'bridge.attempts': '3',
    });
  });

  it('does not count the receives an event spent waiting behind a failing one', async () => {
    // Prepare: received nine times while an earlier event of its member was retried, never attempted.
    standIn.script.push({ code: 10002 });

    // Act
    const response = await consume([
      sqsRecord({ action: 'unmute' }, { messageId: id('m1'), receiveCount: 9 }),
    ]);

    // Assess: its first real attempt failed: retried after the first backoff step, not dead-lettered.
    expect(failedIds(response)).toEqual([id('m1')]);
    expect(deadLetters()).toEqual([]);
    expect(visibilityChanges()[`rh-${id('m1')}`]).toBeLessThanOrEqual(2);
  });

  it('renews the UserSig after 70001 (re-reading a rotated secret) and retries at once', async () => {
    // Prepare: the secret holds a ready UserSig, rotated after the first read.
    const ready = (userSig: string) => ({
      SecretString: JSON.stringify({ sdkAppId: 1400000000, identifier: 'administrator', userSig }),
    });
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce(ready('eJ-expired-sig'))
      .resolves(ready('eJ-rotated-sig'));
    standIn.script.push({ code: 70001, info: 'sig expired' });

    // Act
    const response = await consume([sqsRecord({ action: 'unmute' })]);

    // Assess
    expect(failedIds(response)).toEqual([]);
    expect(standIn.calls.map((call) => call.query.get('usersig'))).toEqual([
      'eJ-expired-sig',
      'eJ-rotated-sig',
    ]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('holds the event, without dead-lettering it, when a fresh UserSig is still refused', async () => {
    // Prepare: an expired ready UserSig that nobody has rotated yet.
    standIn.script.push({ code: 70001 }, { code: 70001 });

    // Act
    const response = await consume([sqsRecord({ action: 'unmute' }, { messageId: id('m1') })]);

    // Assess
    expect(failedIds(response)).toEqual([id('m1')]);
    expect(deadLetters()).toEqual([]);
    expect(logLines.join('')).toContain('"holdReason":"deployment_fault"');
  });

  it.each([70009, 70003, 60010, 70014, 70016, 70020, 60026])(
    'holds every event of the batch on %i (a wrong secret), counts it, and dead-letters nothing',
    async (code) => {
      // Prepare: Tencent refuses the deployment's credentials, whoever the member.
      standIn.reply = () => ({ code });
      const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');
      const records = ['a', 'b', 'c'].map((account) =>
        sqsRecord({ action: 'unmute', account }, { messageId: id(account), receiveCount: 7 }),
      );

      // Act
      const response = await consume(records);

      // Assess: every event waits for an operator, with a growing delay; none is dead-lettered.
      expect(failedIds(response)).toEqual([id('a'), id('b'), id('c')]);
      expect(standIn.calls.length).toBeGreaterThanOrEqual(1);
      expect(deadLetters()).toEqual([]);
      for (const account of ['a', 'b', 'c']) {
        expect(visibilityChanges()[`rh-${id(account)}`]).toBeGreaterThanOrEqual(100);
      }
      expect(addMetric).toHaveBeenCalledWith('CredentialsInvalid', 'Count', 1);
      addMetric.mockRestore();
    },
  );

  it('dead-letters a message it cannot read', async () => {
    // Prepare
    const record = sqsRecord({ action: 'unmute' }, { messageId: id('m1'), body: '{"v":9}' });

    // Act
    const response = await consume([record]);

    // Assess
    expect(failedIds(response)).toEqual([]);
    expect(standIn.calls).toHaveLength(0);
    expect(deadLetters()[0]).toMatchObject({
      MessageBody: '{"v":9}',
      attributes: {
        'bridge.errorKind': 'invalid_message',
        'bridge.errorInfo': 'unsupported queue message version 9',
      },
    });
  });

  it('makes no call for a mute that is already over', async () => {
    // Prepare
    const record = sqsRecord({ action: 'mute', durationSeconds: 60, occurredAt: '2020-01-01T00:00:00Z' });

    // Act
    const response = await consume([record]);

    // Assess
    expect(failedIds(response)).toEqual([]);
    expect(standIn.calls).toHaveLength(0);
  });

  it('holds every record, calls nothing and dead-letters nothing when the secret cannot be read', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
    const records = [
      sqsRecord({ action: 'unmute' }, { messageId: id('m1') }),
      sqsRecord({ action: 'unmute', account: 'al' }, { messageId: id('m2') }),
    ];

    // Act
    const response = await consume(records);

    // Assess
    expect(failedIds(response)).toEqual([id('m1'), id('m2')]);
    expect(standIn.calls).toHaveLength(0);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    expect(Object.keys(visibilityChanges())).toEqual([`rh-${id('m1')}`, `rh-${id('m2')}`]);
  });

  it('keeps the event when the dead-letter queue refuses it', async () => {
    // Prepare
    standIn.script.push({ code: 10010 });
    sqs.on(SendMessageCommand).rejects(new Error('KMS.AccessDenied'));

    // Act
    const response = await consume([sqsRecord({ action: 'unmute' }, { messageId: id('m1') })]);

    // Assess
    expect(failedIds(response)).toEqual([id('m1')]);
  });

  it("stops a member's later events when one fails, and releases them at once", async () => {
    // Prepare: three events of one member, one of another.
    standIn.reply = (call) => (call.body.Member_Account === 'bob' ? { code: 10002 } : { code: 0 });
    const records = [
      sqsRecord({ action: 'mute', durationSeconds: 60 }, { messageId: id('b1') }),
      sqsRecord({ action: 'unmute', account: 'alice' }, { messageId: id('a1') }),
      sqsRecord({ action: 'set_name_card', nameCard: 'x' }, { messageId: id('b2') }),
      sqsRecord({ action: 'unmute' }, { messageId: id('b3') }),
    ];

    // Act
    const response = await consume(records);

    // Assess
    expect(failedIds(response)).toEqual([id('b1'), id('b2'), id('b3')]);
    expect(standIn.calls.map((call) => call.body.Member_Account).sort()).toEqual(['alice', 'bob']);
    const visibility = visibilityChanges();
    expect(visibility[`rh-${id('b1')}`]).toBeGreaterThanOrEqual(1);
    expect(visibility[`rh-${id('b2')}`]).toBe(0);
    expect(visibility[`rh-${id('b3')}`]).toBe(0);
  });

  it("applies one member's events in order, after a dead-lettered one", async () => {
    // Prepare
    standIn.script.push({ code: 10004 });
    const records = [
      sqsRecord({ action: 'set_name_card', nameCard: 'first' }, { messageId: id('b1') }),
      sqsRecord({ action: 'set_name_card', nameCard: 'second' }, { messageId: id('b2') }),
      sqsRecord({ action: 'set_name_card', nameCard: 'third' }, { messageId: id('b3') }),
    ];

    // Act
    const response = await consume(records);

    // Assess
    expect(failedIds(response)).toEqual([]);
    expect(standIn.calls.map((call) => call.body.NameCard)).toEqual(['first', 'second', 'third']);
    expect(deadLetters()).toHaveLength(1);
  });

  it('runs different members concurrently: ten members take about one round trip', async () => {
    // Prepare
    standIn.reply = () => ({ code: 0, delayMs: 150 });
    const records = Array.from({ length: 10 }, (_, i) =>
      sqsRecord({ action: 'unmute', account: `member${i}` }, { messageId: `m${i}` }),
    );

    // Act
    const started = Date.now();
    const response = await consume(records);
    const elapsed = Date.now() - started;

    // Assess
    expect(failedIds(response)).toEqual([]);
    expect(standIn.peakInFlight).toBe(10);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('starts no call when the invocation is about to time out, and releases the records', async () => {
    // Prepare: 400 ms left, less than the 300 ms call timeout plus the 200 ms reserve.
    const records = [sqsRecord({ action: 'unmute' }, { messageId: id('m1') })];

    // Act
    const response = await consume(records, 400);

    // Assess
    expect(failedIds(response)).toEqual([id('m1')]);
    expect(standIn.calls).toHaveLength(0);
    expect(visibilityChanges()).toEqual({ [`rh-${id('m1')}`]: 0 });
  });

  it('never logs the UserSig or the secret key', async () => {
    // Prepare: every kind of outcome, so that every log line is produced.
    standIn.script.push({ code: 70001 }, { code: 0 }, { code: 10002 }, { http: 502 }, { code: 10010 });
    const records = ['a', 'b', 'c', 'd'].map((account) => sqsRecord({ action: 'unmute', account }));

    // Act
    await consume(records);

    // Assess
    const logs = logLines.join('');
    const userSigs = standIn.calls.map((call) => call.query.get('usersig') ?? '');
    expect(userSigs.every((sig) => sig.length > 20)).toBe(true);
    const deadLetterRecords = JSON.stringify(deadLetters());
    for (const sig of userSigs) {
      expect(logs).not.toContain(sig);
      expect(deadLetterRecords).not.toContain(sig);
    }
    expect(logs).not.toContain(SECRET_KEY);
    expect(logs).toContain('event dead-lettered');
    expect(logs).toContain('event failed; will retry');
  });
});
