import { BridgeError, EnqueueError, ValidationError } from './errors.ts';

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
 * The answer for an error. A 4xx says exactly what is wrong; a 5xx says only what the caller can act
 * on (which events are safely enqueued) and a request id to quote, never internals.
 */
export function errorResponse(error: unknown, requestId: string | undefined): HttpResponse {
  const reference = requestId === undefined ? {} : { requestId };
  if (error instanceof ValidationError) {
    return jsonResponse(400, { message: `invalid request: ${error.message}`, issues: error.issues });
  }
  if (error instanceof EnqueueError) {
    return jsonResponse(error.statusCode, {
      message:
        'some events could not be enqueued; resend the same request: events already enqueued are ' +
        'dropped as duplicates by eventId',
      enqueued: error.enqueued.map((eventId) => ({ eventId })),
      notEnqueued: error.notEnqueued.map((eventId) => ({ eventId })),
      ...reference,
    });
  }
  if (error instanceof BridgeError && error.expose) {
    return jsonResponse(error.statusCode, { message: error.message });
  }
  return jsonResponse(500, { message: 'internal error', ...reference });
}
