/**
 * The event ledger's DynamoDB store (`shared/aws/dynamodb.ts`) on two DynamoDB implementations: dynalite
 * (what `npm test` and the local stack use) and moto's server. Both tables are made by the local stack's
 * own `startLocalLedger`. The same scenario of every store operation runs on each: conditional puts,
 * conditional updates with `list_append`, `if_not_exists` and `REMOVE`, `ReturnValues: ALL_NEW`, and
 * BatchGetItem over more ids than one call takes. Every answer and every item must be the same on both;
 * the answers that matter most are also checked against what the store promises.
 */
import type { LedgerItem, LedgerStore } from '#shared/ledger';
import { type LocalLedger, startLocalLedger } from '../../local/ledger.ts';
import { ledgerItem as item, retryingOutcome as retrying } from '../helpers/ledger-items.ts';
import { type Moto, startMoto } from './helpers/tools.ts';

/** Every store operation, in an order that meets each condition both ways; returns each answer and the items. */
async function scenario(store: LedgerStore) {
  const answers: Record<string, unknown> = {};
  answers.created = await store.create(item('a'));
  answers.createdAgain = await store.create(item('a', { fingerprint: 'other' }));
  await store.create(item('applied', { status: 'applied' }));
  await store.markQueued('a', '2026-12-01T10:00:01.000Z', 1_800_000_001);
  await store.markQueued('applied', '2026-12-01T10:00:01.000Z', 1_800_000_001);
  answers.recorded = await store.recordOutcome('a', 0, retrying());
  answers.stale = await store.recordOutcome('a', 0, retrying());
  const {
    lastError: _lastError,
    nextAttemptAt: _next,
    ...applied
  } = retrying({
    status: 'applied',
    appliedAt: '2026-12-01T10:02:00.000Z',
  });
  answers.appliedAfterRetry = await store.recordOutcome('a', 1, applied);
  answers.withoutItem = await store.recordOutcome(
    'none',
    0,
    retrying({ status: 'applied', lastError: undefined }),
  );
  await store.create(item('dead', { status: 'dead_lettered', attempts: 10 }));
  await store.markRedriven('dead', '2026-12-02T00:00:00.000Z', 1_800_100_000);
  await store.markRedriven('unknown', '2026-12-02T00:00:00.000Z', 1_800_100_000);
  const many = Array.from({ length: 130 }, (_, i) => `many-${i}`);
  for (const id of many.slice(0, 105)) await store.create(item(id));
  answers.manyRead = (await store.getMany([...many, ...many.slice(0, 10)])).size;
  const read = await store.getMany(['a', 'applied', 'none', 'dead', 'unknown']);
  answers.items = Object.fromEntries([...read].sort(([x], [y]) => x.localeCompare(y)));
  return answers;
}

let moto: Moto;
let onMoto: LocalLedger;
let onDynalite: LocalLedger;

beforeAll(async () => {
  moto = await startMoto();
  onMoto = await startLocalLedger({ tableName: 'bridge-ledger', endpoint: moto.endpoint });
  onDynalite = await startLocalLedger({ tableName: 'bridge-ledger' });
}, 60_000);

afterAll(async () => {
  await onMoto?.close();
  await onDynalite?.close();
  await moto?.close();
});

it('gives the same answers and leaves the same items on moto as on dynalite', async () => {
  // Act
  const [motoAnswers, dynaliteAnswers] = [await scenario(onMoto.store), await scenario(onDynalite.store)];

  // Assess: the two agree, and they agree with what the store promises.
  expect(motoAnswers).toEqual(dynaliteAnswers);
  expect(motoAnswers).toMatchObject({
    created: 'created',
    createdAgain: 'exists',
    recorded: { status: 'retrying', attempts: 1, nextAttemptAt: '2026-12-01T10:01:02.000Z' },
    stale: 'conflict',
    appliedAfterRetry: { status: 'applied', attempts: 2, lastError: { code: 10002 } },
    withoutItem: { eventId: 'none', status: 'applied', attempts: 1, groupId: 'g1' },
    manyRead: 105,
    items: {
      a: {
        status: 'applied',
        history: [{ outcome: 'retrying' }],
      },
      applied: { status: 'applied', history: [{ outcome: 'received' }] },
      dead: { status: 'redriven', attempts: 0 },
    },
  });
  const items = motoAnswers.items as Record<string, LedgerItem>;
  expect(items.a?.nextAttemptAt).toBeUndefined();
  expect(items.unknown).toBeUndefined();
  expect(items.dead?.history.at(-1)).toEqual({ at: '2026-12-02T00:00:00.000Z', outcome: 'redriven' });
}, 60_000);
