import { createHash, randomUUID } from 'node:crypto';
import type * as z from 'zod';
import { type FieldIssue, ValidationError } from '../errors/index.ts';
import { isPlainObject } from './characters.ts';
import {
  ACCOUNTS_RULE,
  ACTION_FIELDS,
  BULK_ACTIONS,
  batchEvents,
  DATA_COUNT_RULE,
  EVENT_ID_PATTERN,
  EVENT_ID_RULE,
  EVENTS_RULE,
  eventSchema,
  MAX_BULK_EVENTS_PER_REQUEST,
  MAX_FUTURE_SKEW_MS,
  MAX_MEMBER_DATA_KEYS,
  RESERVED_KEYS,
} from './schemas.ts';
import { formatJsonPath as formatPath } from './strict-json.ts';

/**
 * Validation of `POST /v1/events`: one event, or `{"events": [...]}` with 1 to 100. It is all or
 * nothing and reports every broken rule with its field path.
 */

type ParsedEvent = z.infer<typeof eventSchema>;

/** What every validated event carries besides its action's fields. */
interface EventDefaults {
  eventId: string;
  /** When the moderation decision was made (the time of receipt when the client gave none). */
  occurredAt: Date;
  /**
   * The event as its client sent it, after validation, as a SHA-256: the same fields with the same
   * values give the same fingerprint, whatever the key order, white space or time-zone notation. The
   * ledger tells a resend (same fingerprint) from a reuse of the id for another change.
   */
  fingerprint: string;
}

/** Each action's event, with its defaults filled in. */
type WithDefaults<T> = T extends unknown ? Omit<T, 'eventId' | 'occurredAt'> & EventDefaults : never;

/**
 * An event of an action that takes `account` or `accounts` as exactly one of the two: the single form
 * or the bulk form, each its own member of the union (so that `event.accounts !== undefined` narrows).
 */
type OneOfAccounts<T> = T extends { accounts?: infer List }
  ?
      | (Omit<T, 'account' | 'accounts'> & { account: string; accounts?: undefined })
      | (Omit<T, 'account' | 'accounts'> & { accounts: Exclude<List, undefined>; account?: undefined })
  : T;

/**
 * A validated moderation event, with its defaults filled in. Its action says which of `groupId` and
 * `account` it has (`ACTION_TARGETS`); the actions of `BULK_ACTIONS` have `account` or `accounts`.
 */
export type ModerationEvent = WithDefaults<OneOfAccounts<ParsedEvent>>;

/** A bulk event: one of `BULK_ACTIONS` about several members of one group (`accounts`). */
export type BulkEvent = Extract<ModerationEvent, { accounts: readonly string[] }>;

/** Whether an event is a bulk event (`accounts`). */
export const isBulkEvent = (event: ModerationEvent): event is BulkEvent =>
  'accounts' in event && event.accounts !== undefined;

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
  // validateEvents checked (accountIssues) that an action of BULK_ACTIONS has exactly one of account
  // and accounts, which the schema alone cannot say: so this is the OneOfAccounts form.
  return <ModerationEvent>{
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

/** The actions that take `account` or `accounts`. */
const BULK: ReadonlySet<string> = new Set(BULK_ACTIONS);

/**
 * The issue of an event of `BULK_ACTIONS` with neither `account` nor `accounts`, or with both, read from
 * the raw input (the schema has both optional).
 */
function accountIssues(prefix: string, event: Record<string, unknown>): FieldIssue[] {
  if (typeof event.action !== 'string' || !BULK.has(event.action)) return [];
  const one = event.account !== undefined;
  const several = event.accounts !== undefined;
  if (one && several) {
    return [
      { path: formatPath(prefix, ['accounts']), rule: 'must not be given with account (one of the two)' },
    ];
  }
  if (!one && !several) {
    return [
      { path: formatPath(prefix, ['account']), rule: `is required (or accounts, ${ACCOUNTS_RULE.slice(5)})` },
    ];
  }
  return [];
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
    const dataIssues = [...accountIssues(at, reserved.rest), ...memberDataIssues(at, reserved.rest)];
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
  const bulk = events.filter(isBulkEvent).length;
  if (bulk > MAX_BULK_EVENTS_PER_REQUEST) {
    issues.push({
      path: batch ? 'events' : '(body)',
      rule: `must hold at most ${MAX_BULK_EVENTS_PER_REQUEST} events with accounts (has ${bulk})`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return events;
}
