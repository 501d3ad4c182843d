import {
  isAllowed,
  LEDGER_ACTORS,
  LEDGER_STATUSES,
  type LedgerItem,
  type LedgerStatus,
  type LedgerStore,
  MAX_HISTORY,
  TRANSITIONS,
  transitionOf,
} from '#shared/ledger';
import { MemoryLedgerStore } from '../../tools/memory-ledger';
import { appliedWrite, ledgerItem as item, retryingWrite } from '../helpers/ledger-items';
import { type LedgerTable, startLedgerTable } from '../helpers/ledger-table';

/**
 * The ledger store's contract, run against the DynamoDB store on dynalite and against the in-memory
 * store the unit tests use, so that both keep the same conditions: the transition table's.
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

/** Reads one item back. */
const read = async (store: LedgerStore, id: string): Promise<LedgerItem | undefined> =>
  (await store.getMany([id])).get(id);

describe.each<[string, () => LedgerStore]>([
  ['DynamoLedgerStore on dynalite', () => table.store],
  ['MemoryLedgerStore', () => new MemoryLedgerStore()],
])('%s', (_name, storeOf) => {
  it('creates an item once, at version 1, and reads items back by id, absent ones left out', async () => {
    // Prepare
    const store = storeOf();
    const id = fresh('c');

    // Act
    const first = await store.create(item(id, { version: undefined }));
    const second = await store.create(item(id, { fingerprint: 'other' }));
    const found = await store.getMany([id, fresh('missing')]);

    // Assess
    expect([first, second]).toEqual(['created', 'exists']);
    expect([...found.values()]).toEqual([item(id)]);
  });

  it('reads more ids than one BatchGetItem call takes', async () => {
    // Prepare
    const store = storeOf();
    const ids = Array.from({ length: 150 }, () => fresh('many'));
    for (const id of ids.slice(0, 120)) await store.create(item(id));

    // Act
    const found = await store.getMany(ids);

    // Assess
    expect(found.size).toBe(120);
  });

  it('writes a transition only while the item is the version its writer read', async () => {
    // Prepare: two writers read the same queued item.
    const store = storeOf();
    const id = fresh('o');
    await store.create(item(id, { status: 'queued' }));
    const asRead = await read(store, id);

    // Act
    const first = await store.transition(id, retryingWrite(asRead));
    const second = await store.transition(id, retryingWrite(asRead));

    // Assess: the second is refused, and says how the item now is.
    expect(first).toMatchObject({
      kind: 'written',
      item: { status: 'retrying', attempts: 1, version: 2, lastError: { code: 10002 }, fingerprint: 'fp' },
    });
    expect(second).toMatchObject({
      kind: 'refused',
      why: 'changed',
      current: { status: 'retrying', version: 2 },
    });
  });

  it('moves a received item to queued for the ingest, and leaves an item the consumer moved on alone', async () => {
    // Prepare
    const store = storeOf();
    const [received, moved] = [fresh('q'), fresh('q')];
    await store.create(item(received));
    await store.create(item(moved));
    const stale = await read(store, moved);
    await store.transition(moved, retryingWrite(stale));
    const queued = (i: LedgerItem | undefined) =>
      transitionOf(i, {
        by: 'ingest',
        to: 'queued',
        at: '2026-12-01T10:00:01.000Z',
        expiresAt: 1_800_000_001,
      });

    // Act
    const marked = await store.transition(received, queued(await read(store, received)));
    const late = await store.transition(moved, queued(stale));

    // Assess
    expect(marked).toMatchObject({
      kind: 'written',
      item: {
        status: 'queued',
        updatedAt: '2026-12-01T10:00:01.000Z',
        history: [
          { at: '2026-12-01T10:00:00.000Z', outcome: 'received' },
          { at: '2026-12-01T10:00:01.000Z', outcome: 'queued' },
        ],
      },
    });
    expect(late).toMatchObject({ kind: 'refused', why: 'changed', current: { status: 'retrying' } });
  });

  it('drops nextAttemptAt and keeps lastError when a transition gives neither', async () => {
    // Prepare
    const store = storeOf();
    const id = fresh('k');
    await store.create(item(id));
    await store.transition(id, retryingWrite(await read(store, id)));

    // Act
    const recorded = await store.transition(id, appliedWrite(await read(store, id)));

    // Assess
    expect(recorded).toMatchObject({
      kind: 'written',
      item: { status: 'applied', attempts: 2, lastError: { code: 10002 } },
    });
    expect(recorded.kind === 'written' ? recorded.item.nextAttemptAt : 'refused').toBeUndefined();
  });

  it("stores a recall's messages done, and reads them back", async () => {
    // Prepare
    const store = storeOf();
    const id = fresh('rc');
    await store.create(item(id));
    const write = retryingWrite(await read(store, id));

    // Act
    const recorded = await store.transition(id, { ...write, set: { ...write.set, recalled: [3, 5] } });

    // Assess: as written, and as read again.
    expect(recorded).toMatchObject({ kind: 'written', item: { recalled: [3, 5] } });
    expect((await store.getMany([id])).get(id)?.recalled).toEqual([3, 5]);
  });

  it('creates the item from the consumer outcome when the ledger has none, unless one appears first', async () => {
    // Prepare
    const store = storeOf();
    const [id, raced] = [fresh('none'), fresh('none')];
    await store.create(item(raced));

    // Act
    const recorded = await store.transition(id, appliedWrite(undefined));
    const refused = await store.transition(raced, appliedWrite(undefined));

    // Assess
    expect(recorded).toMatchObject({
      kind: 'written',
      item: { eventId: id, status: 'applied', attempts: 1, groupId: 'g1', fingerprint: '', version: 1 },
    });
    expect(refused).toMatchObject({ kind: 'refused', why: 'changed', current: { status: 'received' } });
  });

  it('never moves a finished item back: an applied item refuses held', async () => {
    // Prepare: an item applied by one delivery, while another still holds the queued read of it.
    const store = storeOf();
    const id = fresh('f');
    await store.create(item(id, { status: 'queued' }));
    const stale = await read(store, id);
    await store.transition(id, appliedWrite(stale));
    const applied = await read(store, id);

    // Act: a hold from the stale read, and one from a read of the applied item.
    const held = (from: LedgerItem | undefined) =>
      transitionOf(from, {
        by: 'consumer',
        to: 'held',
        at: '2026-12-01T10:03:00.000Z',
        expiresAt: 1_800_000_180,
      });
    const late = await store.transition(id, held(stale));
    const backwards = await store.transition(id, held(applied));

    // Assess
    expect(late).toMatchObject({ kind: 'refused', why: 'changed' });
    expect(backwards).toMatchObject({ kind: 'refused', why: 'not_allowed', current: { status: 'applied' } });
    expect(await read(store, id)).toMatchObject({ status: 'applied', attempts: 1 });
  });

  it('refuses, where it is stored, a transition whose read status is allowed but whose item is not in one', async () => {
    // Prepare: the item is applied at version 2; the write claims to have read it queued at version 2.
    const store = storeOf();
    const id = fresh('lie');
    await store.create(item(id, { status: 'queued' }));
    await store.transition(id, appliedWrite(await read(store, id)));
    const forged = {
      ...retryingWrite(await read(store, id)),
      read: { status: 'queued' as const, version: 2 },
    };

    // Act
    const result = await store.transition(id, forged);

    // Assess
    expect(result).toMatchObject({ kind: 'refused', why: 'changed', current: { status: 'applied' } });
  });

  it('marks a dead letter redriven with a fresh attempt budget, keeping the last 20 history entries', async () => {
    // Prepare: a dead letter whose history is full.
    const store = storeOf();
    const history = Array.from({ length: MAX_HISTORY }, (_, i) => ({
      at: `2026-12-01T10:${String(i).padStart(2, '0')}:00.000Z`,
      outcome: 'retrying' as const,
      attempt: i + 1,
    }));
    const id = fresh('r');
    await store.create(item(id, { status: 'dead_lettered', attempts: 10, history }));
    const dead = await read(store, id);

    // Act
    const result = await store.transition(
      id,
      transitionOf(dead, {
        by: 'redrive',
        to: 'redriven',
        at: '2026-12-02T00:00:00.000Z',
        expiresAt: 1_800_100_000,
        attempts: 0,
      }),
    );
    const after = await read(store, id);

    // Assess
    expect(result.kind).toBe('written');
    expect(after).toMatchObject({ status: 'redriven', attempts: 0, updatedAt: '2026-12-02T00:00:00.000Z' });
    expect(after?.history).toHaveLength(MAX_HISTORY);
    expect(after?.history[0]).toEqual(history[1]);
    expect(after?.history.at(-1)).toEqual({ at: '2026-12-02T00:00:00.000Z', outcome: 'redriven' });
  });

  it('writes exactly the transitions the table allows, for every status, status and writer', async () => {
    // Prepare: an item in each status, and a write to each status by each writer.
    const store = storeOf();
    const outcomes: string[] = [];
    const expected: string[] = [];

    // Act
    for (const from of LEDGER_STATUSES) {
      for (const to of LEDGER_STATUSES) {
        for (const by of LEDGER_ACTORS) {
          const id = fresh('t');
          await store.create(item(id, { status: from }));
          const result = await store.transition(
            id,
            transitionOf(await read(store, id), {
              by,
              to,
              at: '2026-12-03T00:00:00.000Z',
              expiresAt: 1_800_200_000,
            }),
          );
          outcomes.push(`${from}->${to} by ${by}: ${result.kind}`);
          expected.push(`${from}->${to} by ${by}: ${isAllowed(from, to, by) ? 'written' : 'refused'}`);
        }
      }
    }

    // Assess: the table's own rows, too.
    expect(outcomes).toEqual(expected);
    const finished: LedgerStatus[] = ['applied', 'expired', 'superseded', 'dead_lettered'];
    for (const status of finished) {
      const leaving = LEDGER_STATUSES.filter((to) => TRANSITIONS[to].from.includes(status));
      expect([status, leaving]).toEqual([status, status === 'dead_lettered' ? ['redriven'] : []]);
    }
  });

  it("records a member's newest decision per field, keeping a newer one and taking the same one again", async () => {
    // Prepare
    const store = storeOf();
    const member = { key: `member#${fresh('m')}`, groupId: 'g1', account: 'bob' };
    const decision = (position: string, eventId: string) => ({
      position,
      eventId,
      at: '2026-12-01T10:00:00.000Z',
    });

    // Act
    const first = await store.recordDecision(
      member,
      ['role', 'data.level'],
      decision('p2', 'e2'),
      1_800_000_000,
    );
    const older = await store.recordDecision(member, ['role', 'mute'], decision('p1', 'e1'), 1_800_000_001);
    const again = await store.recordDecision(member, ['mute'], decision('p1', 'e1'), 1_800_000_002);
    const found = await store.getRecords([member.key, 'member#none']);

    // Assess
    expect(first.newer).toEqual([]);
    expect(older.newer).toEqual(['role']);
    expect(again.newer).toEqual([]);
    expect([...found.values()]).toEqual([
      {
        ...member,
        fields: {
          role: decision('p2', 'e2'),
          'data.level': decision('p2', 'e2'),
          mute: decision('p1', 'e1'),
        },
      },
    ]);
  });

  it("records a group's and an account's decisions with only their own id, and reads them back so", async () => {
    // Prepare
    const store = storeOf();
    const group = { key: `group#${fresh('g')}`, groupId: 'g1' };
    const account = { key: `account#${fresh('a')}`, account: 'bob' };
    const decision = { position: 'p1', eventId: 'e1', at: '2026-12-01T10:00:00.000Z' };

    // Act
    await store.recordDecision(group, ['muteAll'], decision, 1_800_000_000);
    await store.recordDecision(account, ['mute.direct'], { ...decision, until: 'permanent' }, 1_800_000_000);
    const found = await store.getRecords([group.key, account.key]);

    // Assess: no empty account on the group's record, no empty group on the account's.
    expect(found.get(group.key)).toEqual({ ...group, fields: { muteAll: decision } });
    expect(found.get(account.key)).toEqual({
      ...account,
      fields: { 'mute.direct': { ...decision, until: 'permanent' } },
    });
  });
});
