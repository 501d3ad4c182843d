import type { TencentApiName } from './client.ts';

/**
 * What each Tencent error code says about a failed call. The classes come from the API's page and the
 * public error table (`docs/tencent.md#error-codes` lists every code with its meaning and Tencent's
 * page); the retry policy (`FAILURE_RULES` in `shared/consumer/policy.ts`) turns a class into a
 * decision. One table holds every API's codes: the codes common to every API
 * ({@link TENCENT_CODE_CLASSES}), and what a code means for one API in particular ({@link API_CODES}),
 * with what to tell the operator. An unknown code is transient, so that nothing is dead-lettered on a
 * guess, except where an API says otherwise.
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
 * The codes `forbid_send_msg` documents for itself (its page, tencentcloud.com/document/product/1047/34951;
 * see `docs/tencent.md#forbid_send_msg`): 10002 internal error (retry), 10003 invalid command word,
 * 10004 invalid parameter, 10007 no permission, 10010 group does not exist or was dissolved, 10015
 * invalid group ID. They mean what they mean for `modify_group_member_info`, so each is in the table
 * above already (a test checks); the public codes (60000-79999) are common to every REST API. Muting in
 * a Private (Work) group, which that page says cannot mute members, is an operation the group type does
 * not allow: the bridge takes Tencent's code for that to be 10007 (unconfirmed: the page names none).
 */
export const FORBID_SEND_MSG_CODES = [10002, 10003, 10004, 10007, 10010, 10015] as const;

/** What a code means for one API, when it is not (only) what the common table says. */
export interface ApiCode {
  codeClass: TencentCodeClass;
  /** What the operator should know or do instead, added to the dead letter's reason. */
  hint?: string;
}

/** What an API's codes mean beyond the common table, and what its unknown codes are. */
export interface ApiCodes {
  /** Codes of this API that mean something of their own, or that only this API answers. */
  codes?: Readonly<Record<number, ApiCode>>;
  /** The class of a code neither table knows, for this API. @default `transient` */
  unknown?: ApiCode;
}

/** The hint of a ban refused for a reason no table knows: the edition and the console switch. */
export const BAN_SWITCH_HINT =
  'banning needs the Pro, Pro Plus or Enterprise edition (Ultimate or Enterprise on the China site) and the console switch Feature configuration > Group configuration > Group feature configuration > "Group member banning"';

/**
 * The per-API part of the code table (`docs/tencent.md#moderation-apis` lists each API's documented
 * codes, and `docs/tencent.md#codes-of-one-api` this table):
 * - `delete_group_member`: 10004 is what an AVChatRoom group answers, which cannot remove members;
 * - `ban_group_member`: the code of "this app's edition or console switch does not allow bans" is
 *   undocumented, so any code the common table does not know is permanent, with the switch to check;
 * - `group_msg_recall`: 10031 (past the time limit), 10032 (cannot be recalled) and 10033 (the group
 *   type cannot recall) are permanent; 10030 (not found) is no failure at all (`recallItemsOf`);
 * - `setnospeaking`: its own 130001-130008 are malformed requests, 130014 is a system error;
 * - `kick`: 70107 is an account that was never imported (nothing to kick), 70403 an identifier that is
 *   not an admin (the deployment's), 70169 and 70500 (in the common table) are retried.
 */
export const API_CODES: Readonly<Partial<Record<TencentApiName, ApiCodes>>> = {
  delete_group_member: {
    codes: {
      10004: {
        codeClass: 'permanent',
        hint: 'an AVChatRoom group cannot remove members (delete_group_member answers 10004 there): use ban, or mute, instead',
      },
    },
  },
  ban_group_member: { unknown: { codeClass: 'permanent', hint: BAN_SWITCH_HINT } },
  group_msg_recall: {
    codes: {
      10031: { codeClass: 'permanent', hint: 'the message is past the time limit to recall it' },
      10032: { codeClass: 'permanent', hint: 'this message cannot be recalled' },
      10033: {
        codeClass: 'permanent',
        hint: 'this group type cannot recall messages: use delete_messages for a sender',
      },
    },
  },
  setnospeaking: {
    codes: {
      130001: { codeClass: 'permanent' },
      130004: { codeClass: 'permanent' },
      130005: { codeClass: 'permanent' },
      130006: { codeClass: 'permanent' },
      130007: { codeClass: 'permanent' },
      130008: { codeClass: 'permanent' },
      130014: { codeClass: 'transient' },
    },
  },
  kick: {
    codes: {
      70107: {
        codeClass: 'permanent',
        hint: 'the account was never imported, so it has no session to end: nothing to kick (check the account id)',
      },
      70403: { codeClass: 'deployment_fault', hint: 'kick needs an App admin identifier' },
    },
  },
};

/**
 * Codes that may be about one account of a call that carried several (an invalid parameter, an account
 * not in the group or not imported, an account check that failed): such a call is split, so that only
 * the account at fault bears it. Any other refusal is about the call, the group or the app (10010 the
 * group is gone, 10007 no permission, a ban the app's edition does not allow) and is every account's.
 */
export const ACCOUNT_CODES: ReadonlySet<number> = new Set([10004, 10019, 60004, 60005, 60015, 70107, 70402]);

const CLASS_OF = new Map<number, TencentCodeClass>(
  (Object.entries(TENCENT_CODE_CLASSES) as [TencentCodeClass, readonly number[]][]).flatMap(
    ([codeClass, codes]) => codes.map((code): [number, TencentCodeClass] => [code, codeClass]),
  ),
);

/**
 * What a Tencent `ErrorCode` (not 0) means for a call of `api`: the API's own meaning first
 * ({@link API_CODES}), then the common table, then the API's class of unknown codes (transient unless
 * it says otherwise).
 */
export function tencentCodeOf(code: number, api?: TencentApiName): ApiCode {
  const own = api === undefined ? undefined : API_CODES[api];
  const specific = own?.codes?.[code];
  if (specific !== undefined) return specific;
  const common = CLASS_OF.get(code);
  if (common !== undefined) return { codeClass: common };
  return own?.unknown ?? { codeClass: 'transient' };
}

/** Classifies a Tencent `ErrorCode` (not 0), for a call of `api` (see {@link tencentCodeOf}). */
export function classifyTencentCode(code: number, api?: TencentApiName): TencentCodeClass {
  return tencentCodeOf(code, api).codeClass;
}
