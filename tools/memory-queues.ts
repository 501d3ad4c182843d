import type { Message } from '@aws-sdk/client-sqs';
import type { ConsumerQueue, QueueRecord, VisibilityChange } from '#shared/consumer';
import type { EventQueue } from '#shared/ingest';
import { type DeadLetterReason, toDeadLetterAttributes } from '#shared/queue';
import { type DeadLetter, toDeadLetter } from '../ops/dead-letters.ts';
import type { RedriveQueue } from '../ops/redrive.ts';

/** A virtual clock, in epoch milliseconds, that only moves when a test moves it. */
export interface Clock {
  now: number;
}

/** A message in a {@link MemoryFifoQueue}. */
interface Stored {
  messageId: string;
  body: string;
  groupId: string;
  /** The consumer's dead-letter reason, carried as message attributes. */
  reason: DeadLetterReason | undefined;
  receiveCount: number;
  /** When it may be received again (in flight until then, once received). */
  visibleAt: number;
  receiptHandle: string | undefined;
}

/** SQS FIFO's deduplication window. */
const DEDUPLICATION_MS = 5 * 60_000;

/**
 * An SQS FIFO queue in memory, on a virtual clock, for the property tests: messages of one group are
 * handed out in order and never while an earlier one of the group is in flight; a receive hides a
 * message for the visibility timeout; a send with a deduplication id seen in the last 5 minutes is
 * dropped; with a dead-letter queue, a message received more than `maxReceiveCount` times is moved
 * there (as SQS's redrive policy does: without a reason).
 */
export class MemoryFifoQueue {
  private readonly messages: Stored[] = [];
  private readonly deduplication = new Map<string, number>();
  private next = 0;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
    private readonly options: {
      visibilitySeconds: number;
      maxReceiveCount?: number;
      deadLetterQueue?: MemoryFifoQueue;
      /** Picks one of `count` choices, for the order groups are served in. */
      pick?: (count: number) => number;
    },
  ) {}

  /** Messages still in the queue (visible or in flight). */
  get size(): number {
    return this.messages.length;
  }

  /** Every message body, in queue order. */
  bodies(): string[] {
    return this.messages.map((message) => message.body);
  }

  /** Every message, with its reason, in queue order. */
  peek(): readonly Pick<Stored, 'messageId' | 'body' | 'reason' | 'groupId'>[] {
    return this.messages;
  }

  /** Sends a message; returns false when its deduplication id was seen in the last 5 minutes. */
  send(body: string, groupId: string, deduplicationId: string, reason?: DeadLetterReason): boolean {
    const seen = this.deduplication.get(deduplicationId);
    if (seen !== undefined && this.clock.now - seen < DEDUPLICATION_MS) return false;
    this.deduplication.set(deduplicationId, this.clock.now);
    this.messages.push({
      messageId: `${this.name}-${++this.next}`,
      body,
      groupId,
      reason,
      receiveCount: 0,
      visibleAt: 0,
      receiptHandle: undefined,
    });
    return true;
  }

  /** Receives up to `max` messages, FIFO by group. */
  receive(max: number): Stored[] {
    const heads = new Map<string, Stored[]>();
    for (const message of this.messages) {
      const group = heads.get(message.groupId);
      if (group) group.push(message);
      else heads.set(message.groupId, [message]);
    }
    // A group whose first message is in flight hands out nothing.
    const open = [...heads.values()].filter((group) => (group[0]?.visibleAt ?? 0) <= this.clock.now);
    const received: Stored[] = [];
    while (open.length > 0 && received.length < max) {
      const [group] = open.splice(this.options.pick?.(open.length) ?? 0, 1);
      for (const message of group ?? []) {
        if (received.length === max) break;
        if (
          this.options.deadLetterQueue !== undefined &&
          this.options.maxReceiveCount !== undefined &&
          message.receiveCount >= this.options.maxReceiveCount
        ) {
          // SQS's redrive policy: moved, with no reason, and the group stops here for this receive.
          this.remove(message);
          this.options.deadLetterQueue.send(message.body, message.groupId, `policy-${message.messageId}`);
          break;
        }
        message.receiveCount++;
        message.visibleAt = this.clock.now + this.options.visibilitySeconds * 1000;
        message.receiptHandle = `${message.messageId}/${message.receiveCount}`;
        received.push(message);
      }
    }
    return received;
  }

  /** Deletes a message by its current receipt handle; false when the handle is stale. */
  delete(receiptHandle: string): boolean {
    const message = this.messages.find((candidate) => candidate.receiptHandle === receiptHandle);
    if (message === undefined) return false;
    this.remove(message);
    return true;
  }

  /** Sets when a received message may be received again. */
  changeVisibility(receiptHandle: string, seconds: number): void {
    const message = this.messages.find((candidate) => candidate.receiptHandle === receiptHandle);
    if (message !== undefined) message.visibleAt = this.clock.now + seconds * 1000;
  }

  /** Moves every message to `target` as it is, reason and all (an SQS message move task). */
  moveAllTo(target: MemoryFifoQueue): number {
    const moved = this.messages.splice(0);
    for (const message of moved) {
      target.send(message.body, message.groupId, `move-${message.messageId}`, message.reason);
    }
    return moved.length;
  }

  /** The next time a message in flight becomes visible again, or `undefined` when none is in flight. */
  nextVisibleAt(): number | undefined {
    const later = this.messages.map((message) => message.visibleAt).filter((at) => at > this.clock.now);
    return later.length === 0 ? undefined : Math.min(...later);
  }

  private remove(message: Stored): void {
    this.messages.splice(this.messages.indexOf(message), 1);
  }
}

/** The consumer's records for received messages, as the Lambda event source hands them over. */
export function toQueueRecords(messages: readonly Stored[]): QueueRecord[] {
  return messages.map((message) => ({
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? '',
    body: message.body,
    messageGroupId: message.groupId,
    receiveCount: message.receiveCount,
    deadLetterReason: message.reason,
  }));
}

/** The ingest's queue port over a main queue. */
export function eventQueueOf(queue: MemoryFifoQueue): EventQueue {
  return {
    maxBatchSize: 10,
    maxBatchBytes: 262_144,
    send: async (entries) => {
      for (const entry of entries) queue.send(entry.body, entry.messageGroupId, entry.eventId);
      return { refused: [] };
    },
  };
}

/** The consumer's queue port over a main queue and its dead-letter queue. */
export function consumerQueueOf(main: MemoryFifoQueue, deadLetters: MemoryFifoQueue): ConsumerQueue {
  return {
    changeVisibility: async (changes: readonly VisibilityChange[]) => {
      for (const change of changes) main.changeVisibility(change.receiptHandle, change.seconds);
    },
    sendToDeadLetter: async (record, reason, deduplicationId) => {
      deadLetters.send(record.body, record.messageGroupId ?? record.messageId, deduplicationId, reason);
    },
  };
}

/** The redrive's queue port over a dead-letter queue and its main queue. */
export function redriveQueueOf(deadLetters: MemoryFifoQueue, main: MemoryFifoQueue): RedriveQueue {
  return {
    receive: async (max) =>
      deadLetters.receive(max).map((stored) => {
        const message: Message = {
          MessageId: stored.messageId,
          ReceiptHandle: stored.receiptHandle,
          Body: stored.body,
          Attributes: { MessageGroupId: stored.groupId },
          MessageAttributes: stored.reason === undefined ? {} : toDeadLetterAttributes(stored.reason),
        };
        return toDeadLetter(message);
      }),
    sendBack: async (letter: DeadLetter) => {
      main.send(letter.body, letter.groupId ?? letter.messageId, `redrive-${letter.messageId}`);
    },
    delete: async (letter) => {
      if (!deadLetters.delete(letter.receiptHandle)) throw new Error('receipt handle is stale');
    },
    release: async (letters) => {
      for (const letter of letters) deadLetters.changeVisibility(letter.receiptHandle, 0);
      return [];
    },
  };
}
