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
import { type ApiOutcome, ok, refuse } from './answer.ts';
import type { ModifyOptions } from './modify.ts';
import {
  bodyFields,
  findGroup,
  invalid,
  isUint32,
  MAX_UINT32,
  notAllowed,
  readAccounts,
  readGroupId,
} from './rules.ts';
import type { SimulatorState } from './state.ts';

/** Accounts one call may carry, as Tencent documents it. */
export const MAX_FORBID_ACCOUNTS = 500;

const FIELDS = new Set(['GroupId', 'Members_Account', 'MuteTime', 'ShutUpTime']);

/**
 * Validates a parsed JSON body of `forbid_send_msg` and, when it is valid, mutes (or with MuteTime 0
 * unmutes) every account in it.
 * @returns Tencent's answer and whether the state changed.
 */
export function forbidSendMsg(
  state: SimulatorState,
  body: unknown,
  options: Pick<ModifyOptions, 'nowSeconds'>,
): ApiOutcome {
  const read = bodyFields(body, FIELDS);
  if ('refused' in read) return read.refused;
  const { fields } = read;

  const groupId = readGroupId(fields.GroupId);
  if (typeof groupId !== 'string') return groupId;
  if (fields.MuteTime !== undefined && fields.ShutUpTime !== undefined) {
    return invalid('give MuteTime or ShutUpTime, not both');
  }
  const muteTime = fields.MuteTime ?? fields.ShutUpTime;
  if (!isUint32(muteTime)) {
    return invalid(`MuteTime is required and must be an integer from 0 to ${MAX_UINT32}`);
  }
  const accounts = readAccounts('Members_Account', fields.Members_Account, MAX_FORBID_ACCOUNTS);
  if (!Array.isArray(accounts)) return accounts;

  const group = findGroup(state, groupId);
  if ('answer' in group) return group;
  if (group.type === 'Private') return notAllowed('Private (Work) groups do not support muting members');
  const members = accounts.map((account) => group.members.get(account));
  const missing = accounts.find((_, i) => members[i] === undefined);
  if (missing !== undefined) return refuse(10019, `${missing} is not a member of group ${groupId}`);
  const mutedUntil = muteTime === 0 ? 0 : options.nowSeconds + muteTime;
  for (const member of members) if (member) member.mutedUntil = mutedUntil;
  return ok(true);
}
