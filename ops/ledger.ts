/**
 * The event ledger's side of the `dlq` command: each dead letter's ledger item (status, attempts,
 * history) for `list` and `show`, and marking the items of redriven events `redriven`. No printing here.
 */
import { expiresAtOf, type LedgerItem, type LedgerStore, LedgerUnavailableError } from '#shared/ledger';
import type { DeadLetter } from './dead-letters.ts';

/** What the ledger said about a set of dead letters. */
export type LedgerLookup =
  /** No table was given (`--ledger-table`, `--outputs` or `LEDGER_TABLE`). */
  | { kind: 'not_configured' }
  /** The table could not be read; `error` says why. */
  | { kind: 'unavailable'; error: string }
  /** Items by event id; an event the ledger has no item for is absent. */
  | { kind: 'read'; items: ReadonlyMap<string, LedgerItem> };

/** A ledger failure for an operator: the store's message and the AWS error behind it (never item contents). */
export function describeLedgerError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { cause } = error;
  const behind = cause instanceof Error ? ` (${cause.name}: ${cause.message})` : '';
  return `${error.message}${behind}`;
}

/**
 * The ledger items of these dead letters, read in one strongly consistent batch.
 * @param store - `undefined` when no table was given.
 */
export async function lookUpLetters(
  letters: readonly DeadLetter[],
  store: Pick<LedgerStore, 'getMany'> | undefined,
): Promise<LedgerLookup> {
  if (store === undefined) return { kind: 'not_configured' };
  const eventIds = letters.flatMap((letter) => (letter.eventId === undefined ? [] : [letter.eventId]));
  try {
    return { kind: 'read', items: eventIds.length === 0 ? new Map() : await store.getMany(eventIds) };
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    return { kind: 'unavailable', error: describeLedgerError(error) };
  }
}

/** The ledger item of one dead letter, when the lookup found it. */
export function itemOf(letter: DeadLetter, lookup: LedgerLookup): LedgerItem | undefined {
  return lookup.kind === 'read' && letter.eventId !== undefined
    ? lookup.items.get(letter.eventId)
    : undefined;
}

/** Thrown when an item could not be marked `redriven`; its message is ready to print. */
export class MarkRedrivenError extends Error {
  constructor(eventId: string, cause: unknown) {
    super(`the ledger could not mark ${eventId} redriven: ${describeLedgerError(cause)}`, { cause });
    this.name = 'MarkRedrivenError';
  }
}

/**
 * Marks a dead letter's ledger item `redriven` (a fresh attempt budget), before the letter goes back to
 * the main queue: the consumer acknowledges at once a message whose item is still terminal
 * (`dead_lettered`), taking it for one it finished before a crash, so an unmarked redriven event would
 * be dropped. A letter without an event id (an unreadable message) has no item; an event the ledger
 * does not have is left alone.
 *
 * @returns whether an item was marked (or would have been, had the ledger had one)
 * @throws {@link MarkRedrivenError} when the ledger cannot be written
 */
export async function markLetterRedriven(
  letter: DeadLetter,
  store: Pick<LedgerStore, 'markRedriven'>,
  options: { nowMs: number; retentionDays: number },
): Promise<boolean> {
  if (letter.eventId === undefined) return false;
  try {
    await store.markRedriven(
      letter.eventId,
      new Date(options.nowMs).toISOString(),
      expiresAtOf(options.nowMs, options.retentionDays),
    );
    return true;
  } catch (error) {
    throw new MarkRedrivenError(letter.eventId, error);
  }
}
