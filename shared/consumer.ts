import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AttemptLedger } from './attempts.ts';
import { type BackoffPolicy, backoffSeconds } from './backoff.ts';
import { runConcurrently } from './concurrency.ts';
import type { DeadLetterReason } from './dead-letter.ts';
import {
  CredentialsError,
  MessageFormatError,
  OutOfTimeError,
  TencentApiError,
  TencentTransportError,
} from './errors.ts';
import { parseQueueMessage, type QueueMessage, toTencentCall } from './queue-message.ts';
import { redactText } from './redact.ts';
import type { GroupMemberApi, ModifyGroupMemberInfoBody, TencentCredentials } from './tencent/client.ts';
import { classifyTencentCode, type Disposition, isRateLimitCode } from './tencent/codes.ts';

/** A message as the consumer receives it; the handler maps the Lambda event to these. */
export interface QueueRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The FIFO message group; undefined on a standard queue (each record is then its own group). */
  messageGroupId: string | undefined;
  /** Delivery attempts so far, this one included (SQS's `ApproximateReceiveCount`). */
  receiveCount: number;
}

/** A visibility change for one message. */
export interface VisibilityChange {
  messageId: string;
  receiptHandle: string;
  /** Seconds until the message may be received again. */
  seconds: number;
}

/** The queue operations the consumer needs. */
export interface ConsumerQueue {
  /** Sets the visibility of several messages of the main queue. */
  changeVisibility(changes: readonly VisibilityChange[]): Promise<void>;
  /** Sends a message to the dead-letter queue, body unchanged, with its reason. */
  sendToDeadLetter(record: QueueRecord, reason: DeadLetterReason): Promise<void>;
}

/** The consumer's tunables (see `ConsumerConfig` for their environment variables and defaults). */
export interface ConsumerSettings {
  maxAttempts: number;
  ambiguousMaxAttempts: number;
  backoff: BackoffPolicy;
  groupConcurrency: number;
  tencentTimeoutMs: number;
  timeReserveMs: number;
}

/** Where the consumer gets its credentials from (a `CredentialStore`). */
export interface CredentialProvider {
  current(): Promise<TencentCredentials>;
  renew(): Promise<TencentCredentials>;
}

/** Spaces out Tencent calls (a `RateLimiter`). */
export interface CallPacer {
  /** Waits until the next call may start and returns true; returns false at once if that is more than `maxWaitMs` away. */
  acquire(maxWaitMs: number): Promise<boolean>;
  /** Tencent said the calls are over its limit. */
  backOff(): void;
}

/** What the consumer works with. */
export interface ConsumerDeps {
  api: GroupMemberApi;
  pacer: CallPacer;
  /** Real attempts per message (an `AttemptLedger`, one per container). */
  attempts: Pick<AttemptLedger, 'attempt' | 'forget'>;
  credentials: CredentialProvider;
  queue: ConsumerQueue;
  logger: Logger;
  metrics: Metrics;
  settings: ConsumerSettings;
  /** The clock, in epoch milliseconds. */
  now?: () => number;
  /** Random numbers in [0, 1), for backoff jitter. */
  random?: () => number;
}

/** The invocation's time budget. */
export interface TimeBudget {
  remainingTimeMs(): number;
}

/** The records to report as failed (`batchItemFailures`); all others are done and may be deleted. */
export interface BatchResult {
  failedMessageIds: string[];
}

type Outcome =
  | { status: 'done' }
  | { status: 'retry'; visibilitySeconds: number }
  /** Not attempted: made visible again at once, to come back in order behind its group's head. */
  | { status: 'deferred' };

interface Item {
  record: QueueRecord;
  message: QueueMessage | MessageFormatError;
}

/**
 * Applies a batch of queue messages to Tencent. Records of one message group (one member) run in
 * order; groups run concurrently. Each record ends in one of three ways:
 * - done: applied, or nothing left to apply (an expired mute), or dead-lettered with its reason;
 * - retry: a transient failure; reported as failed, and hidden for a backoff delay;
 * - deferred: not attempted, because an earlier record of its group failed or the invocation is
 *   about to time out; reported as failed, and visible again at once.
 * If the credentials cannot be read, Tencent is not called and every readable record is retried (an
 * unreadable message is still dead-lettered, an expired mute still done): nothing is lost. Attempts
 * are counted per message by `deps.attempts`, not from SQS's receive count (see `AttemptLedger`).
 */
export async function processBatch(
  records: readonly QueueRecord[],
  deps: ConsumerDeps,
  budget: TimeBudget,
): Promise<BatchResult> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const { settings, logger } = deps;
  const outcomes = new Map<string, Outcome>();
  const items = records.map(toItem);

  let credentials: TencentCredentials | undefined;
  try {
    credentials = await deps.credentials.current();
  } catch (error) {
    logger.error('Tencent credentials unavailable; every readable record will be retried', {
      error: errorFields(error),
    });
  }

  const context: RecordContext = {
    deps,
    now,
    random,
    budget,
    credentialsAvailable: () => credentials !== undefined,
    credentials: () => {
      if (credentials === undefined) throw new CredentialsError('Tencent credentials unavailable');
      return credentials;
    },
    renewCredentials: async () => {
      credentials = await deps.credentials.renew();
      return credentials;
    },
  };
  const hasTimeForACall = () =>
    budget.remainingTimeMs() >= settings.tencentTimeoutMs + settings.timeReserveMs;

  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const key = item.record.messageGroupId ?? item.record.messageId;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }

  await runConcurrently([...groups.values()], settings.groupConcurrency, async (group) => {
    let blockedBy: string | undefined;
    for (const item of group) {
      if (blockedBy === undefined && !hasTimeForACall()) blockedBy = 'the invocation is close to its timeout';
      if (blockedBy !== undefined) {
        logger.info('event deferred', { ...logFields(item), why: blockedBy });
        outcomes.set(item.record.messageId, { status: 'deferred' });
        continue;
      }
      const outcome = await handleItem(item, context);
      outcomes.set(item.record.messageId, outcome);
      if (outcome.status === 'deferred') blockedBy = 'the invocation is close to its timeout';
      else if (outcome.status !== 'done') blockedBy = 'an earlier event of this member is being retried';
    }
  });

  return finish(items, outcomes, deps);
}

interface RecordContext {
  deps: ConsumerDeps;
  now: () => number;
  random: () => number;
  budget: TimeBudget;
  credentialsAvailable: () => boolean;
  credentials: () => TencentCredentials;
  renewCredentials: () => Promise<TencentCredentials>;
}

function toItem(record: QueueRecord): Item {
  try {
    return { record, message: parseQueueMessage(record.body) };
  } catch (error) {
    const failure =
      error instanceof MessageFormatError
        ? error
        : new MessageFormatError('queue message could not be read', { cause: error });
    return { record, message: failure };
  }
}

/** The fields every outcome log line carries. */
function logFields({ record, message }: Item): Record<string, unknown> {
  const fields: Record<string, unknown> = { messageId: record.messageId, receiveCount: record.receiveCount };
  if (!(message instanceof MessageFormatError)) {
    fields.eventId = message.eventId;
    fields.action = message.action;
    fields.groupId = message.groupId;
    fields.account = message.account;
  }
  return fields;
}

/** Error fields for a log line: name, message and code; a UserSig in a message is redacted. */
function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof TencentApiError) {
    return { name: error.name, tencentCode: error.code, info: redactText(error.info) };
  }
  if (error instanceof Error) return { name: error.name, message: redactText(error.message) };
  return { message: redactText(String(error)) };
}

async function handleItem(item: Item, context: RecordContext): Promise<Outcome> {
  const { deps, now } = context;
  const { message, record } = item;
  if (message instanceof MessageFormatError) {
    return deadLetter(item, context, record.receiveCount, {
      kind: 'invalid_message',
      errorInfo: message.message,
    });
  }

  const call = toTencentCall(message, now());
  if (call.kind === 'expired') {
    deps.logger.info('mute already over; nothing to apply', {
      ...logFields(item),
      muteUntil: call.muteUntil,
    });
    deps.metrics.addMetric('EventsExpired', MetricUnit.Count, 1);
    deps.attempts.forget(record.messageId);
    return { status: 'done' };
  }

  if (!context.credentialsAvailable()) {
    const visibilitySeconds = backoffSeconds(record.receiveCount, deps.settings.backoff, context.random);
    deps.metrics.addMetric('EventsRetried', MetricUnit.Count, 1);
    return { status: 'retry', visibilitySeconds };
  }

  try {
    // Counted only now, when the event is really attempted (see AttemptLedger).
    const attempt = deps.attempts.attempt(record.messageId, record.receiveCount);
    try {
      await callTencent(call.body, item, context);
    } catch (error) {
      return await handleFailure(item, error, context, attempt);
    }
    deps.logger.info('event applied', { ...logFields(item), attempt, tencentCode: 0 });
    deps.metrics.addMetric('EventsApplied', MetricUnit.Count, 1);
    deps.attempts.forget(record.messageId);
    return { status: 'done' };
  } catch (error) {
    if (!(error instanceof OutOfTimeError)) throw error;
    deps.logger.info('event deferred', { ...logFields(item), why: error.message });
    return { status: 'deferred' };
  }
}

/** One call, and one more with fresh credentials if Tencent says the UserSig expired (70001). */
async function callTencent(
  body: ModifyGroupMemberInfoBody,
  item: Item,
  context: RecordContext,
): Promise<void> {
  try {
    await timedCall(body, context.credentials(), context);
  } catch (error) {
    if (!(error instanceof TencentApiError) || classifyTencentCode(error.code) !== 'usersig_expired')
      throw error;
    context.deps.logger.warn('UserSig expired; renewing credentials and retrying', {
      ...logFields(item),
      tencentCode: error.code,
    });
    const fresh = await context.renewCredentials();
    await timedCall(body, fresh, context);
  }
}

async function timedCall(
  body: ModifyGroupMemberInfoBody,
  credentials: TencentCredentials,
  { deps, budget }: RecordContext,
): Promise<void> {
  // A call, and the wait for its turn, must fit in what is left of the invocation.
  const spareMs = budget.remainingTimeMs() - deps.settings.tencentTimeoutMs - deps.settings.timeReserveMs;
  if (spareMs < 0 || !(await deps.pacer.acquire(spareMs))) {
    throw new OutOfTimeError('the invocation is close to its timeout');
  }
  const started = performance.now();
  try {
    await deps.api.modifyGroupMemberInfo(body, credentials);
  } catch (error) {
    const rateLimited =
      (error instanceof TencentApiError && isRateLimitCode(error.code)) ||
      (error instanceof TencentTransportError && error.httpStatus === 429);
    if (rateLimited) deps.pacer.backOff();
    throw error;
  } finally {
    deps.metrics.addMetric('TencentLatency', MetricUnit.Milliseconds, performance.now() - started);
  }
}

/** Maps a failure to what to do: retry (with a cap on attempts), dead-letter, or wait for credentials. */
function dispositionOf(error: unknown): Disposition | 'credentials_unavailable' {
  if (error instanceof TencentApiError) {
    const disposition = classifyTencentCode(error.code);
    // Still expired with a fresh UserSig: the secret's ready UserSig is stale (or the clock is off).
    // That is for an operator to fix; the event waits, as for unreadable credentials.
    return disposition === 'usersig_expired' ? 'credentials_unavailable' : disposition;
  }
  if (error instanceof CredentialsError) return 'credentials_unavailable';
  return 'transient';
}

async function handleFailure(
  item: Item,
  error: unknown,
  context: RecordContext,
  attempt: number,
): Promise<Outcome> {
  const { deps, random } = context;
  const { settings, logger } = deps;
  const disposition = dispositionOf(error);
  const tencentCode = error instanceof TencentApiError ? error.code : undefined;
  const errorInfo = redactText(
    error instanceof TencentApiError ? error.info : error instanceof Error ? error.message : String(error),
  );

  if (disposition === 'permanent') {
    return deadLetter(item, context, attempt, {
      kind: 'tencent_permanent',
      errorInfo,
      ...codeField(tencentCode),
    });
  }
  const limit = disposition === 'ambiguous' ? settings.ambiguousMaxAttempts : settings.maxAttempts;
  if (disposition !== 'credentials_unavailable' && attempt >= limit) {
    return deadLetter(item, context, attempt, {
      kind: 'retries_exhausted',
      errorInfo,
      ...codeField(tencentCode),
    });
  }
  const visibilitySeconds = backoffSeconds(attempt, settings.backoff, random);
  logger.warn('event failed; will retry', {
    ...logFields(item),
    attempt,
    ...codeField(tencentCode),
    error: errorFields(error),
    ...(error instanceof TencentTransportError ? { transportFailure: error.failure } : {}),
    retryInSeconds: visibilitySeconds,
  });
  deps.metrics.addMetric('EventsRetried', MetricUnit.Count, 1);
  return { status: 'retry', visibilitySeconds };
}

const codeField = (code: number | undefined): { tencentCode?: number } =>
  code === undefined ? {} : { tencentCode: code };

async function deadLetter(
  item: Item,
  context: RecordContext,
  attempts: number,
  reason: Omit<DeadLetterReason, 'attempts' | 'deadLetteredAt' | 'eventId'> & { tencentCode?: number },
): Promise<Outcome> {
  const { deps, now, random } = context;
  const { record, message } = item;
  const { tencentCode, ...rest } = reason;
  const full: DeadLetterReason = {
    ...rest,
    ...(tencentCode === undefined ? {} : { errorCode: tencentCode }),
    attempts,
    deadLetteredAt: new Date(now()),
    ...(message instanceof MessageFormatError ? {} : { eventId: message.eventId }),
  };
  try {
    await deps.queue.sendToDeadLetter(record, full);
  } catch (error) {
    const visibilitySeconds = backoffSeconds(record.receiveCount, deps.settings.backoff, random);
    deps.logger.error('could not dead-letter the event; will retry', {
      ...logFields(item),
      error: errorFields(error),
      retryInSeconds: visibilitySeconds,
    });
    return { status: 'retry', visibilitySeconds };
  }
  deps.logger.error('event dead-lettered', {
    ...logFields(item),
    ...codeField(tencentCode),
    attempt: attempts,
    deadLetterKind: full.kind,
    errorInfo: full.errorInfo,
  });
  deps.attempts.forget(record.messageId);
  // The total, and (in a metric of its own) the breakdown by error code.
  deps.metrics.addMetric('EventsDeadLettered', MetricUnit.Count, 1);
  const single = deps.metrics.singleMetric();
  single.addDimension('errorCode', tencentCode === undefined ? full.kind : String(tencentCode));
  single.addMetric('EventsDeadLettered', MetricUnit.Count, 1);
  return { status: 'done' };
}

/** Applies the visibility changes and lists the failed records, in batch order. */
async function finish(items: readonly Item[], outcomes: ReadonlyMap<string, Outcome>, deps: ConsumerDeps) {
  const changes: VisibilityChange[] = [];
  const failedMessageIds: string[] = [];
  for (const { record } of items) {
    const outcome = outcomes.get(record.messageId) ?? { status: 'deferred' };
    if (outcome.status === 'done') continue;
    failedMessageIds.push(record.messageId);
    changes.push({
      messageId: record.messageId,
      receiptHandle: record.receiptHandle,
      seconds: outcome.status === 'retry' ? outcome.visibilitySeconds : 0,
    });
  }
  if (changes.length > 0) {
    try {
      await deps.queue.changeVisibility(changes);
    } catch (error) {
      // The records still fail, and come back when their current visibility timeout ends.
      deps.logger.warn('could not change message visibility', { error: errorFields(error) });
    }
  }
  return { failedMessageIds } satisfies BatchResult;
}
