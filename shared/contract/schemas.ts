import * as z from 'zod';
import { allowedCharacters, forbiddenCharacterRule, isPlainObject, rule, utf8Bytes } from './characters.ts';

/**
 * The public event contract of `POST /v1/events`: one event, or `{"events": [...]}` with 1 to 100.
 * Validation is all-or-nothing and reports every broken rule with its field path.
 *
 * Every field that reaches the queue either is restricted to printable ASCII (`eventId`, `groupId`,
 * `account`, `occurredAt`, the enums) or is checked for characters SQS refuses (its allowed set is
 * #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF): so a valid event is never refused
 * by the queue, and never half a batch is enqueued for a character.
 */

/** The moderation actions the bridge applies. */
export const ACTIONS = [
  'mute',
  'unmute',
  'set_role',
  'set_msg_flag',
  'set_name_card',
  'set_member_data',
  'remove',
  'ban',
  'unban',
  'delete_messages',
  'mute_all',
  'unmute_all',
  'recall',
  'mute_account',
  'unmute_account',
  'kick',
] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * What each action is about: a member of a group (`groupId` and `account`), a group (`groupId`), or an
 * account in every group and chat (`account`). It decides the event's fields and its FIFO message
 * group: one per member, group or account, never shared between two of them.
 */
export const ACTION_TARGETS = {
  mute: 'member',
  unmute: 'member',
  set_role: 'member',
  set_msg_flag: 'member',
  set_name_card: 'member',
  set_member_data: 'member',
  remove: 'member',
  ban: 'member',
  unban: 'member',
  delete_messages: 'member',
  mute_all: 'group',
  unmute_all: 'group',
  recall: 'group',
  mute_account: 'account',
  unmute_account: 'account',
  kick: 'account',
} as const satisfies Record<Action, 'member' | 'group' | 'account'>;

/** What an event is about (see {@link ACTION_TARGETS}). */
export type TargetKind = (typeof ACTION_TARGETS)[Action];

/** Where an account-wide mute applies: group messages, one-to-one messages, or both. */
export const MUTE_SCOPES = ['all', 'groups', 'direct'] as const;
export type MuteScope = (typeof MUTE_SCOPES)[number];

/** Most messages one `recall` event recalls (Tencent's `group_msg_recall` takes 10). */
export const MAX_RECALL_SEQS = 10;

/** Tencent's message blocking types. */
export const MSG_FLAGS = ['AcceptAndNotify', 'Discard', 'AcceptNotNotify'] as const;
export type MsgFlag = (typeof MSG_FLAGS)[number];

/** Most events in one request. */
export const MAX_EVENTS_PER_REQUEST = 100;
/** Most accounts one bulk event (`accounts`) carries: `forbid_send_msg`'s 500. */
export const MAX_BULK_ACCOUNTS = 500;
/** Most bulk events (with `accounts`) in one request: 10,000 accounts. */
export const MAX_BULK_EVENTS_PER_REQUEST = 20;
/** The actions that take `accounts` (several members of one group) instead of `account`. */
export const BULK_ACTIONS = ['mute', 'unmute', 'remove', 'ban', 'unban'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
/** Longest mute Tencent accepts; by Tencent's convention it means "permanently". */
export const MAX_MUTE_SECONDS = 4_294_967_295;
/** How far in the future `occurredAt` may lie (clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/*
 * Group member custom fields (`set_member_data`), as Tencent Cloud Chat documents them: at most 5
 * per app, set up in the Chat console; keys of at most 16 bytes of letters, digits and underscores;
 * values of at most 64 bytes ("Group System" > "Custom Fields",
 * tencentcloud.com/document/product/1047/33529; the 5-field limit is also on "Use Limits",
 * tencentcloud.com/document/product/1047/34381). Bounding `data` by them makes a call Tencent would
 * refuse (10004 invalid parameter, 80002 body too large) a 400 here instead of a dead letter later.
 */
/** Most custom fields one `set_member_data` event sets. */
export const MAX_MEMBER_DATA_KEYS = 5;
/** Longest custom field key, in bytes. */
export const MAX_MEMBER_DATA_KEY_BYTES = 16;
/** Longest custom field value, in UTF-8 bytes. */
export const MAX_MEMBER_DATA_VALUE_BYTES = 64;

/**
 * Keys refused anywhere in a request (rule `reserved key`): no contract field has these names, and
 * they are the classic prototype-pollution vectors of code that merges parsed objects.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The rule an `eventId` must follow, and its pattern. */
export const EVENT_ID_RULE = 'must be 1-128 characters of A-Z a-z 0-9 . _ : -';
export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of one account's own event, split from a bulk event when that account ends as a dead letter:
 * `<eventId>@<account>`. A client's eventId cannot hold `@`, so no client event takes one.
 */
export const accountEventIdOf = (eventId: string, account: string): string => `${eventId}@${account}`;
/** The ids `GET /v1/events/{eventId}` takes: a client's eventId, or an account's own event of a bulk event. */
export const LOOKUP_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}(@[\x21-\x7E]{1,32})?$/;
export const LOOKUP_ID_RULE = `${EVENT_ID_RULE}, optionally followed by @ and an account (an account's own event of a bulk event)`;
const GROUP_ID_RULE = 'must be 1-48 bytes of printable ASCII';
const ACCOUNT_RULE = 'must be 1-32 bytes of printable ASCII without spaces';
export const ACCOUNTS_RULE = `must be an array of 1 to ${MAX_BULK_ACCOUNTS} distinct accounts`;
const DURATION_RULE = `must be an integer from 1 to ${MAX_MUTE_SECONDS}`;
const REASON_RULE = 'must be a string of at most 512 characters';
const BAN_REASON_RULE = 'must be a string of at most 1000 UTF-8 bytes (and 512 characters)';
const RECALL_REASON_RULE = 'must be a string of at most 100 UTF-8 bytes';
const SILENT_RULE = 'must be true or false';
const MSG_SEQS_RULE = `must be an array of 1 to ${MAX_RECALL_SEQS} distinct positive integers`;
const MSG_SEQ_RULE = 'must be a positive integer (a message sequence number)';
const SCOPE_RULE = `must be one of ${MUTE_SCOPES.join(', ')}`;
const NAME_CARD_RULE = 'must be a string of at most 50 UTF-8 bytes';
const DATA_RULE = 'must be an object of string keys to string values';
const DATA_KEY_RULE = `keys must be 1-${MAX_MEMBER_DATA_KEY_BYTES} characters of A-Z a-z 0-9 _`;
/** Longest `reason`, in UTF-16 code units (JavaScript's `length`). */
const REASON_MAX_LENGTH = 512;
/** Longest `reason` of a ban, in UTF-8 bytes (Tencent's `Description`). */
const BAN_REASON_MAX_BYTES = 1_000;
/** Longest `reason` of a recall, in UTF-8 bytes (Tencent's `Reason`). */
const RECALL_REASON_MAX_BYTES = 100;
/** Longest `nameCard`, in UTF-8 bytes (Tencent's limit). */
const NAME_CARD_MAX_BYTES = 50;

/*
 * The schemas below both validate (`validateEvents`) and describe (`contractSchemas.request`, which the
 * OpenAPI document is generated from): each rule is a zod check where zod has one, so that it shows
 * in the JSON Schema (`pattern`, `maxLength`, `minimum`, ...). Rules JSON Schema cannot state (UTF-8
 * byte lengths, `occurredAt` at most 5 minutes ahead, unique eventIds in a batch) are refinements or
 * checks of `validateEvents`, and are said in the field's description; for a byte length the schema
 * states the looser bound in characters.
 */
/** An `eventId`, as a client gives it and `GET /v1/events/{eventId}` takes it. */
const eventIdSchema = z.string(rule(EVENT_ID_RULE)).regex(EVENT_ID_PATTERN, { error: EVENT_ID_RULE });

const base = {
  eventId: eventIdSchema
    .optional()
    .describe(
      'Your idempotency key: the same eventId with the same content is a duplicate, with other content a 409. ' +
        'A UUID is generated when absent. Unique within a request.',
    ),
  occurredAt: z.iso
    .datetime({
      offset: true,
      error: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z',
    })
    .optional()
    .describe(
      'When the decision was made; defaults to the time of receipt; at most 5 minutes in the future.',
    ),
  // Kept for audit only (never sent to Tencent), so tabs and line breaks may stay: SQS takes them.
  reason: z
    .string(rule(REASON_RULE))
    .max(REASON_MAX_LENGTH, { error: REASON_RULE, abort: true })
    .regex(...allowedCharacters(true))
    .optional()
    .describe(
      'Kept for audit, never sent to Tencent: at most 512 characters; tab, LF and CR are allowed, ' +
        'other control characters and non-characters are not.',
    ),
};

const groupId = z
  .string(rule(GROUP_ID_RULE))
  .regex(/^[\x20-\x7E]{1,48}$/, { error: GROUP_ID_RULE })
  .describe('The Tencent Cloud Chat group: 1-48 bytes of printable ASCII.');
const account = z
  .string(rule(ACCOUNT_RULE))
  .regex(/^[\x21-\x7E]{1,32}$/, { error: ACCOUNT_RULE })
  .describe('The UserID: 1-32 bytes of printable ASCII, no spaces.');

/**
 * `accounts` of a bulk event: several members of the group, each an account as `account` is. One
 * event, one ledger item, one queue message, one Tencent call per 500 (100, 20) accounts.
 */
const accounts = z
  .array(account, rule(ACCOUNTS_RULE))
  .min(1, { error: ACCOUNTS_RULE })
  .max(MAX_BULK_ACCOUNTS, { error: ACCOUNTS_RULE })
  .refine((list) => new Set(list).size === list.length, { error: ACCOUNTS_RULE })
  .meta({ uniqueItems: true })
  .describe(
    `Several members of the group, instead of \`account\`: 1 to ${MAX_BULK_ACCOUNTS} distinct UserIDs (a raid in one event).`,
  );

/** The fields of an event about a member of a group, a group, or an account (see {@link ACTION_TARGETS}). */
const member = { ...base, groupId, account };
/**
 * The fields of an action that takes one member (`account`) or several (`accounts`): exactly one of
 * the two, which `validateEvents` checks (JSON Schema says it with `oneOf`).
 */
const members = { ...base, groupId, account: account.optional(), accounts: accounts.optional() };
// Each branch names the property it requires, as strict validators (Ajv's `strictRequired`) ask.
const ONE_OF_ACCOUNTS = {
  oneOf: [
    { properties: { account: true }, required: ['account'] },
    { properties: { accounts: true }, required: ['accounts'] },
  ],
};
const group = { ...base, groupId };
const accountOnly = { ...base, account };

/** A duration in seconds, from 1 to Tencent's uint32 limit, each bound aborting the rest. */
const duration = (meaning: string) =>
  z
    .number(rule(DURATION_RULE))
    .int({ error: DURATION_RULE, abort: true })
    .min(1, { error: DURATION_RULE, abort: true })
    .max(MAX_MUTE_SECONDS, { error: DURATION_RULE })
    .describe(meaning);

/** A `reason` that is sent to Tencent, with Tencent's limit in UTF-8 bytes (and the common 512 characters). */
const sentReason = (maxBytes: number, text: string, meaning: string) =>
  z
    .string(rule(text))
    .max(Math.min(REASON_MAX_LENGTH, maxBytes), { error: text, abort: true })
    .refine((value) => utf8Bytes(value) <= maxBytes, { error: text, abort: true })
    .regex(...allowedCharacters(true))
    .optional()
    .describe(meaning);

/** The rule a `data` key breaks, or `undefined`: names the rule of a key that fails {@link DATA_KEY_PATTERN}. */
function memberDataKeyRule(key: string): string | undefined {
  if (key === '') return 'keys must not be empty';
  if (RESERVED_KEYS.has(key)) return 'reserved key';
  const character = forbiddenCharacterRule(key);
  if (character !== undefined) return `keys ${character}`;
  if (key.length > MAX_MEMBER_DATA_KEY_BYTES || !/^[A-Za-z0-9_]+$/.test(key)) return DATA_KEY_RULE;
  return undefined;
}

/** Every valid `data` key: 1-16 of `A-Z a-z 0-9 _`, and not a reserved key. */
const DATA_KEY_PATTERN = new RegExp(
  `^(?!(?:${[...RESERVED_KEYS].join('|')})$)[A-Za-z0-9_]{1,${MAX_MEMBER_DATA_KEY_BYTES}}$`,
);

export const DATA_COUNT_RULE = `must have 1 to ${MAX_MEMBER_DATA_KEYS} keys (Tencent allows ${MAX_MEMBER_DATA_KEYS} member custom fields)`;
const DATA_VALUE_BYTES_RULE = `values must be at most ${MAX_MEMBER_DATA_VALUE_BYTES} UTF-8 bytes`;

/**
 * `data` of `set_member_data`: one issue per broken entry (at `data["key"]`), or one for `data` itself.
 * Its key count and a `__proto__` key are checked on the raw input by `validateEvents`
 * ({@link memberDataIssues}): a zod record skips `__proto__` without an issue (so that it never
 * reaches an output object), and a check of the record would count only the keys it kept.
 */
const memberData = z
  .record(
    z.string().regex(DATA_KEY_PATTERN, {
      error: (issue) =>
        (typeof issue.input === 'string' ? memberDataKeyRule(issue.input) : undefined) ?? DATA_KEY_RULE,
    }),
    z
      .string({ error: 'values must be strings' })
      .max(MAX_MEMBER_DATA_VALUE_BYTES, { error: DATA_VALUE_BYTES_RULE, abort: true })
      .refine((value) => utf8Bytes(value) <= MAX_MEMBER_DATA_VALUE_BYTES, {
        error: DATA_VALUE_BYTES_RULE,
        abort: true,
      })
      .regex(...allowedCharacters(false, 'values ')),
    rule(DATA_RULE),
  )
  // The key count, for the document: zod has no record size check that its JSON Schema would show.
  .meta({
    minProperties: 1,
    maxProperties: MAX_MEMBER_DATA_KEYS,
    description:
      `Group member custom fields to set (set up in the Chat console first): 1 to ${MAX_MEMBER_DATA_KEYS} keys ` +
      `of 1-${MAX_MEMBER_DATA_KEY_BYTES} characters of A-Z a-z 0-9 _, to values of at most ` +
      `${MAX_MEMBER_DATA_VALUE_BYTES} UTF-8 bytes without control characters or non-characters.`,
  });

const actionSchemas = {
  mute: z
    .strictObject({
      ...members,
      action: z.literal('mute'),
      durationSeconds: duration(
        `Seconds, from 1 to ${MAX_MUTE_SECONDS} (which means permanently, by Tencent's convention).`,
      ),
    })
    .meta(ONE_OF_ACCOUNTS),
  unmute: z.strictObject({ ...members, action: z.literal('unmute') }).meta(ONE_OF_ACCOUNTS),
  set_role: z.strictObject({
    ...member,
    action: z.literal('set_role'),
    role: z
      .enum(['admin', 'member'], rule("must be 'admin' or 'member'"))
      .describe("Tencent's Admin or Member (the owner's role cannot be changed)."),
  }),
  set_msg_flag: z.strictObject({
    ...member,
    action: z.literal('set_msg_flag'),
    msgFlag: z
      .enum(MSG_FLAGS, rule(`must be one of ${MSG_FLAGS.join(', ')}`))
      .describe("The member's message blocking type, as Tencent names it."),
  }),
  set_name_card: z.strictObject({
    ...member,
    action: z.literal('set_name_card'),
    // At most 50 characters first, which the document shows; then the bytes, which it cannot.
    nameCard: z
      .string(rule(NAME_CARD_RULE))
      .max(NAME_CARD_MAX_BYTES, { error: NAME_CARD_RULE, abort: true })
      .refine((value) => utf8Bytes(value) <= NAME_CARD_MAX_BYTES, { error: NAME_CARD_RULE, abort: true })
      .regex(...allowedCharacters(false))
      .describe(
        'At most 50 UTF-8 bytes ("" clears it); no control characters (tab and line breaks included) or non-characters.',
      ),
  }),
  set_member_data: z.strictObject({
    ...member,
    action: z.literal('set_member_data'),
    data: memberData,
  }),
  remove: z
    .strictObject({
      ...members,
      action: z.literal('remove'),
      silent: z
        .boolean(rule(SILENT_RULE))
        .optional()
        .describe(
          "true removes the member without notifying the group (Tencent's Silence 1). @default false",
        ),
      reason: sentReason(
        REASON_MAX_LENGTH * 3,
        REASON_RULE,
        "Sent to Tencent as the removal notice's Reason, and kept for audit: at most 512 characters.",
      ),
    })
    .meta(ONE_OF_ACCOUNTS),
  ban: z
    .strictObject({
      ...members,
      action: z.literal('ban'),
      durationSeconds: duration(
        `Seconds the member is banned (removed, and cannot rejoin), from 1 to ${MAX_MUTE_SECONDS}.`,
      ),
      reason: sentReason(
        BAN_REASON_MAX_BYTES,
        BAN_REASON_RULE,
        "Sent to Tencent as the ban's Description, and kept for audit: at most 1000 UTF-8 bytes (512 characters).",
      ),
    })
    .meta(ONE_OF_ACCOUNTS),
  unban: z.strictObject({ ...members, action: z.literal('unban') }).meta(ONE_OF_ACCOUNTS),
  delete_messages: z.strictObject({ ...member, action: z.literal('delete_messages') }),
  mute_all: z.strictObject({ ...group, action: z.literal('mute_all') }),
  unmute_all: z.strictObject({ ...group, action: z.literal('unmute_all') }),
  recall: z.strictObject({
    ...group,
    action: z.literal('recall'),
    msgSeqs: z
      .array(
        z
          .number({ error: MSG_SEQ_RULE })
          .int({ error: MSG_SEQ_RULE })
          .min(1, { error: MSG_SEQ_RULE })
          .max(Number.MAX_SAFE_INTEGER, { error: MSG_SEQ_RULE }),
        rule(MSG_SEQS_RULE),
      )
      .min(1, { error: MSG_SEQS_RULE })
      .max(MAX_RECALL_SEQS, { error: MSG_SEQS_RULE })
      .refine((seqs) => new Set(seqs).size === seqs.length, { error: MSG_SEQS_RULE })
      .meta({ uniqueItems: true })
      .describe(`The MsgSeq of each message to recall: 1 to ${MAX_RECALL_SEQS}, distinct, positive.`),
    reason: sentReason(
      RECALL_REASON_MAX_BYTES,
      RECALL_REASON_RULE,
      "Sent to Tencent as the recall's Reason, and kept for audit: at most 100 UTF-8 bytes.",
    ),
  }),
  mute_account: z.strictObject({
    ...accountOnly,
    action: z.literal('mute_account'),
    durationSeconds: duration(
      `Seconds the account may not send, from 1 to ${MAX_MUTE_SECONDS} (which means permanently).`,
    ),
    scope: z
      .enum(MUTE_SCOPES, rule(SCOPE_RULE))
      .optional()
      .describe(
        'Where: group messages (`groups`), one-to-one messages (`direct`), or both (`all`). @default all',
      ),
  }),
  unmute_account: z.strictObject({
    ...accountOnly,
    action: z.literal('unmute_account'),
    scope: z
      .enum(MUTE_SCOPES, rule(SCOPE_RULE))
      .optional()
      .describe(
        'Where: group messages (`groups`), one-to-one messages (`direct`), or both (`all`). @default all',
      ),
  }),
  kick: z.strictObject({ ...accountOnly, action: z.literal('kick') }),
} as const;

/**
 * Every field some action takes besides the common ones (`eventId`, `occurredAt`, `reason`): a field
 * the event's action does not take is "not allowed for action", any other unknown field "unknown field".
 */
export const ACTION_FIELDS: ReadonlySet<string> = new Set(
  Object.values(actionSchemas).flatMap((schema) =>
    Object.keys(schema.shape).filter((key) => key !== 'action' && !(key in base)),
  ),
);

/** One event, of any action. */
export const eventSchema = z.discriminatedUnion(
  'action',
  [
    actionSchemas.mute,
    actionSchemas.unmute,
    actionSchemas.set_role,
    actionSchemas.set_msg_flag,
    actionSchemas.set_name_card,
    actionSchemas.set_member_data,
    actionSchemas.remove,
    actionSchemas.ban,
    actionSchemas.unban,
    actionSchemas.delete_messages,
    actionSchemas.mute_all,
    actionSchemas.unmute_all,
    actionSchemas.recall,
    actionSchemas.mute_account,
    actionSchemas.unmute_account,
    actionSchemas.kick,
  ],
  {
    // The union reports on `action`, but its input is the whole event.
    error: (issue) =>
      isPlainObject(issue.input) && issue.input.action === undefined
        ? 'is required'
        : `must be one of ${ACTIONS.join(', ')}`,
  },
);

export const EVENTS_RULE = `must be an array of 1 to ${MAX_EVENTS_PER_REQUEST} events`;

/** The `events` array of a batch, of `item`s. */
const eventList = <T extends z.ZodType>(item: T) =>
  z
    .array(item, rule(EVENTS_RULE))
    .min(1, { error: EVENTS_RULE })
    .max(MAX_EVENTS_PER_REQUEST, { error: EVENTS_RULE });

/** The bounds of a batch's `events`, checked before its events are (each on its own, for its paths). */
export const batchEvents = eventList(z.unknown());

/** The batch form: `{"events": [...]}` and nothing else. */
const batchSchema = z.strictObject({ events: eventList(eventSchema) });

/**
 * The contract's zod schemas, for the OpenAPI document: the ones {@link validateEvents} validates with.
 * `request` is the body of `POST /v1/events`: one event, or {@link batchSchema the batch form}. Make
 * JSON Schema of them with `io: 'input'` (what a client sends). Validate with `validateEvents`, not
 * with these alone: it also checks what a schema cannot see (reserved keys and `data`'s key count on
 * the raw input, `occurredAt` against the time of receipt, unique eventIds in a request).
 */
export const contractSchemas = {
  eventId: eventIdSchema,
  actions: actionSchemas,
  event: eventSchema,
  batch: batchSchema,
  request: z.union([eventSchema, batchSchema]),
} as const;
