import { runConcurrently } from '#shared/util';

describe('runConcurrently', () => {
  it('runs every item once, never more than the limit at a time', async () => {
    // Prepare
    let running = 0;
    let peak = 0;
    const seen: number[] = [];

    // Act
    await runConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(item);
      running--;
    });

    // Assess
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('rejects when a task throws', async () => {
    await expect(
      runConcurrently([1, 2], 2, async (item) => {
        if (item === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  it('does nothing for no items', async () => {
    const task = jest.fn(async () => undefined);
    await runConcurrently([], 4, task);
    expect(task).not.toHaveBeenCalled();
  });
});
