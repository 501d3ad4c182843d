import type { LedgerStore } from '#shared/ledger';
import { ledgerItem as item, retryingOutcome as outcome } from '../helpers/ledger-items';
import { type LedgerTable, startLedgerTable } from '../helpers/ledger-table';
import { MemoryLedgerStore } from '../helpers/memory-ledger';

/**
 * The ledger store's contract, run against the DynamoDB store on dynalite and against the in-memory
 * store the unit tests use, so that both keep the same conditions.
 */

let table: LedgerTable;
beforeAll(async () => {
  table = await startLedgerTable();
});
afterAll(async () => {
  await table.close();
});

let n = 0;
const fresh = (name: string) => `${name}-${++n}`;

describe.each<[string, () => LedgerStore]>([
  ['DynamoLedgerStore on dynalite', () => table.store],
  ['MemoryLedgerStore', () => new MemoryLedgerStore()],
])('%s', (_name, storeOf) => {
  it('creates an item once, and reads items back by id, absent ones left out', async () => {
    // Prepare
    const store = storeOf();
    const id = fresh('c');

    // Act
    const first = await store.create(item(id));
    const second = await store.create(item(id, { fingerprint: 'other' }));
    const read = await store.getMany([id, fresh('missing')]);

    // Assess
    expect([first, second]).toEqual(['created', 'exists']);
    expect([...read.values()]).toEqual([item(id)]);
  });

  it('reads more ids than one BatchGetItem call takes', async () => {
    // Prepare
    const store = storeOf();
    const ids = Array.from({ length: 150 }, () => fresh('many'));
    for (const id of ids.slice(0, 120)) await store.create(item(id));

    // Act
    const read = await store.getMany(ids);

    // Assess
    expect(read.size).toBe(120);
  });

  it('marks a received item queued, and leaves an item the consumer moved on alone', async () => {
    // Prepare
    const store = storeOf();
    const [received, applied] = [fresh('q'), fresh('q')];
    await store.create(item(received));
    await store.create(item(applied, { status: 'applied' }));

    // Act
    await store.markQueued(received, '2026-12-01T10:00:01.000Z', 1_800_000_001);
    await store.markQueued(applied, '2026-12-01T10:00:01.000Z', 1_800_000_001);
    const read = await store.getMany([received, applied]);

    // Assess
    expect(read.get(received)).toMatchObject({
      status: 'queued',
      updatedAt: '2026-12-01T10:00:01.000Z',
      history: [
        { at: '2026-12-01T10:00:00.000Z', outcome: 'received' },
        { at: '2026-12-01T10:00:01.000Z', outcome: 'queued' },
      ],
    });
    expect(read.get(applied)?.status).toBe('applied');
  });

  it('records an outcome only while the attempts are as read, counting the attempt', async () => {
    // Prepare
    const store = storeOf();
    const id = fresh('o');
    await store.create(item(id));

    // Act
    const recorded = await store.recordOutcome(id, 0, outcome());
    const stale = await store.recordOutcome(id, 0, outcome());

    // Assess: the second writer read attempts 0 too, but the item has 1 now.
    expect(recorded).toMatchObject({
      status: 'retrying',
      attempts: 1,
      lastError: { code: 10002 },
      nextAttemptAt: '2026-12-01T10:01:02.000Z',
      fingerprint: 'fp',
    });
    expect(stale).toBe('conflict');
  });

  it('drops nextAttemptAt and keeps lastError when an outcome gives neither', async () => {
    // Prepare
    const store = storeOf();
    const id = fresh('k');
    await store.create(item(id));
    await store.recordOutcome(id, 0, outcome());

    // Act
    const {
      lastError: _lastError,
      nextAttemptAt: _next,
      ...applied
    } = outcome({
      status: 'applied',
      appliedAt: '2026-12-01T10:02:00.000Z',
    });
    const recorded = await store.recordOutcome(id, 1, applied);

    // Assess
    expect(recorded).toMatchObject({ status: 'applied', attempts: 2, lastError: { code: 10002 } });
    expect(recorded === 'conflict' ? 'conflict' : recorded.nextAttemptAt).toBeUndefined();
  });

  it('creates the item from the outcome when the ledger has none', async () => {
    // Prepare
    const store = storeOf();
    const id = fresh('none');

    // Act
    const recorded = await store.recordOutcome(id, 0, outcome({ status: 'applied', lastError: undefined }));

    // Assess
    expect(recorded).toMatchObject({
      eventId: id,
      status: 'applied',
      attempts: 1,
      groupId: 'g1',
      fingerprint: '',
    });
  });

  it('marks a dead letter redriven with a fresh attempt budget, and leaves other items alone', async () => {
    // Prepare
    const store = storeOf();
    const [id, applied] = [fresh('r'), fresh('r')];
    await store.create(item(id, { status: 'dead_lettered', attempts: 10 }));
    await store.create(item(applied, { status: 'applied', attempts: 2 }));

    // Act
    await store.markRedriven(id, '2026-12-02T00:00:00.000Z', 1_800_100_000);
    await store.markRedriven(applied, '2026-12-02T00:00:00.000Z', 1_800_100_000);
    await store.markRedriven(fresh('unknown'), '2026-12-02T00:00:00.000Z', 1_800_100_000);
    const read = await store.getMany([id, applied]);
    expect(read.get(applied)).toMatchObject({ status: 'applied', attempts: 2 });

    // Assess
    expect(read.get(id)).toMatchObject({
      status: 'redriven',
      attempts: 0,
      updatedAt: '2026-12-02T00:00:00.000Z',
    });
    expect(read.get(id)?.history.at(-1)).toEqual({ at: '2026-12-02T00:00:00.000Z', outcome: 'redriven' });
  });
});
