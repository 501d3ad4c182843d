import { accountMuteFieldsOf, MAX_MUTE_SECONDS } from '../contract/index.ts';
import type { MuteApi } from '../settings/index.ts';
import type { TencentCall } from '../tencent/index.ts';
import { isBulkMessage, type QueueMessage } from './message.ts';

/**
 * The Tencent call a queue message needs: one of the calls of `TencentCall` (the API and its body as
 * Tencent documents it). Something that lasts (a mute, a ban, an account-wide mute) carries its stored
 * end (`untilMs`): the seconds it sends are worked out again when the call goes out ({@link atCallTime}).
 */
export type TencentRequest = TencentCall & { kind: 'call'; untilMs?: number };

/** What the consumer should do with a message now: its call, or nothing when what it sets has ended. */
export type EventCall = TencentRequest | { kind: 'expired'; until: string };

/**
 * The request as it goes out at `nowMs`: the seconds of a mute (`MuteTime`), of a ban (`Duration`) or
 * of an account-wide mute (each `...NospeakingTime` it sends) are those left until its stored end at
 * that moment (the call may have waited for the pacer, for a split or for a renewal since it was
 * planned), or `expired` when none is left. Other requests go out as they are.
 */
export function atCallTime(request: TencentRequest, nowMs: number): TencentRequest | 'expired' {
  if (request.untilMs === undefined) return request;
  const remaining = Math.ceil((request.untilMs - nowMs) / 1000);
  if (remaining <= 0) return 'expired';
  const seconds = Math.min(remaining, MAX_MUTE_SECONDS);
  switch (request.api) {
    case 'modify_group_member_info':
      return { ...request, body: { ...request.body, MuteTime: seconds } };
    case 'forbid_send_msg':
      return { ...request, body: { ...request.body, MuteTime: seconds } };
    case 'ban_group_member':
      return { ...request, body: { ...request.body, Duration: seconds } };
    case 'setnospeaking': {
      const { C2CmsgNospeakingTime, GroupmsgNospeakingTime } = request.body;
      return {
        ...request,
        body: {
          Set_Account: request.body.Set_Account,
          ...(C2CmsgNospeakingTime === undefined ? {} : { C2CmsgNospeakingTime: seconds }),
          ...(GroupmsgNospeakingTime === undefined ? {} : { GroupmsgNospeakingTime: seconds }),
        },
      };
    }
    default:
      return request;
  }
}

/**
 * The message that undoes a timed decision, with the same identity: the unmute of a mute, the unban of
 * a ban, the account-wide unmute of an account-wide mute (same scope); `undefined` for anything else.
 * A timed decision whose end has passed, newer than a longer one that still runs, ends that one with it.
 */
export function undoOf(message: QueueMessage): QueueMessage | undefined {
  const { eventId, occurredAt, receivedAt, reason } = message;
  const header = { eventId, occurredAt, receivedAt, ...(reason === undefined ? {} : { reason }) };
  if (isBulkMessage(message)) {
    const bulk = { v: 3 as const, ...header, groupId: message.groupId, accounts: message.accounts };
    if (message.action === 'mute') return { ...bulk, action: 'unmute' };
    if (message.action === 'ban') return { ...bulk, action: 'unban' };
    return undefined;
  }
  switch (message.action) {
    case 'mute':
      return { v: 1, ...header, groupId: message.groupId, account: message.account, action: 'unmute' };
    case 'ban':
      return { v: 2, ...header, groupId: message.groupId, account: message.account, action: 'unban' };
    case 'mute_account':
      return { v: 2, ...header, account: message.account, action: 'unmute_account', scope: message.scope };
    default:
      return undefined;
  }
}

/** The stored end of a timed decision: its epoch milliseconds, or none for `permanent`. */
const untilOf = (until: string): { untilMs?: number } =>
  until === 'permanent' ? {} : { untilMs: Date.parse(until) };

/** Seconds of a timed decision at `nowMs`, or `expired` (see {@link atCallTime}). */
function timed(request: TencentRequest, until: string, nowMs: number): EventCall {
  const call = atCallTime(request, nowMs);
  return call === 'expired' ? { kind: 'expired', until } : call;
}

/**
 * Maps a queue message to its Tencent call, with the fields Tencent documents for each API (see
 * `shared/tencent/client.ts`). A mute, a ban or an account-wide mute sends the seconds left until its
 * stored end, so a late or replayed event never extends it; one whose end has passed needs no call.
 *
 * @param nowMs - the current time, in epoch milliseconds
 * @param muteApi - the API of mutes and unmutes (`MUTE_API`): `modify_group_member_info`, or
 *   `forbid_send_msg` for the one account
 * @param fields - the fields to set (see `fieldsOf`), when a newer event set some of them: a
 *   `set_member_data` call then carries only these keys, an account-wide mute only these scopes.
 *   @default all of the event's
 */
export function toTencentCall(
  message: QueueMessage,
  nowMs: number,
  muteApi: MuteApi = 'modify_group_member_info',
  fields?: readonly string[],
): EventCall {
  const call = (request: TencentCall): TencentRequest => ({ kind: 'call', ...request });
  // A bulk event's accounts, or the one account of a member's event.
  const accounts = isBulkMessage(message)
    ? [...message.accounts]
    : 'account' in message
      ? [message.account]
      : [];
  switch (message.action) {
    case 'mute':
    case 'unmute': {
      const { groupId: GroupId } = message;
      const MuteTime = message.action === 'unmute' ? 0 : MAX_MUTE_SECONDS;
      // A bulk mute goes through forbid_send_msg whatever MUTE_API says: the one API for several accounts.
      const request =
        muteApi === 'forbid_send_msg' || isBulkMessage(message)
          ? call({ api: 'forbid_send_msg', body: { GroupId, Members_Account: accounts, MuteTime } })
          : call({
              api: 'modify_group_member_info',
              body: { GroupId, Member_Account: message.account, MuteTime },
            });
      if (message.action === 'unmute') return request;
      return timed({ ...request, ...untilOf(message.muteUntil) }, message.muteUntil, nowMs);
    }
    case 'set_role':
    case 'set_msg_flag':
    case 'set_name_card':
    case 'set_member_data':
      return call({ api: 'modify_group_member_info', body: memberFieldsBody(message, fields) });
    case 'remove':
      return call({
        api: 'delete_group_member',
        body: {
          GroupId: message.groupId,
          MemberToDel_Account: accounts,
          ...(message.silent ? { Silence: 1 } : {}),
          ...(message.reason === undefined ? {} : { Reason: message.reason }),
        },
      });
    case 'ban': {
      const request = call({
        api: 'ban_group_member',
        body: {
          GroupId: message.groupId,
          Members_Account: accounts,
          Duration: MAX_MUTE_SECONDS,
          ...(message.reason === undefined ? {} : { Description: message.reason }),
        },
      });
      return timed({ ...request, ...untilOf(message.banUntil) }, message.banUntil, nowMs);
    }
    case 'unban':
      return call({
        api: 'unban_group_member',
        body: { GroupId: message.groupId, Members_Account: accounts },
      });
    case 'delete_messages':
      return call({
        api: 'delete_group_msg_by_sender',
        body: { GroupId: message.groupId, Sender_Account: message.account },
      });
    case 'mute_all':
    case 'unmute_all':
      return call({
        api: 'modify_group_base_info',
        body: { GroupId: message.groupId, MuteAllMember: message.action === 'mute_all' ? 'On' : 'Off' },
      });
    case 'recall':
      return call({
        api: 'group_msg_recall',
        body: {
          GroupId: message.groupId,
          MsgSeqList: message.msgSeqs.map((MsgSeq) => ({ MsgSeq })),
          ...(message.reason === undefined ? {} : { Reason: message.reason }),
        },
      });
    case 'mute_account':
    case 'unmute_account': {
      const scopes = accountMuteFieldsOf(message.scope).filter(
        (field) => fields === undefined || fields.includes(field),
      );
      const seconds = message.action === 'unmute_account' ? 0 : MAX_MUTE_SECONDS;
      const request = call({
        api: 'setnospeaking',
        body: {
          Set_Account: message.account,
          ...(scopes.includes('mute.direct') ? { C2CmsgNospeakingTime: seconds } : {}),
          ...(scopes.includes('mute.groups') ? { GroupmsgNospeakingTime: seconds } : {}),
        },
      });
      if (message.action === 'unmute_account') return request;
      return timed({ ...request, ...untilOf(message.muteUntil) }, message.muteUntil, nowMs);
    }
    case 'kick':
      return call({ api: 'kick', body: { UserID: message.account } });
  }
}

/** The `modify_group_member_info` body of an action that sets one of a member's fields. */
function memberFieldsBody(
  message: Extract<
    QueueMessage,
    { action: 'set_role' | 'set_msg_flag' | 'set_name_card' | 'set_member_data' }
  >,
  fields: readonly string[] | undefined,
) {
  const target = { GroupId: message.groupId, Member_Account: message.account };
  switch (message.action) {
    case 'set_role':
      return { ...target, Role: message.role === 'admin' ? ('Admin' as const) : ('Member' as const) };
    case 'set_msg_flag':
      return { ...target, MsgFlag: message.msgFlag };
    case 'set_name_card':
      return { ...target, NameCard: message.nameCard };
    case 'set_member_data':
      return {
        ...target,
        AppMemberDefinedData: Object.entries(message.data)
          .filter(([key]) => fields === undefined || fields.includes(`data.${key}`))
          .map(([Key, Value]) => ({ Key, Value })),
      };
  }
}
