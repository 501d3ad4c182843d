/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Calls per second this container may start. */
  callsPerSecond: number;
  /** How long every call waits after Tencent said "over the limit", in milliseconds. @default 1000 */
  pauseMs?: number;
  /** The clock, in milliseconds (monotonic). @default performance.now */
  now?: () => number;
  /** Waits `ms`. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Spaces out the calls of one container so that the whole deployment stays under Tencent's limit:
 * each of the event source's concurrent containers gets `limit / maxConcurrency` calls per second.
 * Calls are spaced evenly (a token bucket holding a twentieth of a second's worth), so two
 * containers' bursts cannot add up within Tencent's one-second window. After a rate-limit answer
 * every call of the container waits `pauseMs` more.
 *
 * Written here rather than taken from a package: the usual ones (p-throttle, bottleneck) are
 * ESM-only or unmaintained, and neither pauses on a server's "over the limit".
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly pauseMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The earliest time the next call may start, with the burst allowance spent. */
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(options: RateLimiterOptions) {
    this.intervalMs = 1000 / options.callsPerSecond;
    this.burst = Math.max(1, Math.floor(options.callsPerSecond / 20));
    this.pauseMs = options.pauseMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Waits until the next call may start and returns true; callers start in the order they asked.
   * Returns false at once, taking no turn, when the turn is more than `maxWaitMs` away.
   */
  async acquire(maxWaitMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const now = this.now();
    // Unused allowance accumulates up to `burst` calls, no more.
    const start = Math.max(this.nextAt, now - (this.burst - 1) * this.intervalMs);
    if (start - now > maxWaitMs) return false;
    this.nextAt = start + this.intervalMs;
    if (start > now) await this.sleep(start - now);
    return true;
  }

  /** Tencent answered with a rate-limit code: hold every later call for `pauseMs`. */
  backOff(): void {
    this.nextAt = Math.max(this.nextAt, this.now() + this.pauseMs);
  }
}
