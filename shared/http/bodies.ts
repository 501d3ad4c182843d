import * as z from 'zod';

/**
 * The bodies of the API's answers, as zod schemas. The code that builds a body is typed by the schema's
 * inferred type (`answers.ts`, for both routes, and the ingest's 202), and the OpenAPI document's answers
 * are generated from the same schemas, with examples made by the same code (`tools/openapi.ts`), so the
 * document cannot say other than the code does. The 200 of `GET /v1/events/{eventId}` is the ledger's
 * `publicLedgerItemSchema` (`#shared/ledger`).
 */

/**
 * Most issues a 400 lists; the rest are only counted (`issueCount`), so a body of thousands of bad
 * fields cannot make an answer (or a log line) several times its own size.
 */
export const MAX_LISTED_ISSUES = 100;

/** One rule an input broke. */
export const fieldIssueSchema = z.object({
  path: z
    .string()
    .describe('Where: `events[3].durationSeconds`, `data["a b"]`, `(body)` for the body itself.'),
  rule: z.string().describe('The rule it broke, e.g. `is required`, `unknown field`, `reserved key`.'),
});

/** An answer that only says what is wrong. */
export const messageBodySchema = z.object({ message: z.string() });
export type MessageBody = z.infer<typeof messageBodySchema>;

/** A 400 for invalid fields: every broken rule, by field path. */
export const validationErrorBodySchema = z.object({
  message: z.string(),
  issues: z
    .array(fieldIssueSchema)
    .min(1)
    .max(MAX_LISTED_ISSUES)
    .describe(`Every broken rule, one per field; at most the first ${MAX_LISTED_ISSUES}.`),
  issueCount: z.int().min(1).describe('How many issues there are in all, listed or not.'),
});
export type ValidationErrorBody = z.infer<typeof validationErrorBodySchema>;

/** A 409: eventIds of the request already used for other content. */
export const conflictBodySchema = z.object({
  message: z.string(),
  conflicts: z
    .array(
      z.object({
        index: z.int().min(0).describe("The event's place in the request (0 for a single event)."),
        eventId: z.string(),
      }),
    )
    .min(1),
});
export type ConflictBody = z.infer<typeof conflictBodySchema>;

const eventIdOnly = z.object({ eventId: z.string() });

/** The 202: the events' ids, in request order. */
export const acceptedBodySchema = z.object({
  accepted: z
    .array(
      z.union([
        eventIdOnly,
        z.object({
          eventId: z.string(),
          duplicate: z
            .literal(true)
            .describe('The ledger already had this event with the same content: not enqueued again.'),
        }),
      ]),
    )
    .min(1)
    .describe('The accepted events, in request order.'),
});
export type AcceptedBody = z.infer<typeof acceptedBodySchema>;

/** A 5xx, with a request id to quote; never internals. */
export const serverErrorBodySchema = z.object({
  message: z.string(),
  requestId: z
    .string()
    .optional()
    .describe('Quote it when you report the problem: the logs have the details.'),
});
export type ServerErrorBody = z.infer<typeof serverErrorBodySchema>;

/** A 503 after the queue refused some events: which ones are safely on it. */
export const enqueueErrorBodySchema = z.object({
  message: z.string(),
  enqueued: z.array(eventIdOnly).describe('Safely on the queue: a resend drops them as duplicates.'),
  notEnqueued: z.array(eventIdOnly),
  requestId: z.string().optional(),
});
export type EnqueueErrorBody = z.infer<typeof enqueueErrorBodySchema>;
