import { randomUUID } from 'node:crypto';
import type { ModerationEvent } from '#shared/contract';
import { ConfigError } from '#shared/errors';
import type { PublicLedgerItem } from '#shared/ledger';
import { acceptedAnswer, errorAnswer, messageOf, parseJson, statusAnswer } from './answers.ts';
import { type Authenticator, authenticatorOf, type BridgeAuth } from './auth.ts';
import {
  BridgeRejectedError,
  BridgeServerError,
  RetriesExhaustedError,
  UnexpectedAnswerError,
} from './errors.ts';
import { DEFAULT_RETRY, decideRetry, type RetrySettings, retryAfterMs } from './retry.ts';

/** A validated event's fields as a client sends them: `eventId` and `occurredAt` optional, no fingerprint. */
type AsSent<E> = E extends unknown
  ? Omit<E, 'eventId' | 'occurredAt' | 'fingerprint'> & {
      /** The event's idempotency key; the client makes one (a UUID) when it is missing. */
      eventId?: string;
      /** When the moderation decision was made; the time of receipt when missing. */
      occurredAt?: string | Date;
    }
  : never;

/**
 * One moderation event, as `POST /v1/events` takes it (`shared/contract/`): `action` tells which
 * fields it has.
 *
 * @example
 * ```ts
 * const event: BridgeEvent = { groupId: '@TGS#2CLUZEAEJ', account: 'bob', action: 'mute', durationSeconds: 600 };
 * ```
 */
export type BridgeEvent = AsSent<ModerationEvent>;

/** What the bridge did with one event. */
export type EventOutcome =
  /** Recorded and enqueued: it will be applied. */
  | 'accepted'
  /** The bridge already had this eventId with the same content: not enqueued again. */
  | 'duplicate';

/** One event's result, in the order the events were given. */
export interface EventResult {
  eventId: string;
  outcome: EventOutcome;
}

/** What `send` did. */
export interface SendResult {
  results: EventResult[];
  /** Attempts made, the first included. */
  attempts: number;
}

/** What became of an event: its ledger item, as `GET /v1/events/{eventId}` shows it. */
export type EventStatus = PublicLedgerItem;

/** A failed attempt the client is about to retry. */
export interface RetryNotice {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** The wait before the next one. */
  delayMs: number;
  /** The answer's status, or `undefined` when there was no answer. */
  status: number | undefined;
  /** The failure: a {@link BridgeServerError} or the network error. */
  error: unknown;
}

/** Options of {@link BridgeClient}. */
export interface BridgeClientOptions {
  /**
   * The URL of `POST /v1/events`: the stack's `EventsUrl` output, or `http://127.0.0.1:3000/v1/events`
   * locally. Plain `http:` is refused except on the loopback interface.
   */
  url: string | URL;
  auth: BridgeAuth;
  /** @default {@link DEFAULT_RETRY} */
  retry?: Partial<RetrySettings>;
  /** Called before each retry, e.g. to log it. */
  onRetry?: (notice: RetryNotice) => void;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The clock, in epoch ms. @default Date.now */
  now?: () => number;
  /** Waits between attempts. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1), for jitter. @default Math.random */
  random?: () => number;
  /** Makes eventIds and webhook delivery ids. @default crypto.randomUUID */
  randomId?: () => string;
  /** Where `AWS_REGION` is read (IAM mode). @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The events URL, checked: http(s), no query or fragment, plain http only on the loopback interface. */
function eventsUrlOf(raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new ConfigError(`the bridge URL is not a URL: '${String(raw)}'`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`the bridge URL must be https, got ${url.protocol}`);
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new ConfigError(`the bridge URL must be https (plain http only for 127.0.0.1), got ${url.host}`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('the bridge URL must have no query, fragment or user');
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

const isEventList = (events: BridgeEvent | readonly BridgeEvent[]): events is readonly BridgeEvent[] =>
  Array.isArray(events);

/** An HTTP answer the client takes as final (not 429 or 5xx). */
interface FinalAnswer {
  status: number;
  body: unknown;
  attempts: number;
}

/**
 * A typed client of the bridge's API, for services that send moderation events.
 *
 * `send` makes an eventId for every event without one **before** its first attempt, and sends the very
 * same body on every retry: a retry whose earlier attempt did reach the bridge is then a duplicate
 * there, never a second change. It retries 429, 5xx and network errors (jittered exponential backoff,
 * within a total deadline) and throws 4xx as {@link BridgeRejectedError}.
 *
 * @example
 * ```ts
 * const bridge = new BridgeClient({ url: process.env.EVENTS_URL ?? '', auth: { kind: 'iam' } });
 * const { results } = await bridge.send({ groupId: '@TGS#2CLUZEAEJ', account: 'bob', action: 'unmute' });
 * await bridge.status(results[0]?.eventId ?? '');
 * ```
 */
export class BridgeClient {
  /** The URL of `POST /v1/events`. */
  readonly url: URL;
  private readonly authenticator: Authenticator;
  private readonly retry: RetrySettings;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly randomId: () => string;
  private readonly onRetry: ((notice: RetryNotice) => void) | undefined;

  /** @throws {@link ConfigError} for a bad URL, an empty key or secret, or (IAM, webhook's `iam`) no region */
  constructor(options: BridgeClientOptions) {
    this.url = eventsUrlOf(options.url);
    this.authenticator = authenticatorOf(options.auth, this.url, options.env ?? process.env);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.randomId = options.randomId ?? randomUUID;
    this.onRetry = options.onRetry;
  }

  /**
   * Sends events in one request (`{"events": [...]}`, 1 to 100; issue paths name them `events[i]`).
   *
   * @returns each event's id and outcome, in the order given. After a retry, an event whose id this
   *   call made is `accepted` even where the bridge says duplicate: nobody else knew that id, so the
   *   copy the bridge had was this call's own earlier attempt.
   * @throws {@link BridgeRejectedError} for a 4xx (with `issues` for a 400, `conflicts` for a 409),
   *   {@link RetriesExhaustedError} when every attempt failed (with the `eventIds` to resend),
   *   {@link UnexpectedAnswerError} for an answer it cannot read
   */
  async send(events: BridgeEvent | readonly BridgeEvent[]): Promise<SendResult> {
    const list = isEventList(events) ? events : [events];
    const generated = new Set<string>();
    const withIds = list.map((event) => {
      let eventId = event.eventId;
      if (eventId === undefined) {
        eventId = this.randomId();
        generated.add(eventId);
      }
      return { ...event, eventId };
    });
    const eventIds = withIds.map((event) => event.eventId);
    const body = JSON.stringify({ events: withIds });
    const answer = await this.call('POST', this.url, body, eventIds);
    if (answer.status !== 202) throw rejection(answer);
    const parsed = acceptedAnswer.safeParse(answer.body);
    const accepted = parsed.success ? parsed.data.accepted : [];
    if (!parsed.success || accepted.map((item) => item.eventId).join('\n') !== eventIds.join('\n')) {
      throw new UnexpectedAnswerError(
        202,
        'the bridge accepted the events but its answer does not list them',
        {
          ...(parsed.success ? {} : { cause: parsed.error }),
        },
      );
    }
    const retried = answer.attempts > 1;
    return {
      results: accepted.map(({ eventId, duplicate }) => ({
        eventId,
        outcome: duplicate === true && !(retried && generated.has(eventId)) ? 'duplicate' : 'accepted',
      })),
      attempts: answer.attempts,
    };
  }

  /**
   * What became of an event (`GET /v1/events/{eventId}`), with the same retries as `send`.
   *
   * In webhook mode it signs with the `auth`'s `iam` (SigV4), as a webhook-mode bridge checks this route.
   *
   * @returns its status, or `undefined` when the bridge has no event with this id (404)
   * @throws {@link BridgeRejectedError} for another 4xx (a 400 for an id that breaks the eventId rule),
   *   {@link RetriesExhaustedError}, {@link UnexpectedAnswerError}; a `ConfigError`, before any
   *   request, in webhook mode without `auth.iam`
   */
  async status(eventId: string): Promise<EventStatus | undefined> {
    const url = new URL(this.url);
    url.pathname = `${url.pathname}/${encodeURIComponent(eventId)}`;
    const answer = await this.call('GET', url, undefined, [eventId]);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw rejection(answer);
    const parsed = statusAnswer.safeParse(answer.body);
    if (!parsed.success) {
      throw new UnexpectedAnswerError(200, 'the bridge answered a status the client cannot read', {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** Makes attempts until one gets a final answer, or the policy gives up. */
  private async call(
    method: 'GET' | 'POST',
    url: URL,
    body: string | undefined,
    eventIds: readonly string[],
  ): Promise<FinalAnswer> {
    const started = this.now();
    // One delivery: every attempt carries the same webhook-id, so the bridge sees retries as one.
    const deliveryId = `msg_${this.randomId()}`;
    for (let attempt = 1; ; attempt++) {
      const headers = await this.authenticator.headers({
        method,
        url,
        body,
        deliveryId,
        date: new Date(this.now()),
      });
      const remainingMs = Math.max(1, started + this.retry.deadlineMs - this.now());
      let failure: unknown;
      let status: number | undefined;
      let retryAfter: number | undefined;
      try {
        const response = await this.fetch(url, {
          method,
          headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(Math.min(this.retry.attemptTimeoutMs, remainingMs)),
        });
        const text = await response.text();
        const parsed = parseJson(text);
        if (response.status !== 429 && response.status < 500) {
          return { status: response.status, body: parsed, attempts: attempt };
        }
        status = response.status;
        retryAfter = retryAfterMs(response.headers.get('retry-after'), this.now());
        const requestId = errorAnswer.safeParse(parsed).data?.requestId;
        failure = new BridgeServerError(response.status, messageOf(response.status, parsed), requestId);
      } catch (error) {
        failure = error;
      }
      const elapsedMs = this.now() - started;
      const decision = decideRetry(
        status === undefined
          ? { kind: 'no_answer' }
          : { kind: 'answered', status, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) },
        attempt,
        elapsedMs,
        this.retry,
        this.random,
      );
      if (!decision.retry) {
        const reason = decision.reason === 'deadline' ? 'deadline' : 'attempts';
        throw new RetriesExhaustedError({ attempts: attempt, reason, eventIds, elapsedMs }, failure);
      }
      this.onRetry?.({ attempt, delayMs: decision.delayMs, status, error: failure });
      await this.sleep(decision.delayMs);
    }
  }
}

/** The error of a final answer other than the expected one: a 4xx, or something the client cannot read. */
function rejection(answer: FinalAnswer): Error {
  if (answer.status < 400) {
    return new UnexpectedAnswerError(answer.status, `the bridge answered HTTP ${answer.status}`);
  }
  const parsed = errorAnswer.safeParse(answer.body);
  const body = parsed.success ? parsed.data : undefined;
  return new BridgeRejectedError(answer.status, messageOf(answer.status, answer.body), {
    ...(body?.issues === undefined ? {} : { issues: body.issues }),
    ...(body?.issueCount === undefined ? {} : { issueCount: body.issueCount }),
    ...(body?.conflicts === undefined ? {} : { conflicts: body.conflicts }),
  });
}
