import type { LedgerItem, LedgerWrite } from '#shared/ledger';
import { transitionOf } from '#shared/ledger';

/** A ledger item as the ingest records it (`received`, no attempt, version 1), with `fields` over it. */
export const ledgerItem = (eventId: string, fields: Partial<LedgerItem> = {}): LedgerItem => ({
  eventId,
  status: 'received',
  groupId: 'g1',
  account: 'bob',
  action: 'mute',
  fingerprint: 'fp',
  acceptedAt: '2026-12-01T10:00:00.000Z',
  position: `2026-12-01T10:00:00.000Z/000/${eventId}`,
  updatedAt: '2026-12-01T10:00:00.000Z',
  attempts: 0,
  history: [{ at: '2026-12-01T10:00:00.000Z', outcome: 'received' }],
  expiresAt: 1_800_000_000,
  version: 1,
  ...fields,
});

/** The consumer's write after a first attempt of `item` answered 10002 (`retrying`). */
export const retryingWrite = (item: LedgerItem | undefined): LedgerWrite =>
  transitionOf(
    item,
    {
      by: 'consumer',
      to: 'retrying',
      at: '2026-12-01T10:01:00.000Z',
      expiresAt: 1_800_000_060,
      attempts: (item?.attempts ?? 0) + 1,
      entry: { attempt: (item?.attempts ?? 0) + 1, code: 10002 },
      set: {
        lastError: { code: 10002, info: 'internal error', at: '2026-12-01T10:01:00.000Z' },
        nextAttemptAt: '2026-12-01T10:01:02.000Z',
      },
    },
    {
      groupId: 'g1',
      account: 'bob',
      action: 'mute',
      fingerprint: '',
      acceptedAt: '2026-12-01T10:00:00.000Z',
      position: '2026-12-01T10:00:00.000Z/000/none',
    },
  );

/** The consumer's write of `item` applied at its next attempt. */
export const appliedWrite = (item: LedgerItem | undefined): LedgerWrite =>
  transitionOf(
    item,
    {
      by: 'consumer',
      to: 'applied',
      at: '2026-12-01T10:02:00.000Z',
      expiresAt: 1_800_000_120,
      attempts: (item?.attempts ?? 0) + 1,
      entry: { attempt: (item?.attempts ?? 0) + 1, code: 0 },
      set: { appliedAt: '2026-12-01T10:02:00.000Z' },
    },
    {
      groupId: 'g1',
      account: 'bob',
      action: 'mute',
      fingerprint: '',
      acceptedAt: '2026-12-01T10:00:00.000Z',
      position: '2026-12-01T10:00:00.000Z/000/none',
    },
  );
