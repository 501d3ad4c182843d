/** Retry delay settings, in seconds. */
export interface BackoffPolicy {
  /** Delay before the second attempt, before jitter. */
  baseSeconds: number;
  /** Longest delay. */
  maxSeconds: number;
}

/**
 * The visibility timeout that delays the next attempt of a message: exponential, doubling from
 * `baseSeconds` after each attempt and capped at `maxSeconds`, with "equal jitter" (between half and
 * all of the step) so that members failing together do not come back together.
 *
 * Written here rather than taken from a retry library: SQS does the waiting (the message stays
 * invisible), so all we need is the number, and retry libraries wrap a function call instead.
 *
 * @param attempt - the attempt that just failed, from 1 (SQS's `ApproximateReceiveCount`)
 * @param random - a number in [0, 1)
 * @returns whole seconds, at least 1 and at most `maxSeconds`
 * @example
 * ```ts
 * backoffSeconds(1, { baseSeconds: 2, maxSeconds: 900 }); // 1..2
 * backoffSeconds(4, { baseSeconds: 2, maxSeconds: 900 }); // 8..16
 * ```
 */
export function backoffSeconds(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const step = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** exponent);
  const jittered = step / 2 + (random() * step) / 2;
  return Math.min(policy.maxSeconds, Math.max(1, Math.ceil(jittered)));
}
