/**
 * `delete_group_member` (docs/tencent.md, "Moderation APIs"; Tencent pages CN-1622, INTL-34949): removes members from a
 * group, logging each call with its `Silence` and `Reason`.
 *
 * Order of the checks (the first that fails answers): body shape (60003, 10004), GroupId (10004, 10015),
 * MemberToDel_Account (10004; over 100 accounts 10005, `TOO_MANY_ACCOUNTS`), Silence (10004), Reason
 * (10004), group exists (10010), AVChatRoom (10004, as documented: ban or mute there instead), the owner
 * in the list (10004). A call removes all its members or none.
 *
 * As documented: at most 100 accounts (not the 500 of older pages); an account that is not in the group
 * still succeeds; removing every member does not dissolve the group.
 *
 * Choices where the reference is silent (⚠), kept in one place:
 * - The owner cannot be removed (the group would be left without one; the owner must transfer the group
 *   first): 10004 for the whole call. ⚠ Tencent's answer is not documented.
 * - `Reason` is any string: its length limit is not documented ⚠ (the body-size limit still applies).
 * - `Silence` other than the integers 0 and 1: 10004.
 * - A member muted when removed keeps the mute for a rejoin, as `forbid_send_msg` documents.
 */
import { type ApiOutcome, ok } from './answer.ts';
import type { ApiContext } from './routes.ts';
import { bodyFields, findGroup, invalid, readAccounts, readGroupId, readOptionalText } from './rules.ts';
import { removeMember } from './state.ts';

/** Accounts one call may remove, as Tencent documents it now. */
export const MAX_DELETE_ACCOUNTS = 100;

const FIELDS = new Set(['GroupId', 'MemberToDel_Account', 'Silence', 'Reason']);

/**
 * Validates a parsed JSON body of `delete_group_member` and, when it is valid, removes the members.
 * @returns Tencent's answer and whether the state changed (the removal log, at least).
 */
export function deleteGroupMember(body: unknown, { state, nowSeconds }: ApiContext): ApiOutcome {
  const read = bodyFields(body, FIELDS);
  if ('refused' in read) return read.refused;
  const { fields } = read;

  const groupId = readGroupId(fields.GroupId);
  if (typeof groupId !== 'string') return groupId;
  const accounts = readAccounts('MemberToDel_Account', fields.MemberToDel_Account, MAX_DELETE_ACCOUNTS);
  if (!Array.isArray(accounts)) return accounts;
  const silence = fields.Silence ?? 0;
  if (silence !== 0 && silence !== 1) return invalid('Silence must be 0 or 1');
  const reason = readOptionalText('Reason', fields.Reason);
  if (typeof reason === 'object') return reason;

  const group = findGroup(state, groupId);
  if ('answer' in group) return group;
  if (group.type === 'AVChatRoom') {
    return invalid('AVChatRoom groups do not support removing members: ban or mute them instead');
  }
  if (group.owner !== null && accounts.includes(group.owner)) {
    return invalid(`${group.owner} is the owner of group ${groupId} and cannot be removed`);
  }
  const removed = accounts.filter((account) => removeMember(group, account, nowSeconds));
  state.logRemoval({
    groupId,
    accounts,
    removed,
    silence,
    ...(reason === undefined ? {} : { reason }),
    at: nowSeconds,
  });
  return ok(true);
}
