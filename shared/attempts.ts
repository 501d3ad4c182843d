/**
 * Counts the real attempts at each message, in this container.
 *
 * SQS's `ApproximateReceiveCount` overstates them: when one event of a member fails, the member's later
 * events in the batch are released unattempted (to keep their order), and each such release costs them a
 * receive. An event stuck behind a failing one would reach the attempt limit without ever being tried.
 * So the ledger remembers the receive count at which this container first attempted a message and
 * counts from there. A container that has not seen the message yet (a new container, or another one)
 * starts again from 1: attempts are never overstated, and can only be understated, which means more
 * retries, never an early dead letter. SQS's `maxReceiveCount` remains the last safety net.
 */
export class AttemptLedger {
  private readonly firstAttemptAt = new Map<string, number>();

  /** @param capacity - messages remembered; the oldest are forgotten first */
  constructor(private readonly capacity = 10_000) {}

  /**
   * The attempt that the current delivery of a message is, from 1; call it only when the message is
   * really attempted.
   */
  attempt(messageId: string, receiveCount: number): number {
    let first = this.firstAttemptAt.get(messageId);
    if (first === undefined || first > receiveCount) {
      first = receiveCount;
      this.firstAttemptAt.delete(messageId);
      this.firstAttemptAt.set(messageId, first);
      if (this.firstAttemptAt.size > this.capacity) {
        const oldest = this.firstAttemptAt.keys().next();
        if (!oldest.done) this.firstAttemptAt.delete(oldest.value);
      }
    }
    return receiveCount - first + 1;
  }

  /** The message is done (applied or dead-lettered): it needs no counting any more. */
  forget(messageId: string): void {
    this.firstAttemptAt.delete(messageId);
  }
}
