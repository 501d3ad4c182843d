import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { UsageError } from '#shared/errors';
import { recordKeyOf } from '#shared/ledger';

const memberKeyOf = (groupId: string, account: string) => recordKeyOf({ kind: 'member', groupId, account });

import { type Command, parseCommand, runCommand } from '../../../ops/cli.ts';
import { deadLetterMessage, LEDGER_TABLE, ledgerItem, QUEUES } from './factories.ts';

const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({});
const ledgerMock = mockClient(DynamoDBDocumentClient);
const dynamodb = new DynamoDBClient({});

/** The clock of the tests' redrives: the `redriven` marks carry this time. */
const NOW = Date.parse('2025-11-21T08:00:00.000Z');

const ENV = { DLQ_URL: QUEUES.deadLetterQueueUrl, QUEUE_URL: QUEUES.queueUrl, LEDGER_TABLE };

/** The usage error a command line is rejected with (fails the test if it is accepted). */
const usageErrorOf = (argv: string[], env: Record<string, string> = ENV): string => {
  try {
    parseCommand(argv, env, () => '{}');
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

/** Runs a command line against the mocked SQS and returns the exit code and the printed lines. */
const run = async (
  argv: string[],
  env: Record<string, string> = ENV,
): Promise<{ code: number; output: string }> => {
  const lines: string[] = [];
  const code = await runCommand(parseCommand(argv, env), {
    sqs,
    dynamodb,
    out: (line) => lines.push(line),
    now: () => NOW,
  });
  return { code, output: lines.join('\n') };
};

/** The event ids marked `redriven`, in order, with the time and expiry of each mark. */
const marks = () =>
  ledgerMock.commandCalls(UpdateCommand).map((call) => {
    const { Key, ExpressionAttributeValues = {} } = call.args[0].input;
    return {
      eventId: Key?.eventId,
      status: ExpressionAttributeValues[':to'],
      at: ExpressionAttributeValues[':at'],
      expiresAt: ExpressionAttributeValues[':expiresAt'],
    };
  });

beforeEach(() => {
  ledgerMock.reset();
  ledgerMock.on(BatchGetCommand).resolves({ Responses: { [LEDGER_TABLE]: [ledgerItem('evt-1')] } });
  ledgerMock.on(UpdateCommand).resolves({});
  sqsMock.reset();
  sqsMock.on(GetQueueAttributesCommand).resolves({
    Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '0' },
  });
  sqsMock
    .on(GetQueueAttributesCommand, { QueueUrl: QUEUES.deadLetterQueueUrl, AttributeNames: ['QueueArn'] })
    .resolves({ Attributes: { QueueArn: QUEUES.deadLetterQueueArn } });
  sqsMock
    .on(GetQueueAttributesCommand, { QueueUrl: QUEUES.queueUrl, AttributeNames: ['QueueArn'] })
    .resolves({ Attributes: { QueueArn: QUEUES.queueArn } });
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  sqsMock
    .on(ReceiveMessageCommand)
    .resolvesOnce({
      Messages: [
        deadLetterMessage({ messageId: 'm1', eventId: 'evt-1', groupId: 'g1' }),
        deadLetterMessage({ messageId: 'm2', eventId: 'evt-2', groupId: 'g2', reason: null }),
      ],
    })
    .resolves({});
});

describe('parseCommand', () => {
  it('shows the usage without a command', () => {
    // Act & Assess
    expect(parseCommand([], {})).toEqual({ kind: 'help' });
  });

  it('takes queue URLs from the environment, and flags over them', () => {
    // Act
    const command = parseCommand(
      ['list', '--dlq-url', 'https://flag/dlq.fifo', '--max', '20', '--json'],
      ENV,
    );

    // Assess
    expect(command).toEqual<Command>({
      kind: 'list',
      queues: {
        deadLetterQueueUrl: 'https://flag/dlq.fifo',
        queueUrl: QUEUES.queueUrl,
        ledgerTable: LEDGER_TABLE,
      },
      read: { max: 20 },
      json: true,
    });
  });

  it('reads the queues of the one stack in a cdk outputs file', () => {
    // Prepare
    const outputs = JSON.stringify({
      'ModerationBridge-dev-frankfurt': {
        DlqUrl: QUEUES.deadLetterQueueUrl,
        DlqArn: QUEUES.deadLetterQueueArn,
        QueueUrl: QUEUES.queueUrl,
        QueueArn: QUEUES.queueArn,
        LedgerTable: LEDGER_TABLE,
        EventsUrl: 'https://api.example/dev/v1/events',
      },
    });

    // Act
    const command = parseCommand(['list', '--outputs', 'out.json'], {}, (path) => {
      expect(path).toBe('out.json');
      return outputs;
    });

    // Assess
    expect(command).toEqual<Command>({
      kind: 'list',
      queues: {
        deadLetterQueueUrl: QUEUES.deadLetterQueueUrl,
        queueUrl: QUEUES.queueUrl,
        ledgerTable: LEDGER_TABLE,
      },
      read: {},
      json: false,
    });
  });

  it('takes the ledger table from --ledger-table over --outputs over LEDGER_TABLE', () => {
    // Prepare
    const outputs = () =>
      JSON.stringify({ 'ModerationBridge-dev-frankfurt': { LedgerTable: 'from-outputs' } });

    // Act
    const fromEnv = parseCommand(['list'], { LEDGER_TABLE: 'from-env' }, outputs);
    const fromOutputs = parseCommand(['list', '--outputs', 'o.json'], { LEDGER_TABLE: 'from-env' }, outputs);
    const fromFlag = parseCommand(
      ['list', '--outputs', 'o.json', '--ledger-table', 'from-flag'],
      { LEDGER_TABLE: 'from-env' },
      outputs,
    );

    // Assess
    expect([fromEnv, fromOutputs, fromFlag].map((command) => 'queues' in command && command.queues)).toEqual([
      { ledgerTable: 'from-env' },
      { ledgerTable: 'from-outputs' },
      { ledgerTable: 'from-flag' },
    ]);
  });

  it("gives a redrive the ledger retention of LEDGER_RETENTION_DAYS, else the settings' default", () => {
    // Act
    const byDefault = parseCommand(['redrive', '--ids', 'evt-1'], ENV);
    const set = parseCommand(['redrive'], { ...ENV, LEDGER_RETENTION_DAYS: '90' });

    // Assess
    expect(byDefault).toMatchObject({ kind: 'redrive', ids: ['evt-1'], ledgerRetentionDays: 14 });
    expect(set).toMatchObject({ kind: 'redrive', ledgerRetentionDays: 90 });
    expect(() => parseCommand(['redrive'], { ...ENV, LEDGER_RETENTION_DAYS: '7' })).toThrow(
      "LEDGER_RETENTION_DAYS must be an integer from 14 to 3650, got '7'",
    );
  });

  it('asks which stack when the outputs file holds several', () => {
    // Prepare
    const outputs = JSON.stringify({ 'ModerationBridge-dev-tokyo': {}, 'ModerationBridge-dev-seoul': {} });

    // Act
    const attempt = () => parseCommand(['list', '--outputs', 'out.json'], {}, () => outputs);
    const chosen = parseCommand(
      ['list', '--outputs', 'out.json', '--stack', 'ModerationBridge-dev-seoul'],
      {},
      () =>
        JSON.stringify({
          'ModerationBridge-dev-tokyo': {},
          'ModerationBridge-dev-seoul': { DlqUrl: 'https://seoul/dlq.fifo' },
        }),
    );

    // Assess
    expect(attempt).toThrow(
      'choose a stack with --stack; out.json holds: ModerationBridge-dev-tokyo, ModerationBridge-dev-seoul',
    );
    expect(chosen).toMatchObject({ kind: 'list', queues: { deadLetterQueueUrl: 'https://seoul/dlq.fifo' } });
  });

  it('parses a redrive of everything, reading up to 1000 dead letters', () => {
    // Act & Assess
    expect(parseCommand(['redrive'], ENV)).toEqual<Command>({
      kind: 'redrive',
      queues: {
        deadLetterQueueUrl: QUEUES.deadLetterQueueUrl,
        queueUrl: QUEUES.queueUrl,
        ledgerTable: LEDGER_TABLE,
      },
      read: { max: 1_000 },
      ledgerRetentionDays: 14,
    });
    expect(parseCommand(['redrive', '--max', '5000'], ENV)).toMatchObject({ read: { max: 5_000 } });
  });

  it('parses a redrive of selected ids', () => {
    // Act & Assess
    expect(parseCommand(['redrive', '--ids', 'evt-1, m2,'], ENV)).toMatchObject({
      kind: 'redrive',
      ids: ['evt-1', 'm2'],
    });
  });

  it.each([
    [['bogus'], "unknown command 'bogus'"],
    [['list', '--colour'], "Unknown option '--colour'"],
    [['show'], 'show takes one id; got none'],
    [['show', 'a', 'b'], 'show takes one id; got a b'],
    [['redrive', '--no-wait'], "Unknown option '--no-wait'"],
    [['status'], "unknown command 'status'"],
    [['list', '--max', '0'], "--max must be an integer from 1 to 10000, got '0'"],
    [['redrive', '--ids', ' , '], '--ids needs at least one id'],
  ])('rejects %j', (argv, message) => {
    // Act & Assess
    expect(usageErrorOf(argv)).toContain(message);
  });
});

describe('runCommand', () => {
  it('lists dead letters with their reason, and removes nothing', async () => {
    // Act
    const { code, output } = await run(['list']);

    // Assess
    expect(code).toBe(0);
    expect(output).toContain('2 dead-lettered event(s) read');
    expect(output).toContain('1. event evt-1  (message m1)');
    expect(output).toContain('group g1  account user_42  action mute');
    expect(output).toContain(
      'reason Tencent refused it (no retry can fix it) - Tencent 10007: no permission to modify this member',
    );
    expect(output).toContain('attempts 1  dead-lettered 2025-11-20T10:00:00.000Z');
    expect(output).toContain(
      'reason moved by the SQS redrive policy: the consumer crashed or timed out on it repeatedly',
    );
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageCommand);
    expect(sqsMock).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 1);
  });

  it('says when the queue holds more than was read', async () => {
    // Prepare
    sqsMock.on(GetQueueAttributesCommand, { QueueUrl: QUEUES.deadLetterQueueUrl }).resolves({
      Attributes: { ApproximateNumberOfMessages: '15', ApproximateNumberOfMessagesNotVisible: '0' },
    });

    // Act
    const { output } = await run(['list']);

    // Assess
    expect(output).toContain('Not all were read');
  });

  it('lists as JSON', async () => {
    // Act
    const { output } = await run(['list', '--json']);

    // Assess
    const parsed = JSON.parse(output) as {
      letters: { messageId: string; reason: { errorCode: number } | null }[];
    };
    expect(parsed.letters.map((letter) => [letter.messageId, letter.reason?.errorCode ?? null])).toEqual([
      ['m1', 10007],
      ['m2', null],
    ]);
  });

  it('shows one event in full, with its body', async () => {
    // Act
    const { code, output } = await run(['show', 'evt-1']);

    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(/Tencent code +10007/);
    expect(output).toMatch(/attempts +1/);
    expect(output).toContain('"account": "user_42"');
  });

  it('exits 1 when show finds nothing', async () => {
    // Act
    const { code, output } = await run(['show', 'evt-404']);

    // Assess
    expect(code).toBe(1);
    expect(output).toContain("No dead letter with event id or message id 'evt-404'");
  });

  it('redrives everything: marks each letter, sends it back, deletes it, and says what the consumer will do', async () => {
    // Prepare: evt-1 is dead-lettered; evt-2 has no ledger item (SQS's redrive policy moved it).
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const { code, output } = await run(['redrive']);

    // Assess
    expect(code).toBe(0);
    expect(marks().map((mark) => mark.eventId)).toEqual(['evt-1']);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 2);
    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageCommand, 2);
    expect(output.split('\n')).toEqual([
      'moved   evt-1 (message m1), group g1: would apply it',
      'moved   evt-2 (message m2), group g2: would apply it',
      '2 moved (0 superseded), 0 left in the dead-letter queue, 0 not found.',
    ]);
  });

  it('says which redriven letters a newer event supersedes', async () => {
    // Prepare: the member's record shows a newer mute decision than evt-1's.
    const member = {
      eventId: memberKeyOf('g1', 'user_42'),
      groupId: 'g1',
      account: 'user_42',
      'field:mute': {
        position: '2025-11-21T00:00:00.000Z/000/evt-9',
        eventId: 'evt-9',
        at: '2025-11-21T00:00:00.000Z',
      },
    };
    ledgerMock.on(BatchGetCommand).resolves({ Responses: { [LEDGER_TABLE]: [ledgerItem('evt-1'), member] } });
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const { code, output } = await run(['redrive', '--ids', 'evt-1']);

    // Assess
    expect(code).toBe(0);
    expect(output).toContain(
      'moved   evt-1 (message m1), group g1: would not apply it: superseded by evt-9, a newer event about the same member and field that was applied',
    );
    expect(output).toContain('1 moved (1 superseded)');
  });

  it('redrives selected events and exits 1 when one is missing', async () => {
    // Prepare
    ledgerMock
      .on(BatchGetCommand)
      .resolves({ Responses: { [LEDGER_TABLE]: [ledgerItem('evt-1'), ledgerItem('evt-2')] } });
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const { code, output } = await run(['redrive', '--ids', 'evt-2,evt-404']);

    // Assess
    expect(code).toBe(1);
    expect(output).toContain('moved   evt-2 (message m2), group g2');
    expect(output).toContain('missing evt-404');
    expect(output).toContain('1 moved (0 superseded), 0 left in the dead-letter queue, 1 not found.');
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      MessageGroupId: 'g2',
      QueueUrl: QUEUES.queueUrl,
    });
    expect(marks().map((mark) => mark.eventId)).toEqual(['evt-2']);
  });

  it("lists each dead letter's ledger status, attempts and history, read in one consistent batch", async () => {
    // Act
    const { code, output } = await run(['list']);

    // Assess
    expect(code).toBe(0);
    expect(ledgerMock).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(ledgerMock).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: {
        [LEDGER_TABLE]: { Keys: [{ eventId: 'evt-1' }, { eventId: 'evt-2' }], ConsistentRead: true },
      },
    });
    expect(ledgerMock).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: {
        [LEDGER_TABLE]: {
          Keys: [{ eventId: memberKeyOf('g1', 'user_42') }, { eventId: memberKeyOf('g2', 'user_42') }],
          ConsistentRead: true,
        },
      },
    });
    expect(output).toContain(
      [
        '   ledger dead_lettered  attempts 3  updated 2025-11-20T10:00:00.000Z',
        '   redrive would apply it',
        '   last error Tencent 10007: no permission to modify this member (2025-11-20T10:00:00.000Z)',
        '   history (oldest first):',
        '     2025-11-20T09:59:59.100Z  queued',
        '     2025-11-20T09:59:59.500Z  retrying  attempt 1  Tencent 10002  40 ms  busy',
        '     2025-11-20T10:00:00.000Z  dead_lettered  attempt 3  Tencent 10007  35 ms',
      ].join('\n'),
    );
    // evt-2 has no item.
    expect(output).toContain('   ledger no item (expired, or enqueued before the ledger existed)');
  });

  it('says when a dead letter is marked redriven but still here', async () => {
    // Prepare
    ledgerMock.on(BatchGetCommand).resolves({
      Responses: { [LEDGER_TABLE]: [ledgerItem('evt-1', { status: 'redriven', attempts: 0 })] },
    });

    // Act
    const { output } = await run(['list']);

    // Assess
    expect(output).toContain('ledger redriven  attempts 0');
    expect(output).toContain('marked redriven but still here');
  });

  it('lists without ledger statuses, and says so, when no ledger table is given', async () => {
    // Act
    const { code, output } = await run(['list'], { DLQ_URL: QUEUES.deadLetterQueueUrl });

    // Assess
    expect(code).toBe(0);
    expect(output).toContain('No ledger table given (--ledger-table, --outputs or LEDGER_TABLE)');
    expect(output).toContain('   ledger - (no ledger table given)');
    expect(ledgerMock).not.toHaveReceivedCommand(BatchGetCommand);
  });

  it('still lists the dead letters when the ledger cannot be read, naming the AWS error', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to perform: dynamodb:BatchGetItem'), {
      name: 'AccessDeniedException',
    });
    ledgerMock.on(BatchGetCommand).rejects(denied);

    // Act
    const { code, output } = await run(['list']);

    // Assess
    expect(code).toBe(0);
    expect(output).toContain(
      'The event ledger could not be read, so ledger statuses are not shown: ledger read failed (AccessDeniedException: not authorized to perform: dynamodb:BatchGetItem)',
    );
    expect(output).toContain('1. event evt-1  (message m1)');
    expect(output).toContain('   ledger - (the ledger could not be read)');
  });

  it('lists the ledger items as JSON, as GET /v1/events/{eventId} shows them', async () => {
    // Act
    const { output } = await run(['list', '--json']);

    // Assess
    const parsed = JSON.parse(output) as {
      ledger: unknown;
      letters: { eventId: string; ledger: Record<string, unknown> | null }[];
    };
    expect(parsed.ledger).toBe('read');
    const [first, second] = parsed.letters;
    expect(first?.ledger).toMatchObject({ eventId: 'evt-1', status: 'dead_lettered', attempts: 3 });
    expect(first?.ledger?.history).toHaveLength(3);
    expect(first?.ledger).not.toHaveProperty('fingerprint');
    expect(first?.ledger).not.toHaveProperty('expiresAt');
    expect(second?.ledger).toBeNull();
  });

  it('shows one event with its ledger status, attempts and history', async () => {
    // Act
    const { output } = await run(['show', 'evt-1']);

    // Assess
    expect(output).toContain('ledger dead_lettered  attempts 3  updated 2025-11-20T10:00:00.000Z');
    expect(output).toContain('  2025-11-20T09:59:59.500Z  retrying  attempt 1  Tencent 10002  40 ms  busy');
    expect(ledgerMock).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: { [LEDGER_TABLE]: { Keys: [{ eventId: 'evt-1' }], ConsistentRead: true } },
    });
  });

  it('marks a selected event redriven, with a fresh expiry, before it is sent back', async () => {
    // Prepare: one log of both services' calls, to see their order.
    const calls: string[] = [];
    ledgerMock.on(UpdateCommand).callsFake(() => {
      calls.push('mark');
      return {};
    });
    sqsMock.on(SendMessageCommand).callsFake(() => {
      calls.push('send');
      return { MessageId: 'new' };
    });
    sqsMock.on(DeleteMessageCommand).callsFake(() => {
      calls.push('delete');
      return {};
    });

    // Act
    const { code } = await run(['redrive', '--ids', 'evt-1'], { ...ENV, LEDGER_RETENTION_DAYS: '30' });

    // Assess: the consumer acknowledges a message whose item is still dead_lettered without applying it.
    expect(code).toBe(0);
    expect(calls).toEqual(['mark', 'send', 'delete']);
    expect(marks()).toEqual([
      {
        eventId: 'evt-1',
        status: 'redriven',
        at: '2025-11-21T08:00:00.000Z',
        expiresAt: NOW / 1000 + 30 * 86_400,
      },
    ]);
    expect(ledgerMock).toHaveReceivedCommandWith(UpdateCommand, { TableName: LEDGER_TABLE });
  });

  it('keeps in the dead-letter queue a letter whose item cannot be marked redriven, moves the others, and says why', async () => {
    // Prepare: evt-2 has an item too; marking evt-1 fails.
    ledgerMock
      .on(BatchGetCommand)
      .resolves({ Responses: { [LEDGER_TABLE]: [ledgerItem('evt-1'), ledgerItem('evt-2')] } });
    ledgerMock
      .on(UpdateCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({});
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const { code, output } = await run(['redrive']);

    // Assess
    expect(code).toBe(1);
    expect(output).toContain(
      'FAILED  evt-1 (message m1): not moved: the ledger could not mark it redriven (ledger write failed (ThrottlingException: Rate exceeded))',
    );
    expect(output).toContain('1 moved (0 superseded), 1 left in the dead-letter queue, 0 not found.');
    expect(sqsMock).not.toHaveReceivedCommandWith(SendMessageCommand, {
      MessageDeduplicationId: 'redrive-m1',
    });
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, { MessageDeduplicationId: 'redrive-m2' });
  });

  it.each([[['redrive']], [['redrive', '--ids', 'evt-1']]])(
    '%j needs the ledger table, and names it',
    async (argv) => {
      // Act
      const attempt = run(argv, { DLQ_URL: QUEUES.deadLetterQueueUrl, QUEUE_URL: QUEUES.queueUrl });

      // Assess
      await expect(attempt).rejects.toThrow(
        'the ledger table (--ledger-table, --outputs or LEDGER_TABLE), which a redrive marks each event redriven in first, is not set',
      );
      expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
    },
  );

  it('names the missing setting when no dead-letter queue is configured', async () => {
    // Act
    const attempt = run(['list'], {});

    // Assess
    await expect(attempt).rejects.toThrow(
      'the dead-letter queue URL (--dlq-url, --outputs or DLQ_URL) is not set',
    );
  });
});
