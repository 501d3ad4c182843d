import {
  type AttemptOutcome,
  DEFAULT_RETRY,
  decideRetry,
  type RetrySettings,
  retryAfterMs,
} from '../../../client/retry.ts';

const settings: RetrySettings = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  deadlineMs: 10_000,
  attemptTimeoutMs: 2_000,
};
const answered = (status: number, retryAfter?: number): AttemptOutcome => ({
  kind: 'answered',
  status,
  ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
});

describe('decideRetry', () => {
  it.each<[string, AttemptOutcome, number, number, ReturnType<typeof decideRetry>]>([
    // what, outcome, attempt, elapsed ms, decision (random 0.5)
    ['202 is final', answered(202), 1, 10, { retry: false, reason: 'final' }],
    ['400 is final', answered(400), 1, 10, { retry: false, reason: 'final' }],
    ['403 is final', answered(403), 1, 10, { retry: false, reason: 'final' }],
    ['409 is final', answered(409), 1, 10, { retry: false, reason: 'final' }],
    ['413 is final', answered(413), 1, 10, { retry: false, reason: 'final' }],
    ['503 after attempt 1: half of 100 ms', answered(503), 1, 10, { retry: true, delayMs: 50 }],
    ['500 after attempt 2: half of 200 ms', answered(500), 2, 10, { retry: true, delayMs: 100 }],
    ['502 after attempt 3: half of 400 ms', answered(502), 3, 10, { retry: true, delayMs: 200 }],
    ['429 after attempt 4: half of 800 ms', answered(429), 4, 10, { retry: true, delayMs: 400 }],
    ['no answer is retried', { kind: 'no_answer' }, 1, 10, { retry: true, delayMs: 50 }],
    ['a longer Retry-After is waited', answered(429, 700), 1, 10, { retry: true, delayMs: 700 }],
    ['a shorter Retry-After is not', answered(503, 10), 3, 10, { retry: true, delayMs: 200 }],
    ['the last attempt gives up', answered(503), 5, 10, { retry: false, reason: 'attempts' }],
    ['no wait may pass the deadline', answered(503), 2, 9_950, { retry: false, reason: 'deadline' }],
    ['nor a Retry-After', answered(429, 20_000), 1, 10, { retry: false, reason: 'deadline' }],
  ])('%s', (_what, outcome, attempt, elapsedMs, expected) => {
    expect(decideRetry(outcome, attempt, elapsedMs, settings, () => 0.5)).toEqual(expected);
  });

  it('jitters over the whole step, capped at the longest delay', () => {
    // Act
    const lowest = [1, 2, 3, 4, 5, 6].map((attempt) =>
      decideRetry(answered(503), attempt, 0, { ...settings, maxAttempts: 10 }, () => 0),
    );
    const highest = [1, 2, 3, 4, 5, 6].map((attempt) =>
      decideRetry(answered(503), attempt, 0, { ...settings, maxAttempts: 10 }, () => 0.999999),
    );

    // Assess
    expect(lowest.map((decision) => (decision.retry ? decision.delayMs : -1))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(highest.map((decision) => (decision.retry ? decision.delayMs : -1))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
  });

  it('by default gives a sender 8 attempts within 30 seconds', () => {
    expect(DEFAULT_RETRY).toMatchObject({ maxAttempts: 8, deadlineMs: 30_000 });
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-31T12:00:00Z');

  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('3', now)).toBe(3_000);
    expect(retryAfterMs('Sat, 31 Jan 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('Sat, 31 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
