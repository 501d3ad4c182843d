/**
 * The client's retry policy, as one pure function: what an attempt got, how many were made and how
 * long it has been, in; whether and when to try again, out. No clock, no I/O: `BridgeClient` carries
 * the decision out, with its injected clock and sleep.
 *
 * Written here rather than taken from a retry library: those wrap a function call and own the clock,
 * while this decision must see the answer (its status and `Retry-After`) and the caller's deadline.
 */

/** How the client retries. */
export interface RetrySettings {
  /** Most attempts of one call, the first included. @default 8 */
  maxAttempts: number;
  /** The delay before the second attempt, before jitter, in ms; it doubles with each attempt. @default 200 */
  baseDelayMs: number;
  /** The longest delay between two attempts, in ms. @default 5000 */
  maxDelayMs: number;
  /** Time from the first attempt after which no attempt starts, and the last one is cut off, in ms. @default 30000 */
  deadlineMs: number;
  /** How long one attempt may take before it counts as no answer, in ms. @default 10000 */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: Readonly<RetrySettings> = {
  maxAttempts: 8,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  deadlineMs: 30_000,
  attemptTimeoutMs: 10_000,
};

/** What one attempt got. */
export type AttemptOutcome =
  /** An HTTP answer; `retryAfterMs` from its `Retry-After` header. */
  | { kind: 'answered'; status: number; retryAfterMs?: number }
  /** No answer: the connection failed, was reset, or the attempt timed out. */
  | { kind: 'no_answer' };

/** What to do next. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'final' | 'attempts' | 'deadline' };

/**
 * Whether an answer can change if the same request is sent again: 429 (throttled) and every 5xx
 * (503 from the bridge when the ledger or the queue failed, 502/504 from API Gateway) can; other
 * answers (2xx, 4xx) are final.
 */
export const isRetryableStatus = (status: number): boolean => status === 429 || status >= 500;

/**
 * Decides after an attempt. Delays are exponential with "full jitter" (a random point between 0 and
 * the step), so that many senders failing together do not come back together; a `Retry-After` longer
 * than that is waited instead. No attempt starts that could not begin before the deadline.
 *
 * @param attempt - the attempt that just ended, from 1
 * @param elapsedMs - time since the first attempt started
 * @param random - a number in [0, 1)
 * @example
 * ```ts
 * decideRetry({ kind: 'answered', status: 503 }, 1, 120, DEFAULT_RETRY, () => 0.5); // { retry: true, delayMs: 100 }
 * decideRetry({ kind: 'answered', status: 400 }, 1, 120, DEFAULT_RETRY, () => 0.5); // { retry: false, reason: 'final' }
 * ```
 */
export function decideRetry(
  outcome: AttemptOutcome,
  attempt: number,
  elapsedMs: number,
  settings: RetrySettings,
  random: () => number,
): RetryDecision {
  if (outcome.kind === 'answered' && !isRetryableStatus(outcome.status))
    return { retry: false, reason: 'final' };
  if (attempt >= settings.maxAttempts) return { retry: false, reason: 'attempts' };
  const step = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  const jittered = Math.floor(random() * step);
  const delayMs = Math.max(jittered, outcome.kind === 'answered' ? (outcome.retryAfterMs ?? 0) : 0);
  if (elapsedMs + delayMs >= settings.deadlineMs) return { retry: false, reason: 'deadline' };
  return { retry: true, delayMs };
}

/**
 * A `Retry-After` header in ms: delta-seconds, or an HTTP date relative to `nowMs`; `undefined` when
 * absent or unreadable.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
