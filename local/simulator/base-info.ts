/**
 * `modify_group_base_info` (docs/tencent.md, "Moderation APIs"; Tencent pages INTL-34962): the group's mute-all flag,
 * `MuteAllMember` "On" or "Off", in all five group types, and the other base-info fields that may go in
 * the same call.
 *
 * Order of the checks: body shape (60003, 10004), GroupId (10004, 10015), each field (10004), at least one
 * field to modify (10004), group exists (10010). A call applies all its fields or none.
 *
 * Choices where the reference is silent (⚠), kept in one place:
 * - `MuteAllMember` takes exactly the Strings "On" and "Off" (not booleans, not "on"): 10004 otherwise.
 * - The older name `ShutUpAllMember` is refused as an unknown field (10004) ⚠: current pages name only
 *   `MuteAllMember`, and a client still sending the old name should find out here, not in production.
 * - The other fields are checked for their type only: Name, Introduction, Notification and FaceUrl are
 *   Strings, MaxMemberNum a positive integer, ApplyJoinOption one of FreeAccess, NeedPermission,
 *   DisableApply, AppDefinedData a non-empty array of `{Key, Value}` Strings (merged, as member data is).
 *   Their length limits are not documented by Tencent ⚠ and are not enforced; nor is the content filter (80001).
 * - Who may still speak while the group is muted, and how a client reads the flag back, are not
 *   documented ⚠: the simulator only keeps the flag (`GET /_sim/groups/{id}`).
 */
import { type ApiOutcome, ok } from './answer.ts';
import type { ApiContext } from './routes.ts';
import { bodyFields, findGroup, invalid, isUint32, readGroupId } from './rules.ts';
import { APPLY_JOIN_OPTIONS, type GroupBaseInfo } from './state.ts';

const FIELDS = new Set([
  'GroupId',
  'MuteAllMember',
  'Name',
  'Introduction',
  'Notification',
  'FaceUrl',
  'MaxMemberNum',
  'ApplyJoinOption',
  'AppDefinedData',
]);

const TEXT_FIELDS = [
  ['Name', 'name'],
  ['Introduction', 'introduction'],
  ['Notification', 'notification'],
  ['FaceUrl', 'faceUrl'],
] as const;

/** What one call changes, after validation. */
interface Change {
  muteAllMember?: boolean;
  baseInfo: GroupBaseInfo;
}

function parseChange(fields: Record<string, unknown>): Change | ApiOutcome {
  const change: Change = { baseInfo: {} };
  const mute = fields.MuteAllMember;
  if (mute !== undefined) {
    if (mute !== 'On' && mute !== 'Off') return invalid('MuteAllMember must be the String "On" or "Off"');
    change.muteAllMember = mute === 'On';
  }
  for (const [field, key] of TEXT_FIELDS) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return invalid(`${field} must be a string`);
    change.baseInfo[key] = value;
  }
  if (fields.MaxMemberNum !== undefined) {
    if (!isUint32(fields.MaxMemberNum, 1)) return invalid('MaxMemberNum must be a positive integer');
    change.baseInfo.maxMemberNum = fields.MaxMemberNum;
  }
  if (fields.ApplyJoinOption !== undefined) {
    const option = APPLY_JOIN_OPTIONS.find((o) => o === fields.ApplyJoinOption);
    if (!option) return invalid(`ApplyJoinOption must be one of ${APPLY_JOIN_OPTIONS.join(', ')}`);
    change.baseInfo.applyJoinOption = option;
  }
  if (fields.AppDefinedData !== undefined) {
    const data = fields.AppDefinedData;
    if (!Array.isArray(data) || data.length === 0) {
      return invalid('AppDefinedData must be a non-empty array of {Key, Value}');
    }
    const entries: Record<string, string> = {};
    for (const item of data as unknown[]) {
      const { Key, Value, ...rest } =
        typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      if (
        typeof Key !== 'string' ||
        Key === '' ||
        typeof Value !== 'string' ||
        Object.keys(rest).length > 0
      ) {
        return invalid('AppDefinedData items must be {Key: string, Value: string}');
      }
      entries[Key] = Value;
    }
    change.baseInfo.appDefinedData = entries;
  }
  if (change.muteAllMember === undefined && Object.keys(change.baseInfo).length === 0) {
    return invalid('no group field to modify');
  }
  return change;
}

/**
 * Validates a parsed JSON body of `modify_group_base_info` and, when it is valid, applies it.
 * @returns Tencent's answer and whether the state changed.
 */
export function modifyGroupBaseInfo(body: unknown, { state }: ApiContext): ApiOutcome {
  const read = bodyFields(body, FIELDS);
  if ('refused' in read) return read.refused;
  const { fields } = read;

  const groupId = readGroupId(fields.GroupId);
  if (typeof groupId !== 'string') return groupId;
  const change = parseChange(fields);
  if ('answer' in change) return change;

  const group = findGroup(state, groupId);
  if ('answer' in group) return group;
  if (change.muteAllMember !== undefined) group.muteAllMember = change.muteAllMember;
  const { appDefinedData, ...rest } = change.baseInfo;
  group.baseInfo = {
    ...group.baseInfo,
    ...rest,
    ...(appDefinedData ? { appDefinedData: { ...group.baseInfo.appDefinedData, ...appDefinedData } } : {}),
  };
  return ok(true);
}
