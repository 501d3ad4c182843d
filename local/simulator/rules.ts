/**
 * The body rules the group APIs share: a JSON object with known, non-null fields; a GroupId (10004 when
 * missing, 10015 when malformed); UserIDs and lists of them (10004); the group (10010). Each reader returns
 * the value, or the outcome that refuses the call (an {@link ApiOutcome}), which the API returns as it is.
 */
import { type ApiOutcome, refuse } from './answer.ts';
import type { SimulatorState, StoredGroup } from './state.ts';

/** Largest custom GroupId, in bytes of printable ASCII. */
export const MAX_GROUP_ID_BYTES = 48;
/** Largest UserID, in bytes. */
export const MAX_ACCOUNT_BYTES = 32;
/** Largest uint32: the longest mute, ban or no-speaking time (`forbid_send_msg` documents it as "for good"). */
export const MAX_UINT32 = 4_294_967_295;
/**
 * Tencent's code for more accounts in one request than the API takes ("too many accounts in the
 * request", the group error table of docs/tencent.md), as `forbid_send_msg` answers over 500.
 */
export const TOO_MANY_ACCOUNTS = 10_005;

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** Tencent's answer to an illegal parameter (10004), which changes nothing. */
export const invalid = (info: string): ApiOutcome => refuse(10004, info);

/** Bytes of a string in UTF-8, as Tencent counts its limits. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Whether a value is a UserID: printable ASCII, 1 to 32 bytes. */
export function isUserId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value !== '' &&
    value.length <= MAX_ACCOUNT_BYTES &&
    PRINTABLE_ASCII.test(value)
  );
}

/** Whether a value is an integer from `min` to 4294967295. */
export function isUint32(value: unknown, min = 0): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_UINT32;
}

/**
 * The fields of a request body, or the answer to a body that is not a JSON object (60003), has a field
 * outside `allowed` or a null field (10004): the checks every group API of the simulator makes first.
 */
export function bodyFields(
  body: unknown,
  allowed: ReadonlySet<string>,
): { fields: Record<string, unknown> } | { refused: ApiOutcome } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { refused: refuse(60003, 'json parse error: the body must be a JSON object') };
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !allowed.has(key));
  if (unknown !== undefined) return { refused: invalid(`unknown field ${unknown}`) };
  const nullField = Object.keys(fields).find((key) => fields[key] === null);
  if (nullField !== undefined) return { refused: invalid(`${nullField} must not be null`) };
  return { fields };
}

/** The GroupId of a body: 10004 when it is missing or not a string, 10015 when it cannot be a group id. */
export function readGroupId(value: unknown): string | ApiOutcome {
  if (typeof value !== 'string' || value === '') return invalid('GroupId is required and must be a string');
  if (value.length > MAX_GROUP_ID_BYTES || !PRINTABLE_ASCII.test(value)) {
    return refuse(10015, `invalid GroupId: ${JSON.stringify(value)}`);
  }
  return value;
}

/** A single UserID field (`Member_Account`, `Sender_Account`): 10004 when missing or not a UserID. */
export function readAccount(field: string, value: unknown): string | ApiOutcome {
  if (typeof value !== 'string' || value === '') return invalid(`${field} is required and must be a string`);
  if (!isUserId(value)) {
    return invalid(`${field} is not a valid UserID (printable ASCII, at most ${MAX_ACCOUNT_BYTES} bytes)`);
  }
  return value;
}

/**
 * A list of UserIDs (`Members_Account`, `MemberToDel_Account`): 10004 when it is missing, empty, holds
 * something that is not a UserID or an account twice; {@link TOO_MANY_ACCOUNTS} over `max`.
 */
export function readAccounts(field: string, value: unknown, max: number): string[] | ApiOutcome {
  if (!Array.isArray(value) || value.length === 0) {
    return invalid(`${field} is required and must be a non-empty array of UserIDs`);
  }
  const accounts: string[] = [];
  for (const account of value as unknown[]) {
    if (!isUserId(account)) {
      return invalid(
        `${field} holds ${JSON.stringify(account)}, not a UserID (printable ASCII, at most ${MAX_ACCOUNT_BYTES} bytes)`,
      );
    }
    accounts.push(account);
  }
  if (new Set(accounts).size !== accounts.length) return invalid(`${field} lists an account twice`);
  if (accounts.length > max) {
    return refuse(TOO_MANY_ACCOUNTS, `${field} holds ${accounts.length} accounts, more than ${max}`);
  }
  return accounts;
}

/** An optional string field of at most `maxBytes` UTF-8 bytes (10004 otherwise); `undefined` when absent. */
export function readOptionalText(
  field: string,
  value: unknown,
  maxBytes: number = Number.POSITIVE_INFINITY,
): string | undefined | ApiOutcome {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return invalid(`${field} must be a string`);
  if (utf8Bytes(value) > maxBytes) return invalid(`${field} is longer than ${maxBytes} bytes`);
  return value;
}

/** The live group, or 10010 when there is none with that id. */
export function findGroup(state: SimulatorState, groupId: string): StoredGroup | ApiOutcome {
  return state.stored(groupId) ?? refuse(10010, `group ${groupId} does not exist or was dissolved`);
}

/** 10007, Tencent's code for an operation the group type (or the member's role) does not allow. */
export function notAllowed(info: string): ApiOutcome {
  return refuse(10007, `no operation permission: ${info}`);
}

/** An optional `TopicId` (a Community topic): a non-empty string, 10004 otherwise; `undefined` when absent. */
export function readTopicId(value: unknown): string | undefined | ApiOutcome {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') return invalid('TopicId must be a non-empty string');
  return value;
}

/**
 * A `TopicId` given for a group that is not a Community (topics exist only there): 10004 ⚠ (Tencent's
 * answer is not documented); `undefined` when the topic may be given.
 */
export function topicOutsideCommunity(
  group: StoredGroup,
  topicId: string | undefined,
): ApiOutcome | undefined {
  if (topicId === undefined || group.type === 'Community') return undefined;
  return invalid(`TopicId is only for Community groups; ${group.groupId} is ${group.type}`);
}
