import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { type Command, parseCommand, runCommand, UsageError } from '../../../ops/cli.ts';
import { deadLetterMessage, QUEUES } from './factories.ts';

const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({});

const ENV = { DLQ_URL: QUEUES.deadLetterQueueUrl, QUEUE_URL: QUEUES.queueUrl };

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
    out: (line) => lines.push(line),
    sleep: async () => {},
  });
  return { code, output: lines.join('\n') };
};

beforeEach(() => {
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

  it('takes queue URLs and ARNs from the environment, and flags over them', () => {
    // Act
    const command = parseCommand(['list', '--dlq-url', 'https://flag/dlq.fifo', '--max', '20', '--json'], {
      ...ENV,
      QUEUE_ARN: QUEUES.queueArn,
    });

    // Assess
    expect(command).toEqual<Command>({
      kind: 'list',
      queues: {
        deadLetterQueueUrl: 'https://flag/dlq.fifo',
        queueUrl: QUEUES.queueUrl,
        queueArn: QUEUES.queueArn,
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
        EventsUrl: 'https://api.example/dev/v1/events',
      },
    });

    // Act
    const command = parseCommand(['status', '--outputs', 'out.json'], {}, (path) => {
      expect(path).toBe('out.json');
      return outputs;
    });

    // Assess
    expect(command).toEqual<Command>({
      kind: 'status',
      queues: {
        deadLetterQueueUrl: QUEUES.deadLetterQueueUrl,
        deadLetterQueueArn: QUEUES.deadLetterQueueArn,
        queueUrl: QUEUES.queueUrl,
        queueArn: QUEUES.queueArn,
      },
    });
  });

  it('asks which stack when the outputs file holds several', () => {
    // Prepare
    const outputs = JSON.stringify({ 'ModerationBridge-dev-tokyo': {}, 'ModerationBridge-dev-seoul': {} });

    // Act
    const attempt = () => parseCommand(['status', '--outputs', 'out.json'], {}, () => outputs);
    const chosen = parseCommand(
      ['status', '--outputs', 'out.json', '--stack', 'ModerationBridge-dev-seoul'],
      {},
      () =>
        JSON.stringify({
          'ModerationBridge-dev-tokyo': {},
          'ModerationBridge-dev-seoul': { DlqArn: 'arn:seoul' },
        }),
    );

    // Assess
    expect(attempt).toThrow(
      'choose a stack with --stack; out.json holds: ModerationBridge-dev-tokyo, ModerationBridge-dev-seoul',
    );
    expect(chosen).toEqual({ kind: 'status', queues: { deadLetterQueueArn: 'arn:seoul' } });
  });

  it('parses a redrive of everything, with a rate', () => {
    // Act & Assess
    expect(parseCommand(['redrive', '--max-number-per-second', '50', '--no-wait'], ENV)).toEqual<Command>({
      kind: 'redrive-all',
      queues: { deadLetterQueueUrl: QUEUES.deadLetterQueueUrl, queueUrl: QUEUES.queueUrl },
      maxNumberOfMessagesPerSecond: 50,
      wait: false,
    });
  });

  it('parses a redrive of selected ids', () => {
    // Act & Assess
    expect(parseCommand(['redrive', '--ids', 'evt-1, m2,'], ENV)).toMatchObject({
      kind: 'redrive-selected',
      ids: ['evt-1', 'm2'],
    });
  });

  it.each([
    [['bogus'], "unknown command 'bogus'"],
    [['list', '--colour'], "Unknown option '--colour'"],
    [['show'], 'show takes one id; got none'],
    [['show', 'a', 'b'], 'show takes one id; got a b'],
    [
      ['redrive', '--max-number-per-second', '501'],
      "--max-number-per-second must be an integer from 1 to 500, got '501'",
    ],
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

  it('redrives everything, looking up the ARNs and reporting progress until done', async () => {
    // Prepare
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({
        Results: [
          { Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 1, ApproximateNumberOfMessagesToMove: 2 },
        ],
      })
      .resolvesOnce({
        Results: [
          { Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 1, ApproximateNumberOfMessagesToMove: 2 },
        ],
      })
      .resolves({
        Results: [
          { Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 2, ApproximateNumberOfMessagesToMove: 2 },
        ],
      });

    // Act
    const { code, output } = await run(['redrive', '--max-number-per-second', '10']);

    // Assess
    expect(code).toBe(0);
    expect(sqsMock).toHaveReceivedCommandWith(StartMessageMoveTaskCommand, {
      SourceArn: QUEUES.deadLetterQueueArn,
      DestinationArn: QUEUES.queueArn,
      MaxNumberOfMessagesPerSecond: 10,
    });
    expect(output.split('\n')).toEqual([
      `Started moving ${QUEUES.deadLetterQueueArn} -> ${QUEUES.queueArn} (task handle task-1).`,
      'RUNNING: ~1 of ~2 moved',
      'COMPLETED: ~2 of ~2 moved',
    ]);
  });

  it('exits 1 when the move task fails', async () => {
    // Prepare
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolves({ Results: [{ Status: 'FAILED', FailureReason: 'AccessDenied' }] });

    // Act
    const { code, output } = await run(['redrive'], {
      ...ENV,
      DLQ_ARN: QUEUES.deadLetterQueueArn,
      QUEUE_ARN: QUEUES.queueArn,
    });

    // Assess
    expect(code).toBe(1);
    expect(output).toContain('FAILED: ~0 moved - AccessDenied');
    expect(sqsMock).not.toHaveReceivedCommandWith(GetQueueAttributesCommand, {
      AttributeNames: ['QueueArn'],
    });
  });

  it('redrives selected events and exits 1 when one is missing', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const { code, output } = await run(['redrive', '--ids', 'evt-2,evt-404']);

    // Assess
    expect(code).toBe(1);
    expect(output).toContain('moved   evt-2 (message m2), group g2');
    expect(output).toContain('missing evt-404');
    expect(output).toContain('1 moved, 0 failed, 1 not found.');
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      MessageGroupId: 'g2',
      QueueUrl: QUEUES.queueUrl,
    });
  });

  it('shows the recent move tasks', async () => {
    // Prepare
    sqsMock.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          Status: 'COMPLETED',
          ApproximateNumberOfMessagesMoved: 4,
          ApproximateNumberOfMessagesToMove: 4,
          StartedTimestamp: Date.parse('2025-11-21T08:00:00.000Z'),
        },
      ],
    });

    // Act
    const { output } = await run(['status']);

    // Assess
    expect(output).toBe('COMPLETED: ~4 of ~4 moved (started 2025-11-21T08:00:00.000Z)');
    expect(sqsMock).toHaveReceivedCommandWith(ListMessageMoveTasksCommand, {
      SourceArn: QUEUES.deadLetterQueueArn,
    });
  });

  it('names the missing setting when no dead-letter queue is configured', async () => {
    // Act
    const attempt = run(['list'], {});

    // Assess
    await expect(attempt).rejects.toThrow(
      'the dead-letter queue URL (--dlq-url, --outputs or DLQ_URL) is not set',
    );
  });
});
