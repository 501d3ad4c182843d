import { createHash } from 'node:crypto';
import * as z from 'zod';
import { MAX_MUTE_SECONDS, type ModerationEvent, MSG_FLAGS } from '../contract/index.ts';
import { MessageFormatError } from '../errors/index.ts';
import type { MuteApi } from '../settings/index.ts';
import type { ForbidSendMsgBody, ModifyGroupMemberInfoBody } from '../tencent/index.ts';

/**
 * The queue message: everything the consumer needs to apply one event, versioned (`v`) so that a
 * message dead-lettered today can be redriven after an upgrade. A consumer reads every version it
 * has ever written; a new version is added beside the old ones, never in place.
 */

const isoDate = z.iso.datetime({ offset: true });

const base = {
  v: z.literal(1),
  eventId: z.string().min(1),
  groupId: z.string().min(1),
  account: z.string().min(1),
  occurredAt: isoDate,
  receivedAt: isoDate,
  reason: z.string().optional(),
};

const messageV1 = z.discriminatedUnion('action', [
  z.strictObject({
    ...base,
    action: z.literal('mute'),
    durationSeconds: z.number().int().min(1).max(MAX_MUTE_SECONDS),
    /** Absolute end of the mute, so a replay never extends it; `permanent` for Tencent's 4294967295. */
    muteUntil: z.union([isoDate, z.literal('permanent')]),
  }),
  z.strictObject({ ...base, action: z.literal('unmute') }),
  z.strictObject({ ...base, action: z.literal('set_role'), role: z.enum(['admin', 'member']) }),
  z.strictObject({ ...base, action: z.literal('set_msg_flag'), msgFlag: z.enum(MSG_FLAGS) }),
  z.strictObject({ ...base, action: z.literal('set_name_card'), nameCard: z.string() }),
  z.strictObject({ ...base, action: z.literal('set_member_data'), data: z.record(z.string(), z.string()) }),
]);

/** Version 1 of the queue message. */
export type QueueMessage = z.infer<typeof messageV1>;

/** Builds the queue message of a validated event. */
export function toQueueMessage(event: ModerationEvent, receivedAt: Date): QueueMessage {
  const header = {
    v: 1 as const,
    eventId: event.eventId,
    groupId: event.groupId,
    account: event.account,
    occurredAt: event.occurredAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
    ...(event.reason === undefined ? {} : { reason: event.reason }),
  };
  switch (event.action) {
    case 'mute':
      return {
        ...header,
        action: 'mute',
        durationSeconds: event.durationSeconds,
        muteUntil:
          event.durationSeconds === MAX_MUTE_SECONDS
            ? 'permanent'
            : new Date(event.occurredAt.getTime() + event.durationSeconds * 1000).toISOString(),
      };
    case 'unmute':
      return { ...header, action: 'unmute' };
    case 'set_role':
      return { ...header, action: 'set_role', role: event.role };
    case 'set_msg_flag':
      return { ...header, action: 'set_msg_flag', msgFlag: event.msgFlag };
    case 'set_name_card':
      return { ...header, action: 'set_name_card', nameCard: event.nameCard };
    case 'set_member_data':
      return { ...header, action: 'set_member_data', data: event.data };
  }
}

/** A mute's message as the unmute of the same member, with the same identity (for a mute whose end passed). */
export function asUnmute(message: QueueMessage): QueueMessage {
  const { v, eventId, groupId, account, occurredAt, receivedAt, reason } = message;
  return {
    v,
    eventId,
    groupId,
    account,
    occurredAt,
    receivedAt,
    ...(reason === undefined ? {} : { reason }),
    action: 'unmute',
  };
}

/**
 * Reads a queue message body.
 * @throws {@link MessageFormatError} when the body is not JSON or not a message of a known version
 */
export function parseQueueMessage(body: string): QueueMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new MessageFormatError('queue message is not JSON', { cause: error });
  }
  const version = typeof json === 'object' && json !== null && 'v' in json ? json.v : undefined;
  if (version !== 1) {
    throw new MessageFormatError(`unsupported queue message version ${JSON.stringify(version) ?? 'none'}`);
  }
  const result = messageV1.safeParse(json);
  if (!result.success) {
    const detail = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`,
    );
    throw new MessageFormatError(`invalid queue message: ${detail.join('; ')}`, { cause: result.error });
  }
  return result.data;
}

/**
 * The SQS FIFO message group of a member: one member's events apply in order, different members in
 * parallel. Group IDs may hold characters SQS does not allow in a group id, so the pair is hashed.
 */
export function messageGroupIdOf(groupId: string, account: string): string {
  // A newline cannot occur in either id (both are printable ASCII), so the pair is unambiguous.
  return createHash('sha256').update(`${groupId}\n${account}`).digest('hex');
}

/**
 * A Tencent call the consumer should make for a message: which API (`modify_group_member_info` or
 * `forbid_send_msg`) and its body. A timed mute carries its stored end (`muteUntilMs`): its `MuteTime` is worked out
 * again when the call goes out ({@link atCallTime}).
 */
export type TencentRequest =
  | { kind: 'call'; api: 'modify_group_member_info'; body: ModifyGroupMemberInfoBody; muteUntilMs?: number }
  | { kind: 'call'; api: 'forbid_send_msg'; body: ForbidSendMsgBody; muteUntilMs?: number };

/**
 * The request as it goes out at `nowMs`: a timed mute's `MuteTime` is the seconds left until its
 * stored end at that moment (the call may have waited for the pacer, for a split or for a renewal since
 * it was planned), or `expired` when none is left. Other requests go out as they are.
 */
export function atCallTime(request: TencentRequest, nowMs: number): TencentRequest | 'expired' {
  if (request.muteUntilMs === undefined) return request;
  const remaining = Math.ceil((request.muteUntilMs - nowMs) / 1000);
  if (remaining <= 0) return 'expired';
  const MuteTime = Math.min(remaining, MAX_MUTE_SECONDS);
  return request.api === 'forbid_send_msg'
    ? { ...request, body: { ...request.body, MuteTime } }
    : { ...request, body: { ...request.body, MuteTime } };
}

const MODIFY = 'modify_group_member_info';

/** What the consumer should do with a message now. */
export type EventCall = TencentRequest | { kind: 'expired'; muteUntil: string };

/**
 * Maps a queue message to its Tencent call: the `modify_group_member_info` body (`GroupId`,
 * `Member_Account` and exactly the one field the action sets), or with `muteApi` `forbid_send_msg`,
 * for a mute or an unmute, the `forbid_send_msg` body of the one account. A mute sends the seconds left
 * until its stored end, so a late or replayed event never extends it; one whose end has passed needs
 * no call.
 *
 * @param nowMs - the current time, in epoch milliseconds
 * @param muteApi - the API of mutes and unmutes (`MUTE_API`)
 * @param fields - the member fields to set (see `fieldsOf`), when a newer event set some of them: a
 *   `set_member_data` call then carries only these keys. @default all of the event's
 */
export function toTencentCall(
  message: QueueMessage,
  nowMs: number,
  muteApi: MuteApi = 'modify_group_member_info',
  fields?: readonly string[],
): EventCall {
  const target = { GroupId: message.groupId, Member_Account: message.account };
  const muteCall = (MuteTime: number, muteUntilMs?: number): TencentRequest => {
    const until = muteUntilMs === undefined ? {} : { muteUntilMs };
    return muteApi === 'forbid_send_msg'
      ? {
          kind: 'call',
          api: 'forbid_send_msg',
          body: { GroupId: message.groupId, Members_Account: [message.account], MuteTime },
          ...until,
        }
      : { kind: 'call', api: 'modify_group_member_info', body: { ...target, MuteTime }, ...until };
  };
  switch (message.action) {
    case 'mute': {
      if (message.muteUntil === 'permanent') return muteCall(MAX_MUTE_SECONDS);
      const muteUntilMs = Date.parse(message.muteUntil);
      const call = atCallTime(muteCall(0, muteUntilMs), nowMs);
      return call === 'expired' ? { kind: 'expired', muteUntil: message.muteUntil } : call;
    }
    case 'unmute':
      return muteCall(0);
    case 'set_role':
      return {
        kind: 'call',
        api: MODIFY,
        body: { ...target, Role: message.role === 'admin' ? 'Admin' : 'Member' },
      };
    case 'set_msg_flag':
      return { kind: 'call', api: MODIFY, body: { ...target, MsgFlag: message.msgFlag } };
    case 'set_name_card':
      return { kind: 'call', api: MODIFY, body: { ...target, NameCard: message.nameCard } };
    case 'set_member_data':
      return {
        kind: 'call',
        api: MODIFY,
        body: {
          ...target,
          AppMemberDefinedData: Object.entries(message.data)
            .filter(([key]) => fields === undefined || fields.includes(`data.${key}`))
            .map(([Key, Value]) => ({ Key, Value })),
        },
      };
  }
}
