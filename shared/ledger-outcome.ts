import {
  appendHistory,
  expiresAtOf,
  type HistoryEntry,
  type LedgerItem,
  type LedgerOutcome,
  type LedgerStatus,
} from './ledger.ts';
import type { QueueMessage } from './queue-message.ts';
import { countsAsAttempt, type Decision, problemOf, type StepResult } from './retry-policy.ts';

/** What the consumer knows when it records a record's outcome. */
export interface OutcomeContext {
  /** The ledger item as read at the start of the batch, if the ledger has one. */
  item: LedgerItem | undefined;
  message: QueueMessage;
  /** The attempt this delivery was (the count after it, when it counted). */
  attempt: number;
  /** Now, in epoch milliseconds. */
  nowMs: number;
  ledgerRetentionDays: number;
}

/**
 * The ledger change for a record's decision, or `undefined` when there is nothing to record: a deferral
 * (not attempted), or a hold without a call of an event already held.
 */
export function toLedgerOutcome(
  result: StepResult,
  decision: Decision,
  context: OutcomeContext,
): LedgerOutcome | undefined {
  const status = statusOf(decision);
  if (status === undefined) return undefined;
  const { item, message, attempt, nowMs } = context;
  if (decision.kind === 'hold' && result.kind === 'held' && item?.status === 'held') return undefined;

  const at = new Date(nowMs).toISOString();
  const attempted = countsAsAttempt(result);
  const found = problemOf(result);
  const problem =
    found === undefined
      ? undefined
      : found.tencentCode === undefined
        ? { info: found.info }
        : { code: found.tencentCode, info: found.info };
  const ms = result.kind === 'applied' || result.kind === 'failed' ? result.ms : undefined;
  const entry: HistoryEntry = {
    at,
    outcome: status,
    ...(attempted ? { attempt } : {}),
    ...(result.kind === 'applied' ? { code: 0 } : {}),
    ...(problem?.code === undefined ? {} : { code: problem.code }),
    ...(problem === undefined || problem.info === '' ? {} : { info: problem.info }),
    ...(ms === undefined ? {} : { ms }),
  };
  const afterSeconds =
    decision.kind === 'retry' || decision.kind === 'hold' ? decision.afterSeconds : undefined;
  return {
    status,
    at,
    attempted,
    ...(problem === undefined ? {} : { lastError: { ...problem, at } }),
    ...(afterSeconds === undefined
      ? {}
      : { nextAttemptAt: new Date(nowMs + afterSeconds * 1000).toISOString() }),
    ...(status === 'applied' ? { appliedAt: at } : {}),
    ...(status === 'dead_lettered' ? { deadLetteredAt: at } : {}),
    history: appendHistory(item?.history ?? [], entry),
    expiresAt: expiresAtOf(nowMs, context.ledgerRetentionDays),
    base: {
      groupId: message.groupId,
      account: message.account,
      action: message.action,
      // A message enqueued before the ledger existed: its fingerprint is unknown.
      fingerprint: '',
      acceptedAt: message.receivedAt,
    },
  };
}

function statusOf(decision: Decision): LedgerStatus | undefined {
  switch (decision.kind) {
    case 'done':
      return decision.outcome === 'finished_before' ? undefined : decision.outcome;
    case 'retry':
      return 'retrying';
    case 'hold':
      return 'held';
    case 'dead_letter':
      return 'dead_lettered';
    case 'defer':
      return undefined;
  }
}
