/**
 * The three ban APIs (docs/tencent.md, "Moderation APIs"; Tencent pages CN-79249, INTL-50296, INTL-50297, CN-79248,
 * CN-89989), in one file because they share the ban list and the edition switch:
 * - `ban_group_member` `{GroupId, Members_Account (≤ 20), Duration (uint32 s), Description? (≤ 1000 bytes)}`:
 *   each member is removed and banned until now + Duration; a banned account cannot rejoin until then.
 * - `unban_group_member` `{GroupId, Members_Account (≤ 20)}`: lifts the bans (the account does not rejoin).
 * - `get_group_ban_member` `{GroupId, Offset, Limit? (≤ 100)}`: answers
 *   `BannedAccountList[{Member_Account, BannedUntil}]` (Unix seconds) and `NextOffset` (0: the list is complete).
 *
 * Order of the checks: the app allows bans (10059, below), body shape (60003, 10004), GroupId (10004,
 * 10015), the other fields (10004; over 20 accounts 10005, `TOO_MANY_ACCOUNTS`), group exists (10010),
 * then, for a ban, the owner in the list (10004) and, for the list, a Community group (10007).
 *
 * Choices where the reference is silent or unsure (⚠), kept in one place:
 * - Bans need an edition and a console switch ("Group member banning"); the code Tencent answers without
 *   them is not documented ⚠. The simulator answers all three APIs 10059, the code Tencent's client error
 *   list gives "not Ultimate edition", while its `banEnabled` setting is off (`POST /_sim/settings`).
 * - Group types: current pages say all five, 2024 pages AVChatRoom only ⚠; the simulator bans in all five.
 *   CN-89989 excludes Community from the list call, so `get_group_ban_member` answers a Community group
 *   10007 ⚠ (the code is the one for an operation the group type does not allow).
 * - `Duration` 0 is refused (10004) ⚠: a ban of no time is no ban (the bridge sends 1 or more).
 * - An account that is not a member can be banned (it is kept out from then on) ⚠; the owner cannot be
 *   (10004, as `delete_group_member`) ⚠. Banning a banned account sets the new end.
 * - `Limit` left out lists up to 100 ⚠ (optional on CN-79248, required on CN-89989); 0 or over 100: 10004.
 *   The list is in the order the bans were made; ended bans are not listed.
 * - Unbanning an account that is not banned succeeds.
 */
import { type ApiAnswer, type ApiOutcome, ok, refuse } from './answer.ts';
import type { ApiContext } from './routes.ts';
import {
  bodyFields,
  findGroup,
  invalid,
  isUint32,
  MAX_UINT32,
  notAllowed,
  readAccounts,
  readGroupId,
  readOptionalText,
} from './rules.ts';
import { banAccount, bannedUntil, type SimulatorState } from './state.ts';

/** Accounts one ban or unban call may carry. */
export const MAX_BAN_ACCOUNTS = 20;
/** Largest Description of a ban, in UTF-8 bytes. */
export const MAX_BAN_DESCRIPTION_BYTES = 1000;
/** Largest page of `get_group_ban_member`. */
export const MAX_BAN_LIST_LIMIT = 100;
/** What the simulator answers while bans are not allowed (see the module comment). */
export const BAN_NOT_ENABLED = 10_059;

const BAN_FIELDS = new Set(['GroupId', 'Members_Account', 'Duration', 'Description']);
const UNBAN_FIELDS = new Set(['GroupId', 'Members_Account']);
const LIST_FIELDS = new Set(['GroupId', 'Offset', 'Limit']);

/** The answer of `get_group_ban_member`. */
export interface BanListAnswer extends ApiAnswer {
  BannedAccountList: Array<{ Member_Account: string; BannedUntil: number }>;
  NextOffset: number;
}

function banSwitchOff(state: SimulatorState): ApiOutcome | undefined {
  if (state.settings().banEnabled) return undefined;
  return refuse(
    BAN_NOT_ENABLED,
    'group member banning is not available: it needs the Ultimate (Pro, Pro Plus, Enterprise) edition ' +
      'and the console switch Group configuration > Group member banning',
  );
}

/**
 * What the three ban APIs check first, in Tencent's order: the ban switch, the body's fields, the
 * group id. The fields and the group id, or the answer that refuses the call.
 */
function readBanCall(
  body: unknown,
  allowed: ReadonlySet<string>,
  state: SimulatorState,
): { fields: Record<string, unknown>; groupId: string } | { refused: ApiOutcome } {
  const off = banSwitchOff(state);
  if (off) return { refused: off };
  const read = bodyFields(body, allowed);
  if ('refused' in read) return read;
  const groupId = readGroupId(read.fields.GroupId);
  if (typeof groupId !== 'string') return { refused: groupId };
  return { fields: read.fields, groupId };
}

/**
 * Validates a parsed JSON body of `ban_group_member` and, when it is valid, removes and bans the members.
 * @returns Tencent's answer and whether the state changed.
 */
export function banGroupMember(body: unknown, { state, nowSeconds }: ApiContext): ApiOutcome {
  const read = readBanCall(body, BAN_FIELDS, state);
  if ('refused' in read) return read.refused;
  const { fields, groupId } = read;
  const accounts = readAccounts('Members_Account', fields.Members_Account, MAX_BAN_ACCOUNTS);
  if (!Array.isArray(accounts)) return accounts;
  if (!isUint32(fields.Duration, 1)) {
    return invalid(`Duration is required and must be an integer from 1 to ${MAX_UINT32} seconds`);
  }
  const description = readOptionalText('Description', fields.Description, MAX_BAN_DESCRIPTION_BYTES);
  if (typeof description === 'object') return description;

  const group = findGroup(state, groupId);
  if ('answer' in group) return group;
  if (group.owner !== null && accounts.includes(group.owner)) {
    return invalid(`${group.owner} is the owner of group ${groupId} and cannot be banned`);
  }
  const until = nowSeconds + fields.Duration;
  for (const account of accounts) banAccount(group, account, until, nowSeconds);
  return ok(true);
}

/**
 * Validates a parsed JSON body of `unban_group_member` and, when it is valid, lifts the bans.
 * @returns Tencent's answer and whether the state changed.
 */
export function unbanGroupMember(body: unknown, { state }: ApiContext): ApiOutcome {
  const read = readBanCall(body, UNBAN_FIELDS, state);
  if ('refused' in read) return read.refused;
  const { fields, groupId } = read;
  const accounts = readAccounts('Members_Account', fields.Members_Account, MAX_BAN_ACCOUNTS);
  if (!Array.isArray(accounts)) return accounts;

  const group = findGroup(state, groupId);
  if ('answer' in group) return group;
  const lifted = accounts.filter((account) => group.bans.delete(account));
  return ok(lifted.length > 0);
}

/**
 * Validates a parsed JSON body of `get_group_ban_member` and answers a page of the group's bans.
 * @returns Tencent's answer (the state does not change).
 */
export function getGroupBanMember(body: unknown, { state, nowSeconds }: ApiContext): ApiOutcome {
  const read = readBanCall(body, LIST_FIELDS, state);
  if ('refused' in read) return read.refused;
  const { fields, groupId } = read;
  const offset = fields.Offset;
  if (!isUint32(offset)) return invalid('Offset is required and must be an integer of 0 or more');
  const limit = fields.Limit ?? MAX_BAN_LIST_LIMIT;
  if (!isUint32(limit, 1) || limit > MAX_BAN_LIST_LIMIT) {
    return invalid(`Limit must be an integer from 1 to ${MAX_BAN_LIST_LIMIT}`);
  }

  const group = findGroup(state, groupId);
  if ('answer' in group) return group;
  if (group.type === 'Community') return notAllowed('Community groups cannot list their banned members');
  const bans = [...group.bans.keys()].flatMap((account) => {
    const end = bannedUntil(group, account, nowSeconds);
    return end > 0 ? [{ Member_Account: account, BannedUntil: end }] : [];
  });
  const page = bans.slice(offset, offset + limit);
  const answer: BanListAnswer = {
    ActionStatus: 'OK',
    ErrorCode: 0,
    ErrorInfo: '',
    BannedAccountList: page,
    NextOffset: offset + page.length < bans.length ? offset + page.length : 0,
  };
  return { answer, applied: false };
}
