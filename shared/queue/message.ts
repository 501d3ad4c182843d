import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  type BulkEvent,
  isBulkEvent,
  MAX_BULK_ACCOUNTS,
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

const bulkV3 = {
  v: z.literal(3),
  eventId: z.string().min(1),
  occurredAt: isoDate,
  receivedAt: isoDate,
  reason: z.string().optional(),
  groupId: z.string().min(1),
  accounts: z.array(z.string().min(1)).min(1).max(MAX_BULK_ACCOUNTS),
};

/**
 * Version 3 of the queue message: a bulk event (`accounts`, several members of one group) of the
 * actions that take one. A per-account dead letter is a version 3 message with the accounts it
 * concerns, so that a redrive applies those accounts only.
 */
const messageV3 = z.discriminatedUnion('action', [
  z.strictObject({
    ...bulkV3,
    action: z.literal('mute'),
    durationSeconds: z.number().int().min(1).max(MAX_MUTE_SECONDS),
    muteUntil: until,
  }),
  z.strictObject({ ...bulkV3, action: z.literal('unmute') }),
  z.strictObject({ ...bulkV3, action: z.literal('remove'), silent: z.boolean() }),
  z.strictObject({
    ...bulkV3,
    action: z.literal('ban'),
    durationSeconds: z.number().int().min(1).max(MAX_MUTE_SECONDS),
    banUntil: until,
  }),
  z.strictObject({ ...bulkV3, action: z.literal('unban') }),
]);

/** Version 3 of the queue message: a bulk event. */
export type BulkMessage = z.infer<typeof messageV3>;

/** A queue message of any version the consumer reads. */
export type QueueMessage = QueueMessageV1 | QueueMessageV2 | BulkMessage;

/** A queue message about one target: every version but the bulk one. */
export type SingleMessage = QueueMessageV1 | QueueMessageV2;

/** Whether a message is a bulk event's (`accounts`). */
export const isBulkMessage = (message: QueueMessage): message is BulkMessage => message.v === 3;

/** The absolute end of something that lasts `durationSeconds` from `occurredAt`, or `permanent`. */
const endOf = (event: { occurredAt: Date; durationSeconds: number }): string =>
  event.durationSeconds === MAX_MUTE_SECONDS
    ? 'permanent'
    : new Date(event.occurredAt.getTime() + event.durationSeconds * 1000).toISOString();

/**
 * Builds the queue message of a validated event: version 1 for the actions it knows, version 3 for a
 * bulk event, else version 2.
 */
export function toQueueMessage(event: ModerationEvent, receivedAt: Date): QueueMessage {
  const header = {
    eventId: event.eventId,
    occurredAt: event.occurredAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
    ...(event.reason === undefined ? {} : { reason: event.reason }),
  };
  if (isBulkEvent(event)) return toBulkMessage(event, header);
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

/** The version 3 message of a bulk event. */
function toBulkMessage(
  event: BulkEvent,
  header: { eventId: string; occurredAt: string; receivedAt: string; reason?: string },
): BulkMessage {
  const v3 = { v: 3 as const, ...header, groupId: event.groupId, accounts: [...event.accounts] };
  switch (event.action) {
    case 'mute':
      return { ...v3, action: 'mute', durationSeconds: event.durationSeconds, muteUntil: endOf(event) };
    case 'ban':
      return { ...v3, action: 'ban', durationSeconds: event.durationSeconds, banUntil: endOf(event) };
    case 'remove':
      return { ...v3, action: 'remove', silent: event.silent ?? false };
    case 'unmute':
    case 'unban':
      return { ...v3, action: event.action };
  }
}

/** A bulk message narrowed to some of its accounts (a per-account dead letter, a retry of the rest). */
export const withAccounts = (message: BulkMessage, accounts: readonly string[]): BulkMessage => ({
  ...message,
  accounts: [...accounts],
});

/**
 * One account's message of a bulk event, as if it had been sent alone (same identity and times): the
 * consumer makes the one account's call from it where a call cannot carry several (a bulk mute in a
 * group type `forbid_send_msg` refuses).
 */
export function singleOf(message: BulkMessage, account: string): SingleMessage {
  const { eventId, occurredAt, receivedAt, reason, groupId } = message;
  const header = {
    eventId,
    occurredAt,
    receivedAt,
    ...(reason === undefined ? {} : { reason }),
    groupId,
    account,
  };
  switch (message.action) {
    case 'mute':
      return {
        v: 1,
        ...header,
        action: 'mute',
        durationSeconds: message.durationSeconds,
        muteUntil: message.muteUntil,
      };
    case 'unmute':
      return { v: 1, ...header, action: 'unmute' };
    case 'remove':
      return { v: 2, ...header, action: 'remove', silent: message.silent };
    case 'ban':
      return {
        v: 2,
        ...header,
        action: 'ban',
        durationSeconds: message.durationSeconds,
        banUntil: message.banUntil,
      };
    case 'unban':
      return { v: 2, ...header, action: 'unban' };
  }
}

/** The accounts a member-level message is about: its one account, or a bulk event's accounts. */
export function accountsOf(message: QueueMessage): readonly string[] {
  if (isBulkMessage(message)) return message.accounts;
  return 'groupId' in message && 'account' in message ? [message.account] : [];
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
  if (version !== 1 && version !== 2 && version !== 3) {
    throw new MessageFormatError(`unsupported queue message version ${JSON.stringify(version) ?? 'none'}`);
  }
  const result = (version === 1 ? messageV1 : version === 2 ? messageV2 : messageV3).safeParse(json);
  if (!result.success) {
    const detail = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`,
    );
    throw new MessageFormatError(`invalid queue message: ${detail.join('; ')}`, { cause: result.error });
  }
  return result.data;
}

/** SHA-256, hex: ids may hold characters SQS does not allow in a message group id. */
const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The SQS FIFO message group of a target: the lane its events are applied in, one batch at a time.
 * - Every event about members of one group (single or bulk) is in the group's members lane: SQS hands
 *   out one batch of a message group at a time, so no two invocations ever apply events about one
 *   member at once, and the consumer orders the lane's records by member (records about different
 *   members run at once; see `runner.ts`). That is what lets a bulk event of 500 accounts write their
 *   records in batches, without a condition per account.
 * - A group's own events (mute_all, unmute_all, recall) are in the group's lane, an account's
 *   (mute_account, unmute_account, kick) in the account's.
 * The kind of target comes first, behind a tab no id can hold, so no two lanes of different kinds or
 * ids share a message group.
 */
export function messageGroupOf(target: Target): string {
  switch (target.kind) {
    case 'member':
    case 'members':
      return hashOf(`\tmembers\t${target.groupId}`);
    case 'group':
      return hashOf(`\tgroup\t${target.groupId}`);
    case 'account':
      return hashOf(`\taccount\t${target.account}`);
  }
}

/**
 * What an event is about, as keys: two events that share a key are applied in the order they were
 * accepted, while events of one lane that share none may run at once (`runner.ts`) and may be sent in
 * one `SendMessageBatch` (`planBatches`). A member (one per account of a bulk event), a group, an
 * account; kinds apart as in {@link messageGroupOf}.
 */
export function orderKeysOf(target: Target): string[] {
  switch (target.kind) {
    case 'member':
      return [`member\t${target.groupId}\t${target.account}`];
    case 'members':
      return target.accounts.map((account) => `member\t${target.groupId}\t${account}`);
    case 'group':
      return [`group\t${target.groupId}`];
    case 'account':
      return [`account\t${target.account}`];
  }
}

/** The message group of an event or a message (see {@link messageGroupOf}). */
export const messageGroupOfEvent = (event: ModerationEvent | QueueMessage): string =>
  messageGroupOf(targetOf(event));

/**
 * The id of a member, hashed: the key of its decision record in the ledger (`recordKeyOf`), and, before
 * the members of a group shared one lane, the message group of its events. Group IDs may hold
 * characters SQS does not allow, so the pair is hashed.
 */
export function messageGroupIdOf(groupId: string, account: string): string {
  // A newline cannot occur in either id (both are printable ASCII), so the pair is unambiguous.
  return hashOf(`${groupId}\n${account}`);
}
