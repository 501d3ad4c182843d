/**
 * The body of `modify_group_member_info`: validated as Tencent documents it, then applied to the state.
 *
 * Order of the checks (the first that fails answers): body shape and field rules (10004, or 10015 for a
 * malformed GroupId), group exists (10010), group type (10007 for AVChatRoom), member in the group
 * (10019), owner's role (10007). A call either applies all its fields or none.
 *
 * Choices where the reference is silent, kept in one place:
 * - AVChatRoom: the API does not support it (it stores no member profiles); answered 10007 "no
 *   operation permission", Tencent's code for an operation the group type does not allow.
 * - A member not in the group: 10019 ("account does not exist"), whether or not the app knows the
 *   account: "not in this group" and "no such account" are the same answer.
 * - A Member_Account that is not a UserID (over 32 bytes, not printable ASCII): 10004.
 * - Unknown fields, `null`s, both MuteTime and ShutUpTime, an empty AppMemberDefinedData, or no field to
 *   modify at all: 10004.
 * - AppMemberDefinedData merges: listed keys are set (an empty Value is stored as ''), others are kept.
 */
import { type ApiOutcome, ok, refuse } from './answer.ts';
import {
  bodyFields,
  findGroup,
  invalid,
  isUint32,
  MAX_UINT32,
  notAllowed,
  readAccount,
  readGroupId,
  utf8Bytes,
} from './rules.ts';
import { type GroupMember, MSG_FLAGS, type MsgFlag, type SimulatorState } from './state.ts';

/** Largest NameCard, in UTF-8 bytes. */
export const MAX_NAME_CARD_BYTES = 50;

const FIELDS = new Set([
  'GroupId',
  'Member_Account',
  'Role',
  'MsgFlag',
  'NameCard',
  'AppMemberDefinedData',
  'MuteTime',
  'ShutUpTime',
]);

/** What one call changes, after validation. */
interface Change {
  role?: 'Admin' | 'Member';
  msgFlag?: MsgFlag;
  nameCard?: string;
  appMemberDefinedData?: Array<{ key: string; value: string }>;
  muteTime?: number;
}

/** Settings that change how a body is judged. */
export interface ModifyOptions {
  /** Now, epoch seconds (MuteTime counts from here). */
  nowSeconds: number;
  /** Keys allowed in AppMemberDefinedData (as enabled in the console); `undefined` allows any key. */
  memberDefinedKeys?: ReadonlySet<string>;
}

function parseChange(body: Record<string, unknown>, options: ModifyOptions): Change | ApiOutcome {
  const change: Change = {};
  if (body.Role !== undefined) {
    if (body.Role !== 'Admin' && body.Role !== 'Member') return invalid('Role must be Admin or Member');
    change.role = body.Role;
  }
  if (body.MsgFlag !== undefined) {
    const flag = MSG_FLAGS.find((f) => f === body.MsgFlag);
    if (!flag) return invalid(`MsgFlag must be one of ${MSG_FLAGS.join(', ')}`);
    change.msgFlag = flag;
  }
  if (body.NameCard !== undefined) {
    if (typeof body.NameCard !== 'string') return invalid('NameCard must be a string');
    if (utf8Bytes(body.NameCard) > MAX_NAME_CARD_BYTES) {
      return invalid(`NameCard is longer than ${MAX_NAME_CARD_BYTES} bytes`);
    }
    change.nameCard = body.NameCard;
  }
  if (body.AppMemberDefinedData !== undefined) {
    const data = body.AppMemberDefinedData;
    if (!Array.isArray(data) || data.length === 0) {
      return invalid('AppMemberDefinedData must be a non-empty array of {Key, Value}');
    }
    change.appMemberDefinedData = [];
    for (const item of data as unknown[]) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        return invalid('AppMemberDefinedData items must be {Key, Value} objects');
      }
      const { Key, Value, ...rest } = item as Record<string, unknown>;
      if (
        typeof Key !== 'string' ||
        Key === '' ||
        typeof Value !== 'string' ||
        Object.keys(rest).length > 0
      ) {
        return invalid('AppMemberDefinedData items must be {Key: string, Value: string}');
      }
      if (options.memberDefinedKeys && !options.memberDefinedKeys.has(Key)) {
        return invalid(`AppMemberDefinedData key ${Key} is not enabled for this app`);
      }
      change.appMemberDefinedData.push({ key: Key, value: Value });
    }
  }
  if (body.MuteTime !== undefined && body.ShutUpTime !== undefined) {
    return invalid('give MuteTime or ShutUpTime, not both');
  }
  const muteTime = body.MuteTime ?? body.ShutUpTime;
  if (muteTime !== undefined) {
    if (!isUint32(muteTime)) return invalid(`MuteTime must be an integer from 0 to ${MAX_UINT32}`);
    change.muteTime = muteTime;
  }
  if (Object.keys(change).length === 0) return invalid('no member field to modify');
  return change;
}

function applyChange(member: GroupMember, change: Change, nowSeconds: number): void {
  if (change.role) member.role = change.role;
  if (change.msgFlag) member.msgFlag = change.msgFlag;
  if (change.nameCard !== undefined) member.nameCard = change.nameCard;
  for (const { key, value } of change.appMemberDefinedData ?? []) member.appMemberDefinedData[key] = value;
  if (change.muteTime !== undefined)
    member.mutedUntil = change.muteTime === 0 ? 0 : nowSeconds + change.muteTime;
}

/**
 * Validates a parsed JSON body of `modify_group_member_info` and, when it is valid, applies it to `state`.
 * @returns Tencent's answer and whether the state changed.
 */
export function modifyGroupMemberInfo(
  state: SimulatorState,
  body: unknown,
  options: ModifyOptions,
): ApiOutcome {
  const read = bodyFields(body, FIELDS);
  if ('refused' in read) return read.refused;
  const { fields } = read;

  const groupId = readGroupId(fields.GroupId);
  if (typeof groupId !== 'string') return groupId;
  const account = readAccount('Member_Account', fields.Member_Account);
  if (typeof account !== 'string') return account;
  const change = parseChange(fields, options);
  if ('answer' in change) return change;

  const group = findGroup(state, groupId);
  if ('answer' in group) return group;
  if (group.type === 'AVChatRoom') return notAllowed('AVChatRoom groups do not support this API');
  const member = group.members.get(account);
  if (!member) return refuse(10019, `${account} is not a member of group ${groupId}`);
  if (change.role && member.role === 'Owner') return notAllowed("the owner's role cannot be changed");
  applyChange(member, change, options.nowSeconds);
  return ok(true);
}
