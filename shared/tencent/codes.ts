/**
 * What the consumer does with each Tencent error code. The sets come from the API's page and the
 * public error table (see the team's Tencent reference); an unknown code is treated as transient so
 * that nothing is dead-lettered on a guess.
 */

/** How an outcome is handled. */
export type Disposition =
  /** Retry later with backoff, up to the maximum number of attempts. */
  | 'transient'
  /** Retry a few times (account checks that may pass on a retry), then dead-letter. */
  | 'ambiguous'
  /** The UserSig expired: make or fetch a fresh one and retry at once. */
  | 'usersig_expired'
  /** No retry can help: dead-letter at once. */
  | 'permanent';

/** 10002 internal error, rate limits, timeouts and internal errors. */
const TRANSIENT = new Set([10002, 10006, 60007, 60008, 60011, 60014, 60018, 60019, 70169, 70500]);
/** Codes that say the call went over Tencent's frequency limit. */
const RATE_LIMITED = new Set([10006, 60007, 60011, 60018, 60019]);
const AMBIGUOUS = new Set([60004, 60005]);
const PERMANENT = new Set([
  // API-specific: command, parameters, permissions, group, account, Community, content filter.
  10003, 10004, 10005, 10007, 10010, 10015, 10019, 11000, 80001,
  // Credentials: illegal UserSig, wrong key, identifier or SDKAppID mismatch, key not found.
  70003, 70009, 70013, 70014, 70016, 70020,
  // Configuration or request.
  60002, 60003, 60006, 60009, 60010, 60012, 60013, 60015, 60016, 60017, 60020, 60021, 60025, 60026, 70051,
  70107, 70402, 80002, 80005,
]);

/** Classifies a Tencent `ErrorCode` (not 0). */
export function classifyTencentCode(code: number): Disposition {
  if (code === 70001) return 'usersig_expired';
  if (PERMANENT.has(code)) return 'permanent';
  if (AMBIGUOUS.has(code)) return 'ambiguous';
  if (TRANSIENT.has(code)) return 'transient';
  return 'transient';
}

/** Whether a code says Tencent's frequency limit was hit. */
export function isRateLimitCode(code: number): boolean {
  return RATE_LIMITED.has(code);
}
