import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { targetOf } from '../contract/index.ts';
import { LedgerUnavailableError, MessageFormatError } from '../errors/index.ts';
import { BRIDGE_METRICS } from '../metrics/index.ts';
import { orderKeysOf, parseQueueMessage, type QueueMessage } from '../queue/index.ts';
import { BatchLedger } from './batch-ledger.ts';
import { planCalls } from './coalesce.ts';
import { followersOf, visibilityOf } from './policy.ts';
import { type ConsumerItem, logFields, OutcomeRecorder } from './recorder.ts';
import { relane } from './relane.ts';
import { runBatch } from './runner.ts';
import { applyPlannedCall, BatchCredentials, prepare, type StepContext, type TimeBudget } from './step.ts';
import type { BatchResult, ConsumerDeps, QueueRecord } from './types.ts';

const names = BRIDGE_METRICS.consumer;

/**
 * Applies a batch of queue messages to Tencent: the consumer's parts put together and handed to the
 * runner (`runner.ts`). Each record ends in one of the policy's decisions (`policy.ts`):
 * - done: applied, superseded, or nothing left to apply (an expired mute, an event already finished);
 * - retry: a failure of the event that may pass; hidden for a backoff delay, and its attempt counted;
 * - hold: the deployment cannot call Tencent (secret unreadable, or refused by Tencent); hidden for a
 *   growing delay, no attempt counted, never dead-lettered;
 * - defer: not attempted (an earlier record of its member did not finish, or no time is left); visible
 *   again at once, or after a settle delay behind an event whose last call timed out;
 * - dead_letter: moved to the dead-letter queue with its reason (and if that fails, retried).
 * The ledger is the authority (see `batch-ledger.ts` and `shared/ledger/decisions.ts`): a copy of an
 * event already finished is acknowledged with no call; an event older than the newest applied to every
 * member field it sets is superseded with no call; attempts are counted in the ledger, not from SQS's
 * receive count; and every outcome but a deferral is recorded before the message is acknowledged (if
 * that write fails the record is retried instead: every change is set-to-value and a mute's end is
 * absolute).
 */
export async function processBatch(
  records: readonly QueueRecord[],
  deps: ConsumerDeps,
  budget: TimeBudget,
): Promise<BatchResult> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const { settings, logger, metrics } = deps;
  const { current: items, failed: notMoved } = await relane(records.map(toItem), deps.queue, deps.logger);

  const credentials = await BatchCredentials.load(deps.credentials);
  if (credentials.hold) {
    logger.error('Tencent credentials unavailable; every event is held', { error: credentials.hold.info });
    metrics.addMetric(names.credentialsUnavailable, MetricUnit.Count, 1);
  }
  const context: StepContext = {
    api: deps.api,
    pacer: deps.pacer,
    credentials,
    budget,
    tencentTimeoutMs: settings.tencentTimeoutMs,
    timeReserveMs: settings.timeReserveMs,
    now,
    onCall: (ms) => metrics.addMetric(names.tencentLatency, MetricUnit.Milliseconds, ms),
    onRenew: (tencentCode) =>
      logger.warn('UserSig expired; renewing credentials and retrying', { tencentCode }),
  };
  const ledger = await readLedger(items, deps);
  const recorder = new OutcomeRecorder({
    ledger,
    queue: deps.queue,
    outcomes: deps.outcomes,
    logger,
    metrics,
    settings,
    now,
    random,
  });
  const result = await runBatch(
    items,
    {
      prepare: (item, nowMs) => prepare(item.message, ledger, nowMs, settings.muteApi),
      keysOf,
      plan: (requests) => planCalls(requests),
      // A bulk mute's accounts fall back to one modify_group_member_info call each where the group's
      // type refuses forbid_send_msg (10007).
      call: (planned) => applyPlannedCall(planned, context, (member) => member.settled !== undefined),
      record: (outcome) => recorder.record(outcome),
      publish: (decisions) => recorder.publish(decisions),
      logFields,
    },
    { followersOf, visibilityOf },
    {
      hasTimeForACall: () => budget.remainingTimeMs() >= settings.tencentTimeoutMs + settings.timeReserveMs,
      concurrency: settings.groupConcurrency,
      changeVisibility: (changes) => deps.queue.changeVisibility(changes),
      logger,
      now,
    },
  );
  if (notMoved.size === 0) return result;
  const failed = new Set([...result.failedMessageIds, ...notMoved]);
  return { failedMessageIds: records.flatMap(({ messageId }) => (failed.has(messageId) ? [messageId] : [])) };
}

/** The batch's view of the ledger; `undefined` when the ledger cannot be read (every event is then held). */
async function readLedger(
  items: readonly ConsumerItem[],
  deps: ConsumerDeps,
): Promise<BatchLedger | undefined> {
  const messages = items.flatMap(({ message }) => (message instanceof MessageFormatError ? [] : [message]));
  try {
    return await BatchLedger.read(deps.ledger, messages, deps.settings.ledgerRetentionDays);
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    deps.logger.error('event ledger unavailable; every event is held', { error: error.message });
    deps.metrics.addMetric(names.ledgerErrors, MetricUnit.Count, 1);
    return undefined;
  }
}

/**
 * What a record is about, as the runner orders it (`orderKeysOf`): an unreadable one is about nothing
 * another record is.
 */
function keysOf({ record, message }: ConsumerItem): readonly string[] {
  return message instanceof MessageFormatError
    ? [`unreadable\t${record.messageId}`]
    : orderKeysOf(targetOf(message));
}

/** A record with its message read, or why it cannot be. */
function toItem(record: QueueRecord): ConsumerItem {
  let message: QueueMessage | MessageFormatError;
  try {
    message = parseQueueMessage(record.body);
  } catch (error) {
    message =
      error instanceof MessageFormatError
        ? error
        : new MessageFormatError('queue message could not be read', { cause: error });
  }
  return { record, message };
}
