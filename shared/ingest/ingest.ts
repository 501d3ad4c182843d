import type { Logger } from '@aws-lambda-powertools/logger';
import {
  codePointName,
  isEventBatch,
  type ModerationEvent,
  parseStrictJson,
  RESERVED_KEYS,
  targetFields,
  targetOf,
  validateEvents,
} from '../contract/index.ts';
import {
  EnqueueError,
  EventConflictError,
  type FieldIssue,
  LedgerUnavailableError,
  MalformedBodyError,
  ValidationError,
  WebhookRejectedError,
} from '../errors/index.ts';
import type { AcceptedBody, WebhookHeaders, WebhookVerifier } from '../http/index.ts';
import { checkContentHeaders, decodeRequestBody, receivedBody } from '../http/index.ts';
import { expiresAtOf, type LedgerItem, type LedgerStore, positionOf, transitionOf } from '../ledger/index.ts';
import { messageGroupOfEvent, orderKeysOf, toQueueMessage } from '../queue/index.ts';
import { runConcurrently } from '../util/index.ts';

/**
 * Deepest nesting of a request body: the contract needs four levels (`{"events": [{"data": {}}]}`),
 * so anything much deeper is invalid anyway, and the parser's recursion stays shallow.
 */
export const MAX_JSON_DEPTH = 16;

/** Ledger writes of one request made at once (items are independent; their order does not matter). */
const LEDGER_WRITES_AT_ONCE = 10;

/** One message for the FIFO queue. */
export interface QueueEntry {
  /** The event's id: also the deduplication id. */
  eventId: string;
  messageGroupId: string;
  /** What the event is about (`orderKeysOf`): no two entries sharing one go in one send call. */
  orderKeys: readonly string[];
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
  /** The `Content-Encoding` header; only `identity` (or none) is taken. */
  contentEncoding: string | undefined;
  /** The Standard Webhooks headers, checked when the ingest verifies signatures ({@link IngestDeps.webhook}). */
  webhook?: WebhookHeaders;
}

/** What the ingest path works with. */
export interface IngestDeps {
  queue: EventQueue;
  /** The event ledger: each event is recorded before it is enqueued. */
  ledger: LedgerStore;
  /** Days a ledger item is kept after its last change. */
  ledgerRetentionDays: number;
  logger: Logger;
  maxBodyBytes: number;
  /**
   * Webhook mode (`apiAuth=webhook`): every request must carry a Standard Webhooks signature this
   * verifier accepts, checked before anything else of the body is read; events sent without an
   * eventId take theirs from the `webhook-id`. Absent: nothing is checked (API Gateway authenticates).
   */
  webhook?: WebhookVerifier;
  /** The clock. */
  now?: () => Date;
  /** Told when the ledger refused a transition (for the metric): the consumer moved the event on first. */
  onTransitionRefused?: () => void;
}

/**
 * The 202 answer: the accepted events' ids, in request order; `duplicate` marks an event the ledger
 * already had with the same content, which was not enqueued again (`acceptedBodySchema`).
 */
export type IngestResult = AcceptedBody;

/**
 * Validates a request and enqueues its events: all of them, or (on a 4xx) none.
 *
 * Each event is recorded in the ledger before it is enqueued. An eventId the ledger already has with
 * the same content is a duplicate (answered, not enqueued again) for the whole retention; with other
 * content it is a conflict (409, nothing enqueued). An event recorded but never confirmed on the queue
 * (a crash or a queue failure after the ledger write) is enqueued again by a resend.
 *
 * Batches go to the queue one after the other, so one member's events keep their request order;
 * on the first failure the rest is not sent, and the {@link EnqueueError} says which events are on
 * the queue. Resending the same request is then safe.
 *
 * In webhook mode ({@link IngestDeps.webhook}) the signature is checked first, over the body as
 * received (only its size is checked before); a request that fails it is refused with nothing read,
 * recorded or enqueued. An event without an eventId then takes the `webhook-id` (event *i* of a batch
 * `{webhook-id}:{i}`), so that a sender's retry of a delivery is a duplicate, not a second change.
 *
 * @throws `UnsupportedMediaTypeError`, `PayloadTooLargeError`, {@link WebhookRejectedError},
 *   {@link MalformedBodyError}, {@link ValidationError} or {@link EventConflictError} (4xx, nothing
 *   enqueued), `CredentialsError` (the signing secrets are unreadable: 5xx, nothing enqueued),
 *   {@link LedgerUnavailableError} (5xx, nothing enqueued) or {@link EnqueueError} (5xx, some maybe enqueued)
 */
export async function acceptEvents(request: IngestRequest, deps: IngestDeps): Promise<IngestResult> {
  const webhookId = deps.webhook === undefined ? undefined : await verifySender(request, deps.webhook, deps);
  checkContentHeaders(request.contentType, request.contentEncoding);
  const text = decodeRequestBody(request.body, request.isBase64Encoded, deps.maxBodyBytes);
  const parsed = parseStrictJson(text, { maxDepth: MAX_JSON_DEPTH, reservedKeys: RESERVED_KEYS });
  if (parsed.kind === 'syntax-error') {
    throw new MalformedBodyError(`request body is not valid JSON: ${parsed.message}`);
  }
  if (parsed.kind === 'key-issues') throw new ValidationError(parsed.issues);
  const payload = parsed.value;

  const receivedAt = deps.now?.() ?? new Date();
  const events = validateEvents(
    payload,
    receivedAt,
    webhookId === undefined ? {} : { eventIdDefault: { base: webhookId, source: '(header webhook-id)' } },
  );
  const entries: QueueEntry[] = events.map((event) => ({
    eventId: event.eventId,
    messageGroupId: messageGroupOfEvent(event),
    orderKeys: orderKeysOf(targetOf(event)),
    body: JSON.stringify(toQueueMessage(event, receivedAt)),
  }));
  const pathOf = (index: number) => (isEventBatch(payload) ? `events[${index}]` : '(body)');
  const unqueueable = entries.flatMap((entry, index): FieldIssue[] => {
    const size = Buffer.byteLength(entry.body, 'utf8');
    if (size > deps.queue.maxBatchBytes) {
      return [
        {
          path: pathOf(index),
          rule: `must be at most ${deps.queue.maxBatchBytes} bytes once queued (is ${size})`,
        },
      ];
    }
    // The contract keeps these characters out; this guard keeps a gap in it from enqueueing half a batch.
    const unsafe = queueUnsafeCharacter(entry.body);
    if (unsafe !== undefined) {
      return [
        { path: pathOf(index), rule: `must not contain characters SQS refuses (${codePointName(unsafe)})` },
      ];
    }
    return [];
  });
  if (unqueueable.length > 0) throw new ValidationError(unqueueable);

  const { duplicates, received } = await recordInLedger(events, receivedAt, deps);
  const toEnqueue = entries.filter((entry) => !duplicates.has(entry.eventId));

  const enqueued: string[] = [];
  for (const chunk of planBatches(toEnqueue, deps.queue.maxBatchSize, deps.queue.maxBatchBytes)) {
    let refused: { eventId: string; reason: string }[];
    try {
      ({ refused } = await deps.queue.send(chunk));
    } catch (error) {
      throw enqueueFailure(toEnqueue, enqueued, deps.logger, error);
    }
    const refusedIds = new Set(refused.map((entry) => entry.eventId));
    enqueued.push(...chunk.filter((entry) => !refusedIds.has(entry.eventId)).map((entry) => entry.eventId));
    if (refused.length > 0) throw enqueueFailure(toEnqueue, enqueued, deps.logger, refused);
  }
  await confirmQueued(enqueued, received, deps);

  for (const event of events) {
    deps.logger.info(
      duplicates.has(event.eventId) ? 'duplicate event; not enqueued again' : 'event accepted',
      {
        eventId: event.eventId,
        action: event.action,
        ...targetFields(targetOf(event)),
        ...(webhookId === undefined ? {} : { webhookId }),
      },
    );
  }
  return {
    accepted: events.map((event) =>
      duplicates.has(event.eventId)
        ? { eventId: event.eventId, duplicate: true }
        : { eventId: event.eventId },
    ),
  };
}

/**
 * Checks a webhook-mode request's signature; returns its `webhook-id`.
 *
 * @throws `PayloadTooLargeError` (before any hashing), {@link WebhookRejectedError} naming the failed
 *   check, or the `CredentialsError` of unreadable signing secrets
 */
async function verifySender(
  request: IngestRequest,
  verifier: WebhookVerifier,
  deps: IngestDeps,
): Promise<string> {
  const body = receivedBody(request.body, request.isBase64Encoded, deps.maxBodyBytes);
  const check = await verifier.verify(request.webhook ?? {}, body);
  switch (check.kind) {
    case 'verified':
      return check.webhookId;
    case 'rejected':
      throw new WebhookRejectedError(check.message);
    case 'unavailable':
      throw check.error;
  }
}

/**
 * Records the events in the ledger, all or nothing for conflicts: it reads first, and writes nothing
 * when an eventId is already used for other content. Returns the duplicates (same content, confirmed
 * on the queue before), which are not enqueued again, and the `received` items of the others (created
 * now, or by an earlier request whose events never reached the queue), which keep the position of
 * their first acceptance.
 *
 * @throws {@link EventConflictError}, {@link LedgerUnavailableError}
 */
async function recordInLedger(
  events: readonly ModerationEvent[],
  receivedAt: Date,
  deps: IngestDeps,
): Promise<{ duplicates: Set<string>; received: Map<string, LedgerItem> }> {
  const known = await deps.ledger.getMany(events.map((event) => event.eventId));
  const duplicates = new Set<string>();
  const received = new Map<string, LedgerItem>();
  const conflicts: { index: number; eventId: string }[] = [];
  const classify = (event: ModerationEvent, index: number, item: LedgerItem) => {
    if (item.fingerprint !== event.fingerprint) conflicts.push({ index, eventId: event.eventId });
    // Recorded but never confirmed on the queue: this resend enqueues it.
    else if (item.status === 'received') received.set(event.eventId, item);
    else duplicates.add(event.eventId);
  };
  events.forEach((event, index) => {
    const item = known.get(event.eventId);
    if (item) classify(event, index, item);
  });
  if (conflicts.length > 0) throw new EventConflictError(conflicts);

  const at = receivedAt.toISOString();
  const expiresAt = expiresAtOf(receivedAt.getTime(), deps.ledgerRetentionDays);
  const raced: [ModerationEvent, number][] = [];
  const fresh = [...events.entries()].filter(([, event]) => !known.has(event.eventId));
  await runConcurrently(fresh, LEDGER_WRITES_AT_ONCE, async ([index, event]) => {
    const item: LedgerItem = {
      eventId: event.eventId,
      status: 'received',
      ...targetFields(targetOf(event)),
      action: event.action,
      fingerprint: event.fingerprint,
      acceptedAt: at,
      position: positionOf(at, index, event.eventId),
      updatedAt: at,
      attempts: 0,
      history: [{ at, outcome: 'received' }],
      expiresAt,
      version: 1,
    };
    if ((await deps.ledger.create(item)) === 'created') received.set(event.eventId, item);
    else raced.push([event, index]);
  });
  // Another request recorded the same id meanwhile: it is a duplicate or a conflict like any other.
  if (raced.length > 0) {
    const now = await deps.ledger.getMany(raced.map(([event]) => event.eventId));
    for (const [event, index] of raced) {
      const item = now.get(event.eventId);
      if (item) classify(event, index, item);
    }
    if (conflicts.length > 0) throw new EventConflictError(conflicts);
  }
  return { duplicates, received };
}

/**
 * Moves the enqueued events' items from `received` to `queued`. A failure here loses nothing: the
 * consumer records their outcome. A refused move (the consumer already recorded one) is logged.
 */
async function confirmQueued(
  eventIds: readonly string[],
  received: ReadonlyMap<string, LedgerItem>,
  deps: IngestDeps,
): Promise<void> {
  const now = deps.now?.() ?? new Date();
  const at = now.toISOString();
  const expiresAt = expiresAtOf(now.getTime(), deps.ledgerRetentionDays);
  try {
    await runConcurrently(eventIds, LEDGER_WRITES_AT_ONCE, async (eventId) => {
      const item = received.get(eventId);
      if (item === undefined) return;
      const result = await deps.ledger.transition(
        eventId,
        transitionOf(item, { by: 'ingest', to: 'queued', at, expiresAt }),
      );
      if (result.kind === 'refused') {
        deps.logger.info('not marked queued: the consumer already moved the event on', {
          eventId,
          status: result.current?.status ?? 'none',
        });
        deps.onTransitionRefused?.();
      }
    });
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    deps.logger.warn(
      'could not mark events queued in the ledger; they stay received until the consumer records them',
      {
        eventIds,
        error: error.message,
      },
    );
  }
}

/** Characters outside the set SQS takes in a message body: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. */
const SQS_UNSAFE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The first code point (or lone surrogate) of `body` that SQS refuses in a message, or `undefined`. */
export function queueUnsafeCharacter(body: string): number | undefined {
  return SQS_UNSAFE.exec(body)?.[0].codePointAt(0);
}

/**
 * Splits entries, in order, into send calls of at most `maxCount` entries and `maxBytes` of bodies,
 * with no two entries about one target in a call (`orderKeys`: a member, each account of a bulk event,
 * a group, an account): if the queue refuses one entry of a call, no later event about its target has
 * been sent, so a resend keeps the target's order. Events about different members of one group share
 * the group's message group but may go in one call (the consumer orders them by member).
 */
export function planBatches(
  entries: readonly QueueEntry[],
  maxCount: number,
  maxBytes: number,
): QueueEntry[][] {
  const batches: QueueEntry[][] = [];
  let batch: QueueEntry[] = [];
  let bytes = 0;
  const keys = new Set<string>();
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.body, 'utf8');
    const full =
      batch.length === maxCount || bytes + size > maxBytes || entry.orderKeys.some((key) => keys.has(key));
    if (full && batch.length > 0) {
      batches.push(batch);
      batch = [];
      bytes = 0;
      keys.clear();
    }
    batch.push(entry);
    bytes += size;
    for (const key of entry.orderKeys) keys.add(key);
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
