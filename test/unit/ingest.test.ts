import { planBatches, type QueueEntry } from '#shared/ingest';

const entry = (eventId: string, group: string, bytes = 10): QueueEntry => ({
  eventId,
  messageGroupId: group,
  body: 'x'.repeat(bytes),
});
const ids = (batches: QueueEntry[][]) => batches.map((batch) => batch.map((e) => e.eventId));

describe('planBatches', () => {
  it('keeps order and fills calls up to the count limit', () => {
    const entries = Array.from({ length: 5 }, (_, i) => entry(`e${i}`, `g${i}`));
    expect(ids(planBatches(entries, 2, 1_000))).toEqual([['e0', 'e1'], ['e2', 'e3'], ['e4']]);
  });

  it('starts a new call at the byte limit', () => {
    const entries = [entry('a', 'g1', 60), entry('b', 'g2', 60), entry('c', 'g3', 30)];
    expect(ids(planBatches(entries, 10, 100))).toEqual([['a'], ['b', 'c']]);
  });

  it('puts at most one event of a member in a call', () => {
    const entries = [entry('a1', 'A'), entry('b1', 'B'), entry('a2', 'A'), entry('a3', 'A')];
    expect(ids(planBatches(entries, 10, 1_000))).toEqual([['a1', 'b1'], ['a2'], ['a3']]);
  });

  it('plans nothing for no entries', () => {
    expect(planBatches([], 10, 1_000)).toEqual([]);
  });
});
