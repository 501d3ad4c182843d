import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type FieldIssue, ValidationError } from './errors.ts';
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

/**
 * The first character of `value` a text field must not hold, as a rule, or `undefined` when it holds
 * none: C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F); tab, line feed
 * and carriage return only where `allowLineBreaks`; unpaired surrogates (no UTF-8 form); Unicode
 * non-characters (U+FDD0-U+FDEF and every code point ending in FFFE or FFFF; SQS refuses U+FFFE
 * and U+FFFF).
 */
export function forbiddenCharacterRule(value: string, allowLineBreaks = false): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      if (allowLineBreaks && (code === 0x09 || code === 0x0a || code === 0x0d)) continue;
      const which = allowLineBreaks ? 'control characters other than tab, LF and CR' : 'control characters';
      return `must not contain ${which} (${codePointName(code)})`;
    }
    if (code < 0xd800) continue;
    let codePoint = code;
    if (code <= 0xdfff) {
      const low = value.charCodeAt(i + 1);
      if (code > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) {
        return `must not contain unpaired surrogates (${codePointName(code)})`;
      }
      codePoint = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
      i++;
    }
    if ((codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe) {
      return `must not contain Unicode non-characters (${codePointName(codePoint)})`;
    }
  }
  return undefined;
}

/**
 * A string field checked by `check` (the first broken rule, or `undefined`): one issue per field,
 * `typeRule` when the value is not a string, `is required` when it is missing.
 */
const text = (typeRule: string, check: (value: string) => string | undefined) =>
  z.string(rule(typeRule)).superRefine((value, ctx) => {
    const broken = check(value);
    if (broken !== undefined) ctx.addIssue({ code: 'custom', message: broken, input: value });
  });

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

const common = {
  eventId: z.string(rule(EVENT_ID_RULE)).regex(EVENT_ID_PATTERN, { error: EVENT_ID_RULE }).optional(),
  groupId: z.string(rule(GROUP_ID_RULE)).regex(/^[\x20-\x7E]{1,48}$/, { error: GROUP_ID_RULE }),
  account: z.string(rule(ACCOUNT_RULE)).regex(/^[\x21-\x7E]{1,32}$/, { error: ACCOUNT_RULE }),
  occurredAt: z.iso
    .datetime({
      offset: true,
      error: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z',
    })
    .optional(),
  // Kept for audit only (never sent to Tencent), so tabs and line breaks may stay: SQS takes them.
  reason: text(REASON_RULE, (value) =>
    value.length > 512 ? REASON_RULE : forbiddenCharacterRule(value, true),
  ).optional(),
};

/**
 * Reads `data` of `set_member_data`, adding one issue per broken entry (at `data["key"]`), or one
 * for `data` itself.
 */
function memberData(value: unknown, ctx: z.RefinementCtx): Record<string, string> {
  const fail = (message: string, path: PropertyKey[] = []) => {
    ctx.addIssue({ code: 'custom', message, path, input: value });
  };
  if (value === undefined) {
    fail('is required');
    return {};
  }
  if (!isPlainObject(value)) {
    fail(DATA_RULE);
    return {};
  }
  const entries = Object.entries(value);
  if (entries.length === 0 || entries.length > MAX_MEMBER_DATA_KEYS) {
    fail(
      `must have 1 to ${MAX_MEMBER_DATA_KEYS} keys (Tencent allows ${MAX_MEMBER_DATA_KEYS} member custom fields)`,
    );
  }
  const out: [string, string][] = [];
  for (const [key, entry] of entries) {
    const broken = memberDataKeyRule(key) ?? memberDataValueRule(entry);
    if (broken !== undefined) fail(broken, [key]);
    else if (typeof entry === 'string') out.push([key, entry]);
  }
  return Object.fromEntries(out);
}

/** The rule a `data` key breaks, or `undefined`. */
function memberDataKeyRule(key: string): string | undefined {
  if (key === '') return 'keys must not be empty';
  if (RESERVED_KEYS.has(key)) return 'reserved key';
  const character = forbiddenCharacterRule(key);
  if (character !== undefined) return `keys ${character}`;
  if (key.length > MAX_MEMBER_DATA_KEY_BYTES || !/^[A-Za-z0-9_]+$/.test(key)) return DATA_KEY_RULE;
  return undefined;
}

/** The rule a `data` value breaks, or `undefined`. */
function memberDataValueRule(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'values must be strings';
  if (utf8Bytes(value) > MAX_MEMBER_DATA_VALUE_BYTES) {
    return `values must be at most ${MAX_MEMBER_DATA_VALUE_BYTES} UTF-8 bytes`;
  }
  const character = forbiddenCharacterRule(value);
  return character === undefined ? undefined : `values ${character}`;
}

const actionSchemas = {
  mute: z.strictObject({
    ...common,
    action: z.literal('mute'),
    // One check, so that a value breaking several bounds (1e20 is neither safe nor in range) is one issue.
    durationSeconds: z
      .number(rule(DURATION_RULE))
      .refine((value) => Number.isInteger(value) && value >= 1 && value <= MAX_MUTE_SECONDS, {
        error: DURATION_RULE,
      }),
  }),
  unmute: z.strictObject({ ...common, action: z.literal('unmute') }),
  set_role: z.strictObject({
    ...common,
    action: z.literal('set_role'),
    role: z.enum(['admin', 'member'], rule("must be 'admin' or 'member'")),
  }),
  set_msg_flag: z.strictObject({
    ...common,
    action: z.literal('set_msg_flag'),
    msgFlag: z.enum(MSG_FLAGS, rule(`must be one of ${MSG_FLAGS.join(', ')}`)),
  }),
  set_name_card: z.strictObject({
    ...common,
    action: z.literal('set_name_card'),
    nameCard: text(NAME_CARD_RULE, (value) =>
      utf8Bytes(value) > 50 ? NAME_CARD_RULE : forbiddenCharacterRule(value),
    ),
  }),
  set_member_data: z.strictObject({
    ...common,
    action: z.literal('set_member_data'),
    data: z.unknown().transform(memberData),
  }),
} as const;

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
    const events: unknown = payload.events;
    const valid = Array.isArray(events) && events.length >= 1 && events.length <= MAX_EVENTS_PER_REQUEST;
    if (!valid) {
      issues.push({ path: 'events', rule: `must be an array of 1 to ${MAX_EVENTS_PER_REQUEST} events` });
    }
    if (issues.length > 0 || !Array.isArray(events)) throw new ValidationError(issues);
    items = events;
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
    issues.push(...reserved.issues);
    const result = eventSchema.safeParse(reserved.rest);
    if (!result.success) {
      issues.push(...toFieldIssues(at, reserved.rest, result.error.issues));
      return;
    }
    if (reserved.issues.length > 0) return;
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
