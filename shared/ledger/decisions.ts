import { accountMuteFieldsOf, type Target } from '../contract/index.ts';
import {
  isBulkMessage,
  messageGroupIdOf,
  messageGroupOf,
  type QueueMessage,
  type SingleMessage,
} from '../queue/index.ts';
import type { DecisionRecord, FieldDecision, LedgerItem } from './ledger.ts';

/**
 * The newest decision about a target stands: pure rules, no I/O. A target is a member of a group, a
 * group, or an account (see `targetOf`); its events are ordered by acceptance (their
 * {@link positionOf position}); each event sets some of the target's fields (see {@link fieldsOf}); the
 * ledger keeps, per target, the newest event applied to each field (a `DecisionRecord`). Before the
 * consumer calls Tencent for an event, {@link standingOf} compares the two: an event older than the
 * newest applied for every field it sets is superseded, and no call is made.
 *
 * Under SQS FIFO a target's events are received one batch at a time, in queue order; what can bring an
 * older event after a newer one is a copy of a finished event, a resend, or a redriven dead letter,
 * and those are what this stops from undoing a newer decision.
 */

/** A target that has one record: a member, a group or an account (a bulk event has one per account). */
export type RecordTarget = Exclude<Target, { kind: 'members' }>;

/**
 * The key of a target's record in the ledger table: `member#`, `group#` or `account#`, then a hash of
 * its ids (a member's is the message group its events had before a group's members shared one lane).
 * No eventId can take it (eventIds have no `#`).
 */
export function recordKeyOf(target: RecordTarget): string {
  switch (target.kind) {
    case 'member':
      return `member#${messageGroupIdOf(target.groupId, target.account)}`;
    case 'group':
    case 'account':
      return `${target.kind}#${messageGroupOf(target)}`;
  }
}

/** The key of a member's record. */
export const memberRecordKeyOf = (groupId: string, account: string): string =>
  recordKeyOf({ kind: 'member', groupId, account });

/** Digits of an event's index in its request, in a position. */
const INDEX_DIGITS = 3;

/**
 * Where an event stands in its member's order: the order the bridge accepted events in. It is the
 * time of acceptance (`acceptedAt`, to the millisecond), then the event's index in its request, then its
 * eventId: a string that sorts in that order. Events of one request keep their request order; two
 * requests accepted in the same millisecond (by two ingest containers, so concurrent, and neither
 * sender could know which came first) are ordered by eventId.
 *
 * @example
 * ```ts
 * positionOf('2026-12-01T10:00:00.000Z', 3, 'evt-9'); // '2026-12-01T10:00:00.000Z/003/evt-9'
 * ```
 */
export function positionOf(acceptedAt: string, index: number, eventId: string): string {
  return `${acceptedAt}/${String(index).padStart(INDEX_DIGITS, '0')}/${eventId}`;
}

/**
 * The position of an event from its ledger item, or (for an item written before positions were
 * recorded, or none) from when its message says it was accepted, as the first event of its request.
 */
export function eventPosition(
  message: Pick<QueueMessage, 'eventId' | 'receivedAt'>,
  item?: LedgerItem,
): string {
  return (
    item?.position ??
    positionOf(item?.acceptedAt ?? new Date(message.receivedAt).toISOString(), 0, message.eventId)
  );
}

/**
 * The fields of its target's record an event decides: a member's fields (one per Tencent field, one
 * per custom data key, `ban`), a group's `muteAll`, an account's mute scopes. An action that changes no
 * lasting state (remove, delete_messages, recall, kick) decides none: it is done whenever its turn
 * comes, and nothing newer can make it stale.
 */
export function fieldsOf(message: QueueMessage): string[] {
  switch (message.action) {
    case 'mute':
    case 'unmute':
      return ['mute'];
    case 'set_role':
      return ['role'];
    case 'set_msg_flag':
      return ['msgFlag'];
    case 'set_name_card':
      return ['nameCard'];
    case 'set_member_data':
      return Object.keys(message.data).map((key) => `data.${key}`);
    case 'ban':
    case 'unban':
      return ['ban'];
    case 'mute_all':
    case 'unmute_all':
      return ['muteAll'];
    case 'mute_account':
    case 'unmute_account':
      return accountMuteFieldsOf(message.scope);
    case 'remove':
    case 'delete_messages':
    case 'recall':
    case 'kick':
      return [];
  }
}

/** The end a timed event records with its decision (see `FieldDecision.until`), if it has one. */
export function untilOf(message: QueueMessage): string | undefined {
  switch (message.action) {
    case 'mute':
    case 'mute_account':
      return message.muteUntil;
    case 'ban':
      return message.banUntil;
    default:
      return undefined;
  }
}

/** The key of the record a message about one target (not a bulk event) decides. */
export function recordKeyOfMessage(message: SingleMessage): string {
  if ('groupId' in message) {
    return 'account' in message
      ? memberRecordKeyOf(message.groupId, message.account)
      : recordKeyOf({ kind: 'group', groupId: message.groupId });
  }
  return recordKeyOf({ kind: 'account', account: message.account });
}

/**
 * The keys of the records a message's event decides: its target's, or for a bulk event one per
 * account (each a member's).
 */
export function recordKeysOfMessage(message: QueueMessage): string[] {
  return isBulkMessage(message)
    ? message.accounts.map((account) => memberRecordKeyOf(message.groupId, account))
    : [recordKeyOfMessage(message)];
}

/** Where an event stands against its member's record. */
export type Standing =
  /** Apply it, for `fields`; `superseded` lists the fields a newer event was applied to (left out of the call). */
  | { kind: 'apply'; fields: string[]; superseded: string[] }
  /** A newer event was applied to every field it sets: `by` is the newest of them. */
  | { kind: 'superseded'; by: string }
  /** The record shows this very event applied, and nothing newer, for the fields it sets (its outcome was not recorded). */
  | { kind: 'applied_before' };

/**
 * Where an event at `position` that sets `fields` stands against its member's `record`.
 *
 * @example
 * ```ts
 * standingOf('e1', 'p1', ['role'], { ...record, fields: { role: { position: 'p2', eventId: 'e2', at } } });
 * // { kind: 'superseded', by: 'e2' }  (when 'p2' sorts after 'p1')
 * ```
 */
export function standingOf(
  eventId: string,
  position: string,
  fields: readonly string[],
  record: Pick<DecisionRecord, 'fields'> | undefined,
): Standing {
  const newer: FieldDecision[] = [];
  const apply: string[] = [];
  const superseded: string[] = [];
  let mine = 0;
  for (const field of fields) {
    const decision = record?.fields[field];
    if (decision === undefined || decision.position < position) apply.push(field);
    else if (decision.eventId === eventId) mine++;
    else {
      newer.push(decision);
      superseded.push(field);
    }
  }
  if (apply.length > 0 || fields.length === 0) return { kind: 'apply', fields: apply, superseded };
  if (mine > 0) return { kind: 'applied_before' };
  const newest = newer.reduce((a, b) => (b.position > a.position ? b : a));
  return { kind: 'superseded', by: newest.eventId };
}

/** A record with `decision` recorded for `fields` (where it is newer), as the store records it. */
export function withDecision(
  record: DecisionRecord,
  fields: readonly string[],
  decision: FieldDecision,
): { record: DecisionRecord; newer: string[] } {
  const next: DecisionRecord = { ...record, fields: { ...record.fields } };
  const newer: string[] = [];
  for (const field of fields) {
    const current = next.fields[field];
    if (current !== undefined && current.position > decision.position) newer.push(field);
    else next.fields[field] = decision;
  }
  return { record: next, newer };
}

/**
 * A timed decision among `fields` of the target's record that still runs at `nowMs` (a mute, a ban or
 * an account-wide mute whose end is later, or permanent). A newer one whose own end has passed must
 * then undo it: its decision, that the target is muted (banned) no longer, stands over the older,
 * longer one.
 */
export function runningDecision(
  record: Pick<DecisionRecord, 'fields'> | undefined,
  fields: readonly string[],
  nowMs: number,
): FieldDecision | undefined {
  for (const field of fields) {
    const decision = record?.fields[field];
    if (decision?.until === undefined) continue;
    if (decision.until === 'permanent' || Date.parse(decision.until) > nowMs) return decision;
  }
  return undefined;
}
