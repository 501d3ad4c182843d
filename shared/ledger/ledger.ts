import * as z from 'zod';
import { ACTIONS } from '../contract/index.ts';

/**
 * The event ledger: one durable record per event, keyed by `eventId`, that says what became of it, and
 * one record per target (a member, a group, an account) with the newest decision applied to each of its
 * fields (`decisions.ts`).
 * The ingest records each event before enqueueing it (and answers a resend as a duplicate for the whole
 * retention); the consumer counts real attempts in it and records every outcome before acknowledging a
 * message; `npm run dlq -- redrive` marks the dead letters it sends back; `GET /v1/events/{eventId}`
 * reads it. Who may move an item from which status to which is one table, `transitions.ts`, and
 * every store derives its write conditions from it. This module is the domain side: the item, its
 * statuses, and the port that `aws/dynamodb.ts` implements. No item ever holds a UserSig or a key.
 */

/** What became of an event. */
export const LEDGER_STATUSES = [
  /** Recorded by the ingest, not yet confirmed on the queue. */
  'received',
  /** On the queue. */
  'queued',
  /** Failed, and will be retried (`nextAttemptAt`). */
  'retrying',
  /** Waiting for the deployment (credentials, the ledger) to be fixed (`nextAttemptAt`). */
  'held',
  /** Tencent applied it. */
  'applied',
  /** A mute whose end had passed: nothing was left to apply. */
  'expired',
  /** A newer event about the same target and field was applied first: not applied (`supersededBy`). */
  'superseded',
  /**
   * A bulk event some of whose accounts ended as dead letters, and others applied (or superseded,
   * expired): `outcomes` counts them, `failedAccounts` lists the dead letters.
   */
  'partly_applied',
  /** Moved to the dead-letter queue (`lastError` says why). */
  'dead_lettered',
  /** Sent back from the dead-letter queue to the main queue by `npm run dlq -- redrive`. */
  'redriven',
] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

/** Statuses after which the consumer has nothing left to do; only a redrive moves an item on from one. */
export const FINISHED_STATUSES: ReadonlySet<LedgerStatus> = new Set([
  'applied',
  'expired',
  'superseded',
  'partly_applied',
  'dead_lettered',
]);

/** Most dead-lettered accounts a bulk event's public item lists (`failedAccounts`); `outcomes` counts them all. */
export const MAX_LISTED_ACCOUNTS = 100;

/** What became of one account of a bulk event, as its item keeps it. */
export const ACCOUNT_OUTCOMES = ['applied', 'superseded', 'expired', 'dead_lettered'] as const;
export type AccountOutcome = (typeof ACCOUNT_OUTCOMES)[number];

/** Most entries an item's `history` keeps (the newest). */
export const MAX_HISTORY = 20;

/*
 * The item as `GET /v1/events/{eventId}` shows it, as zod schemas: the types below are inferred from
 * them, and the OpenAPI document's 200 answer is generated from them, so the two cannot drift.
 */

/** The last error of an event. */
export const ledgerErrorSchema = z.object({
  code: z.int().optional().describe("Tencent's ErrorCode, when Tencent answered."),
  info: z.string().describe("Tencent's ErrorInfo, or what went wrong on the way."),
  at: z.iso.datetime(),
});
export type LedgerError = z.infer<typeof ledgerErrorSchema>;

/** One transition or attempt, in an item's `history`. */
export const historyEntrySchema = z.object({
  at: z.iso.datetime(),
  outcome: z.enum(LEDGER_STATUSES).describe('The status it led to.'),
  attempt: z.int().min(1).optional().describe('The attempt it was, for a Tencent call that counted.'),
  code: z.int().optional().describe("Tencent's ErrorCode (0 when applied)."),
  info: z.string().optional(),
  ms: z.int().min(0).optional().describe('How long the Tencent call took, in milliseconds.'),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/**
 * An account of a bulk event that ended as a dead letter, and why. Its dead letter is an event of its
 * own, `eventId` (`<the bulk event's id>@<account>`), with its own item: redrive it, and look it up,
 * as any other.
 */
export const failedAccountSchema = z.object({
  account: z.string(),
  eventId: z
    .string()
    .describe("The account's own event: its dead letter, redriven and looked up as any other."),
  code: z.int().optional().describe("Tencent's ErrorCode, when Tencent answered."),
  info: z.string(),
});
export type FailedAccount = z.infer<typeof failedAccountSchema>;

/** How many accounts of a bulk event ended each way so far. */
export const accountCountsSchema = z.object({
  applied: z.int().min(0),
  superseded: z.int().min(0),
  expired: z.int().min(0),
  deadLettered: z.int().min(0),
  pending: z.int().min(0).describe('Not finished yet (being retried).'),
});
export type AccountCounts = z.infer<typeof accountCountsSchema>;

/** The fields of an item that `GET /v1/events/{eventId}` shows. */
export const publicLedgerItemSchema = z.object({
  eventId: z.string(),
  status: z.enum(LEDGER_STATUSES),
  groupId: z.string().optional().describe('The group, for an action about a member or a group.'),
  account: z.string().optional().describe('The account, for an action about a member or an account.'),
  accounts: z
    .int()
    .min(1)
    .optional()
    .describe('For a bulk event (`accounts`): how many accounts it is about.'),
  action: z.enum(ACTIONS),
  acceptedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  attempts: z.int().min(0).describe('Real Tencent attempts that counted toward the retry limit.'),
  lastError: ledgerErrorSchema.optional(),
  nextAttemptAt: z.iso.datetime().optional().describe('When a retrying or held event is next received.'),
  appliedAt: z.iso.datetime().optional(),
  deadLetteredAt: z.iso.datetime().optional(),
  supersededBy: z
    .string()
    .optional()
    .describe(
      'For a superseded event: the eventId of the newer event about the same target (member, group or account) and field that was applied first.',
    ),
  outcomes: accountCountsSchema
    .optional()
    .describe('For a bulk event: how many of its accounts ended each way so far.'),
  failedAccounts: z
    .array(failedAccountSchema)
    .max(MAX_LISTED_ACCOUNTS)
    .optional()
    .describe(
      `For a bulk event: its accounts that ended as dead letters, with Tencent's code (the first ${MAX_LISTED_ACCOUNTS}; outcomes.deadLettered counts them all).`,
    ),
  recalled: z
    .array(z.int().min(1))
    .optional()
    .describe(
      'For a recall: the sequence numbers done so far (recalled, or found gone); a retry sends only the others.',
    ),
  history: z
    .array(historyEntrySchema)
    .max(MAX_HISTORY)
    .describe(`The last ${MAX_HISTORY} transitions and attempts, newest last.`),
});
export type PublicLedgerItem = z.infer<typeof publicLedgerItemSchema>;

/** A stored item. */
export interface LedgerItem extends PublicLedgerItem {
  /** SHA-256 of the event's canonical form: the same id with other content is a conflict. */
  fingerprint: string;
  /** When the item expires (DynamoDB TTL), epoch seconds: the retention after its last change. */
  expiresAt: number;
  /**
   * Where the event stands in its target's order: the order the bridge accepted events in (see
   * `positionOf` in `decisions.ts`). Absent on items written before positions were recorded.
   */
  position?: string;
  /**
   * Bumped by every write: a transition is written only while the item is still the version its
   * writer read. Absent (read as 0) on items written before versions were recorded.
   */
  version?: number;
  /**
   * For a bulk event: what became of each account that has finished, by account; an account without
   * an entry is pending. `outcomes` is derived from it.
   */
  accountOutcomes?: Record<string, AccountOutcome>;
  /** For a bulk event: every account that ended as a dead letter (the public item lists the first ones). */
  deadLetteredAccounts?: FailedAccount[];
}

/** Who moves an item from one status to another (the rows of `TRANSITIONS`). */
export const LEDGER_ACTORS = ['ingest', 'consumer', 'redrive'] as const;
export type LedgerActor = (typeof LEDGER_ACTORS)[number];

/**
 * One transition to write: the whole new state of the fields it changes, computed from the item as its
 * writer read it (`read`). Build it with the functions of `transitions.ts`.
 */
export interface LedgerWrite {
  by: LedgerActor;
  to: LedgerStatus;
  /**
   * The item as the writer read it: the write happens only while the item still has this version (and a
   * status the table lets `by` move on from). `undefined`: the writer read no item, and the write
   * creates one (from `base`), unless one exists by then.
   */
  read: { status: LedgerStatus; version: number } | undefined;
  at: string;
  attempts: number;
  /** The whole new history: the old one with this change appended, trimmed to {@link MAX_HISTORY}. */
  history: HistoryEntry[];
  expiresAt: number;
  /** Fields set by this transition; those not given keep their value, but for `nextAttemptAt`, which is removed. */
  set: Partial<
    Pick<
      LedgerItem,
      | 'lastError'
      | 'nextAttemptAt'
      | 'appliedAt'
      | 'deadLetteredAt'
      | 'supersededBy'
      | 'recalled'
      | 'accountOutcomes'
      | 'deadLetteredAccounts'
    >
  >;
  /** The item's identity, to create it when the ledger has none (`read` undefined). */
  base?: Pick<
    LedgerItem,
    'groupId' | 'account' | 'accounts' | 'action' | 'fingerprint' | 'acceptedAt' | 'position'
  >;
}

/** What became of a {@link LedgerWrite}. */
export type TransitionResult =
  /** Written: the item as it now is. */
  | { kind: 'written'; item: LedgerItem }
  /**
   * Not written. `not_allowed`: the transition table does not let `by` move the item from the status it
   * read (nothing was sent to the store); `changed`: the item is no longer as read (another writer moved
   * it first, e.g. a copy of the event that finished). `current` is the item as it now is.
   */
  | { kind: 'refused'; why: 'not_allowed' | 'changed'; current: LedgerItem | undefined };

/** The newest decision applied to one field of a target: which event, and where it stands in the order. */
export interface FieldDecision {
  /** The event's position (see `positionOf` in `decisions.ts`). */
  position: string;
  eventId: string;
  /** When it was recorded. */
  at: string;
  /**
   * For a timed decision (a mute, a ban, an account-wide mute): when it ends (ISO 8601, or
   * `permanent`); absent for the decision that undoes one (an unmute, an unban).
   */
  until?: string;
}

/**
 * A target's record in the ledger: for each field the newest decision applied. A member's fields are
 * `role`, `mute`, `msgFlag`, `nameCard`, `data.<key>` and `ban`; a group's `muteAll`; an account's
 * `mute.groups` and `mute.direct` (see `fieldsOf` in `decisions.ts`). Kept in the event table under a
 * key no eventId can take (see `recordKeyOf`).
 */
export interface DecisionRecord {
  key: string;
  /** The target's group, for a member or a group. */
  groupId?: string;
  /** The target's account, for a member or an account. */
  account?: string;
  /** By field name. */
  fields: Record<string, FieldDecision>;
}

/** What became of {@link LedgerStore.recordDecision}. */
export interface DecisionRecorded {
  /** The record as it now is. */
  record: DecisionRecord;
  /** Fields where a newer decision was recorded already, and so was kept. */
  newer: string[];
}

/**
 * The ledger's storage (DynamoDB in Lambda, dynalite locally, `MemoryLedgerStore` in unit tests). Every
 * method throws `LedgerUnavailableError` (`#shared/errors`) when the store cannot be reached; the
 * callers turn that into a result. A transition the table does not allow, or one whose item changed
 * since it was read, is a {@link TransitionResult}, never an exception.
 */
export interface LedgerStore {
  /** Items by eventId (strongly consistent); ids without an item are absent from the map. */
  getMany(eventIds: readonly string[]): Promise<Map<string, LedgerItem>>;
  /** Creates a `received` item (version 1) unless one with its eventId exists; says which. */
  create(item: LedgerItem): Promise<'created' | 'exists'>;
  /** Writes a transition if the table allows it and the item is still as read (see {@link LedgerWrite}). */
  transition(eventId: string, write: LedgerWrite): Promise<TransitionResult>;
  /** Decision records by key (strongly consistent); keys without a record are absent from the map. */
  getRecords(keys: readonly string[]): Promise<Map<string, DecisionRecord>>;
  /**
   * Records `decision` as the newest of each of `fields` of a target, except where the record holds a
   * decision with a later position (kept, and listed in `newer`); creates the record when there is none.
   */
  recordDecision(
    target: Pick<DecisionRecord, 'key' | 'groupId' | 'account'>,
    fields: readonly string[],
    decision: FieldDecision,
    expiresAt: number,
  ): Promise<DecisionRecorded>;
  /**
   * Writes whole records as they are, without a condition, in batches (DynamoDB's `BatchWriteItem`, 25
   * a call): for the records of a bulk event's accounts, which only the one invocation applying their
   * group's lane writes (see `messageGroupOf`), from records it read at the start of its batch.
   */
  putRecords(records: readonly DecisionRecord[], expiresAt: number): Promise<void>;
}

/**
 * How the stores batch their reads and writes of many keys, as DynamoDB allows: `BatchGetItem` takes
 * at most 100 keys a call, `BatchWriteItem` 25 items; `callsAtOnce` of them run at once (a raid's
 * batch reads and writes thousands of member records, which one call at a time would serialize).
 */
export const LEDGER_BATCHES = { getKeys: 100, putItems: 25, callsAtOnce: 16 } as const;

/** When an item changed at `atMs` expires: `retentionDays` later, in epoch seconds. */
export const expiresAtOf = (atMs: number, retentionDays: number): number =>
  Math.floor(atMs / 1000) + retentionDays * 86_400;

/** The item as `GET /v1/events/{eventId}` shows it. */
export function toPublicItem(item: LedgerItem): PublicLedgerItem {
  const {
    fingerprint: _fingerprint,
    expiresAt: _expiresAt,
    position: _position,
    version: _version,
    accountOutcomes,
    deadLetteredAccounts,
    ...shown
  } = item;
  if (item.accounts === undefined) return shown;
  return {
    ...shown,
    outcomes: countsOf(item.accounts, accountOutcomes ?? {}),
    ...(deadLetteredAccounts === undefined || deadLetteredAccounts.length === 0
      ? {}
      : { failedAccounts: deadLetteredAccounts.slice(0, MAX_LISTED_ACCOUNTS) }),
  };
}

/** The counts of a bulk event's accounts by outcome: `total` accounts, those without an entry pending. */
export function countsOf(total: number, outcomes: Readonly<Record<string, AccountOutcome>>): AccountCounts {
  const counts: AccountCounts = { applied: 0, superseded: 0, expired: 0, deadLettered: 0, pending: 0 };
  let finished = 0;
  for (const outcome of Object.values(outcomes)) {
    finished++;
    if (outcome === 'dead_lettered') counts.deadLettered++;
    else counts[outcome]++;
  }
  counts.pending = Math.max(0, total - finished);
  return counts;
}
