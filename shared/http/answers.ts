import {
  CredentialsError,
  EnqueueError,
  EventConflictError,
  LedgerUnavailableError,
  MalformedBodyError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  WebhookRejectedError,
} from '../errors/index.ts';
import type { PublicLedgerItem, StatusLookup } from '../ledger/index.ts';
import {
  type ConflictBody,
  type EnqueueErrorBody,
  MAX_LISTED_ISSUES,
  type MessageBody,
  type ServerErrorBody,
  type ValidationErrorBody,
} from './bodies.ts';

/** An HTTP answer, in the shape API Gateway's proxy integration takes. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A JSON answer. */
export function jsonResponse(statusCode: number, payload: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(payload),
  };
}

/**
 * The HTTP status the API edge answers an error with. Errors do not carry statuses: this is the
 * one place that maps them. Errors of the caller's making are 4xx; anything unknown is a 500.
 */
export function statusOf(error: unknown): number {
  if (error instanceof ValidationError || error instanceof MalformedBodyError) return 400;
  if (error instanceof WebhookRejectedError) return 401;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof UnsupportedMediaTypeError) return 415;
  if (error instanceof EventConflictError) return 409;
  if (
    error instanceof EnqueueError ||
    error instanceof LedgerUnavailableError ||
    error instanceof CredentialsError
  ) {
    return 503;
  }
  return 500;
}

/**
 * The answer for an error. A 4xx says exactly what is wrong (at most {@link MAX_LISTED_ISSUES}
 * issues, with the total in `issueCount`); a 5xx says only what the caller can act on (which events
 * are safely enqueued) and a request id to quote, never internals.
 */
export function errorResponse(error: unknown, requestId: string | undefined): HttpResponse {
  const reference = requestId === undefined ? {} : { requestId };
  const status = statusOf(error);
  if (error instanceof ValidationError) {
    const count = error.issues.length;
    const capped = count > MAX_LISTED_ISSUES;
    return jsonResponse(status, {
      message: `invalid request: ${error.message}${capped ? ` (first ${MAX_LISTED_ISSUES} listed)` : ''}`,
      issues: capped ? error.issues.slice(0, MAX_LISTED_ISSUES) : [...error.issues],
      issueCount: count,
    } satisfies ValidationErrorBody);
  }
  if (error instanceof EnqueueError) {
    return jsonResponse(status, {
      message:
        'some events could not be enqueued; resend the same request: events already enqueued are ' +
        'dropped as duplicates by eventId',
      enqueued: error.enqueued.map((eventId) => ({ eventId })),
      notEnqueued: error.notEnqueued.map((eventId) => ({ eventId })),
      ...reference,
    } satisfies EnqueueErrorBody);
  }
  if (error instanceof EventConflictError) {
    return jsonResponse(status, {
      message: error.message,
      conflicts: [...error.conflicts],
    } satisfies ConflictBody);
  }
  if (error instanceof LedgerUnavailableError) {
    return jsonResponse(status, {
      message: 'the event ledger could not be reached; nothing was enqueued: resend the same request as is',
      ...reference,
    } satisfies ServerErrorBody);
  }
  if (error instanceof CredentialsError) {
    // Which secret and what is wrong with it are for the logs; the sender can only try again later.
    return jsonResponse(status, {
      message: 'the signing secrets could not be read; nothing was enqueued: resend the same request later',
      ...reference,
    });
  }
  // Only the 4xx errors above reach here with a status below 500; their messages are written for callers.
  if (status < 500 && error instanceof Error) {
    return jsonResponse(status, { message: error.message } satisfies MessageBody);
  }
  return jsonResponse(500, { message: 'internal error', ...reference } satisfies ServerErrorBody);
}

/**
 * The answer of `GET /v1/events/{eventId}` for what the ledger lookup found: 200 with the item; an
 * invalid eventId as {@link errorResponse} answers any invalid field (400); 404 for an eventId the
 * ledger does not have; 503 with a request id to quote when the ledger cannot be reached.
 *
 * @example
 * ```ts
 * eventStatusResponse({ kind: 'not_found' }, requestId); // 404 {"message":"no event with this eventId"}
 * ```
 */
export function eventStatusResponse(found: StatusLookup, requestId: string | undefined): HttpResponse {
  switch (found.kind) {
    case 'found':
      return jsonResponse(200, found.item satisfies PublicLedgerItem);
    case 'invalid':
      return errorResponse(new ValidationError(found.issues), requestId);
    case 'not_found':
      return jsonResponse(404, { message: 'no event with this eventId' } satisfies MessageBody);
    case 'unavailable':
      // A read changes nothing, so the caller only has to ask again (the ingest's 503 says how to resend).
      return jsonResponse(503, {
        message: 'the event ledger could not be reached; try again',
        ...(requestId === undefined ? {} : { requestId }),
      } satisfies ServerErrorBody);
  }
}
