import {
  FINISHED_STATUSES,
  type HistoryEntry,
  type LedgerActor,
  type LedgerItem,
  type LedgerStatus,
  type LedgerWrite,
  MAX_HISTORY,
} from './ledger.ts';

/**
 * The ledger's state machine, as one table: for each status, who moves an event's item to it, from
 * which statuses, and what the move records. Both stores (`aws/dynamodb.ts` and the in-memory one the
 * tests use) derive their write conditions from it through {@link allowedFrom}, so no code path can
 * write a transition the table does not allow; docs/event-lifecycle.md shows the same table, and a test
 * holds the two together.
 *
 * Rules the table encodes:
 * - a finished status (`applied`, `expired`, `superseded`, `partly_applied`, `dead_lettered`) is never
 *   left, except `dead_lettered` through an explicit redrive (`npm run dlq -- redrive`); a bulk event's
 *   accounts that ended as dead letters are events of their own (`<eventId>@<account>`), each
 *   redriven as any other;
 * - the consumer may create an item it finds missing (a message enqueued before the ledger existed, or
 *   whose item expired), which `absent` stands for.
 */

/** Not an item yet: the ingest creates one, or the consumer does for a message the ledger has no item for. */
export type FromStatus = LedgerStatus | 'absent';

/** One row of {@link TRANSITIONS}. */
export interface TransitionRow {
  /** Who writes it. */
  readonly by: LedgerActor;
  /** The statuses it may follow. */
  readonly from: readonly FromStatus[];
  /** What it records besides the status, `updatedAt`, a history entry and a later `expiresAt`. */
  readonly records: string;
}

/** Statuses the consumer has not finished with: it may record any outcome from these. */
const OPEN: readonly FromStatus[] = ['received', 'queued', 'retrying', 'held', 'redriven', 'absent'];

/** Every status, and how an item reaches it. */
export const TRANSITIONS: Readonly<Record<LedgerStatus, TransitionRow>> = {
  received: {
    by: 'ingest',
    from: ['absent'],
    records: 'the event: member, action, fingerprint, acceptedAt, position; attempts 0',
  },
  queued: { by: 'ingest', from: ['received'], records: 'nothing more (the event is on the queue)' },
  retrying: { by: 'consumer', from: OPEN, records: 'the attempt, lastError, nextAttemptAt' },
  held: { by: 'consumer', from: OPEN, records: 'lastError, nextAttemptAt; no attempt' },
  applied: {
    by: 'consumer',
    from: OPEN,
    records: "the attempt, appliedAt; the member record's fields it set",
  },
  expired: { by: 'consumer', from: OPEN, records: "the member record's mute field; no call" },
  superseded: { by: 'consumer', from: OPEN, records: 'supersededBy (the newer event); no call' },
  partly_applied: {
    by: 'consumer',
    from: OPEN,
    records: "a bulk event's outcome per account: some applied, some dead letters (each its own)",
  },
  dead_lettered: {
    by: 'consumer',
    from: OPEN,
    records: 'the attempt (when the last call counted), lastError, deadLetteredAt',
  },
  redriven: { by: 'redrive', from: ['dead_lettered'], records: 'attempts back to 0 (a fresh budget)' },
};

/**
 * The statuses `by` may move an item from to `to` (`absent`: it may create the item); empty when the
 * table has no such transition. The stores build their write conditions from this.
 */
export function allowedFrom(to: LedgerStatus, by: LedgerActor): readonly FromStatus[] {
  const row = TRANSITIONS[to];
  return row.by === by ? row.from : [];
}

/** Whether the table lets `by` move an item read as `from` (`undefined`: no item) to `to`. */
export function isAllowed(from: LedgerStatus | undefined, to: LedgerStatus, by: LedgerActor): boolean {
  return allowedFrom(to, by).includes(from ?? 'absent');
}

/** Whether a status is finished (see `FINISHED_STATUSES`). */
export const isFinished = (status: LedgerStatus): boolean => FINISHED_STATUSES.has(status);

/** The version a stored item has (items written before versions were recorded have none: 0). */
export const versionOf = (item: Pick<LedgerItem, 'version'>): number => item.version ?? 0;

/** Appends an entry to a history, keeping the newest {@link MAX_HISTORY}. */
export function appendHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [...history, entry].slice(-MAX_HISTORY);
}

/** What a transition needs besides the item it starts from. */
export interface TransitionChange {
  by: LedgerActor;
  to: LedgerStatus;
  at: string;
  expiresAt: number;
  /** The history entry (`at` and `outcome` are filled in). */
  entry?: Omit<HistoryEntry, 'at' | 'outcome'>;
  /** The new attempt count. @default the item's */
  attempts?: number;
  set?: LedgerWrite['set'];
}

/**
 * The write that moves `item` (as read; `undefined` when there is none) as `change` says: status, a
 * history entry (the history stays at {@link MAX_HISTORY}), the attempt count and the fields it sets.
 * `base` is the identity of an item to create when there is none.
 */
export function transitionOf(
  item: LedgerItem | undefined,
  change: TransitionChange,
  base?: LedgerWrite['base'],
): LedgerWrite {
  const entry: HistoryEntry = { at: change.at, outcome: change.to, ...change.entry };
  return {
    by: change.by,
    to: change.to,
    read: item === undefined ? undefined : { status: item.status, version: versionOf(item) },
    at: change.at,
    attempts: change.attempts ?? item?.attempts ?? 0,
    history: appendHistory(item?.history ?? [], entry),
    expiresAt: change.expiresAt,
    set: change.set ?? {},
    ...(item === undefined && base !== undefined ? { base } : {}),
  };
}

/**
 * The item a write leaves, from the item it read (or, for a create, from the write's `base`); `current`
 * is the stored item, to check that it is still as read. What both stores store, so that they agree.
 */
export function applyWrite(eventId: string, current: LedgerItem | undefined, write: LedgerWrite): LedgerItem {
  const previous = current ?? {
    eventId,
    status: write.to,
    ...(write.base?.groupId === undefined ? {} : { groupId: write.base.groupId }),
    ...(write.base?.account === undefined ? {} : { account: write.base.account }),
    ...(write.base?.accounts === undefined ? {} : { accounts: write.base.accounts }),
    action: write.base?.action ?? 'unmute',
    fingerprint: write.base?.fingerprint ?? '',
    acceptedAt: write.base?.acceptedAt ?? write.at,
    ...(write.base?.position === undefined ? {} : { position: write.base.position }),
    updatedAt: write.at,
    attempts: 0,
    history: [],
    expiresAt: write.expiresAt,
  };
  const { nextAttemptAt: _dropped, ...kept } = previous;
  return {
    ...kept,
    ...write.set,
    status: write.to,
    updatedAt: write.at,
    attempts: write.attempts,
    history: write.history,
    expiresAt: write.expiresAt,
    version: (current === undefined ? 0 : versionOf(current)) + 1,
  };
}

/**
 * Why a store must refuse `write` to an item that is now `current`, or `undefined` when it may write:
 * `not_allowed` when the table has no such transition, `changed` when the item is not as read.
 */
export function refusalOf(
  current: LedgerItem | undefined,
  write: LedgerWrite,
): 'not_allowed' | 'changed' | undefined {
  if (!isAllowed(write.read?.status, write.to, write.by)) return 'not_allowed';
  if (write.read === undefined) return current === undefined ? undefined : 'changed';
  if (current === undefined || versionOf(current) !== write.read.version) return 'changed';
  return allowedFrom(write.to, write.by).includes(current.status) ? undefined : 'changed';
}
