/**
 * Dead-letter operations on the bridge's SQS FIFO queues: read dead-lettered events with their reason
 * without removing them, and the SQS side of a redrive (`redrive.ts` holds its rules). No argument
 * parsing and no printing here: see `cli.ts`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DEAD_LETTER_ATTRIBUTES,
  type DeadLetterReason,
  fromDeadLetterAttributes,
  messageGroupOfEvent,
  parseQueueMessage,
} from '#shared/queue';
import type { RedriveQueue } from './redrive.ts';

/** A dead-lettered event as read from the dead-letter queue. */
export interface DeadLetter {
  /** SQS message id in the dead-letter queue. */
  messageId: string;
  /** Handle of this receive; valid while the message is held. */
  receiptHandle: string;
  /** The original queue message body, unchanged. */
  body: string;
  /** The body parsed as JSON, when it is a JSON object. */
  event: Record<string, unknown> | undefined;
  /** The event id, from the reason or else from the body. */
  eventId: string | undefined;
  /** FIFO message group (the order a redrive must keep). */
  groupId: string | undefined;
  /** When the message entered the dead-letter queue. */
  enteredAt: Date | undefined;
  /** Why the consumer dead-lettered it; `undefined` when SQS's redrive policy moved it (the consumer crashed). */
  reason: DeadLetterReason | undefined;
  /** The main queue that SQS's redrive policy moved it from, when it did. */
  redrivenFromArn: string | undefined;
  /** Every message attribute, the reason attributes included. */
  attributes: Record<string, MessageAttributeValue>;
}

/** How dead letters are read. */
export interface ReadOptions {
  /**
   * At most this many messages are read.
   * @default 100
   */
  max?: number;
  /**
   * Seconds each message stays hidden from the consumer and other readers while it is read; every message
   * is made visible again (visibility 0) as soon as the command is done, or after this at the latest.
   * @default 30
   */
  visibilityTimeoutSeconds?: number;
}

/** Messages read from the dead-letter queue, and the queue's own count. */
export interface DeadLetterListing {
  letters: DeadLetter[];
  /** `ApproximateNumberOfMessages` before reading: more than `letters.length` means some were not reached. */
  approximateCount: number;
  /** `ApproximateNumberOfMessagesNotVisible` before reading: held by another reader or a running move task. */
  approximateInFlight: number;
  /** Messages read that could not be made visible again: they reappear when their visibility timeout ends. */
  notReleased: string[];
}

/** Decodes one received message. */
export function toDeadLetter(message: Message): DeadLetter {
  const body = message.Body ?? '';
  let event: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      event = parsed as Record<string, unknown>;
    }
  } catch {
    event = undefined;
  }
  const attributes = message.MessageAttributes ?? {};
  const reason = fromDeadLetterAttributes(attributes);
  const system = message.Attributes ?? {};
  const sent = Number(system.SentTimestamp);
  const bodyEventId = typeof event?.eventId === 'string' ? event.eventId : undefined;
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    event,
    eventId: reason?.eventId ?? bodyEventId,
    groupId: system.MessageGroupId,
    enteredAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : undefined,
    reason,
    redrivenFromArn: system.DeadLetterQueueSourceArn,
    attributes,
  };
}

/** Whether `id` names this dead letter: its SQS message id or its event id. */
export function matchesId(letter: DeadLetter, id: string): boolean {
  return letter.messageId === id || (letter.eventId !== undefined && letter.eventId === id);
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
};

async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/**
 * Receives up to `max` messages into `held` and keeps them hidden (the caller releases them, also when this
 * throws). On a FIFO queue a message group is invisible while one of its messages is held, so the loop
 * reaches every group but, within a group, only the messages the first receive of that group returned (up
 * to 10); comparing with the queue's `ApproximateNumberOfMessages` shows when that happened.
 */
async function receiveInto(
  sqs: SQSClient,
  queueUrl: string,
  options: ReadOptions,
  held: DeadLetter[],
): Promise<void> {
  const max = options.max ?? 100;
  while (held.length < max) {
    const received: DeadLetter[] = [];
    await receiveOnce(sqs, queueUrl, { ...options, max: max - held.length }, received);
    if (received.length === 0) return;
    for (const letter of received) {
      // A long read can see a message again once its hold ends: keep one entry, with the newest handle.
      const seen = held.find((existing) => existing.messageId === letter.messageId);
      if (seen) seen.receiptHandle = letter.receiptHandle;
      else held.push(letter);
    }
  }
}

/** One receive of up to `max` (at most 10) messages into `into`, hidden for the read's visibility timeout. */
async function receiveOnce(
  sqs: SQSClient,
  queueUrl: string,
  options: ReadOptions & { max: number },
  into: DeadLetter[],
): Promise<void> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(10, options.max),
      VisibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
      // Long polling asks every SQS server, so an empty answer means the queue has nothing left for us.
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  into.push(...Messages.map(toDeadLetter));
}

/**
 * Makes held messages visible again (visibility 0), so that reading removes nothing.
 * @returns the message ids that could not be released; they reappear when their visibility timeout ends.
 */
export async function release(
  sqs: SQSClient,
  queueUrl: string,
  letters: readonly DeadLetter[],
): Promise<string[]> {
  const failed: string[] = [];
  for (const batch of chunks(letters, 10)) {
    const { Failed = [] } = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((letter, index) => ({
          Id: String(index),
          ReceiptHandle: letter.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
    for (const failure of Failed) {
      const letter = batch[Number(failure.Id)];
      if (letter !== undefined) failed.push(letter.messageId);
    }
  }
  return failed;
}

/**
 * Reads dead-lettered events with their reason and leaves every one of them in the queue.
 *
 * @example
 * const { letters } = await listDeadLetters(sqs, process.env.DLQ_URL, { max: 50 });
 */
export async function listDeadLetters(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  options: ReadOptions = {},
): Promise<DeadLetterListing> {
  const counts = await queueCounts(sqs, deadLetterQueueUrl);
  const letters: DeadLetter[] = [];
  let notReleased: string[] = [];
  try {
    await receiveInto(sqs, deadLetterQueueUrl, options, letters);
  } finally {
    notReleased = await release(sqs, deadLetterQueueUrl, letters);
  }
  return { letters, approximateCount: counts.visible, approximateInFlight: counts.inFlight, notReleased };
}

/** Finds one dead letter by SQS message id or event id, and leaves it (and all others) in the queue. */
export async function findDeadLetter(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  id: string,
  options: ReadOptions = {},
): Promise<DeadLetter | undefined> {
  const { letters } = await listDeadLetters(sqs, deadLetterQueueUrl, options);
  return letters.find((letter) => matchesId(letter, id));
}

/** What the SQS side of a redrive needs. */
export interface SqsRedriveQueueInput {
  deadLetterQueueUrl: string;
  queueUrl: string;
  /**
   * Seconds each letter read stays hidden from the consumer and other readers while the redrive runs.
   * @default 30
   */
  visibilityTimeoutSeconds?: number;
}

const REASON_ATTRIBUTE_NAMES = new Set<string>(Object.values(DEAD_LETTER_ATTRIBUTES));

/** The message attributes to send on: all but the dead-letter reason, in the shape `SendMessage` accepts. */
function forwardedAttributes(letter: DeadLetter): Record<string, MessageAttributeValue> {
  const forwarded: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(letter.attributes)) {
    if (REASON_ATTRIBUTE_NAMES.has(name) || value.DataType === undefined) continue;
    forwarded[name] = {
      DataType: value.DataType,
      ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
    };
  }
  return forwarded;
}

/** The bridge's message group of a dead letter: SQS's, or else the one its event belongs to. */
function messageGroupOf(letter: DeadLetter): string | undefined {
  if (letter.groupId !== undefined) return letter.groupId;
  try {
    return messageGroupOfEvent(parseQueueMessage(letter.body));
  } catch {
    // Not a queue message the consumer can read: it has no target, and so no group of its own.
    return undefined;
  }
}

/**
 * The redrive's queue operations on SQS FIFO queues: receive from the dead-letter queue (hidden for the
 * run), `SendMessage` to the main queue with the body unchanged, the same message group, no dead-letter
 * reason attributes and a deduplication id derived from the dead-letter message id (so that a run
 * repeated after a crash does not enqueue twice within SQS's 5-minute window), then `DeleteMessage`.
 */
export function sqsRedriveQueue(sqs: SQSClient, input: SqsRedriveQueueInput): RedriveQueue {
  const options: ReadOptions = { visibilityTimeoutSeconds: input.visibilityTimeoutSeconds ?? 30 };
  return {
    async receive(max) {
      const letters: DeadLetter[] = [];
      await receiveOnce(sqs, input.deadLetterQueueUrl, { ...options, max }, letters);
      return letters;
    },
    async sendBack(letter) {
      const groupId = messageGroupOf(letter);
      if (groupId === undefined) throw new Error('no MessageGroupId to send it with');
      const attributes = forwardedAttributes(letter);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: input.queueUrl,
          MessageBody: letter.body,
          MessageGroupId: groupId,
          MessageDeduplicationId: `redrive-${letter.messageId}`,
          ...(Object.keys(attributes).length === 0 ? {} : { MessageAttributes: attributes }),
        }),
      );
    },
    async delete(letter) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: input.deadLetterQueueUrl, ReceiptHandle: letter.receiptHandle }),
      );
    },
    release: (letters) => release(sqs, input.deadLetterQueueUrl, letters),
  };
}
