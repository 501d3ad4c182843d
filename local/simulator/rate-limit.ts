/** How calls are counted against the per-second limit. */
export type RateLimitWindow =
  /** At most `limit` admitted calls in any 1000 ms (stricter; bursts at the boundary are refused). */
  | 'sliding'
  /** At most `limit` admitted calls per wall-clock second (`floor(now / 1000)`). */
  | 'fixed';

/**
 * Tencent's calls-per-second limit (200 per SDKAppID for `modify_group_member_info`, error 60007 over it).
 * Refused calls do not count.
 */
export class RateLimiter {
  /** Times of the last `limit` admitted calls (a ring), for the sliding window. */
  private readonly admitted: number[] = [];
  private next = 0;
  private second = -1;
  private inSecond = 0;

  constructor(
    private readonly limit: number,
    private readonly window: RateLimitWindow = 'sliding',
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`rate limit must be a positive integer, got ${limit}`);
  }

  /** Counts a call made at `nowMs`; `false` when it is over the limit. */
  tryAcquire(nowMs: number): boolean {
    if (this.window === 'fixed') {
      const second = Math.floor(nowMs / 1000);
      if (second !== this.second) {
        this.second = second;
        this.inSecond = 0;
      }
      if (this.inSecond >= this.limit) return false;
      this.inSecond += 1;
      return true;
    }
    if (this.admitted.length < this.limit) {
      this.admitted.push(nowMs);
      return true;
    }
    const oldest = this.admitted[this.next] ?? 0;
    if (nowMs - oldest < 1000) return false;
    this.admitted[this.next] = nowMs;
    this.next = (this.next + 1) % this.limit;
    return true;
  }
}
