/**
 * Runs `task` over `items` with at most `limit` running at once, and resolves when all are done.
 * A task that throws rejects the whole run (after the running tasks settle).
 *
 * Written here because the usual package for this (p-limit) is ESM-only and a dependency for ten
 * lines; a fixed pool of workers pulling from one iterator is all that is needed.
 */
export async function runConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  // One iterator shared by all workers: each `next()` hands out the next item exactly once.
  const queue = items.values();
  const worker = async (): Promise<void> => {
    for (const item of queue) await task(item);
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  const results = await Promise.allSettled(workers);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
}
