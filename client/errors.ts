import { BridgeError, type FieldIssue } from '#shared/errors';

/**
 * The client's errors, in the bridge's one hierarchy: each is a {@link BridgeError}, keeps what caused
 * it in `cause`, and says in `retryable` whether the same call can succeed later. None of them ever
 * holds an API key, a webhook secret or AWS credentials.
 */

/** An event id the bridge answered for a rule it broke. */
export interface EventIdConflict {
  /** The event's position in the array given to `send`. */
  index: number;
  eventId: string;
}

/**
 * The bridge refused the request with a 4xx: it is wrong (400, 413, 415), not allowed (401, 403), or
 * reuses an eventId for other content (409). Nothing of it was enqueued, and sending it again as it is
 * gets the same answer, so the client does not retry it.
 */
export class BridgeRejectedError extends BridgeError {
  /** The HTTP status, 400-499. */
  readonly status: number;
  /** For a 400: every field that broke a rule (at most 100; `issueCount` counts them all). */
  readonly issues: readonly FieldIssue[];
  /** For a 400: how many rules were broken in all. */
  readonly issueCount: number;
  /** For a 409: the events whose eventId the bridge already had for other content. */
  readonly conflicts: readonly EventIdConflict[];

  constructor(
    status: number,
    message: string,
    details: {
      issues?: readonly FieldIssue[];
      issueCount?: number;
      conflicts?: readonly EventIdConflict[];
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? {} : { cause: details.cause });
    this.status = status;
    this.issues = details.issues ?? [];
    this.issueCount = details.issueCount ?? this.issues.length;
    this.conflicts = details.conflicts ?? [];
  }
}

/** One answer of 429 or 5xx: the bridge (or API Gateway in front of it) could not take the request now. */
export class BridgeServerError extends BridgeError {
  readonly status: number;
  /** The bridge's request id, to quote, when the answer had one. */
  readonly requestId: string | undefined;

  constructor(status: number, message: string, requestId?: string) {
    super(message, { retryable: true });
    this.status = status;
    this.requestId = requestId;
  }
}

/** Why the client stopped retrying. */
export type GiveUpReason = 'deadline' | 'attempts';

/**
 * Every attempt failed with a 429, a 5xx or no answer, until the attempts or the deadline ran out.
 * Some attempt may still have reached the bridge: sending the same events again with the same
 * `eventIds` (or asking `status` for them) is safe, a resend being a duplicate, never a second change.
 * `cause` is the last failure: a {@link BridgeServerError}, or the network error.
 */
export class RetriesExhaustedError extends BridgeError {
  readonly attempts: number;
  readonly reason: GiveUpReason;
  /** The status of the last answer, or `undefined` when the last attempt got none. */
  readonly lastStatus: number | undefined;
  /** The events' ids, in the order given, generated ones included: resend with these. */
  readonly eventIds: readonly string[];

  constructor(
    details: { attempts: number; reason: GiveUpReason; eventIds: readonly string[]; elapsedMs: number },
    cause: unknown,
  ) {
    const last =
      cause instanceof BridgeServerError
        ? `${cause.status} ${cause.message}`
        : `no answer (${describeNetworkError(cause)})`;
    const why = details.reason === 'deadline' ? 'the deadline' : 'the last attempt';
    super(
      `gave up after ${details.attempts} attempt(s) in ${Math.round(details.elapsedMs)} ms (${why}); last: ${last}`,
      { cause, retryable: true },
    );
    this.attempts = details.attempts;
    this.reason = details.reason;
    this.lastStatus = cause instanceof BridgeServerError ? cause.status : undefined;
    this.eventIds = details.eventIds;
  }
}

/** The bridge answered something the client cannot read (an unexpected status or body). */
export class UnexpectedAnswerError extends BridgeError {
  readonly status: number;

  constructor(status: number, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.status = status;
  }
}

/**
 * An error's message, also for errors of another realm (a jest sandbox, a worker), which are no
 * `instanceof Error` here.
 */
export function messageOf(error: unknown): string {
  if (
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string'
  ) {
    return error.message;
  }
  return String(error);
}

/** A network error's own message and its cause's (`fetch failed: connect ECONNREFUSED 127.0.0.1:1`). */
export function describeNetworkError(error: unknown): string {
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  return cause === undefined ? messageOf(error) : `${messageOf(error)}: ${messageOf(cause)}`;
}
