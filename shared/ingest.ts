import type { Logger } from '@aws-lambda-powertools/logger';
import { validateEvents } from './contract.ts';
import {
  EnqueueError,
  MalformedBodyError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.ts';
import { messageGroupIdOf, toQueueMessage } from './queue-message.ts';

/** One message for the FIFO queue. */
export interface QueueEntry {
  /** The event's id: also the deduplication id. */
  eventId: string;
  messageGroupId: string;
  body: string;
}

/** The queue the ingest path writes to. */
export interface EventQueue {
  /** Most entries one {@link EventQueue.send} call takes. */
  readonly maxBatchSize: number;
  /** Most bytes of message bodies one call takes, and the largest message. */
  readonly maxBatchBytes: number;
  /**
   * Sends up to `maxBatchSize` entries, of at most `maxBatchBytes` in all, in one call, in order.
   * @returns the eventIds the queue refused (empty when all were accepted)
   * @throws when the call failed as a whole
   */
  send(entries: readonly QueueEntry[]): Promise<{ refused: { eventId: string; reason: string }[] }>;
}

/** An HTTP request, as the ingest path needs it. */
export interface IngestRequest {
  body: string | null | undefined;
  isBase64Encoded: boolean;
  contentType: string | undefined;
}

/** What the ingest path works with. */
export interface IngestDeps {
  queue: EventQueue;
  logger: Logger;
  maxBodyBytes: number;
  /** The clock. */
  now?: () => Date;
}

/** The 202 answer: the accepted events' ids, in request order. */
export interface IngestResult {
  accepted: { eventId: string }[];
}

/**
 * Validates a request and enqueues its events: all of them, or (on a 4xx) none.
 *
 * Batches go to the queue one after the other, so one member's events keep their request order;
 * on the first failure the rest is not sent, and the {@link EnqueueError} says which events are on
 * the queue. Resending the same request is then safe: the queue drops duplicates by eventId.
 *
 * @throws {@link UnsupportedMediaTypeError}, {@link PayloadTooLargeError}, {@link MalformedBodyError},
 *   `ValidationError` (4xx, nothing enqueued), or {@link EnqueueError} (5xx, some maybe enqueued)
 */
export async function acceptEvents(request: IngestRequest, deps: IngestDeps): Promise<IngestResult> {
  if (!/^application\/json\s*(;|$)/i.test(request.contentType?.trim() ?? '')) {
    throw new UnsupportedMediaTypeError(request.contentType);
  }
  const raw = request.body ?? '';
  const bytes = request.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > deps.maxBodyBytes) throw new PayloadTooLargeError(deps.maxBodyBytes);
  if (bytes.length === 0) throw new MalformedBodyError('request body is empty; expected a JSON event');

  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new MalformedBodyError(`request body is not valid JSON: ${detail}`, { cause: error });
  }

  const receivedAt = deps.now?.() ?? new Date();
  const events = validateEvents(payload, receivedAt);
  const entries: QueueEntry[] = events.map((event) => ({
    eventId: event.eventId,
    messageGroupId: messageGroupIdOf(event.groupId, event.account),
    body: JSON.stringify(toQueueMessage(event, receivedAt)),
  }));
  const isBatch = typeof payload === 'object' && payload !== null && 'events' in payload;
  const oversized = entries.flatMap((entry, index) => {
    const size = Buffer.byteLength(entry.body, 'utf8');
    if (size <= deps.queue.maxBatchBytes) return [];
    const path = isBatch ? `events[${index}]` : '(body)';
    return [{ path, rule: `must be at most ${deps.queue.maxBatchBytes} bytes once queued (is ${size})` }];
  });
  if (oversized.length > 0) throw new ValidationError(oversized);

  const enqueued: string[] = [];
  for (const chunk of planBatches(entries, deps.queue.maxBatchSize, deps.queue.maxBatchBytes)) {
    let refused: { eventId: string; reason: string }[];
    try {
      ({ refused } = await deps.queue.send(chunk));
    } catch (error) {
      throw enqueueFailure(entries, enqueued, deps.logger, error);
    }
    const refusedIds = new Set(refused.map((entry) => entry.eventId));
    enqueued.push(...chunk.filter((entry) => !refusedIds.has(entry.eventId)).map((entry) => entry.eventId));
    if (refused.length > 0) throw enqueueFailure(entries, enqueued, deps.logger, refused);
  }

  for (const event of events) {
    deps.logger.info('event accepted', {
      eventId: event.eventId,
      action: event.action,
      groupId: event.groupId,
      account: event.account,
    });
  }
  return { accepted: events.map((event) => ({ eventId: event.eventId })) };
}

/**
 * Splits entries, in order, into send calls of at most `maxCount` entries and `maxBytes` of bodies,
 * with at most one entry per message group in a call: if the queue refuses one entry of a call, no
 * later event of that member has been sent, so a resend keeps the member's order.
 */
export function planBatches(
  entries: readonly QueueEntry[],
  maxCount: number,
  maxBytes: number,
): QueueEntry[][] {
  const batches: QueueEntry[][] = [];
  let batch: QueueEntry[] = [];
  let bytes = 0;
  const groups = new Set<string>();
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.body, 'utf8');
    const full = batch.length === maxCount || bytes + size > maxBytes || groups.has(entry.messageGroupId);
    if (full && batch.length > 0) {
      batches.push(batch);
      batch = [];
      bytes = 0;
      groups.clear();
    }
    batch.push(entry);
    bytes += size;
    groups.add(entry.messageGroupId);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function enqueueFailure(
  entries: readonly QueueEntry[],
  enqueued: readonly string[],
  logger: Logger,
  cause: unknown,
): EnqueueError {
  const done = new Set(enqueued);
  const notEnqueued = entries.filter((entry) => !done.has(entry.eventId)).map((entry) => entry.eventId);
  const error = new EnqueueError(enqueued, notEnqueued, { cause });
  logger.error('events could not be enqueued', { enqueued, notEnqueued, error: describeCause(cause) });
  return error;
}

function describeCause(cause: unknown): unknown {
  return cause instanceof Error ? { name: cause.name, message: cause.message } : cause;
}
