/**
 * What each Tencent error code says about a failed call. The classes come from the API's page and the
 * public error table (see the team's Tencent reference, `shared/tencent/REFERENCE.md`); the retry
 * policy (`FAILURE_RULES` in `shared/consumer/policy.ts`) turns a class into a decision. An unknown code is transient, so
 * that nothing is dead-lettered on a guess.
 */

/** What a Tencent code says about the call that got it. */
export type TencentCodeClass =
  /** A passing fault on Tencent's side: retry with backoff, up to the maximum number of attempts. */
  | 'transient'
  /** Over Tencent's frequency limit: slow down, then retry like a transient fault. */
  | 'rate_limited'
  /** An account check that may pass on a retry: retry a few times, then dead-letter. */
  | 'ambiguous'
  /** The UserSig expired: make or fetch a fresh one and retry at once. */
  | 'usersig_expired'
  /**
   * The deployment's credentials or account are wrong (wrong key, not an admin, wrong region, app
   * disabled, IP not allowed): every event would fail the same way, and every event would succeed once
   * an operator fixes it. The event is held, never dead-lettered.
   */
  | 'deployment_fault'
  /** Something about this event that no retry can fix: dead-letter at once. */
  | 'permanent';

/**
 * The code table. Each code is in exactly one class (a test checks); a code not listed is transient.
 */
export const TENCENT_CODE_CLASSES = {
  transient: [
    // 10002 internal error; 60008 service timeout; 60014 account check timeout; 70169 internal timeout;
    // 70500 internal error.
    10002, 60008, 60014, 70169, 70500,
  ],
  rate_limited: [
    // 10006 operation frequency; 60007 and 60011 over the limit; 60018 and 60019 too frequent.
    10006, 60007, 60011, 60018, 60019,
  ],
  ambiguous: [60004, 60005],
  usersig_expired: [70001],
  deployment_fault: [
    // Credentials: illegal UserSig, wrong key, UserID differs from the UserSig's, SDKAppID mismatch, key
    // or SDKAppID not found (usually the wrong region's domain).
    70003, 70009, 70013, 70014, 70016, 70020,
    // The app or the account: SDKAppID invalid or missing, identifier not an admin, app disabled, request
    // disabled, plan expired, source IP not allowed, wrong domain for the app, service deactivated.
    60006, 60010, 60012, 60016, 60017, 60020, 60021, 60026, 80005,
  ],
  permanent: [
    // API-specific: command, parameters, too many accounts, permissions, group, account, Community,
    // content filter.
    10003, 10004, 10005, 10007, 10010, 10015, 10019, 11000, 80001,
    // The request itself: URL or JSON parse error, bad resource, response parse error, UserID not a
    // string, bad URL parameters, account blocklisted or not imported, illegal parameters, body too large.
    60002, 60003, 60009, 60013, 60015, 60025, 70051, 70107, 70402, 80002,
  ],
} as const satisfies Record<TencentCodeClass, readonly number[]>;

/**
 * The codes `forbid_send_msg` documents for itself (its page, tencentcloud.com/document/product/1047/34951,
 * as `shared/tencent/REFERENCE.md` lists them): 10002 internal error (retry), 10003 invalid command word,
 * 10004 invalid parameter, 10007 no permission, 10010 group does not exist or was dissolved, 10015
 * invalid group ID. They mean what they mean for `modify_group_member_info`, so each is in the table
 * above already (a test checks); the public codes (60000-79999) are common to every REST API. Muting in
 * a Private (Work) group, which that page says cannot mute members, is an operation the group type does
 * not allow: Tencent's code for that is 10007.
 */
export const FORBID_SEND_MSG_CODES = [10002, 10003, 10004, 10007, 10010, 10015] as const;

const CLASS_OF = new Map<number, TencentCodeClass>(
  (Object.entries(TENCENT_CODE_CLASSES) as [TencentCodeClass, readonly number[]][]).flatMap(
    ([codeClass, codes]) => codes.map((code): [number, TencentCodeClass] => [code, codeClass]),
  ),
);

/** Classifies a Tencent `ErrorCode` (not 0). */
export function classifyTencentCode(code: number): TencentCodeClass {
  return CLASS_OF.get(code) ?? 'transient';
}
