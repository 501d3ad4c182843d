/**
 * The redrive: dead letters back to the main queue, each one marked `redriven` in the ledger first, and
 * only the ones marked (or with nothing to mark). It reads, marks, sends and deletes letter by letter,
 * until the dead-letter queue has nothing more to give; a letter that arrives meanwhile is read, marked
 * and moved like the others, or (when its member's earlier letter had to stay) stays for the next run.
 * Nothing is ever moved unmarked by a blind move task, so a letter is never dropped as a copy.
 *
 * The queue is behind {@link RedriveQueue}: SQS in `dead-letters.ts`, an in-memory FIFO queue in the
 * property tests. No printing here.
 */
import type { LedgerStore } from '#shared/ledger';
import { type DeadLetter, matchesId } from './dead-letters.ts';
import { lookUpLetters, markRedriven, outlookOf, type RedriveOutlook } from './ledger.ts';

/** The queue operations a redrive needs. */
export interface RedriveQueue {
  /** Receives up to `max` (at most 10) dead letters and hides them for the rest of the run; none when the queue has no more to give. */
  receive(max: number): Promise<DeadLetter[]>;
  /** Sends a letter's body back to the main queue, in its message group, without its dead-letter reason. */
  sendBack(letter: DeadLetter): Promise<void>;
  /** Deletes a letter from the dead-letter queue. */
  delete(letter: DeadLetter): Promise<void>;
  /** Makes letters visible again; returns the message ids that could not be. */
  release(letters: readonly DeadLetter[]): Promise<string[]>;
}

/** What a redrive should do. */
export interface RedriveOptions {
  /** Only these events (event ids or SQS message ids); all when absent. */
  ids?: readonly string[];
  /** At most this many letters are read. */
  max: number;
  /** The clock of the `redriven` marks, in epoch milliseconds. */
  now: () => number;
  /** Days a redriven item is kept (the stack's `ledgerRetentionDays`). */
  retentionDays: number;
}

/** A letter sent back, and what the consumer will do with it (as the ledger read when it was sent). */
export interface MovedLetter {
  letter: DeadLetter;
  outlook: RedriveOutlook;
}

/** What a redrive did. */
export interface RedriveResult {
  moved: MovedLetter[];
  /** Letters that stay in the dead-letter queue, with why. */
  failed: { letter: DeadLetter; error: string }[];
  /** Requested ids that matched no letter read. */
  notFound: string[];
  /** Letters read that could not be made visible again: they reappear when their visibility timeout ends. */
  notReleased: string[];
}

/** Times a delete is tried before the letter is reported as sent but not deleted. */
const DELETE_TRIES = 3;

/**
 * Moves dead letters back to the main queue (all of them, or the ones `ids` names), member by member in
 * queue order. For each: its ledger item is marked `redriven` (when it is `dead_lettered`; an item in
 * another status, or none, is left for the consumer to judge), then the letter is sent back and deleted.
 * When the ledger cannot be read or written, the letter stays, and so do the later letters of its
 * member (their order is kept); the others go on.
 */
export async function redrive(
  queue: RedriveQueue,
  ledger: Pick<LedgerStore, 'getMany' | 'getRecords' | 'transition'>,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const result: RedriveResult = { moved: [], failed: [], notFound: [], notReleased: [] };
  // Read and not moved: released at the end (a hidden letter also hides its member's later ones).
  const kept: DeadLetter[] = [];
  // Sent but not deleted: left hidden, so that a run started right after cannot send it again.
  const sentNotDeleted = new Set<string>();
  // Members with a letter that stays: their later letters stay too, to keep the order.
  const blocked = new Set<string>();
  const seen = new Set<string>();
  const matched = new Set<string>();
  const stay = (letter: DeadLetter, error: string) => {
    result.failed.push({ letter, error });
    blocked.add(memberOf(letter));
    kept.push(letter);
  };
  try {
    let read = 0;
    while (read < options.max) {
      const batch = (await queue.receive(Math.min(10, options.max - read))).filter(
        (letter) => !seen.has(letter.messageId),
      );
      if (batch.length === 0) break;
      read += batch.length;
      for (const letter of batch) seen.add(letter.messageId);
      const lookup = await lookUpLetters(batch, ledger);
      for (const letter of batch) {
        const wanted = options.ids?.filter((id) => matchesId(letter, id)) ?? [];
        for (const id of wanted) matched.add(id);
        if (options.ids !== undefined && wanted.length === 0) {
          kept.push(letter);
          continue;
        }
        if (blocked.has(memberOf(letter))) {
          stay(letter, 'not moved: an earlier letter of the same member could not be moved');
          continue;
        }
        if (lookup.kind !== 'read') {
          stay(
            letter,
            `not moved: the ledger could not be read (${lookup.kind === 'unavailable' ? lookup.error : 'no table'})`,
          );
          continue;
        }
        const item = letter.eventId === undefined ? undefined : lookup.items.get(letter.eventId);
        const mark = await markRedriven(letter, item, ledger, {
          nowMs: options.now(),
          retentionDays: options.retentionDays,
        });
        if (mark.kind === 'unavailable') {
          stay(letter, `not moved: the ledger could not mark it redriven (${mark.error})`);
          continue;
        }
        const outlook = outlookOf(letter, lookup);
        try {
          await queue.sendBack(letter);
        } catch (error) {
          stay(letter, `not moved: ${describe(error)}`);
          continue;
        }
        const deleted = await deleteWithRetries(queue, letter);
        if (deleted === undefined) {
          result.moved.push({ letter, outlook });
        } else {
          // Sent, but still here (hidden until its visibility timeout ends).
          sentNotDeleted.add(letter.messageId);
          blocked.add(memberOf(letter));
          result.failed.push({
            letter,
            error:
              `already back on the main queue, but not deleted from the dead-letter queue (${deleted}): ` +
              `delete it there by hand (message ${letter.messageId}); a redrive of it again is acknowledged as a copy once the event has finished`,
          });
        }
      }
    }
  } finally {
    result.notReleased = await queue.release(kept.filter((letter) => !sentNotDeleted.has(letter.messageId)));
  }
  result.notFound = (options.ids ?? []).filter((id) => !matched.has(id));
  return result;
}

/** The member a letter belongs to: its message group (the order a redrive keeps). */
const memberOf = (letter: DeadLetter): string => letter.groupId ?? letter.messageId;

/** Deletes a letter, trying a few times; the last error, or `undefined` once deleted. */
async function deleteWithRetries(queue: RedriveQueue, letter: DeadLetter): Promise<string | undefined> {
  let lastError = '';
  for (let attempt = 0; attempt < DELETE_TRIES; attempt++) {
    try {
      await queue.delete(letter);
      return undefined;
    } catch (error) {
      lastError = describe(error);
    }
  }
  return lastError;
}

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
