import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { accountEventIdOf } from '../contract/index.ts';
import {
  type AccountOutcome,
  countsOf,
  expiresAtOf,
  type FailedAccount,
  isFinished,
  type LedgerItem,
  type LedgerStatus,
  type LedgerWrite,
  type PublicLedgerItem,
  toPublicItem,
  transitionOf,
} from '../ledger/index.ts';
import { BRIDGE_METRICS } from '../metrics/index.ts';
import { type BulkMessage, type DeadLetterReason, singleOf } from '../queue/index.ts';
import { runConcurrently } from '../util/index.ts';
import type { BatchLedger } from './batch-ledger.ts';
import { deadLetterIdOf } from './batch-ledger.ts';
import {
  countsAsAttempt,
  type Decision,
  decide,
  FAILURE_RULES,
  problemOf,
  retryUnrecorded,
  type StepResult,
} from './policy.ts';
import type { ConsumerItem, RecorderDeps } from './recorder.ts';
import type { AccountResult } from './step.ts';

/**
 * What becomes of a bulk event (`accounts`) once its accounts' results are known: the same guarantees
 * as a member's event, account by account.
 * - An account applied (or expired) is its member's newest decision: the records of all of them are
 *   written in batches (`putDecisions`), before the item.
 * - An account Tencent refused for good (after the call was made again in halves down to it) ends as
 *   a dead letter of its own: an event `<eventId>@<account>`, with its own item (`dead_lettered`, at
 *   the bulk event's place in the member's order) and its own message on the dead-letter queue, the
 *   one account's event as if sent alone, redriven as any other. The bulk event goes on.
 * - An account that failed for a reason a retry may fix keeps the whole event retrying (its attempts
 *   counted once per delivery), for the accounts not finished only; at the attempt limit each of them
 *   ends as a dead letter of its own. A hold holds the event; no time defers it.
 * - The item keeps each finished account's outcome (`accountOutcomes`): a later delivery does only the
 *   others, and the event ends `applied` (no dead letter), `partly_applied` (some) or `dead_lettered`
 *   (every account).
 */

/** Most dead letters of one bulk event sent (and their items written) at once. */
const DEAD_LETTERS_AT_ONCE = 8;

const names = BRIDGE_METRICS.consumer;

/** What one account came to in this delivery, as the bulk recorder sorts it. */
type Sorted =
  | { kind: 'finished'; outcome: Exclude<AccountOutcome, 'dead_lettered'> }
  | {
      kind: 'dead';
      result: Extract<StepResult, { kind: 'failed' }>;
      deadLetterKind: DeadLetterReason['kind'];
    }
  | { kind: 'pending'; result: StepResult };

/** An account's result, sorted: finished, a dead letter now, or pending (retried, held, deferred). */
function sortOf(result: StepResult): Sorted {
  switch (result.kind) {
    case 'applied':
      return { kind: 'finished', outcome: 'applied' };
    case 'superseded':
      return { kind: 'finished', outcome: 'superseded' };
    case 'expired':
      return { kind: 'finished', outcome: 'expired' };
    case 'failed':
      return FAILURE_RULES[result.failure.failureClass].deadLetter === 'first'
        ? { kind: 'dead', result, deadLetterKind: 'tencent_permanent' }
        : { kind: 'pending', result };
    default:
      return { kind: 'pending', result };
  }
}

/** The status of a bulk event whose accounts have all finished. */
export function finishedStatusOf(counts: ReturnType<typeof countsOf>): LedgerStatus {
  const settled = counts.applied + counts.superseded + counts.expired;
  if (counts.deadLettered > 0) return settled === 0 ? 'dead_lettered' : 'partly_applied';
  if (counts.applied > 0) return 'applied';
  return counts.superseded > 0 ? 'superseded' : 'expired';
}

/**
 * Records a bulk event's outcome (see the module's doc); returns the decision that stands, and the
 * item to publish as an outcome event when it finished.
 */
export async function recordBulk(
  deps: RecorderDeps,
  ledger: BatchLedger,
  item: ConsumerItem,
  message: BulkMessage,
  accounts: readonly AccountResult[],
  fields: readonly string[],
): Promise<{ decision: Decision; finished?: PublicLedgerItem }> {
  const { settings, random, now, logger, metrics } = deps;
  const { record } = item;
  const nowMs = now();
  const known = ledger.item(message.eventId);
  const results = accounts.map(({ account, result }) => ({ account, result, sorted: sortOf(result) }));
  const attempted = results.some(({ result }) => countsAsAttempt(result));
  const attempt = (known?.attempts ?? 0) + (attempted ? 1 : 0);

  // The event's own decision: a hold, else a retry (or at the limit, the rest as dead letters), else a
  // deferral, else done.
  const pending = results.filter(({ sorted }) => sorted.kind === 'pending');
  const held = pending.find(({ result }) => result.kind === 'held');
  const failed = pending.find(({ result }) => result.kind === 'failed');
  let decision: Decision = { kind: 'done', outcome: 'applied' };
  if (held !== undefined) {
    decision = decide(held.result, { attempt, receiveCount: record.receiveCount }, settings, random);
  } else if (failed !== undefined) {
    decision = decide(failed.result, { attempt, receiveCount: record.receiveCount }, settings, random);
    if (decision.kind === 'dead_letter') {
      for (const entry of pending) {
        if (entry.result.kind === 'failed') {
          entry.sorted = { kind: 'dead', result: entry.result, deadLetterKind: 'retries_exhausted' };
        }
      }
    }
  } else if (pending.length > 0) {
    decision = { kind: 'defer', afterSeconds: 0 };
  }

  // 1. The accounts' own dead letters: each its own event and message.
  const dead = results.flatMap(({ account, sorted }) =>
    sorted.kind === 'dead' ? [{ account, sorted }] : [],
  );
  const position = ledger.position(message);
  const expiresAt = expiresAtOf(nowMs, settings.ledgerRetentionDays);
  const at = new Date(nowMs).toISOString();
  const failedAccounts: FailedAccount[] = [];
  try {
    await runConcurrently(dead, DEAD_LETTERS_AT_ONCE, async ({ account, sorted }) => {
      const eventId = accountEventIdOf(message.eventId, account);
      const { tencentCode, info } = problemOf(sorted.result) ?? { info: '' };
      const reason: DeadLetterReason = {
        kind: sorted.deadLetterKind,
        ...(tencentCode === undefined ? {} : { errorCode: tencentCode }),
        errorInfo: info,
        attempts: attempt,
        deadLetteredAt: new Date(nowMs),
        eventId,
      };
      const body = JSON.stringify({ ...singleOf(message, account), eventId });
      await deps.queue.sendToDeadLetter(
        { ...record, body },
        reason,
        deadLetterIdOf({ messageId: `${record.messageId}\n${account}`, receiveCount: record.receiveCount }),
      );
      await ledger.transition(eventId, (current) =>
        current === undefined
          ? transitionOf(
              undefined,
              {
                by: 'consumer',
                to: 'dead_lettered',
                at,
                expiresAt,
                attempts: attempt,
                entry: {
                  ...(tencentCode === undefined ? {} : { code: tencentCode }),
                  info: `${info} (account ${account} of bulk event ${message.eventId})`,
                },
                set: {
                  lastError: { ...(tencentCode === undefined ? {} : { code: tencentCode }), info, at },
                  deadLetteredAt: at,
                },
              },
              {
                groupId: message.groupId,
                account,
                action: message.action,
                fingerprint: '',
                acceptedAt: known?.acceptedAt ?? message.receivedAt,
                position,
              },
            )
          : undefined,
      );
      failedAccounts.push({
        account,
        eventId,
        ...(tencentCode === undefined ? {} : { code: tencentCode }),
        info,
      });
    });
  } catch (error) {
    logger.error("could not dead-letter a bulk event's accounts; the event will be retried", {
      eventId: message.eventId,
      error: error instanceof Error ? error.message : String(error),
    });
    return { decision: retryUnrecorded({ kind: 'no_time' }, record.receiveCount, settings, random) };
  }

  // 2. The member records of the accounts applied (or expired), in batches, before the item.
  const decided = results.flatMap(({ account, sorted }) =>
    sorted.kind === 'finished' && sorted.outcome !== 'superseded' ? [account] : [],
  );
  const recorded = await ledger.putDecisions(message, decided, fields, nowMs);
  if (recorded.kind === 'unavailable') {
    logger.error("could not record the bulk event in its members' records; will retry", {
      eventId: message.eventId,
      error: recorded.error,
    });
    metrics.addMetric(names.ledgerErrors, MetricUnit.Count, 1);
    return { decision: retryUnrecorded({ kind: 'no_time' }, record.receiveCount, settings, random) };
  }

  // 3. The item: each account's outcome so far, and the event's status.
  const outcomes: Record<string, AccountOutcome> = { ...(known?.accountOutcomes ?? {}) };
  for (const { account, sorted } of results) {
    if (sorted.kind === 'finished') outcomes[account] = sorted.outcome;
    if (sorted.kind === 'dead') outcomes[account] = 'dead_lettered';
  }
  const total = known?.accounts ?? message.accounts.length;
  const counts = countsOf(total, outcomes);
  const done = counts.pending === 0;
  const to: LedgerStatus = done ? finishedStatusOf(counts) : held !== undefined ? 'held' : 'retrying';
  const problem = problemOf(failed?.result ?? held?.result ?? { kind: 'no_time' });
  const afterSeconds = decision.kind === 'retry' || decision.kind === 'hold' ? decision.afterSeconds : 0;
  const write = (current: LedgerItem | undefined): LedgerWrite | undefined =>
    transitionOf(
      current,
      {
        by: 'consumer',
        to,
        at,
        expiresAt,
        attempts: attempt,
        entry: {
          ...(attempted ? { attempt } : {}),
          info: `accounts: ${counts.applied} applied, ${counts.superseded} superseded, ${counts.expired} expired, ${counts.deadLettered} dead letters, ${counts.pending} pending`,
        },
        set: {
          accountOutcomes: outcomes,
          deadLetteredAccounts: [...(current?.deadLetteredAccounts ?? []), ...failedAccounts],
          ...(problem === undefined
            ? {}
            : {
                lastError: {
                  ...(problem.tencentCode === undefined ? {} : { code: problem.tencentCode }),
                  info: problem.info,
                  at,
                },
              }),
          ...(done ? {} : { nextAttemptAt: new Date(nowMs + afterSeconds * 1000).toISOString() }),
          ...(to === 'applied' || to === 'partly_applied' ? { appliedAt: at } : {}),
          ...(to === 'dead_lettered' || to === 'partly_applied' ? { deadLetteredAt: at } : {}),
        },
      },
      {
        groupId: message.groupId,
        accounts: total,
        action: message.action,
        fingerprint: '',
        acceptedAt: message.receivedAt,
        position,
      },
    );
  const written = await ledger.transition(message.eventId, write);
  if (written.kind === 'unavailable' || written.kind === 'refused') {
    const finishedElsewhere =
      written.kind === 'refused' && written.current !== undefined && isFinished(written.current.status);
    if (finishedElsewhere) return { decision: { kind: 'done', outcome: 'finished_before' } };
    logger.error('could not record the bulk event in the ledger; will retry', {
      eventId: message.eventId,
      ...(written.kind === 'unavailable' ? { error: written.error } : { current: written.current?.status }),
    });
    metrics.addMetric(names.ledgerErrors, MetricUnit.Count, 1);
    return { decision: retryUnrecorded({ kind: 'no_time' }, record.receiveCount, settings, random) };
  }

  // 4. The log line and the metrics.
  const applied = results.filter(
    ({ sorted }) => sorted.kind === 'finished' && sorted.outcome === 'applied',
  ).length;
  const skipped = results.filter(
    ({ sorted }) => sorted.kind === 'finished' && sorted.outcome !== 'applied',
  ).length;
  metrics.addMetric(names.accountsApplied, MetricUnit.Count, applied);
  metrics.addMetric(names.accountsSkipped, MetricUnit.Count, skipped);
  metrics.addMetric(names.accountsDeadLettered, MetricUnit.Count, dead.length);
  const fieldsOfLog = {
    messageId: record.messageId,
    receiveCount: record.receiveCount,
    eventId: message.eventId,
    action: message.action,
    groupId: message.groupId,
    accounts: total,
    status: to,
    ...counts,
  };
  if (done) {
    logger.info('bulk event finished', fieldsOfLog);
    metrics.addMetric(to === 'dead_lettered' ? names.deadLettered : names.applied, MetricUnit.Count, 1);
    const finished = written.kind === 'written' ? toPublicItem(written.item) : undefined;
    return {
      decision: { kind: 'done', outcome: 'applied' },
      ...(finished === undefined ? {} : { finished }),
    };
  }
  logger.warn('bulk event not finished; its other accounts come back', {
    ...fieldsOfLog,
    ...(problem === undefined ? {} : { tencentCode: problem.tencentCode, errorInfo: problem.info }),
  });
  metrics.addMetric(held !== undefined ? names.held : names.retried, MetricUnit.Count, 1);
  // A deferral with accounts finished is recorded as a retry due at once: their outcomes stay.
  return { decision: decision.kind === 'done' ? { kind: 'defer', afterSeconds: 0 } : decision };
}
