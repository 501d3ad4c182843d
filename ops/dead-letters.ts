/**
 * Dead-letter operations on the bridge's SQS FIFO queues: read dead-lettered events with their reason
 * without removing them, and move them back to the main queue (all of them with an SQS message move
 * task, or selected ones by hand). No argument parsing and no printing here: see `cli.ts`.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { DEAD_LETTER_ATTRIBUTES, type DeadLetterReason, fromDeadLetterAttributes } from '#shared/dead-letter';
import { messageGroupIdOf } from '#shared/queue-message';

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
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - held.length),
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
        // Long polling asks every SQS server, so an empty answer means the queue has nothing left for us.
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return;
    for (const letter of Messages.map(toDeadLetter)) {
      // A long read can see a message again once its hold ends: keep one entry, with the newest handle.
      const seen = held.find((existing) => existing.messageId === letter.messageId);
      if (seen) seen.receiptHandle = letter.receiptHandle;
      else held.push(letter);
    }
  }
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

/** Looks up a queue's ARN from its URL (`GetQueueAttributes`), for callers that only know the URL. */
export async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (Attributes.QueueArn === undefined) throw new Error(`SQS returned no QueueArn for ${queueUrl}`);
  return Attributes.QueueArn;
}

/** What a redrive of everything needs. */
export interface RedriveAllInput {
  deadLetterQueueArn: string;
  /**
   * Always the main queue: messages the consumer dead-lettered itself (SendMessage) have no source queue
   * for SQS to return them to.
   */
  queueArn: string;
  /** Messages per second the task moves (1-500); SQS chooses (up to 500) when not set. */
  maxNumberOfMessagesPerSecond?: number;
}

/**
 * Starts an SQS message move task from the dead-letter queue to the main queue. Order within a message
 * group is kept, and the messages keep their group and deduplication ids.
 * @returns the task handle (for `CancelMessageMoveTask`).
 */
export async function startRedriveAll(sqs: SQSClient, input: RedriveAllInput): Promise<string> {
  const { TaskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: input.deadLetterQueueArn,
      DestinationArn: input.queueArn,
      ...(input.maxNumberOfMessagesPerSecond === undefined
        ? {}
        : { MaxNumberOfMessagesPerSecond: input.maxNumberOfMessagesPerSecond }),
    }),
  );
  return TaskHandle ?? '';
}

/** The progress of a message move task. */
export interface MoveTaskProgress {
  taskHandle: string | undefined;
  status: string;
  moved: number;
  toMove: number | undefined;
  failureReason: string | undefined;
  startedAt: Date | undefined;
}

const toProgress = (entry: ListMessageMoveTasksResultEntry): MoveTaskProgress => ({
  taskHandle: entry.TaskHandle,
  status: entry.Status ?? 'UNKNOWN',
  moved: entry.ApproximateNumberOfMessagesMoved ?? 0,
  toMove: entry.ApproximateNumberOfMessagesToMove,
  failureReason: entry.FailureReason,
  startedAt: entry.StartedTimestamp === undefined ? undefined : new Date(entry.StartedTimestamp),
});

/** The most recent move tasks of a dead-letter queue (SQS keeps those of the last 14 days), newest first. */
export async function listMoveTasks(
  sqs: SQSClient,
  deadLetterQueueArn: string,
  maxResults = 10,
): Promise<MoveTaskProgress[]> {
  const { Results = [] } = await sqs.send(
    new ListMessageMoveTasksCommand({ SourceArn: deadLetterQueueArn, MaxResults: maxResults }),
  );
  return Results.map(toProgress);
}

/** Statuses after which a move task does not change any more. */
const FINAL_STATUSES = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

/** How {@link watchMoveTask} polls. */
export interface WatchOptions {
  /** Called with each progress report, the final one included. */
  onProgress: (progress: MoveTaskProgress) => void;
  /**
   * Pause between reports, in milliseconds.
   * @default 2000
   */
  intervalMs?: number;
  /** Waits; tests pass a fake. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/** Polls the dead-letter queue's latest move task until it completes, fails or is cancelled. */
export async function watchMoveTask(
  sqs: SQSClient,
  deadLetterQueueArn: string,
  options: WatchOptions,
): Promise<MoveTaskProgress> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const [latest] = await listMoveTasks(sqs, deadLetterQueueArn, 1);
    if (latest === undefined) throw new Error('SQS lists no move task for this dead-letter queue');
    options.onProgress(latest);
    if (FINAL_STATUSES.has(latest.status)) return latest;
    await sleep(options.intervalMs ?? 2_000);
  }
}

/** What a redrive of selected events needs. */
export interface RedriveSelectedInput extends ReadOptions {
  deadLetterQueueUrl: string;
  queueUrl: string;
  /** SQS message ids or event ids. */
  ids: readonly string[];
  /**
   * Runs before each dead letter is sent; if it throws, that letter is not sent (it stays here, and so do
   * the later ones of its member) and the error is reported. The CLI marks the ledger item `redriven` here.
   */
  beforeSend?: (letter: DeadLetter) => Promise<void>;
}

/** The outcome of a selected redrive. */
export interface RedriveSelectedResult {
  /** Dead letters sent back to the main queue and deleted from the dead-letter queue. */
  moved: DeadLetter[];
  /** Requested ids that matched no message read. */
  notFound: string[];
  /** Dead letters that could not be moved, with the error; they stay in the dead-letter queue. */
  failed: { letter: DeadLetter; error: string }[];
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

/**
 * Moves selected dead letters back to the main queue: for each, in the order read (FIFO order within a
 * group), `beforeSend`, then `SendMessage` with the body unchanged, the same message group and a deduplication id derived
 * from the dead-letter message id (so running the command again after a crash does not enqueue twice),
 * then `DeleteMessage` from the dead-letter queue. Everything else read is released untouched.
 */
export async function redriveSelected(
  sqs: SQSClient,
  input: RedriveSelectedInput,
): Promise<RedriveSelectedResult> {
  const letters: DeadLetter[] = [];
  const result: RedriveSelectedResult = { moved: [], notFound: [], failed: [] };
  // Sent but not deleted: left hidden, so that a redrive started right after cannot send it again.
  const keptHidden = new Set<DeadLetter>();
  // Message groups in which an event could not be moved: their later events stay, to keep the order.
  const blocked = new Set<string>();
  try {
    await receiveInto(sqs, input.deadLetterQueueUrl, input, letters);
    for (const letter of letters) {
      if (!input.ids.some((id) => matchesId(letter, id))) continue;
      const group = letter.groupId ?? letter.messageId;
      if (blocked.has(group)) {
        result.failed.push({
          letter,
          error: 'not moved: an earlier event of the same member could not be moved',
        });
        continue;
      }
      const outcome = await moveOne(sqs, input, letter, result);
      if (outcome !== 'moved') blocked.add(group);
      if (outcome === 'sent_not_deleted') keptHidden.add(letter);
    }
  } finally {
    await release(
      sqs,
      input.deadLetterQueueUrl,
      letters.filter((letter) => !result.moved.includes(letter) && !keptHidden.has(letter)),
    );
  }
  result.notFound = input.ids.filter((id) => !letters.some((letter) => matchesId(letter, id)));
  return result;
}

/** The bridge's message group of a dead letter: SQS's, or else the one its event belongs to. */
function messageGroupOf(letter: DeadLetter): string | undefined {
  if (letter.groupId !== undefined) return letter.groupId;
  const { event } = letter;
  return typeof event?.groupId === 'string' && typeof event.account === 'string'
    ? messageGroupIdOf(event.groupId, event.account)
    : undefined;
}

/** Sends one dead letter to the main queue, then deletes it from the dead-letter queue. */
async function moveOne(
  sqs: SQSClient,
  input: RedriveSelectedInput,
  letter: DeadLetter,
  result: RedriveSelectedResult,
): Promise<'moved' | 'not_sent' | 'sent_not_deleted'> {
  const groupId = messageGroupOf(letter);
  if (groupId === undefined) {
    result.failed.push({ letter, error: 'no MessageGroupId to send it with' });
    return 'not_sent';
  }
  try {
    await input.beforeSend?.(letter);
  } catch (error) {
    result.failed.push({
      letter,
      error: `not moved: ${error instanceof Error ? error.message : String(error)}`,
    });
    return 'not_sent';
  }
  try {
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
  } catch (error) {
    result.failed.push({ letter, error: describe(error) });
    return 'not_sent';
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: input.deadLetterQueueUrl, ReceiptHandle: letter.receiptHandle }),
      );
      result.moved.push(letter);
      return 'moved';
    } catch (error) {
      lastError = error;
    }
  }
  // Sent, but still here (hidden until its visibility timeout ends). Resending it within SQS's 5-minute
  // deduplication window is harmless; later it would apply the event twice.
  result.failed.push({
    letter,
    error:
      `already back on the main queue, but not deleted from the dead-letter queue (${describe(lastError)}): ` +
      `delete it there by hand (message ${letter.messageId}); do not redrive it again`,
  });
  return 'sent_not_deleted';
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
