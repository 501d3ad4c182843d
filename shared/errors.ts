/**
 * The bridge's one error hierarchy. Every error the bridge raises is a {@link BridgeError}; each keeps
 * the error that caused it in `cause`. `statusCode` and `expose` follow middy's convention: an error
 * whose status is below 500 is the caller's to fix and its message is safe to return; anything else
 * is ours, and the API edge answers with a generic message instead.
 */
export class BridgeError extends Error {
  /** HTTP status the API edge answers with when this error reaches it. */
  readonly statusCode: number;
  /** Whether `message` may be returned to an API caller. */
  readonly expose: boolean;

  constructor(message: string, options: { cause?: unknown; statusCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.statusCode = options.statusCode ?? 500;
    this.expose = this.statusCode < 500;
  }
}

/** One rule an input broke: where (`events[3].durationSeconds`) and what the rule is. */
export interface FieldIssue {
  path: string;
  rule: string;
}

/** The request or event is invalid; `issues` names every field and the rule it broke. */
export class ValidationError extends BridgeError {
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[], options: { cause?: unknown } = {}) {
    const count = issues.length;
    super(`${count} invalid field${count === 1 ? '' : 's'}`, { ...options, statusCode: 400 });
    this.issues = issues;
  }
}

/** The request body is not JSON. */
export class MalformedBodyError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, statusCode: 400 });
  }
}

/** The request body is larger than the configured limit. */
export class PayloadTooLargeError extends BridgeError {
  constructor(limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`, { statusCode: 413 });
  }
}

/** The request is not `application/json`. */
export class UnsupportedMediaTypeError extends BridgeError {
  constructor(received: string | undefined) {
    super(`Content-Type must be application/json, got ${received ? `'${received}'` : 'none'}`, {
      statusCode: 415,
    });
  }
}

/** A setting is missing or invalid; raised at cold start and names every bad setting. */
export class ConfigError extends BridgeError {}

/**
 * The queue refused some events. `enqueued` lists the eventIds that are safely on the queue, so
 * the client can resend the request: the queue drops the duplicates by eventId.
 */
export class EnqueueError extends BridgeError {
  readonly enqueued: readonly string[];
  readonly notEnqueued: readonly string[];

  constructor(
    enqueued: readonly string[],
    notEnqueued: readonly string[],
    options: { cause?: unknown } = {},
  ) {
    super(`${notEnqueued.length} event(s) could not be enqueued`, { ...options, statusCode: 503 });
    this.enqueued = enqueued;
    this.notEnqueued = notEnqueued;
  }
}

/** The Tencent admin credentials could not be read or are malformed. Never carries secret values. */
export class CredentialsError extends BridgeError {}

/** A queue message that the consumer cannot read (corrupt, or of an unknown format version). */
export class MessageFormatError extends BridgeError {}

/** The invocation has too little time left to start (or wait for) another Tencent call. */
export class OutOfTimeError extends BridgeError {}

/** Tencent answered the call with `ActionStatus: FAIL`. */
export class TencentApiError extends BridgeError {
  readonly code: number;
  readonly info: string;

  constructor(code: number, info: string) {
    super(`Tencent error ${code}: ${info}`, { statusCode: 502 });
    this.code = code;
    this.info = info;
  }
}

/** What went wrong on the way to Tencent, when no Tencent answer could be read. */
export type TransportFailure = 'timeout' | 'network' | 'http_status' | 'bad_response';

/** The call to Tencent failed before a Tencent answer could be read. The message never holds the URL. */
export class TencentTransportError extends BridgeError {
  readonly failure: TransportFailure;
  readonly httpStatus: number | undefined;

  constructor(
    failure: TransportFailure,
    message: string,
    options: { cause?: unknown; httpStatus?: number } = {},
  ) {
    super(message, { cause: options.cause, statusCode: 502 });
    this.failure = failure;
    this.httpStatus = options.httpStatus;
  }
}
