/**
 * The event ledger's side of the `dlq` command: each dead letter's ledger item (status, attempts,
 * history) and its member's record for `list`, `show` and `redrive`, what a redrive of it would do, and
 * marking the items of redriven events `redriven`. No printing here.
 */
import { LedgerUnavailableError } from '#shared/errors';
import {
  type DecisionRecord,
  eventPosition,
  expiresAtOf,
  fieldsOf,
  type LedgerItem,
  type LedgerStore,
  recordKeyOfMessage,
  standingOf,
  type TransitionResult,
  transitionOf,
} from '#shared/ledger';
import { isBulkMessage, parseQueueMessage, type SingleMessage } from '#shared/queue';
import type { DeadLetter } from './dead-letters.ts';

/** What the ledger said about a set of dead letters. */
export type LedgerLookup =
  /** No table was given (`--ledger-table`, `--outputs` or `LEDGER_TABLE`). */
  | { kind: 'not_configured' }
  /** The table could not be read; `error` says why. */
  | { kind: 'unavailable'; error: string }
  /** Items by event id and member records by key; what the ledger has none of is absent. */
  | {
      kind: 'read';
      items: ReadonlyMap<string, LedgerItem>;
      members: ReadonlyMap<string, DecisionRecord>;
    };

/** A ledger failure for an operator: the store's message and the AWS error behind it (never item contents). */
export function describeLedgerError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { cause } = error;
  const behind = cause instanceof Error ? ` (${cause.name}: ${cause.message})` : '';
  return `${error.message}${behind}`;
}

/** The queue message of a letter, when its body is one (a single event's). */
export function messageOf(letter: DeadLetter): SingleMessage | undefined {
  try {
    const message = parseQueueMessage(letter.body);
    // The consumer never dead-letters a bulk event as a whole: each account that fails gets a letter
    // of its own, a single member's message (`<eventId>@<account>`).
    return isBulkMessage(message) ? undefined : message;
  } catch {
    return undefined;
  }
}

/**
 * The ledger items of these dead letters and their targets' records, read in two strongly consistent
 * batches at once.
 * @param store - `undefined` when no table was given.
 */
export async function lookUpLetters(
  letters: readonly DeadLetter[],
  store: Pick<LedgerStore, 'getMany' | 'getRecords'> | undefined,
): Promise<LedgerLookup> {
  if (store === undefined) return { kind: 'not_configured' };
  const eventIds = letters.flatMap((letter) => (letter.eventId === undefined ? [] : [letter.eventId]));
  const memberKeys = letters.flatMap((letter) => {
    const message = messageOf(letter);
    return message === undefined ? [] : [recordKeyOfMessage(message)];
  });
  try {
    const [items, members] = await Promise.all([
      eventIds.length === 0 ? new Map<string, LedgerItem>() : store.getMany(eventIds),
      memberKeys.length === 0 ? new Map<string, DecisionRecord>() : store.getRecords(memberKeys),
    ]);
    return { kind: 'read', items, members };
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

/** What the consumer will do with a letter sent back to the main queue, as the ledger reads now. */
export type RedriveOutlook =
  /** It will be applied (unless it fails again). */
  | { kind: 'apply' }
  /** A newer event about the same target and field was applied: it will end superseded, with no call. */
  | { kind: 'superseded'; by: string }
  /** Its event is already finished otherwise (applied, expired, superseded): acknowledged with no call. */
  | { kind: 'finished'; status: LedgerItem['status'] }
  /** The ledger could not say (no table, not readable, or the body is not a queue message). */
  | { kind: 'unknown' };

/**
 * What a redrive of this letter would lead to: the consumer's own rule (`standingOf`), on the ledger as
 * read. The consumer decides when it receives the event; this is what `list`, `show` and `redrive` say.
 */
export function outlookOf(letter: DeadLetter, lookup: LedgerLookup): RedriveOutlook {
  const message = messageOf(letter);
  if (lookup.kind !== 'read' || message === undefined) return { kind: 'unknown' };
  const item = lookup.items.get(message.eventId);
  if (item !== undefined && item.status !== 'dead_lettered' && item.status !== 'redriven') {
    if (item.status === 'applied' || item.status === 'expired' || item.status === 'superseded') {
      return { kind: 'finished', status: item.status };
    }
  }
  const standing = standingOf(
    message.eventId,
    eventPosition(message, item),
    fieldsOf(message),
    lookup.members.get(recordKeyOfMessage(message)),
  );
  return standing.kind === 'superseded' ? { kind: 'superseded', by: standing.by } : { kind: 'apply' };
}

/** What marking a letter's item `redriven` did. */
export type MarkResult =
  /** Marked now (or already marked by an earlier redrive that did not move the letter). */
  | { kind: 'marked' }
  /** Nothing to mark: no event id, no item, or an item not dead-lettered (the consumer decides). */
  | { kind: 'unmarked'; status: LedgerItem['status'] | undefined }
  /** The ledger could not be read or written: the letter must stay. */
  | { kind: 'unavailable'; error: string };

/**
 * Marks a dead letter's ledger item `redriven` (a fresh attempt budget), before the letter goes back to
 * the main queue: the consumer acknowledges at once a message whose item is still finished
 * (`dead_lettered`), taking it for a copy, so an unmarked redriven event would be dropped. The write is
 * the transition table's `dead_lettered` to `redriven` by the redrive; if another writer changed the
 * item meanwhile, it is read again and marked from what it now is.
 *
 * @param item - the item as read (`undefined`: the ledger has none)
 */
export async function markRedriven(
  letter: DeadLetter,
  item: LedgerItem | undefined,
  store: Pick<LedgerStore, 'transition' | 'getMany'>,
  options: { nowMs: number; retentionDays: number },
): Promise<MarkResult> {
  const { eventId } = letter;
  if (eventId === undefined) return { kind: 'unmarked', status: undefined };
  const at = new Date(options.nowMs).toISOString();
  const expiresAt = expiresAtOf(options.nowMs, options.retentionDays);
  let current = item;
  try {
    for (let round = 0; round < 3; round++) {
      if (current?.status === 'redriven') return { kind: 'marked' };
      if (current?.status !== 'dead_lettered') return { kind: 'unmarked', status: current?.status };
      const result: TransitionResult = await store.transition(
        eventId,
        transitionOf(current, { by: 'redrive', to: 'redriven', at, expiresAt, attempts: 0 }),
      );
      if (result.kind === 'written') return { kind: 'marked' };
      current = result.current;
    }
    return { kind: 'unavailable', error: 'the item kept changing while it was marked' };
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    return { kind: 'unavailable', error: describeLedgerError(error) };
  }
}
