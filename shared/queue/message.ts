import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  MAX_MUTE_SECONDS,
  MAX_RECALL_SEQS,
  type ModerationEvent,
  MSG_FLAGS,
  MUTE_SCOPES,
  type Target,
  targetOf,
} from '../contract/index.ts';
import { MessageFormatError } from '../errors/index.ts';

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

/** Version 1 of the queue message: the six actions about a member's fields. */
export type QueueMessageV1 = z.infer<typeof messageV1>;

const headerV2 = {
  v: z.literal(2),
  eventId: z.string().min(1),
  occurredAt: isoDate,
  receivedAt: isoDate,
  reason: z.string().optional(),
};
const memberV2 = { ...headerV2, groupId: z.string().min(1), account: z.string().min(1) };
const groupV2 = { ...headerV2, groupId: z.string().min(1) };
const accountV2 = { ...headerV2, account: z.string().min(1) };
/** An absolute end, so that a replay never extends it; `permanent` for Tencent's 4294967295. */
const until = z.union([isoDate, z.literal('permanent')]);

/**
 * Version 2 of the queue message: the moderation actions beyond a member's fields, each with the fields
 * of its target (a member, a group, or an account). Version 1 messages are still written for the six
 * actions it knows, so that a consumer rolled back can read them.
 */
const messageV2 = z.discriminatedUnion('action', [
  z.strictObject({ ...memberV2, action: z.literal('remove'), silent: z.boolean() }),
  z.strictObject({
    ...memberV2,
    action: z.literal('ban'),
    durationSeconds: z.number().int().min(1).max(MAX_MUTE_SECONDS),
    banUntil: until,
  }),
  z.strictObject({ ...memberV2, action: z.literal('unban') }),
  z.strictObject({ ...memberV2, action: z.literal('delete_messages') }),
  z.strictObject({ ...groupV2, action: z.literal('mute_all') }),
  z.strictObject({ ...groupV2, action: z.literal('unmute_all') }),
  z.strictObject({
    ...groupV2,
    action: z.literal('recall'),
    msgSeqs: z.array(z.number().int().min(1)).min(1).max(MAX_RECALL_SEQS),
  }),
  z.strictObject({
    ...accountV2,
    action: z.literal('mute_account'),
    durationSeconds: z.number().int().min(1).max(MAX_MUTE_SECONDS),
    muteUntil: until,
    scope: z.enum(MUTE_SCOPES),
  }),
  z.strictObject({ ...accountV2, action: z.literal('unmute_account'), scope: z.enum(MUTE_SCOPES) }),
  z.strictObject({ ...accountV2, action: z.literal('kick') }),
]);

/** Version 2 of the queue message. */
export type QueueMessageV2 = z.infer<typeof messageV2>;

/** A queue message of any version the consumer reads. */
export type QueueMessage = QueueMessageV1 | QueueMessageV2;

/** The absolute end of something that lasts `durationSeconds` from `occurredAt`, or `permanent`. */
const endOf = (event: { occurredAt: Date; durationSeconds: number }): string =>
  event.durationSeconds === MAX_MUTE_SECONDS
    ? 'permanent'
    : new Date(event.occurredAt.getTime() + event.durationSeconds * 1000).toISOString();

/** Builds the queue message of a validated event: version 1 for the actions it knows, else version 2. */
export function toQueueMessage(event: ModerationEvent, receivedAt: Date): QueueMessage {
  const header = {
    eventId: event.eventId,
    occurredAt: event.occurredAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
    ...(event.reason === undefined ? {} : { reason: event.reason }),
  };
  const v1 = { v: 1 as const, ...header };
  const v2 = { v: 2 as const, ...header };
  switch (event.action) {
    case 'mute':
      return {
        ...v1,
        groupId: event.groupId,
        account: event.account,
        action: 'mute',
        durationSeconds: event.durationSeconds,
        muteUntil: endOf(event),
      };
    case 'unmute':
      return { ...v1, groupId: event.groupId, account: event.account, action: 'unmute' };
    case 'set_role':
      return { ...v1, groupId: event.groupId, account: event.account, action: 'set_role', role: event.role };
    case 'set_msg_flag':
      return {
        ...v1,
        groupId: event.groupId,
        account: event.account,
        action: 'set_msg_flag',
        msgFlag: event.msgFlag,
      };
    case 'set_name_card':
      return {
        ...v1,
        groupId: event.groupId,
        account: event.account,
        action: 'set_name_card',
        nameCard: event.nameCard,
      };
    case 'set_member_data':
      return {
        ...v1,
        groupId: event.groupId,
        account: event.account,
        action: 'set_member_data',
        data: event.data,
      };
    case 'remove':
      return {
        ...v2,
        groupId: event.groupId,
        account: event.account,
        action: 'remove',
        silent: event.silent ?? false,
      };
    case 'ban':
      return {
        ...v2,
        groupId: event.groupId,
        account: event.account,
        action: 'ban',
        durationSeconds: event.durationSeconds,
        banUntil: endOf(event),
      };
    case 'unban':
    case 'delete_messages':
      return { ...v2, groupId: event.groupId, account: event.account, action: event.action };
    case 'mute_all':
    case 'unmute_all':
      return { ...v2, groupId: event.groupId, action: event.action };
    case 'recall':
      return { ...v2, groupId: event.groupId, action: 'recall', msgSeqs: event.msgSeqs };
    case 'mute_account':
      return {
        ...v2,
        account: event.account,
        action: 'mute_account',
        durationSeconds: event.durationSeconds,
        muteUntil: endOf(event),
        scope: event.scope ?? 'all',
      };
    case 'unmute_account':
      return { ...v2, account: event.account, action: 'unmute_account', scope: event.scope ?? 'all' };
    case 'kick':
      return { ...v2, account: event.account, action: 'kick' };
  }
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
  if (version !== 1 && version !== 2) {
    throw new MessageFormatError(`unsupported queue message version ${JSON.stringify(version) ?? 'none'}`);
  }
  const result = (version === 1 ? messageV1 : messageV2).safeParse(json);
  if (!result.success) {
    const detail = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`,
    );
    throw new MessageFormatError(`invalid queue message: ${detail.join('; ')}`, { cause: result.error });
  }
  return result.data;
}

/**
 * The SQS FIFO message group of a target: one member's (group's, account's) events apply in order,
 * different ones in parallel; a member's group is never a group's or an account's. Ids may hold
 * characters SQS does not allow in a group id, so they are hashed. A member's is as it always was (a
 * queue holding messages from before targets had kinds keeps their order); a group's and an account's
 * start with a tab, which no id can hold, so no two kinds share one.
 */
export function messageGroupOf(target: Target): string {
  switch (target.kind) {
    case 'member':
      return messageGroupIdOf(target.groupId, target.account);
    case 'group':
      return createHash('sha256').update(`\tgroup\t${target.groupId}`).digest('hex');
    case 'account':
      return createHash('sha256').update(`\taccount\t${target.account}`).digest('hex');
  }
}

/** The message group of an event or a message (see {@link messageGroupOf}). */
export const messageGroupOfEvent = (event: ModerationEvent | QueueMessage): string =>
  messageGroupOf(targetOf(event));

/**
 * The SQS FIFO message group of a member: one member's events apply in order, different members in
 * parallel. Group IDs may hold characters SQS does not allow in a group id, so the pair is hashed.
 */
export function messageGroupIdOf(groupId: string, account: string): string {
  // A newline cannot occur in either id (both are printable ASCII), so the pair is unambiguous.
  return createHash('sha256').update(`${groupId}\n${account}`).digest('hex');
}
