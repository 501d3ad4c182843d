/**
 * The event ledger's DynamoDB store (`shared/aws/dynamodb.ts`) on two DynamoDB implementations: dynalite
 * (what `npm test` and the local stack use) and moto's server. Both tables are made by the local stack's
 * own `startLocalLedger`. The same scenario of every store operation runs on each: conditional puts,
 * the transition table's conditional updates (status `IN` the table's statuses, and the version as read)
 * with `if_not_exists`-free creates, `REMOVE` and `ReturnValues: ALL_NEW`, every transition of the table
 * from every status by every writer, member records with nested-path conditions, and BatchGetItem over
 * more ids than one call takes, and a bulk event's member records written over more than one
 * BatchWriteItem. Every answer and every item must be the same on both; the answers that
 * matter most are also checked against what the store promises.
 */
import {
  isAllowed,
  LEDGER_ACTORS,
  LEDGER_STATUSES,
  type LedgerItem,
  type LedgerStore,
  MAX_HISTORY,
  transitionOf,
} from '#shared/ledger';
import { type LocalLedger, startLocalLedger } from '../../local/ledger.ts';
import { appliedWrite, ledgerItem as item, retryingWrite } from '../helpers/ledger-items.ts';
import { type Moto, startMoto } from './helpers/tools.ts';

const AT = '2026-12-02T00:00:00.000Z';

/** Every store operation, in an order that meets each condition both ways; returns each answer and the items. */
async function scenario(store: LedgerStore) {
  const read = async (id: string): Promise<LedgerItem | undefined> => (await store.getMany([id])).get(id);
  const answers: Record<string, unknown> = {};
  answers.created = await store.create(item('a'));
  answers.createdAgain = await store.create(item('a', { fingerprint: 'other' }));
  await store.create(item('applied', { status: 'applied' }));
  const queued = (i: LedgerItem | undefined) =>
    transitionOf(i, { by: 'ingest', to: 'queued', at: '2026-12-01T10:00:01.000Z', expiresAt: 1_800_000_001 });
  answers.queued = (await store.transition('a', queued(await read('a')))).kind;
  answers.queuedApplied = await store.transition('applied', queued(await read('applied')));
  const asRead = await read('a');
  answers.recorded = await store.transition('a', retryingWrite(asRead));
  answers.stale = await store.transition('a', retryingWrite(asRead));
  answers.appliedAfterRetry = await store.transition('a', appliedWrite(await read('a')));
  answers.backwards = await store.transition(
    'a',
    transitionOf(await read('a'), { by: 'consumer', to: 'held', at: AT, expiresAt: 1_800_100_000 }),
  );
  answers.forged = await store.transition('a', {
    ...retryingWrite(await read('a')),
    read: { status: 'queued', version: 4 },
  });
  answers.withoutItem = await store.transition('none', appliedWrite(undefined));
  const history = Array.from({ length: MAX_HISTORY }, (_, i) => ({
    at: `2026-12-01T10:${String(i).padStart(2, '0')}:00.000Z`,
    outcome: 'retrying' as const,
  }));
  await store.create(item('dead', { status: 'dead_lettered', attempts: 10, history }));
  answers.redriven = await store.transition(
    'dead',
    transitionOf(await read('dead'), {
      by: 'redrive',
      to: 'redriven',
      at: AT,
      expiresAt: 1_800_100_000,
      attempts: 0,
    }),
  );
  const table: string[] = [];
  for (const from of LEDGER_STATUSES) {
    for (const to of LEDGER_STATUSES) {
      for (const by of LEDGER_ACTORS) {
        const id = `t-${from}-${to}-${by}`;
        await store.create(item(id, { status: from }));
        const result = await store.transition(
          id,
          transitionOf(await read(id), { by, to, at: AT, expiresAt: 1_800_100_000 }),
        );
        table.push(
          `${from}->${to} by ${by}: ${result.kind}${isAllowed(from, to, by) === (result.kind === 'written') ? '' : ' (against the table)'}`,
        );
      }
    }
  }
  answers.table = table;
  const member = { key: 'member#m1', groupId: 'g1', account: 'bob' };
  const decision = (position: string, eventId: string) => ({ position, eventId, at: AT });
  answers.decided = await store.recordDecision(
    member,
    ['role', 'data.level'],
    decision('p2', 'e2'),
    1_800_000_000,
  );
  answers.older = await store.recordDecision(
    member,
    ['role', 'mute'],
    { ...decision('p1', 'e1'), until: 'permanent' },
    1_800_000_001,
  );
  await store.recordDecision(
    { key: 'group#g1', groupId: 'g1' },
    ['muteAll'],
    decision('p3', 'e3'),
    1_800_000_002,
  );
  await store.recordDecision(
    { key: 'account#bob', account: 'bob' },
    ['mute.groups', 'mute.direct'],
    { ...decision('p4', 'e4'), until: '2026-12-01T11:00:00.000Z' },
    1_800_000_003,
  );
  answers.members = Object.fromEntries(
    await store.getRecords(['member#m1', 'member#none', 'group#g1', 'account#bob']),
  );
  // A bulk event's member records: more than one BatchWriteItem takes, one of them over a record
  // written before (no condition: it replaces it), then read back in more than one BatchGetItem.
  const bulkRecords = Array.from({ length: 130 }, (_, i) => ({
    key: i === 0 ? 'member#m1' : `member#bulk-${i}`,
    groupId: 'g1',
    account: i === 0 ? 'bob' : `bot-${i}`,
    fields: { mute: { ...decision('p9', 'bulk-1'), until: '2026-12-01T11:00:00.000Z' } },
  }));
  await store.putRecords(bulkRecords, 1_800_000_004);
  const bulkRead = await store.getRecords(bulkRecords.map((record) => record.key));
  answers.bulkRecords = {
    count: bulkRead.size,
    first: bulkRead.get('member#m1'),
    last: bulkRead.get('member#bulk-129'),
  };
  await store.create(item('bulk-1', { accounts: 130 }));
  answers.bulkItem = await read('bulk-1');
  const many = Array.from({ length: 130 }, (_, i) => `many-${i}`);
  for (const id of many.slice(0, 105)) await store.create(item(id));
  answers.manyRead = (await store.getMany([...many, ...many.slice(0, 10)])).size;
  const items = await store.getMany(['a', 'applied', 'none', 'dead', 'unknown']);
  answers.items = Object.fromEntries([...items].sort(([x], [y]) => x.localeCompare(y)));
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
    queued: 'written',
    queuedApplied: { kind: 'refused', why: 'not_allowed', current: { status: 'applied' } },
    recorded: {
      kind: 'written',
      item: { status: 'retrying', attempts: 1, version: 3, nextAttemptAt: '2026-12-01T10:01:02.000Z' },
    },
    stale: { kind: 'refused', why: 'changed', current: { status: 'retrying' } },
    appliedAfterRetry: {
      kind: 'written',
      item: { status: 'applied', attempts: 2, lastError: { code: 10002 } },
    },
    backwards: { kind: 'refused', why: 'not_allowed', current: { status: 'applied' } },
    forged: { kind: 'refused', why: 'changed', current: { status: 'applied' } },
    withoutItem: {
      kind: 'written',
      item: { eventId: 'none', status: 'applied', attempts: 1, groupId: 'g1' },
    },
    redriven: { kind: 'written', item: { status: 'redriven', attempts: 0 } },
    decided: { newer: [] },
    older: { newer: ['role'] },
    members: {
      'member#m1': {
        fields: {
          role: { eventId: 'e2' },
          'data.level': { eventId: 'e2' },
          mute: { eventId: 'e1', until: 'permanent' },
        },
      },
      // A group's record has no account, an account's no group.
      'group#g1': { key: 'group#g1', groupId: 'g1', fields: { muteAll: { eventId: 'e3' } } },
      'account#bob': {
        key: 'account#bob',
        account: 'bob',
        fields: { 'mute.groups': { eventId: 'e4' }, 'mute.direct': { until: '2026-12-01T11:00:00.000Z' } },
      },
    },
    manyRead: 105,
    bulkRecords: {
      count: 130,
      first: { key: 'member#m1', account: 'bob', fields: { mute: { eventId: 'bulk-1', position: 'p9' } } },
      last: { key: 'member#bulk-129', account: 'bot-129', fields: { mute: { eventId: 'bulk-1' } } },
    },
    bulkItem: { eventId: 'bulk-1', accounts: 130 },
  });
  expect((motoAnswers.table as string[]).filter((line) => line.includes('against the table'))).toEqual([]);
  const items = motoAnswers.items as Record<string, LedgerItem>;
  expect(items.a?.nextAttemptAt).toBeUndefined();
  expect(items.unknown).toBeUndefined();
  expect(items.dead?.history).toHaveLength(MAX_HISTORY);
  expect(items.dead?.history.at(-1)).toEqual({ at: AT, outcome: 'redriven' });
}, 120_000);
