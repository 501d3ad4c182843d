import { backoffSeconds } from '#shared/consumer';

const policy = { baseSeconds: 2, maxSeconds: 900 };

describe('backoffSeconds', () => {
  it('starts at about 2 seconds and doubles per attempt (between half and all of each step)', () => {
    // Act
    const lowest = [1, 2, 3, 4, 5].map((attempt) => backoffSeconds(attempt, policy, () => 0));
    const highest = [1, 2, 3, 4, 5].map((attempt) => backoffSeconds(attempt, policy, () => 0.999999));

    // Assess
    expect(lowest).toEqual([1, 2, 4, 8, 16]);
    expect(highest).toEqual([2, 4, 8, 16, 32]);
  });

  it('is capped at the maximum, however many attempts', () => {
    expect(backoffSeconds(11, policy, () => 0.999999)).toBe(900);
    expect(backoffSeconds(1000, policy, () => 0.999999)).toBe(900);
    expect(backoffSeconds(1000, policy, () => 0)).toBe(450);
  });

  it('spreads retries of members that failed together', () => {
    // Act
    const delays = new Set(Array.from({ length: 50 }, () => backoffSeconds(8, policy)));

    // Assess: attempt 8 is a 256 s step, jittered over 128..256 s.
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(128);
      expect(delay).toBeLessThanOrEqual(256);
    }
  });

  it('never returns less than one second', () => {
    expect(backoffSeconds(1, { baseSeconds: 1, maxSeconds: 1 }, () => 0)).toBe(1);
  });
});
