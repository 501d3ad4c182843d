import * as z from 'zod';
import { ACTIONS } from './contract.ts';
import { BridgeError } from './errors.ts';

/**
 * The event ledger: one durable record per event, keyed by `eventId`, that says what became of it.
 * The ingest records each event before enqueueing it (and answers a resend as a duplicate for the whole
 * retention); the consumer counts real attempts in it and records every outcome before acknowledging a
 * message; `GET /v1/events/{eventId}` reads it. This module is the domain side: the item, its statuses,
 * and the port that `aws/dynamodb.ts` implements. No item ever holds a UserSig or a key.
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
  /** Moved to the dead-letter queue (`lastError` says why). */
  'dead_lettered',
  /** Sent back from the dead-letter queue to the main queue by `npm run dlq -- redrive`. */
  'redriven',
] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

/** Statuses after which the consumer has nothing left to do. */
export const TERMINAL_STATUSES: ReadonlySet<LedgerStatus> = new Set(['applied', 'expired', 'dead_lettered']);

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

/** The fields of an item that `GET /v1/events/{eventId}` shows. */
export const publicLedgerItemSchema = z.object({
  eventId: z.string(),
  status: z.enum(LEDGER_STATUSES),
  groupId: z.string(),
  account: z.string(),
  action: z.enum(ACTIONS),
  acceptedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  attempts: z.int().min(0).describe('Real Tencent attempts that counted toward the retry limit.'),
  lastError: ledgerErrorSchema.optional(),
  nextAttemptAt: z.iso.datetime().optional().describe('When a retrying or held event is next received.'),
  appliedAt: z.iso.datetime().optional(),
  deadLetteredAt: z.iso.datetime().optional(),
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
}

/** A change the consumer records for one message; the attempt counter moves only when `attempted`. */
export interface LedgerOutcome {
  status: LedgerStatus;
  at: string;
  /** Add one to `attempts` (a Tencent call that counted). */
  attempted: boolean;
  lastError?: LedgerError;
  nextAttemptAt?: string;
  appliedAt?: string;
  deadLetteredAt?: string;
  /** The whole new history (the old one with this change appended, trimmed to {@link MAX_HISTORY}). */
  history: HistoryEntry[];
  expiresAt: number;
  /** The item's identity, to create it when the ledger has none (a message enqueued before the ledger existed). */
  base: Pick<LedgerItem, 'groupId' | 'account' | 'action' | 'fingerprint' | 'acceptedAt'>;
}

/** The ledger could not be read or written. Its message never holds item contents. */
export class LedgerUnavailableError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/**
 * The ledger's storage (DynamoDB in Lambda, dynalite locally). Every method throws
 * {@link LedgerUnavailableError} when the store cannot be reached; the callers turn that into a result.
 */
export interface LedgerStore {
  /** Items by eventId (strongly consistent); ids without an item are absent from the map. */
  getMany(eventIds: readonly string[]): Promise<Map<string, LedgerItem>>;
  /** Creates an item unless one with its eventId exists; says which. */
  create(item: LedgerItem): Promise<'created' | 'exists'>;
  /** `received` to `queued`, unless the consumer already moved it on. */
  markQueued(eventId: string, at: string, expiresAt: number): Promise<void>;
  /**
   * Records an outcome if the item's `attempts` is still `priorAttempts` (no other container counted an
   * attempt meanwhile); returns the item as recorded, or `conflict`.
   */
  recordOutcome(
    eventId: string,
    priorAttempts: number,
    outcome: LedgerOutcome,
  ): Promise<LedgerItem | 'conflict'>;
  /**
   * A dead letter was sent back to the main queue: `redriven`, with a fresh attempt budget (`attempts`
   * back to 0; the history keeps the old attempts). Does nothing for an event the ledger does not have
   * or that is no longer `dead_lettered` (a late mark never overwrites a newer outcome).
   */
  markRedriven(eventId: string, at: string, expiresAt: number): Promise<void>;
}

/** Appends an entry to a history, keeping the newest {@link MAX_HISTORY}. */
export function appendHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [...history, entry].slice(-MAX_HISTORY);
}

/** When an item changed at `atMs` expires: `retentionDays` later, in epoch seconds. */
export const expiresAtOf = (atMs: number, retentionDays: number): number =>
  Math.floor(atMs / 1000) + retentionDays * 86_400;

/** The item as `GET /v1/events/{eventId}` shows it. */
export function toPublicItem(item: LedgerItem): PublicLedgerItem {
  const { fingerprint: _fingerprint, expiresAt: _expiresAt, ...shown } = item;
  return shown;
}
