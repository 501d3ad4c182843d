import {
  ChangeMessageVisibilityBatchCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { ConsumerQueue, QueueRecord, VisibilityChange } from '../consumer/index.ts';
import { VisibilityChangeError } from '../errors/index.ts';
import type { EventQueue, QueueEntry } from '../ingest/index.ts';
import { type DeadLetterReason, toDeadLetterAttributes } from '../queue/index.ts';

/** SQS takes at most ten entries per batch call. */
const SQS_BATCH_LIMIT = 10;

/** The ingest path's queue: an SQS FIFO queue, deduplicated by eventId. */
export class SqsEventQueue implements EventQueue {
  readonly maxBatchSize = SQS_BATCH_LIMIT;
  /** SQS's long-standing 256 KiB limit of a message and of a batch call (newer queues allow 1 MiB). */
  readonly maxBatchBytes = 262_144;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(entries: readonly QueueEntry[]): Promise<{ refused: { eventId: string; reason: string }[] }> {
    // Batch entry ids allow fewer characters than eventIds do, so entries are named by position.
    const output = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: entries.map((entry, index) => ({
          Id: `e${index}`,
          MessageBody: entry.body,
          MessageGroupId: entry.messageGroupId,
          MessageDeduplicationId: entry.eventId,
        })),
      }),
    );
    return {
      refused: (output.Failed ?? []).map((failure) => ({
        eventId: entries[Number(failure.Id?.slice(1))]?.eventId ?? String(failure.Id),
        reason: `${failure.Code ?? 'unknown'}: ${failure.Message ?? ''}`,
      })),
    };
  }
}

/**
 * The consumer's queue operations on SQS: visibility on the main queue, sends back to it in the current
 * message group (`relane.ts`), sends to the dead-letter queue.
 */
export class SqsConsumerQueue implements ConsumerQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  /**
   * Sets the visibility of several messages, ten per call.
   * @throws {@link VisibilityChangeError} naming the messages SQS refused (after every call is made)
   */
  async changeVisibility(changes: readonly VisibilityChange[]): Promise<void> {
    const failures: { messageId: string; code: string }[] = [];
    for (let start = 0; start < changes.length; start += SQS_BATCH_LIMIT) {
      const chunk = changes.slice(start, start + SQS_BATCH_LIMIT);
      const output = await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((change, index) => ({
            Id: `v${index}`,
            ReceiptHandle: change.receiptHandle,
            VisibilityTimeout: change.seconds,
          })),
        }),
      );
      for (const failure of output.Failed ?? []) {
        const change = chunk[Number(failure.Id?.slice(1))];
        // SQS's `Message` may quote the receipt handle: only the code is kept.
        failures.push({
          messageId: change?.messageId ?? String(failure.Id),
          code: failure.Code ?? 'unknown',
        });
      }
    }
    if (failures.length > 0) throw new VisibilityChangeError(failures);
  }

  async resend(record: QueueRecord, messageGroupId: string, deduplicationId: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: record.body,
        MessageGroupId: messageGroupId,
        MessageDeduplicationId: deduplicationId,
      }),
    );
  }

  async sendToDeadLetter(
    record: QueueRecord,
    reason: DeadLetterReason,
    deduplicationId: string,
  ): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: toDeadLetterAttributes(reason),
        MessageGroupId: record.messageGroupId ?? record.messageId,
        // One letter per delivery (see `deadLetterIdOf`): a send retried within the delivery is dropped
        // within SQS's 5-minute window; the same event dead-lettered by a later delivery is not.
        MessageDeduplicationId: deduplicationId,
      }),
    );
  }
}
