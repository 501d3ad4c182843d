/**
 * `v4/im_open_login_svc/kick` (docs/tencent.md, "Moderation APIs"; Tencent pages CN-3853, INTL-34957) `{UserID}`: ends
 * every session of one account (its earlier UserSigs stop working). The simulator counts the kicks of each
 * account and keeps the time of the last (`GET /_sim/kicks`).
 *
 * Codes, as documented: 70107 an account the app does not know (the simulator's known accounts: members
 * of any group, message senders, and those added through `POST /_sim/accounts` or the `accounts` option),
 * 70402 invalid parameter, 70403 the identifier is not an app admin (answered instead of 60010 on this
 * service), 70169 and 70500 (internal timeout and error, retry) only as scripted faults.
 *
 * Choices where the reference is silent (⚠), kept in one place:
 * - The current field is `UserID`; the older `Identifier` is an unknown field: 70402 ⚠, like a JSON body
 *   that is not an object, a null, or a UserID that is missing, not a string or not a UserID. A body that
 *   is not JSON at all answers the public 60003.
 * - 70403 rather than 60010 for a non-admin identifier ⚠: docs/tencent.md lists 70403 for this API.
 * - A kick does not make the simulator refuse the kicked account's UserSigs: the simulator only checks
 *   the admin's, and kicking the admin is not something the bridge does.
 */
import { type ApiOutcome, ok, refuse } from './answer.ts';
import type { ApiContext } from './routes.ts';
import { isUserId } from './rules.ts';

/** The code of an invalid parameter on this service. */
export const KICK_INVALID = 70_402;
/** The code of an account the app does not know. */
export const KICK_UNKNOWN_ACCOUNT = 70_107;
/** The code of a non-admin identifier on this service. */
export const KICK_NOT_ADMIN = 70_403;

/**
 * Validates a parsed JSON body of `kick` and, when it is valid, ends the account's sessions.
 * @returns Tencent's answer and whether the state changed.
 */
export function kick(body: unknown, { state, nowSeconds }: ApiContext): ApiOutcome {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse(KICK_INVALID, 'invalid parameter: the body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => key !== 'UserID');
  if (unknown !== undefined) return refuse(KICK_INVALID, `invalid parameter: unknown field ${unknown}`);
  const account = fields.UserID;
  if (!isUserId(account)) return refuse(KICK_INVALID, 'invalid parameter: UserID must be a UserID string');
  if (!state.isKnown(account)) return refuse(KICK_UNKNOWN_ACCOUNT, `account ${account} not found`);
  state.kick(account, nowSeconds);
  return ok(true);
}
