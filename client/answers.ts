/**
 * The bridge's answers, as the client reads them: zod schemas of the bodies of `POST /v1/events` and
 * `GET /v1/events/{eventId}` (`shared/http/answers.ts`, `shared/ingest/`, `functions/status.ts`). Fields the
 * client does not know are dropped, so a newer bridge that adds some does not break it.
 */
import * as z from 'zod';
import type { Action } from '#shared/contract';
import { LEDGER_STATUSES, type PublicLedgerItem } from '#shared/ledger';

/** The 202 of `POST /v1/events`. */
export const acceptedAnswer = z.object({
  accepted: z.array(z.object({ eventId: z.string(), duplicate: z.literal(true).optional() })),
});

/** The body of a 4xx or 5xx: a message, and what the status adds to it. */
export const errorAnswer = z.object({
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), rule: z.string() })).optional(),
  issueCount: z.number().optional(),
  conflicts: z.array(z.object({ index: z.number(), eventId: z.string() })).optional(),
  requestId: z.string().optional(),
});

const ledgerError = z.object({ code: z.number().optional(), info: z.string(), at: z.string() });

const status = z.enum(LEDGER_STATUSES);

/** The 200 of `GET /v1/events/{eventId}`: the event's ledger item as the bridge shows it. */
export const statusAnswer = z.object({
  eventId: z.string(),
  status,
  groupId: z.string(),
  account: z.string(),
  // The bridge's contract names the actions; the client takes the bridge's word for it.
  action: z.custom<Action>((value) => typeof value === 'string'),
  acceptedAt: z.string(),
  updatedAt: z.string(),
  attempts: z.number(),
  lastError: ledgerError.optional(),
  nextAttemptAt: z.string().optional(),
  appliedAt: z.string().optional(),
  deadLetteredAt: z.string().optional(),
  history: z.array(
    z.object({
      at: z.string(),
      outcome: status,
      attempt: z.number().optional(),
      code: z.number().optional(),
      info: z.string().optional(),
      ms: z.number().optional(),
    }),
  ),
}) satisfies z.ZodType<PublicLedgerItem>;

/** A JSON body, or `undefined` when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `message` of an error body, or a short stand-in when the body has none (an HTML error page). */
export function messageOf(status: number, body: unknown): string {
  const parsed = errorAnswer.safeParse(body);
  return parsed.success ? parsed.data.message : `HTTP ${status} without a readable message`;
}
