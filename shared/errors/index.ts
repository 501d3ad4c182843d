/**
 * The bridge's one error hierarchy. Every error the bridge raises is a {@link BridgeError}; each keeps
 * the error that caused it in `cause` and says in `retryable` whether trying again can help. Errors
 * carry no HTTP status: mapping them to answers is the API edge's business (`errorResponse` in
 * `shared/http/answers.ts`), and the consumer never answers HTTP at all.
 */
export class BridgeError extends Error {
  /** Whether doing the same thing again later can succeed. */
  readonly retryable: boolean;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
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
    super(`${count} invalid field${count === 1 ? '' : 's'}`, options);
    this.issues = issues;
  }
}

/** The request body cannot be read as JSON: empty, not base64, not UTF-8, or not JSON. */
export class MalformedBodyError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** The request body is larger than the configured limit. */
export class PayloadTooLargeError extends BridgeError {
  constructor(limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
  }
}

/** The request is not `application/json` in UTF-8 without a content coding; the message says what is. */
export class UnsupportedMediaTypeError extends BridgeError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * A request to a webhook-mode ingest did not prove its sender (`apiAuth=webhook`): a signature header
 * is missing, its timestamp is more than 5 minutes away, or no signing secret gives its signature. The
 * message names the check that failed, for the sender; it never holds a signature, a secret, or which
 * secret was tried.
 */
export class WebhookRejectedError extends BridgeError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * A command line was called wrongly: an unknown command or flag, a missing argument, a bad value. Raised
 * by the operator and development commands (`npm run dlq`, `npm run send`, `npm run webhook:send`,
 * `npm run bench`), which print its message, written for the person at the terminal, with their usage
 * text; never by the functions.
 */
export class UsageError extends BridgeError {
  constructor(message: string) {
    super(message);
  }
}

/** A setting is missing or invalid; raised at cold start and names every bad setting. */
export class ConfigError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

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
    super(`${notEnqueued.length} event(s) could not be enqueued`, { ...options, retryable: true });
    this.enqueued = enqueued;
    this.notEnqueued = notEnqueued;
  }
}

/**
 * Some eventIds of the request are already in the ledger for other content (another member, action or
 * value): nothing of the request was enqueued. Not retryable: the same request gets the same answer.
 */
export class EventConflictError extends BridgeError {
  readonly conflicts: readonly { index: number; eventId: string }[];

  constructor(conflicts: readonly { index: number; eventId: string }[]) {
    super(
      `${conflicts.length} eventId(s) of this request were already used for other events; nothing was enqueued`,
    );
    this.conflicts = conflicts;
  }
}

/**
 * The event ledger (`#shared/ledger`) could not be read or written: the store's SDK call failed, kept
 * conflicting or kept being throttled. The message names the operation, never an item's contents; the
 * SDK's error is the `cause`. Retryable: an unreachable or throttled table is usually back later.
 */
export class LedgerUnavailableError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/**
 * SQS refused to change the visibility of some messages of the main queue (a `Failed` entry of
 * `ChangeMessageVisibilityBatch`, e.g. a receipt handle that is no longer valid). `failures` names each
 * message by its id and SQS's error code; neither they nor the message hold a receipt handle, nor SQS's
 * own error text, which may quote one. Not retryable: a refused message shows again on its own when its
 * current visibility timeout ends.
 */
export class VisibilityChangeError extends BridgeError {
  readonly failures: readonly { messageId: string; code: string }[];

  constructor(failures: readonly { messageId: string; code: string }[]) {
    super(
      `visibility not changed for ${failures.map(({ messageId, code }) => `${messageId}: ${code}`).join(', ')}`,
    );
    this.failures = failures;
  }
}

/**
 * EventBridge refused some outcome events (`FailedEntryCount` of `PutEvents`). The message says how
 * many and EventBridge's error codes; never an event's detail, nor EventBridge's own error text.
 * Retryable: the consumer retries the records whose outcome was not published, and they publish again.
 */
export class OutcomePublishError extends BridgeError {
  readonly failedCount: number;
  readonly codes: readonly string[];

  constructor(failedCount: number, codes: readonly string[]) {
    super(`EventBridge refused ${failedCount} outcome event(s): ${codes.join(', ')}`, { retryable: true });
    this.failedCount = failedCount;
    this.codes = codes;
  }
}

/**
 * A secret the bridge needs could not be read or is malformed: the consumer's Tencent admin
 * credentials, or the ingest's webhook signing secrets. Never carries secret values.
 * Retryable: a secret being rotated or a Secrets Manager outage is over later.
 */
export class CredentialsError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** A queue message that the consumer cannot read (corrupt, or of an unknown format version). */
export class MessageFormatError extends BridgeError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}
