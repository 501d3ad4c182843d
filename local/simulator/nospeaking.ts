/**
 * The account-wide mute (docs/tencent.md, "Moderation APIs"; Tencent pages CN-4230, CN-4229, INTL-34923/34924), two APIs
 * of `openconfigsvr` on one state:
 * - `v4/openconfigsvr/setnospeaking` `{Set_Account, C2CmsgNospeakingTime?, GroupmsgNospeakingTime?}`
 *   (seconds; at least one; 0 unmutes; 4294967295 mutes for good): one-to-one messages, messages in every
 *   group, or both.
 * - `v4/openconfigsvr/getnospeaking` `{Get_Account}`: answers the seconds left of each,
 *   `{ErrorCode, ErrorInfo, C2CmsgNospeakingTime, GroupmsgNospeakingTime}` with no ActionStatus, as the
 *   documented sample (whose set 7200, read 7196 pair shows the time read is what remains); 4294967295
 *   for a mute for good.
 *
 * This service has its own codes (from QD's older pages, as docs/tencent.md lists them): a body that is not
 * JSON 130001 (instead of 60003); set: 130004 Set_Account missing, 130005 not a string, 130006/130007 a bad
 * time field, 130008 neither time given; get: 130002 Get_Account missing, 130003 invalid. 130014 (system
 * error, retry) only comes from a scripted fault.
 *
 * Choices where the reference is silent or unsure (⚠), kept in one place:
 * - 130006 is for C2CmsgNospeakingTime and 130007 for GroupmsgNospeakingTime ⚠ (the pages list the two
 *   codes for "the time field" in the order of the fields). A time is bad unless an integer from 0 to
 *   4294967295.
 * - A body that is JSON but not an object, an unknown field (a misspelt time field, say) or a null: 130001
 *   ⚠, the service's one code for a body it cannot read.
 * - A Set_Account or Get_Account that is a string but not a UserID (empty, over 32 bytes, not ASCII):
 *   130005 / 130003 ⚠.
 * - setnospeaking does not look the account up (its codes have none for an unknown account) ⚠: it stores
 *   the mute. getnospeaking of an account the app does not know and with no mute stored reads as muted
 *   for good, as the older get page says ⚠.
 * - The success answer of setnospeaking is the usual envelope, ActionStatus included ⚠.
 */
import { type ApiAnswer, type ApiOutcome, ok, refuse } from './answer.ts';
import type { ApiContext } from './routes.ts';
import { isUint32, isUserId, MAX_UINT32 } from './rules.ts';
import type { NoSpeakingEnd } from './state.ts';

/** The code of a body this service cannot read (its JSON parse error). */
export const NOSPEAKING_PARSE_ERROR = 130_001;

/** The answer of `getnospeaking`: the seconds left of each mute, without ActionStatus. */
export interface GetNoSpeakingAnswer extends ApiAnswer {
  C2CmsgNospeakingTime: number;
  GroupmsgNospeakingTime: number;
}

const SET_FIELDS = new Set(['Set_Account', 'C2CmsgNospeakingTime', 'GroupmsgNospeakingTime']);
const GET_FIELDS = new Set(['Get_Account']);

/** The fields of a body, or 130001 for one that is not an object, has an unknown field or a null. */
function readBody(
  body: unknown,
  allowed: ReadonlySet<string>,
): { fields: Record<string, unknown> } | ApiOutcome {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse(NOSPEAKING_PARSE_ERROR, 'json parse error: the body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !allowed.has(key));
  if (unknown !== undefined) return refuse(NOSPEAKING_PARSE_ERROR, `unknown field ${unknown}`);
  const nullField = Object.keys(fields).find((key) => fields[key] === null);
  if (nullField !== undefined) return refuse(NOSPEAKING_PARSE_ERROR, `${nullField} must not be null`);
  return { fields };
}

/** The stored end of a mute of `seconds` from `nowSeconds`. */
function endOf(seconds: number, nowSeconds: number): NoSpeakingEnd {
  if (seconds === 0) return 0;
  return seconds === MAX_UINT32 ? 'forever' : nowSeconds + seconds;
}

/** The seconds left of a mute that ends at `end`. */
function secondsLeft(end: NoSpeakingEnd, nowSeconds: number): number {
  return end === 'forever' ? MAX_UINT32 : Math.max(0, end - nowSeconds);
}

/**
 * Validates a parsed JSON body of `setnospeaking` and, when it is valid, sets the account's mutes.
 * @returns Tencent's answer and whether the state changed.
 */
export function setNoSpeaking(body: unknown, { state, nowSeconds }: ApiContext): ApiOutcome {
  const read = readBody(body, SET_FIELDS);
  if ('answer' in read) return read;
  const { fields } = read;

  const account = fields.Set_Account;
  if (account === undefined) return refuse(130_004, 'Set_Account is missing');
  if (!isUserId(account)) return refuse(130_005, 'Set_Account must be a UserID string');
  const c2c = fields.C2CmsgNospeakingTime;
  const group = fields.GroupmsgNospeakingTime;
  if (c2c !== undefined && !isUint32(c2c)) {
    return refuse(130_006, `C2CmsgNospeakingTime must be an integer from 0 to ${MAX_UINT32}`);
  }
  if (group !== undefined && !isUint32(group)) {
    return refuse(130_007, `GroupmsgNospeakingTime must be an integer from 0 to ${MAX_UINT32}`);
  }
  if (c2c === undefined && group === undefined) {
    return refuse(130_008, 'give C2CmsgNospeakingTime, GroupmsgNospeakingTime or both');
  }
  state.setNoSpeaking(account, {
    ...(c2c === undefined ? {} : { c2cMutedUntil: endOf(c2c, nowSeconds) }),
    ...(group === undefined ? {} : { groupMutedUntil: endOf(group, nowSeconds) }),
  });
  return ok(true);
}

/**
 * Validates a parsed JSON body of `getnospeaking` and answers the seconds left of the account's mutes.
 * @returns Tencent's answer (the state does not change).
 */
export function getNoSpeaking(body: unknown, { state, nowSeconds }: ApiContext): ApiOutcome {
  const read = readBody(body, GET_FIELDS);
  if ('answer' in read) return read;
  const { fields } = read;

  const account = fields.Get_Account;
  if (account === undefined) return refuse(130_002, 'Get_Account is missing');
  if (!isUserId(account)) return refuse(130_003, 'Get_Account must be a UserID string');
  const mutes = state.noSpeaking(account);
  const unknown = !state.isKnown(account) && mutes.c2cMutedUntil === 0 && mutes.groupMutedUntil === 0;
  const answer: GetNoSpeakingAnswer = {
    ErrorCode: 0,
    ErrorInfo: '',
    C2CmsgNospeakingTime: unknown ? MAX_UINT32 : secondsLeft(mutes.c2cMutedUntil, nowSeconds),
    GroupmsgNospeakingTime: unknown ? MAX_UINT32 : secondsLeft(mutes.groupMutedUntil, nowSeconds),
  };
  return { answer, applied: false };
}
