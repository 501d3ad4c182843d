import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type FieldIssue, ValidationError } from '../errors/index.ts';
import { codePointName, formatJsonPath as formatPath } from './strict-json.ts';

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
] as const;
export type Action = (typeof ACTIONS)[number];

/** Tencent's message blocking types. */
export const MSG_FLAGS = ['AcceptAndNotify', 'Discard', 'AcceptNotNotify'] as const;
export type MsgFlag = (typeof MSG_FLAGS)[number];

/** Most events in one request. */
export const MAX_EVENTS_PER_REQUEST = 100;
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

/** Makes a zod error option that says "is required" for a missing value and `rule` otherwise. */
const rule = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message),
});

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

/** A range of a `u`-mode character class, code points `from` to `to`, escaped (`\uFDD0`, `\u{1FFFE}`). */
const range = (from: number, to: number): string => {
  const escaped = (codePoint: number) => {
    const hex = codePoint.toString(16).toUpperCase();
    return codePoint > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
  };
  return `${escaped(from)}-${escaped(to)}`;
};

/** C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F); `allowLineBreaks` keeps tab, LF and CR. */
const controlRanges = (allowLineBreaks: boolean): string =>
  (allowLineBreaks ? range(0x00, 0x08) + range(0x0b, 0x0c) + range(0x0e, 0x1f) : range(0x00, 0x1f)) +
  range(0x7f, 0x9f);

/**
 * Surrogates (in `u` mode only an unpaired one matches: a pair is one code point) and the Unicode
 * non-characters: U+FDD0-U+FDEF and the last two code points of each of the 17 planes.
 */
const OTHER_FORBIDDEN_RANGES =
  range(0xd800, 0xdfff) +
  range(0xfdd0, 0xfdef) +
  Array.from({ length: 17 }, (_, plane) => range(plane * 0x10000 + 0xfffe, plane * 0x10000 + 0xffff)).join(
    '',
  );

/**
 * The characters a text field must not hold, as one regular expression class: the single definition
 * that both {@link forbiddenCharacterRule} and the text fields' `pattern` (in the OpenAPI document)
 * are made of, so the two cannot disagree.
 */
const forbiddenClass = (allowLineBreaks: boolean): string =>
  controlRanges(allowLineBreaks) + OTHER_FORBIDDEN_RANGES;

const FORBIDDEN = {
  strict: new RegExp(`[${forbiddenClass(false)}]`, 'u'),
  lineBreaks: new RegExp(`[${forbiddenClass(true)}]`, 'u'),
};

/**
 * The pattern of a text field without forbidden characters (JSON Schema 2020-12 patterns are read
 * in `u` mode, as here).
 */
const allowedTextPattern = (allowLineBreaks: boolean): RegExp =>
  new RegExp(`^[^${forbiddenClass(allowLineBreaks)}]*$`, 'u');

/**
 * The first character of `value` a text field must not hold, as a rule, or `undefined` when it holds
 * none: C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F); tab, line feed
 * and carriage return only where `allowLineBreaks`; unpaired surrogates (no UTF-8 form); Unicode
 * non-characters (U+FDD0-U+FDEF and every code point ending in FFFE or FFFF; SQS refuses U+FFFE
 * and U+FFFF).
 */
export function forbiddenCharacterRule(value: string, allowLineBreaks = false): string | undefined {
  const found = (allowLineBreaks ? FORBIDDEN.lineBreaks : FORBIDDEN.strict).exec(value)?.[0].codePointAt(0);
  if (found === undefined) return undefined;
  if (found < 0x20 || (found >= 0x7f && found <= 0x9f)) {
    const which = allowLineBreaks ? 'control characters other than tab, LF and CR' : 'control characters';
    return `must not contain ${which} (${codePointName(found)})`;
  }
  if (found >= 0xd800 && found <= 0xdfff)
    return `must not contain unpaired surrogates (${codePointName(found)})`;
  return `must not contain Unicode non-characters (${codePointName(found)})`;
}

/**
 * The check of a text field's characters: its pattern (so the OpenAPI document carries it), with the
 * rule naming the first offending character; `prefix` starts the rule (`values ` for `data`).
 */
const allowedCharacters = (allowLineBreaks: boolean, prefix = '') =>
  [
    allowedTextPattern(allowLineBreaks),
    {
      error: (issue: { input?: unknown }) =>
        `${prefix}${
          (typeof issue.input === 'string'
            ? forbiddenCharacterRule(issue.input, allowLineBreaks)
            : undefined) ?? 'must not contain control characters or non-characters'
        }`,
    },
  ] as const;

/** The rule an `eventId` must follow, and its pattern. */
export const EVENT_ID_RULE = 'must be 1-128 characters of A-Z a-z 0-9 . _ : -';
export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const GROUP_ID_RULE = 'must be 1-48 bytes of printable ASCII';
const ACCOUNT_RULE = 'must be 1-32 bytes of printable ASCII without spaces';
const DURATION_RULE = `must be an integer from 1 to ${MAX_MUTE_SECONDS}`;
const REASON_RULE = 'must be a string of at most 512 characters';
const NAME_CARD_RULE = 'must be a string of at most 50 UTF-8 bytes';
const DATA_RULE = 'must be an object of string keys to string values';
const DATA_KEY_RULE = `keys must be 1-${MAX_MEMBER_DATA_KEY_BYTES} characters of A-Z a-z 0-9 _`;
/** Longest `reason`, in UTF-16 code units (JavaScript's `length`). */
const REASON_MAX_LENGTH = 512;
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

const common = {
  eventId: eventIdSchema
    .optional()
    .describe(
      'Your idempotency key: the same eventId with the same content is a duplicate, with other content a 409. ' +
        'A UUID is generated when absent. Unique within a request.',
    ),
  groupId: z
    .string(rule(GROUP_ID_RULE))
    .regex(/^[\x20-\x7E]{1,48}$/, { error: GROUP_ID_RULE })
    .describe('The Tencent Cloud Chat group: 1-48 bytes of printable ASCII.'),
  account: z
    .string(rule(ACCOUNT_RULE))
    .regex(/^[\x21-\x7E]{1,32}$/, { error: ACCOUNT_RULE })
    .describe("The member's UserID: 1-32 bytes of printable ASCII, no spaces."),
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

const DATA_COUNT_RULE = `must have 1 to ${MAX_MEMBER_DATA_KEYS} keys (Tencent allows ${MAX_MEMBER_DATA_KEYS} member custom fields)`;
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
  mute: z.strictObject({
    ...common,
    action: z.literal('mute'),
    // Each bound aborts the rest, so a value breaking several (1e20 is neither safe nor in range) is one issue.
    durationSeconds: z
      .number(rule(DURATION_RULE))
      .int({ error: DURATION_RULE, abort: true })
      .min(1, { error: DURATION_RULE, abort: true })
      .max(MAX_MUTE_SECONDS, { error: DURATION_RULE })
      .describe(`Seconds, from 1 to ${MAX_MUTE_SECONDS} (which means permanently, by Tencent's convention).`),
  }),
  unmute: z.strictObject({ ...common, action: z.literal('unmute') }),
  set_role: z.strictObject({
    ...common,
    action: z.literal('set_role'),
    role: z
      .enum(['admin', 'member'], rule("must be 'admin' or 'member'"))
      .describe("Tencent's Admin or Member (the owner's role cannot be changed)."),
  }),
  set_msg_flag: z.strictObject({
    ...common,
    action: z.literal('set_msg_flag'),
    msgFlag: z
      .enum(MSG_FLAGS, rule(`must be one of ${MSG_FLAGS.join(', ')}`))
      .describe("The member's message blocking type, as Tencent names it."),
  }),
  set_name_card: z.strictObject({
    ...common,
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
    ...common,
    action: z.literal('set_member_data'),
    data: memberData,
  }),
} as const;

/** One event, of any action. */
const eventSchema = z.discriminatedUnion(
  'action',
  [
    actionSchemas.mute,
    actionSchemas.unmute,
    actionSchemas.set_role,
    actionSchemas.set_msg_flag,
    actionSchemas.set_name_card,
    actionSchemas.set_member_data,
  ],
  {
    // The union reports on `action`, but its input is the whole event.
    error: (issue) =>
      isPlainObject(issue.input) && issue.input.action === undefined
        ? 'is required'
        : `must be one of ${ACTIONS.join(', ')}`,
  },
);

const EVENTS_RULE = `must be an array of 1 to ${MAX_EVENTS_PER_REQUEST} events`;

/** The `events` array of a batch, of `item`s. */
const eventList = <T extends z.ZodType>(item: T) =>
  z
    .array(item, rule(EVENTS_RULE))
    .min(1, { error: EVENTS_RULE })
    .max(MAX_EVENTS_PER_REQUEST, { error: EVENTS_RULE });

/** The bounds of a batch's `events`, checked before its events are (each on its own, for its paths). */
const batchEvents = eventList(z.unknown());

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

type ParsedEvent = z.infer<typeof eventSchema>;

/** Fields every event may carry, whatever its action. */
interface EventBase {
  eventId: string;
  groupId: string;
  account: string;
  /** When the moderation decision was made (the time of receipt when the client gave none). */
  occurredAt: Date;
  reason?: string;
  /**
   * The event as its client sent it, after validation, as a SHA-256: the same fields with the same
   * values give the same fingerprint, whatever the key order, white space or time-zone notation. The
   * ledger tells a resend (same fingerprint) from a reuse of the id for another change.
   */
  fingerprint: string;
}

/** A validated moderation event, with its defaults filled in. */
export type ModerationEvent = EventBase &
  (
    | { action: 'mute'; durationSeconds: number }
    | { action: 'unmute' }
    | { action: 'set_role'; role: 'admin' | 'member' }
    | { action: 'set_msg_flag'; msgFlag: MsgFlag }
    | { action: 'set_name_card'; nameCard: string }
    | { action: 'set_member_data'; data: Record<string, string> }
  );

/** Every field some action accepts; used to tell "belongs to another action" from "unknown". */
const ACTION_FIELDS = new Set(['durationSeconds', 'role', 'msgFlag', 'nameCard', 'data']);

function toFieldIssues(prefix: string, input: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]) {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const action = typeof input.action === 'string' ? input.action : '';
      for (const key of issue.keys) {
        out.push({
          path: formatPath(prefix, [...issue.path, key]),
          rule: ACTION_FIELDS.has(key) ? `not allowed for action '${action}'` : 'unknown field',
        });
      }
    } else if (issue.code === 'invalid_key') {
      // A bad `data` key: the key's own check says which rule it broke.
      out.push({ path: formatPath(prefix, issue.path), rule: issue.issues[0]?.message ?? issue.message });
    } else {
      out.push({ path: formatPath(prefix, issue.path), rule: issue.message });
    }
  }
  return out;
}

function toModerationEvent(
  parsed: ParsedEvent,
  receivedAt: Date,
  defaultId: string | undefined,
): ModerationEvent {
  const { eventId, occurredAt, reason, ...rest } = parsed;
  return {
    ...rest,
    eventId: eventId ?? defaultId ?? randomUUID(),
    occurredAt: occurredAt === undefined ? receivedAt : new Date(occurredAt),
    ...(reason === undefined ? {} : { reason }),
    fingerprint: fingerprintOf({
      ...rest,
      ...(reason === undefined ? {} : { reason }),
      ...(occurredAt === undefined ? {} : { occurredAt: new Date(occurredAt).toISOString() }),
    }),
  };
}

/** Keys in a fixed order, recursively: the canonical JSON a fingerprint is taken of. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** SHA-256 (base64url) of the canonical JSON of validated fields. */
const fingerprintOf = (fields: Readonly<Record<string, unknown>>): string =>
  createHash('sha256')
    .update(JSON.stringify(canonical(fields)))
    .digest('base64url');

/**
 * Whether a payload is the batch form `{"events": [...]}`: an object with `events` and without
 * `action`. An object with both is an event, whose `events` field is unknown.
 */
export function isEventBatch(payload: unknown): payload is Record<string, unknown> {
  return isPlainObject(payload) && Object.hasOwn(payload, 'events') && !Object.hasOwn(payload, 'action');
}

/** `reserved key` issues for the keys of `object` in {@link RESERVED_KEYS}, and the object without them. */
function withoutReservedKeys(
  prefix: string,
  object: Record<string, unknown>,
): { issues: FieldIssue[]; rest: Record<string, unknown> } {
  const keys = Object.keys(object);
  if (!keys.some((key) => RESERVED_KEYS.has(key))) return { issues: [], rest: object };
  const issues = keys
    .filter((key) => RESERVED_KEYS.has(key))
    .map((key) => ({ path: formatPath(prefix, [key]), rule: 'reserved key' }));
  const rest: Record<string, unknown> = Object.create(null);
  for (const key of keys) if (!RESERVED_KEYS.has(key)) rest[key] = object[key];
  return { issues, rest };
}

/**
 * Where the eventIds of events sent without one come from, instead of a random UUID: a delivery id
 * the sender keeps on its retries (a webhook's `webhook-id`), so that a retried delivery is a
 * duplicate. One event takes `base` itself; event *i* of a batch takes `{base}:{i}`.
 */
export interface EventIdDefault {
  /** The delivery's id. */
  readonly base: string;
  /** Where `base` came from: the path of the issue when it cannot serve, e.g. `(header webhook-id)`. */
  readonly source: string;
}

/** Options of {@link validateEvents}. */
export interface ValidateOptions {
  /** @default a random UUID for each event sent without an eventId */
  readonly eventIdDefault?: EventIdDefault;
}

/**
 * The issues of a `set_member_data` event's `data` that its record schema cannot see, read from the raw
 * input: a key count outside 1 to {@link MAX_MEMBER_DATA_KEYS}, and a `__proto__` key (the other
 * reserved keys fail the key pattern).
 */
function memberDataIssues(prefix: string, event: Record<string, unknown>): FieldIssue[] {
  const data = event.data;
  if (event.action !== 'set_member_data' || !isPlainObject(data)) return [];
  const count = Object.keys(data).length;
  return [
    ...(count >= 1 && count <= MAX_MEMBER_DATA_KEYS
      ? []
      : [{ path: formatPath(prefix, ['data']), rule: DATA_COUNT_RULE }]),
    ...(Object.hasOwn(data, '__proto__')
      ? [{ path: formatPath(prefix, ['data', '__proto__']), rule: 'reserved key' }]
      : []),
  ];
}

/** `issues` with `dataIssues` placed before the first issue of `data` (after the other fields' issues). */
function withDataIssues(prefix: string, issues: FieldIssue[], dataIssues: FieldIssue[]): FieldIssue[] {
  if (dataIssues.length === 0) return issues;
  const data = formatPath(prefix, ['data']);
  const first = issues.findIndex(
    (issue) =>
      issue.path === data ||
      issue.path.startsWith(`${data}.`) ||
      issue.path.startsWith(`${data}[`) ||
      issue.rule === 'unknown field' ||
      issue.rule.startsWith('not allowed for action'),
  );
  const at = first < 0 ? issues.length : first;
  return [...issues.slice(0, at), ...dataIssues, ...issues.slice(at)];
}

/**
 * Validates a request payload (already parsed from JSON) against the event contract.
 *
 * @param payload - one event, or `{"events": [...]}` (see {@link isEventBatch})
 * @param receivedAt - the time of receipt: the default `occurredAt`, and the reference for the future check
 * @param options - where missing eventIds come from (see {@link EventIdDefault})
 * @returns the events in request order, with `eventId` and `occurredAt` filled in
 * @throws {@link ValidationError} listing every broken rule, by field path
 *
 * @example
 * ```ts
 * validateEvents({ groupId: 'g1', account: 'bob', action: 'mute', durationSeconds: 600 }, new Date());
 * // -> [{ eventId: '…uuid…', groupId: 'g1', account: 'bob', action: 'mute', durationSeconds: 600, occurredAt: … }]
 * ```
 */
export function validateEvents(
  payload: unknown,
  receivedAt: Date,
  options: ValidateOptions = {},
): ModerationEvent[] {
  let items: readonly unknown[];
  let prefix: (index: number) => string;
  const batch = isEventBatch(payload);
  if (isEventBatch(payload)) {
    const issues: FieldIssue[] = Object.keys(payload)
      .filter((key) => key !== 'events')
      .map((key) => ({
        path: formatPath('', [key]),
        rule: RESERVED_KEYS.has(key) ? 'reserved key' : 'unknown field',
      }));
    const events = batchEvents.safeParse(payload.events);
    if (!events.success) issues.push({ path: 'events', rule: EVENTS_RULE });
    if (issues.length > 0 || !events.success) throw new ValidationError(issues);
    items = events.data;
    prefix = (index) => `events[${index}]`;
  } else {
    items = [payload];
    prefix = () => '';
  }

  const issues: FieldIssue[] = [];
  const events: ModerationEvent[] = [];
  const seenIds = new Map<string, number>();
  items.forEach((item, index) => {
    const at = prefix(index);
    if (!isPlainObject(item)) {
      issues.push({ path: at || '(body)', rule: 'must be a JSON object' });
      return;
    }
    const reserved = withoutReservedKeys(at, item);
    const dataIssues = memberDataIssues(at, reserved.rest);
    issues.push(...reserved.issues);
    const result = eventSchema.safeParse(reserved.rest);
    if (!result.success) {
      issues.push(...withDataIssues(at, toFieldIssues(at, reserved.rest, result.error.issues), dataIssues));
      return;
    }
    issues.push(...dataIssues);
    if (reserved.issues.length > 0 || dataIssues.length > 0) return;
    let defaultId: string | undefined;
    if (options.eventIdDefault !== undefined && result.data.eventId === undefined) {
      const { base, source } = options.eventIdDefault;
      defaultId = batch ? `${base}:${index}` : base;
      if (!EVENT_ID_PATTERN.test(defaultId)) {
        // Once per request: the same id fails for every event that lacks one.
        if (!issues.some((issue) => issue.path === source)) {
          const serves = batch
            ? `with ':${index}' appended, to be the eventId of ${at}, which has none`
            : 'to be the eventId of the event, which has none';
          issues.push({ path: source, rule: `${EVENT_ID_RULE} ${serves} (or send eventIds)` });
        }
        return;
      }
    }
    const event = toModerationEvent(result.data, receivedAt, defaultId);
    if (event.occurredAt.getTime() > receivedAt.getTime() + MAX_FUTURE_SKEW_MS) {
      issues.push({
        path: formatPath(at, ['occurredAt']),
        rule: 'must not be more than 5 minutes in the future',
      });
    }
    const firstIndex = seenIds.get(event.eventId);
    if (firstIndex !== undefined) {
      issues.push({
        path: formatPath(at, ['eventId']),
        rule: `must be unique in the request (same as ${formatPath(prefix(firstIndex), ['eventId'])})`,
      });
    }
    if (firstIndex === undefined) seenIds.set(event.eventId, index);
    events.push(event);
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return events;
}
