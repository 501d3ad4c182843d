import { LOOKUP_ID_RULE } from '#shared/contract';
import { lookUpEvent, toPublicItem } from '#shared/ledger';
import { MemoryLedgerStore } from '../../tools/memory-ledger';
import { ledgerItem } from '../helpers/ledger-items';

describe('lookUpEvent', () => {
  it('finds an event the ledger has, as its public item', async () => {
    // Prepare
    const store = new MemoryLedgerStore();
    await store.create(ledgerItem('evt-1'));

    // Act
    const found = await lookUpEvent('evt-1', store);

    // Assess
    expect(found).toEqual({ kind: 'found', item: toPublicItem(ledgerItem('evt-1')) });
  });

  it('says not_found for an eventId the ledger does not have', async () => {
    expect(await lookUpEvent('evt-unknown', new MemoryLedgerStore())).toEqual({ kind: 'not_found' });
  });

  it.each([['evt 1'], ['a/b'], ['x'.repeat(129)], [''], [undefined]])(
    'says invalid for the eventId %j, without reading the ledger',
    async (eventId) => {
      // Prepare
      const store = new MemoryLedgerStore();

      // Act
      const found = await lookUpEvent(eventId, store);

      // Assess
      expect(found).toEqual({ kind: 'invalid', issues: [{ path: 'eventId', rule: LOOKUP_ID_RULE }] });
      expect(store.log).toEqual([]);
    },
  );

  it('says unavailable when the ledger cannot be read, and lets any other error through', async () => {
    // Prepare
    const store = new MemoryLedgerStore();
    store.failNext('getMany');
    const broken = { getMany: async () => Promise.reject(new TypeError('a bug')) };

    // Act
    const unavailable = await lookUpEvent('evt-1', store);
    const bug = lookUpEvent('evt-1', broken);

    // Assess
    expect(unavailable).toEqual({ kind: 'unavailable' });
    await expect(bug).rejects.toThrow(TypeError);
  });
});
