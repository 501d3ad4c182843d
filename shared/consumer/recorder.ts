import {
  expiresAtOf,
  type LedgerItem,
  type LedgerStatus,
  type LedgerWrite,
  transitionOf,
} from '../ledger/index.ts';
import type { QueueMessage } from '../queue/index.ts';
import { countsAsAttempt, type Decision, problemOf, type StepResult } from './policy.ts';

/** What the consumer knows when it records a record's outcome. */
export interface OutcomeContext {
  /** The ledger item as the consumer last read or wrote it, if the ledger has one. */
  item: LedgerItem | undefined;
  message: QueueMessage;
  /** The event's position (see `positionOf`), recorded on an item the consumer creates. */
  position: string;
  /** The attempt this delivery was (the count after it, when it counted). */
  attempt: number;
  /** Now, in epoch milliseconds. */
  nowMs: number;
  ledgerRetentionDays: number;
}

/**
 * The ledger transition for a record's decision, or `undefined` when there is nothing to record: a
 * deferral (not attempted), or a hold without a call of an event already held.
 */
export function toLedgerWrite(
  result: StepResult,
  decision: Decision,
  context: OutcomeContext,
): LedgerWrite | undefined {
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
  const note = result.kind === 'applied' || result.kind === 'superseded' ? result.note : undefined;
  const info = problem?.info || note;
  const afterSeconds =
    decision.kind === 'retry' || decision.kind === 'hold' ? decision.afterSeconds : undefined;
  return transitionOf(
    item,
    {
      by: 'consumer',
      to: status,
      at,
      expiresAt: expiresAtOf(nowMs, context.ledgerRetentionDays),
      attempts: (item?.attempts ?? 0) + (attempted ? 1 : 0),
      entry: {
        ...(attempted ? { attempt } : {}),
        ...(result.kind === 'applied' ? { code: 0 } : {}),
        ...(problem?.code === undefined ? {} : { code: problem.code }),
        ...(info === undefined || info === '' ? {} : { info }),
        ...(ms === undefined ? {} : { ms }),
      },
      set: {
        ...(problem === undefined ? {} : { lastError: { ...problem, at } }),
        ...(afterSeconds === undefined
          ? {}
          : { nextAttemptAt: new Date(nowMs + afterSeconds * 1000).toISOString() }),
        ...(status === 'applied' ? { appliedAt: at } : {}),
        ...(status === 'dead_lettered' ? { deadLetteredAt: at } : {}),
        ...(result.kind === 'superseded' ? { supersededBy: result.by } : {}),
      },
    },
    {
      groupId: message.groupId,
      account: message.account,
      action: message.action,
      // A message enqueued before the ledger existed: its fingerprint is unknown.
      fingerprint: '',
      acceptedAt: message.receivedAt,
      position: context.position,
    },
  );
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
