import { FaultPlanner, parseFaultConfig } from '../../local/simulator/faults.ts';
import { RateLimiter } from '../../local/simulator/rate-limit.ts';

describe('FaultPlanner', () => {
  it('plays the script in order, then falls back to the random shares', () => {
    // Prepare
    const planner = new FaultPlanner({
      script: [{ code: 10002 }, { delayMs: 500 }, { http: 502 }, { drop: true, applyBeforeFault: true }],
    });

    // Act
    const decisions = Array.from({ length: 5 }, () => planner.next());

    // Assess
    expect(decisions).toEqual([
      { delayMs: 0, applyBeforeFault: false, scripted: true, fault: { kind: 'error', code: 10002 } },
      { delayMs: 500, applyBeforeFault: false, scripted: true },
      { delayMs: 0, applyBeforeFault: false, scripted: true, fault: { kind: 'http', status: 502 } },
      { delayMs: 0, applyBeforeFault: true, scripted: true, fault: { kind: 'drop' } },
      { delayMs: 0, applyBeforeFault: false, scripted: false },
    ]);
  });

  it('draws the same faults for the same seed, close to the configured shares', () => {
    // Prepare
    const config = {
      seed: 7,
      error: { rate: 0.2 },
      timeout: { rate: 0.05, holdMs: 100, applyBeforeFault: 0.5 },
      drop: { rate: 0.02 },
      latency: { ms: 5, jitterMs: 10 },
    };
    const run = () => {
      const planner = new FaultPlanner(config);
      return Array.from({ length: 10_000 }, () => planner.next());
    };

    // Act
    const first = run();
    const second = run();

    // Assess
    expect(second).toEqual(first);
    const share = (kind: string) => first.filter((d) => d.fault?.kind === kind).length / first.length;
    expect(share('error')).toBeCloseTo(0.2, 1);
    expect(share('timeout')).toBeCloseTo(0.05, 1);
    expect(share('drop')).toBeCloseTo(0.02, 1);
    const timeouts = first.filter((d) => d.fault?.kind === 'timeout');
    const appliedFirst = timeouts.filter((d) => d.applyBeforeFault).length / timeouts.length;
    expect(appliedFirst).toBeGreaterThan(0.35);
    expect(appliedFirst).toBeLessThan(0.65);
    expect(first.every((d) => d.delayMs >= 5 && d.delayMs <= 15)).toBe(true);
  });

  it('holds a share of calls and then processes them as usual: late writes', () => {
    // Prepare
    const planner = new FaultPlanner({ seed: 3, slow: { rate: 0.1, delayMs: 4_000 } });

    // Act
    const decisions = Array.from({ length: 10_000 }, () => planner.next());

    // Assess: no fault, so the call is processed (and applied) after the delay.
    const slow = decisions.filter((d) => d.delayMs === 4_000);
    expect(slow.length / decisions.length).toBeCloseTo(0.1, 1);
    expect(decisions.every((d) => d.fault === undefined && !d.applyBeforeFault)).toBe(true);
  });

  it('refuses shares that add up to more than 1 and unknown fields', () => {
    // Act / Assess
    expect(() => parseFaultConfig({ error: { rate: 0.7 }, drop: { rate: 0.4 } })).toThrow(/add up to/);
    expect(() => parseFaultConfig({ errorRate: 0.1 })).toThrow(/invalid fault configuration/);
  });
});

describe('RateLimiter', () => {
  it('sliding: admits at most the limit in any 1000 ms', () => {
    // Prepare
    const limiter = new RateLimiter(3, 'sliding');

    // Act
    const admitted = [0, 100, 200, 300, 999, 1000, 1099, 1100].map((t) => limiter.tryAcquire(t));

    // Assess
    expect(admitted).toEqual([true, true, true, false, false, true, false, true]);
  });

  it('fixed: admits at most the limit per wall-clock second', () => {
    // Prepare
    const limiter = new RateLimiter(2, 'fixed');

    // Act
    const admitted = [900, 950, 990, 1000, 1001, 1002].map((t) => limiter.tryAcquire(t));

    // Assess
    expect(admitted).toEqual([true, true, false, true, true, false]);
  });
});
