import { LOOKUP_ID_PATTERN, LOOKUP_ID_RULE } from '../contract/index.ts';
import { type FieldIssue, LedgerUnavailableError } from '../errors/index.ts';
import { type LedgerStore, type PublicLedgerItem, toPublicItem } from './ledger.ts';

/** What `GET /v1/events/{eventId}` found. */
export type StatusLookup =
  | { kind: 'found'; item: PublicLedgerItem }
  | { kind: 'not_found' }
  | { kind: 'invalid'; issues: FieldIssue[] }
  | { kind: 'unavailable' };

/**
 * Looks an event up in the ledger.
 *
 * @param rawId - the path parameter as API Gateway passes it (already URL-decoded), or `undefined`
 * @example
 * ```ts
 * await lookUpEvent('evt-42', store); // { kind: 'found', item: { eventId: 'evt-42', status: 'applied', ... } }
 * ```
 */
export async function lookUpEvent(
  rawId: string | undefined,
  store: Pick<LedgerStore, 'getMany'>,
): Promise<StatusLookup> {
  if (rawId === undefined || !LOOKUP_ID_PATTERN.test(rawId)) {
    return { kind: 'invalid', issues: [{ path: 'eventId', rule: LOOKUP_ID_RULE }] };
  }
  try {
    const item = (await store.getMany([rawId])).get(rawId);
    return item === undefined ? { kind: 'not_found' } : { kind: 'found', item: toPublicItem(item) };
  } catch (error) {
    if (error instanceof LedgerUnavailableError) return { kind: 'unavailable' };
    throw error;
  }
}
