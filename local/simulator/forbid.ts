/**
 * The body of `forbid_send_msg` (bulk muting and unmuting, tencentcloud.com/document/product/1047/34951):
 * validated as Tencent documents it, then applied to the state that `modify_group_member_info` changes
 * too (a member's `mutedUntil`).
 *
 * Order of the checks (the first that fails answers): body shape and field rules (10004, or 10015 for a
 * malformed GroupId), more than 500 accounts (10005), group exists (10010), group type (10007 for
 * Private: work groups cannot mute members), every account in the group (10019). A call mutes all its
 * accounts or none.
 *
 * Choices where the reference is silent, kept in one place:
 * - Private (Work): 10007 "no operation permission", Tencent's code for an operation the group type
 *   does not allow (the one the simulator gives `modify_group_member_info` in an AVChatRoom group).
 * - Over 500 accounts: 10005, the group error table's "too many accounts in the request".
 * - An account not in the group, in any group type: 10019, for the whole call (the simulator keeps an
 *   AVChatRoom's audience as its member list).
 * - Unknown fields, `null`s, both MuteTime and ShutUpTime (older pages' name), an empty or repeated
 *   account list: 10004.
 */
import { fail, OK_ANSWER } from './answer.ts';
import {
  bodyFields,
  invalid,
  MAX_ACCOUNT_BYTES,
  MAX_GROUP_ID_BYTES,
  MAX_MUTE_TIME,
  type ModifyOptions,
  type ModifyOutcome,
} from './modify.ts';
import type { SimulatorState } from './state.ts';

/** Accounts one call may carry, as Tencent documents it. */
export const MAX_FORBID_ACCOUNTS = 500;

const FIELDS = new Set(['GroupId', 'Members_Account', 'MuteTime', 'ShutUpTime']);
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** The accounts of a body, or the answer that refuses them. */
function parseAccounts(value: unknown): string[] | ModifyOutcome {
  if (!Array.isArray(value) || value.length === 0) {
    return invalid('Members_Account is required and must be a non-empty array of UserIDs');
  }
  const accounts: string[] = [];
  for (const account of value as unknown[]) {
    if (
      typeof account !== 'string' ||
      account === '' ||
      account.length > MAX_ACCOUNT_BYTES ||
      !PRINTABLE_ASCII.test(account)
    ) {
      return invalid(
        `Members_Account holds ${JSON.stringify(account)}, not a UserID (printable ASCII, at most ${MAX_ACCOUNT_BYTES} bytes)`,
      );
    }
    accounts.push(account);
  }
  if (new Set(accounts).size !== accounts.length) return invalid('Members_Account lists an account twice');
  if (accounts.length > MAX_FORBID_ACCOUNTS) {
    return {
      answer: fail(
        10005,
        `Members_Account holds ${accounts.length} accounts, more than ${MAX_FORBID_ACCOUNTS}`,
      ),
      applied: false,
    };
  }
  return accounts;
}

/**
 * Validates a parsed JSON body of `forbid_send_msg` and, when it is valid, mutes (or with MuteTime 0
 * unmutes) every account in it.
 * @returns Tencent's answer and whether the state changed.
 */
export function forbidSendMsg(
  state: SimulatorState,
  body: unknown,
  options: Pick<ModifyOptions, 'nowSeconds'>,
): ModifyOutcome {
  const read = bodyFields(body, FIELDS);
  if ('refused' in read) return read.refused;
  const { fields } = read;

  const groupId = fields.GroupId;
  if (typeof groupId !== 'string' || groupId === '') {
    return invalid('GroupId is required and must be a string');
  }
  if (groupId.length > MAX_GROUP_ID_BYTES || !PRINTABLE_ASCII.test(groupId)) {
    return { answer: fail(10015, `invalid GroupId: ${JSON.stringify(groupId)}`), applied: false };
  }
  if (fields.MuteTime !== undefined && fields.ShutUpTime !== undefined) {
    return invalid('give MuteTime or ShutUpTime, not both');
  }
  const muteTime = fields.MuteTime ?? fields.ShutUpTime;
  if (
    typeof muteTime !== 'number' ||
    !Number.isInteger(muteTime) ||
    muteTime < 0 ||
    muteTime > MAX_MUTE_TIME
  ) {
    return invalid(`MuteTime is required and must be an integer from 0 to ${MAX_MUTE_TIME}`);
  }
  const accounts = parseAccounts(fields.Members_Account);
  if (!Array.isArray(accounts)) return accounts;

  const group = state.stored(groupId);
  if (!group) {
    return { answer: fail(10010, `group ${groupId} does not exist or was dissolved`), applied: false };
  }
  if (group.type === 'Private') {
    return {
      answer: fail(10007, 'no operation permission: Private (Work) groups do not support muting members'),
      applied: false,
    };
  }
  const members = accounts.map((account) => group.members.get(account));
  const missing = accounts.find((_, i) => members[i] === undefined);
  if (missing !== undefined) {
    return { answer: fail(10019, `${missing} is not a member of group ${groupId}`), applied: false };
  }
  const mutedUntil = muteTime === 0 ? 0 : options.nowSeconds + muteTime;
  for (const member of members) if (member) member.mutedUntil = mutedUntil;
  return { answer: OK_ANSWER, applied: true };
}
