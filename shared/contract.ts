import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type FieldIssue, ValidationError } from './errors.ts';

/**
 * The public event contract of `POST /v1/events`: one event, or `{"events": [...]}` with 1 to 100.
 * Validation is all-or-nothing and reports every broken rule with its field path.
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

/** Makes a zod error option that says "is required" for a missing value and `rule` otherwise. */
const rule = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message),
});

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

const EVENT_ID_RULE = 'must be 1-128 characters of A-Z a-z 0-9 . _ : -';
const GROUP_ID_RULE = 'must be 1-48 bytes of printable ASCII';
const ACCOUNT_RULE = 'must be 1-32 bytes of printable ASCII without spaces';
const DURATION_RULE = `must be an integer from 1 to ${MAX_MUTE_SECONDS}`;

const common = {
  eventId: z
    .string(rule(EVENT_ID_RULE))
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: EVENT_ID_RULE })
    .optional(),
  groupId: z.string(rule(GROUP_ID_RULE)).regex(/^[\x20-\x7E]{1,48}$/, { error: GROUP_ID_RULE }),
  account: z.string(rule(ACCOUNT_RULE)).regex(/^[\x21-\x7E]{1,32}$/, { error: ACCOUNT_RULE }),
  occurredAt: z.iso
    .datetime({
      offset: true,
      error: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z',
    })
    .optional(),
  reason: z
    .string(rule('must be a string of at most 512 characters'))
    .max(512, { error: 'must be a string of at most 512 characters' })
    .optional(),
};

const actionSchemas = {
  mute: z.strictObject({
    ...common,
    action: z.literal('mute'),
    durationSeconds: z
      .number(rule(DURATION_RULE))
      .int({ error: DURATION_RULE })
      .min(1, { error: DURATION_RULE })
      .max(MAX_MUTE_SECONDS, { error: DURATION_RULE }),
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
    nameCard: z
      .string(rule('must be a string of at most 50 UTF-8 bytes'))
      .refine((value) => utf8Bytes(value) <= 50, { error: 'must be a string of at most 50 UTF-8 bytes' }),
  }),
  set_member_data: z.strictObject({
    ...common,
    action: z.literal('set_member_data'),
    data: z
      .record(
        z.string().min(1, { error: 'keys must not be empty' }),
        z.string({ error: 'values must be strings' }),
        rule('must be an object of string keys to string values'),
      )
      .refine((value) => Object.keys(value).length > 0, { error: 'must have at least one key' }),
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

/** Formats a path as `events[3].data["a b"]`. */
function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(body)';
}

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

function toModerationEvent(parsed: ParsedEvent, receivedAt: Date): ModerationEvent {
  const { eventId, occurredAt, reason, ...rest } = parsed;
  return {
    ...rest,
    eventId: eventId ?? randomUUID(),
    occurredAt: occurredAt === undefined ? receivedAt : new Date(occurredAt),
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * Validates a request payload (already parsed from JSON) against the event contract.
 *
 * @param payload - one event, or `{"events": [...]}`
 * @param receivedAt - the time of receipt: the default `occurredAt`, and the reference for the future check
 * @returns the events in request order, with `eventId` and `occurredAt` filled in
 * @throws {@link ValidationError} listing every broken rule, by field path
 *
 * @example
 * ```ts
 * validateEvents({ groupId: 'g1', account: 'bob', action: 'mute', durationSeconds: 600 }, new Date());
 * // -> [{ eventId: '…uuid…', groupId: 'g1', account: 'bob', action: 'mute', durationSeconds: 600, occurredAt: … }]
 * ```
 */
export function validateEvents(payload: unknown, receivedAt: Date): ModerationEvent[] {
  let items: readonly unknown[];
  let prefix: (index: number) => string;
  if (isPlainObject(payload) && 'events' in payload) {
    const issues: FieldIssue[] = Object.keys(payload)
      .filter((key) => key !== 'events')
      .map((key) => ({ path: formatPath('', [key]), rule: 'unknown field' }));
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
    const result = eventSchema.safeParse(item);
    if (!result.success) {
      issues.push(...toFieldIssues(at, item, result.error.issues));
      return;
    }
    const event = toModerationEvent(result.data, receivedAt);
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
