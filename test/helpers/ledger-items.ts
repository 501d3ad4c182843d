import type { LedgerItem, LedgerOutcome } from '#shared/ledger';

/** A ledger item as the ingest records it (`received`, no attempt), with `fields` over it. */
export const ledgerItem = (eventId: string, fields: Partial<LedgerItem> = {}): LedgerItem => ({
  eventId,
  status: 'received',
  groupId: 'g1',
  account: 'bob',
  action: 'mute',
  fingerprint: 'fp',
  acceptedAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  attempts: 0,
  history: [{ at: '2026-12-01T10:00:00.000Z', outcome: 'received' }],
  expiresAt: 1_800_000_000,
  ...fields,
});

/** The outcome of a first attempt answered 10002 (`retrying`), with `fields` over it. */
export const retryingOutcome = (fields: Partial<LedgerOutcome> = {}): LedgerOutcome => ({
  status: 'retrying',
  at: '2026-12-01T10:01:00.000Z',
  attempted: true,
  lastError: { code: 10002, info: 'internal error', at: '2026-12-01T10:01:00.000Z' },
  nextAttemptAt: '2026-12-01T10:01:02.000Z',
  history: [{ at: '2026-12-01T10:01:00.000Z', outcome: 'retrying', attempt: 1, code: 10002 }],
  expiresAt: 1_800_000_060,
  base: {
    groupId: 'g1',
    account: 'bob',
    action: 'mute',
    fingerprint: '',
    acceptedAt: '2026-12-01T10:00:00.000Z',
  },
  ...fields,
});
