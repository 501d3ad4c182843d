import { RateLimiter } from '#shared/consumer';

/** A limiter on a fake clock: sleeping advances the clock; every start time is recorded. */
function fakeLimiter(callsPerSecond: number) {
  let now = 1_000;
  const limiter = new RateLimiter({
    callsPerSecond,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  const starts: number[] = [];
  const call = async () => {
    await limiter.acquire();
    starts.push(now);
  };
  return { limiter, starts, call, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('spaces calls evenly at the configured rate', async () => {
    // Prepare
    const { starts, call } = fakeLimiter(100);

    // Act
    for (let i = 0; i < 50; i++) await call();

    // Assess: a burst of 100/20 = 5 calls, then one every 10 ms.
    expect(starts.slice(0, 5)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(starts[5]).toBeCloseTo(1010);
    expect(starts[49]).toBeCloseTo(1450);
  });

  it('never lets a one-second window exceed the rate plus the small burst', async () => {
    // Prepare
    const { starts, call } = fakeLimiter(90);

    // Act
    for (let i = 0; i < 500; i++) await call();

    // Assess
    let peak = 0;
    for (let i = 0; i < starts.length; i++) {
      const inWindow = starts.filter((t) => t >= (starts[i] ?? 0) && t < (starts[i] ?? 0) + 1000).length;
      peak = Math.max(peak, inWindow);
    }
    expect(peak).toBeLessThanOrEqual(90 + 4);
  });

  it('does not save up more than the burst while idle', async () => {
    // Prepare
    const { starts, call, advance } = fakeLimiter(100);
    await call();

    // Act
    advance(60_000);
    for (let i = 0; i < 10; i++) await call();

    // Assess: five at once, then spaced again.
    expect(new Set(starts.slice(1, 6)).size).toBe(1);
    expect((starts[6] ?? 0) - (starts[5] ?? 0)).toBeCloseTo(10);
  });

  it('pauses every later call after a rate-limit answer', async () => {
    // Prepare
    const { limiter, starts, call } = fakeLimiter(1000);
    await call();

    // Act
    limiter.backOff();
    await call();

    // Assess
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('declines a turn that is further away than the caller can wait, without taking it', async () => {
    // Prepare
    const { limiter, starts, call } = fakeLimiter(1000);
    await call();
    limiter.backOff();

    // Act
    const granted = await limiter.acquire(500);
    await call();

    // Assess: the declined turn was not used up; the next call starts after the pause.
    expect(granted).toBe(false);
    expect(starts).toHaveLength(2);
    expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(1000);
  });
});
