import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { findDeadLetter, listDeadLetters, sqsRedriveQueue } from '../../../ops/dead-letters.ts';
import { redrive } from '../../../ops/redrive.ts';
import { MemoryLedgerStore } from '../../../tools/memory-ledger.ts';
import { deadLetterMessage, ledgerItem, QUEUES } from './factories.ts';

const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({});

/** The receipt handles made visible again, over all ChangeMessageVisibilityBatch calls. */
const releasedHandles = (): string[] =>
  sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) => {
    const { Entries = [], QueueUrl } = call.args[0].input;
    expect(QueueUrl).toBe(QUEUES.deadLetterQueueUrl);
    return Entries.map((entry) => {
      expect(entry.VisibilityTimeout).toBe(0);
      return entry.ReceiptHandle ?? '';
    });
  });

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(GetQueueAttributesCommand).resolves({
    Attributes: { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '0' },
  });
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('listDeadLetters', () => {
  it('reads every message with its reason and attributes, then makes them all visible again', async () => {
    // Prepare
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [deadLetterMessage({ messageId: 'm1' }), deadLetterMessage({ messageId: 'm2' })],
      })
      .resolvesOnce({ Messages: [deadLetterMessage({ messageId: 'm3', reason: null })] })
      .resolves({});

    // Act
    const listing = await listDeadLetters(sqs, QUEUES.deadLetterQueueUrl);

    // Assess
    expect(listing.approximateCount).toBe(3);
    expect(listing.letters.map((letter) => letter.messageId)).toEqual(['m1', 'm2', 'm3']);
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: QUEUES.deadLetterQueueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 30,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    });
    expect(releasedHandles()).toEqual(['receipt-m1', 'receipt-m2', 'receipt-m3']);
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  it("decodes the consumer's reason: kind, Tencent code and text, attempts and time", async () => {
    // Prepare
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          deadLetterMessage({
            messageId: 'm1',
            eventId: 'evt-42',
            groupId: 'group-7',
            reason: {
              kind: 'retries_exhausted',
              errorCode: 60007,
              errorInfo: 'frequency limit',
              attempts: 10,
              deadLetteredAt: new Date('2025-11-21T08:00:00.000Z'),
            },
          }),
        ],
      })
      .resolves({});

    // Act
    const { letters } = await listDeadLetters(sqs, QUEUES.deadLetterQueueUrl);

    // Assess
    expect(letters[0]).toMatchObject({
      eventId: 'evt-42',
      groupId: 'group-7',
      event: { eventId: 'evt-42', account: 'user_42', action: 'mute' },
      reason: {
        kind: 'retries_exhausted',
        errorCode: 60007,
        errorInfo: 'frequency limit',
        attempts: 10,
        deadLetteredAt: new Date('2025-11-21T08:00:00.000Z'),
      },
      redrivenFromArn: undefined,
    });
  });

  it('recognises a message moved by the SQS redrive policy: no reason, and the source queue', async () => {
    // Prepare
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [deadLetterMessage({ messageId: 'm1', eventId: 'evt-crash', reason: null })],
      })
      .resolves({});

    // Act
    const { letters } = await listDeadLetters(sqs, QUEUES.deadLetterQueueUrl);

    // Assess
    expect(letters[0]).toMatchObject({
      reason: undefined,
      eventId: 'evt-crash',
      redrivenFromArn: QUEUES.queueArn,
    });
  });

  it('keeps a body that is not JSON as it is', async () => {
    // Prepare
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [deadLetterMessage({ messageId: 'm1', body: 'not json {' })] })
      .resolves({});

    // Act
    const { letters } = await listDeadLetters(sqs, QUEUES.deadLetterQueueUrl);

    // Assess
    expect(letters[0]).toMatchObject({ body: 'not json {', event: undefined, eventId: 'evt-m1' });
  });

  it('stops at --max and asks only for what is left', async () => {
    // Prepare
    const ten = Array.from({ length: 10 }, (_, i) => deadLetterMessage({ messageId: `a${i}` }));
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: ten })
      .resolvesOnce({
        Messages: [deadLetterMessage({ messageId: 'b0' }), deadLetterMessage({ messageId: 'b1' })],
      });

    // Act
    const { letters } = await listDeadLetters(sqs, QUEUES.deadLetterQueueUrl, {
      max: 12,
      visibilityTimeoutSeconds: 5,
    });

    // Assess
    expect(letters).toHaveLength(12);
    const asked = sqsMock.commandCalls(ReceiveMessageCommand).map((call) => call.args[0].input);
    expect(asked.map((input) => input.MaxNumberOfMessages)).toEqual([10, 2]);
    expect(asked.every((input) => input.VisibilityTimeout === 5)).toBe(true);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(2); // batches of at most 10
    expect(releasedHandles()).toHaveLength(12);
  });

  it('releases what it already holds when a receive fails', async () => {
    // Prepare
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [deadLetterMessage({ messageId: 'm1' })] })
      .rejects(new Error('throttled'));

    // Act
    const listing = listDeadLetters(sqs, QUEUES.deadLetterQueueUrl);

    // Assess
    await expect(listing).rejects.toThrow('throttled');
    expect(releasedHandles()).toEqual(['receipt-m1']);
  });
});

describe('findDeadLetter', () => {
  beforeEach(() => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          deadLetterMessage({ messageId: 'm1', eventId: 'evt-1' }),
          deadLetterMessage({ messageId: 'm2', eventId: 'evt-2' }),
        ],
      })
      .resolves({});
  });

  it.each([
    ['event id', 'evt-2'],
    ['message id', 'm2'],
  ])('finds a dead letter by its %s and leaves every message in the queue', async (_, id) => {
    // Act
    const letter = await findDeadLetter(sqs, QUEUES.deadLetterQueueUrl, id);

    // Assess
    expect(letter?.messageId).toBe('m2');
    expect(releasedHandles()).toEqual(['receipt-m1', 'receipt-m2']);
  });

  it('returns undefined for an unknown id', async () => {
    // Act
    const letter = await findDeadLetter(sqs, QUEUES.deadLetterQueueUrl, 'evt-9');

    // Assess
    expect(letter).toBeUndefined();
    expect(releasedHandles()).toHaveLength(2);
  });
});

/** A ledger with a dead-lettered item for each event id. */
function deadLedger(...eventIds: string[]): MemoryLedgerStore {
  const ledger = new MemoryLedgerStore();
  for (const eventId of eventIds) ledger.items.set(eventId, ledgerItem(eventId, { version: 4 }));
  return ledger;
}

/** Runs a redrive over the mocked SQS queues. */
const redriveOverSqs = (ledger: MemoryLedgerStore, ids?: string[]) =>
  redrive(
    sqsRedriveQueue(sqs, { deadLetterQueueUrl: QUEUES.deadLetterQueueUrl, queueUrl: QUEUES.queueUrl }),
    ledger,
    {
      ...(ids === undefined ? {} : { ids }),
      max: 100,
      now: () => Date.parse('2025-11-21T08:00:00.000Z'),
      retentionDays: 14,
    },
  );

describe('redrive over SQS', () => {
  beforeEach(() => {
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          deadLetterMessage({ messageId: 'm1', eventId: 'evt-1', groupId: 'g1' }),
          deadLetterMessage({
            messageId: 'm2',
            eventId: 'evt-2',
            groupId: 'g1',
            extraAttributes: {
              traceparent: { DataType: 'String', StringValue: '00-abc-def-01', StringListValues: [] },
            },
          }),
          deadLetterMessage({ messageId: 'm3', eventId: 'evt-3', groupId: 'g2', reason: null }),
        ],
      })
      .resolves({});
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqsMock.on(DeleteMessageCommand).resolves({});
  });

  it('marks the chosen events redriven, sends them to the main queue in their group, deletes them here and releases the rest', async () => {
    // Prepare
    const ledger = deadLedger('evt-1', 'evt-2', 'evt-3');

    // Act
    const result = await redriveOverSqs(ledger, ['evt-2', 'm3', 'evt-404']);

    // Assess
    expect(result.moved.map(({ letter }) => letter.messageId)).toEqual(['m2', 'm3']);
    expect(result.notFound).toEqual(['evt-404']);
    expect(result.failed).toEqual([]);
    expect(['evt-1', 'evt-2', 'evt-3'].map((id) => ledger.items.get(id)?.status)).toEqual([
      'dead_lettered',
      'redriven',
      'redriven',
    ]);
    const sent = sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent).toEqual([
      {
        QueueUrl: QUEUES.queueUrl,
        MessageBody: deadLetterMessage({ messageId: 'm2', eventId: 'evt-2', groupId: 'g1' }).Body,
        MessageGroupId: 'g1',
        MessageDeduplicationId: 'redrive-m2',
        MessageAttributes: { traceparent: { DataType: 'String', StringValue: '00-abc-def-01' } },
      },
      {
        QueueUrl: QUEUES.queueUrl,
        MessageBody: deadLetterMessage({ messageId: 'm3', eventId: 'evt-3', groupId: 'g2' }).Body,
        MessageGroupId: 'g2',
        MessageDeduplicationId: 'redrive-m3',
      },
    ]);
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input)).toEqual([
      { QueueUrl: QUEUES.deadLetterQueueUrl, ReceiptHandle: 'receipt-m2' },
      { QueueUrl: QUEUES.deadLetterQueueUrl, ReceiptHandle: 'receipt-m3' },
    ]);
    expect(releasedHandles()).toEqual(['receipt-m1']);
  });

  it('moves every letter, reading until the queue has no more, letters that arrive meanwhile included', async () => {
    // Prepare: a letter is dead-lettered while the redrive runs (the second receive finds it).
    const ledger = deadLedger('evt-1', 'evt-2', 'evt-3', 'evt-late');
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [deadLetterMessage({ messageId: 'm1', eventId: 'evt-1', groupId: 'g1' })] })
      .resolvesOnce({
        Messages: [deadLetterMessage({ messageId: 'm9', eventId: 'evt-late', groupId: 'g9' })],
      })
      .resolves({});

    // Act
    const result = await redriveOverSqs(ledger);

    // Assess: each marked before it was sent; none moved unmarked.
    expect(result.moved.map(({ letter }) => letter.messageId)).toEqual(['m1', 'm9']);
    expect(ledger.items.get('evt-late')?.status).toBe('redriven');
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 2);
  });

  it('keeps an event whose send fails in the dead-letter queue and says why', async () => {
    // Prepare
    sqsMock
      .on(SendMessageCommand, { MessageDeduplicationId: 'redrive-m1' })
      .rejects(new Error('access denied'));

    // Act
    const result = await redriveOverSqs(deadLedger('evt-1', 'evt-3'), ['evt-1', 'evt-3']);

    // Assess
    expect(result.moved.map(({ letter }) => letter.messageId)).toEqual(['m3']);
    expect(result.failed).toEqual([
      { letter: expect.objectContaining({ messageId: 'm1' }), error: 'not moved: Error: access denied' },
    ]);
    expect(sqsMock).not.toHaveReceivedCommandWith(DeleteMessageCommand, { ReceiptHandle: 'receipt-m1' });
    expect(releasedHandles().sort()).toEqual(['receipt-m1', 'receipt-m2']);
  });

  it('reports an event that was sent but could not be deleted', async () => {
    // Prepare
    sqsMock.on(DeleteMessageCommand).rejects(new Error('receipt handle expired'));

    // Act
    const result = await redriveOverSqs(deadLedger('evt-1'), ['evt-1']);

    // Assess: three tries to delete, then it is reported and left hidden (not released for a second send).
    expect(result.moved).toEqual([]);
    expect(result.failed).toEqual([
      {
        letter: expect.objectContaining({ messageId: 'm1' }),
        error:
          'already back on the main queue, but not deleted from the dead-letter queue (Error: receipt handle ' +
          'expired): delete it there by hand (message m1); a redrive of it again is acknowledged as a copy once the event has finished',
      },
    ]);
    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageCommand, 3);
    expect(releasedHandles()).not.toContain('receipt-m1');
  });

  it("moves none of a member's later events once one of its events could not be moved", async () => {
    // Prepare: m1 and m2 belong to one member (group g1); m3 to another.
    sqsMock
      .on(SendMessageCommand, { MessageDeduplicationId: 'redrive-m1' })
      .rejects(new Error('access denied'));

    // Act
    const result = await redriveOverSqs(deadLedger('evt-1', 'evt-2', 'evt-3'));

    // Assess
    expect(result.moved.map(({ letter }) => letter.messageId)).toEqual(['m3']);
    expect(result.failed.map(({ letter, error }) => [letter.messageId, error])).toEqual([
      ['m1', 'not moved: Error: access denied'],
      ['m2', 'not moved: an earlier letter of the same member could not be moved'],
    ]);
    expect(sqsMock).not.toHaveReceivedCommandWith(SendMessageCommand, {
      MessageDeduplicationId: 'redrive-m2',
    });
    expect(releasedHandles().sort()).toEqual(['receipt-m1', 'receipt-m2']);
  });

  it("keeps a letter whose ledger item cannot be marked, with its member's later ones, and sends nothing of them", async () => {
    // Prepare: m1 and m2 belong to one member (group g1); m3 to another; the first mark fails.
    const ledger = deadLedger('evt-1', 'evt-2', 'evt-3');
    ledger.failNext('transition');

    // Act
    const result = await redriveOverSqs(ledger);

    // Assess
    expect(result.moved.map(({ letter }) => letter.messageId)).toEqual(['m3']);
    expect(result.failed.map(({ letter, error }) => [letter.messageId, error])).toEqual([
      ['m1', 'not moved: the ledger could not mark it redriven (ledger transition failed)'],
      ['m2', 'not moved: an earlier letter of the same member could not be moved'],
    ]);
    expect(ledger.items.get('evt-1')?.status).toBe('dead_lettered');
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(releasedHandles().sort()).toEqual(['receipt-m1', 'receipt-m2']);
  });
});
