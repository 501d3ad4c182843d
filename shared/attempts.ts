/**
 * Counts the real attempts at each message, in this container: the Tencent calls that count toward
 * its retry limit (see `countsAsAttempt` in `retry-policy.ts`).
 *
 * SQS's `ApproximateReceiveCount` overstates them: it also counts the receives of an event released
 * unattempted behind a failing one (to keep its member's order), deferred for lack of time, or held
 * while the credentials are unreadable or refused. So the ledger counts the attempts themselves. A
 * container that has not seen the message yet (a new container, or another one) starts again from 0:
 * attempts are never overstated and can only be understated, which means more retries, never an early
 * dead letter. An exact count across containers needs a durable record (the event-ledger issue).
 */
export class AttemptLedger {
  private readonly attempts = new Map<string, number>();

  /** @param capacity - messages remembered; the least recently attempted are forgotten first */
  constructor(private readonly capacity = 10_000) {}

  /** Attempts made so far at a message, in this container. */
  count(messageId: string): number {
    return this.attempts.get(messageId) ?? 0;
  }

  /** Records one more attempt at a message; returns the attempt it was, from 1. */
  record(messageId: string): number {
    const attempt = this.count(messageId) + 1;
    this.attempts.delete(messageId);
    this.attempts.set(messageId, attempt);
    if (this.attempts.size > this.capacity) {
      const oldest = this.attempts.keys().next();
      if (!oldest.done) this.attempts.delete(oldest.value);
    }
    return attempt;
  }

  /** The message is done (applied or dead-lettered): it needs no counting any more. */
  forget(messageId: string): void {
    this.attempts.delete(messageId);
  }
}
