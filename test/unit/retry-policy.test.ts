import {
  type CallFailure,
  countsAsAttempt,
  type Decision,
  decide,
  type FailureClass,
  holdReasonOf,
  holdReceivesWithin,
  holdSeconds,
  type StepResult,
} from '#shared/consumer';
import { consumerSettings } from '../helpers/consumer-settings';

const settings = consumerSettings();
/** The jitter's low end: a backoff delay is half its step, a hold delay its whole step. */
const noJitter = () => 0;

const failed = (failureClass: FailureClass, tencentCode?: number): StepResult => {
  const failure: CallFailure = {
    failureClass,
    info: 'x',
    ...(tencentCode === undefined ? {} : { tencentCode }),
  };
  return { kind: 'failed', failure };
};

describe('decide: one table of every result and failure class, by attempt', () => {
  const table: [string, StepResult, number, number, Decision][] = [
    // [case, result, attempt, receiveCount, decision]
    ['applied', { kind: 'applied' }, 1, 1, { kind: 'done', outcome: 'applied' }],
    ['expired mute', { kind: 'expired' }, 0, 4, { kind: 'done', outcome: 'expired' }],
    [
      'unreadable message',
      { kind: 'unreadable', info: 'bad' },
      0,
      1,
      { kind: 'dead_letter', deadLetterKind: 'invalid_message', followersWaitSeconds: 0 },
    ],
    ['no Tencent turn in time', { kind: 'no_time' }, 9, 30, { kind: 'defer', afterSeconds: 0 }],
    [
      'secret unreadable, first receive',
      { kind: 'held', reason: 'credentials_unavailable', info: 'x' },
      0,
      1,
      { kind: 'hold', reason: 'credentials_unavailable', afterSeconds: 2 },
    ],
    [
      'secret unreadable, 200th receive',
      { kind: 'held', reason: 'credentials_unavailable', info: 'x' },
      9,
      200,
      { kind: 'hold', reason: 'credentials_unavailable', afterSeconds: 3_600 },
    ],
    ['transient 10002, attempt 1', failed('transient', 10002), 1, 1, { kind: 'retry', afterSeconds: 1 }],
    ['transient 10002, attempt 4', failed('transient', 10002), 4, 6, { kind: 'retry', afterSeconds: 8 }],
    ['transient 10002, attempt 9', failed('transient', 10002), 9, 9, { kind: 'retry', afterSeconds: 256 }],
    [
      'transient 10002, attempt 10 (the limit)',
      failed('transient', 10002),
      10,
      10,
      { kind: 'dead_letter', deadLetterKind: 'retries_exhausted', followersWaitSeconds: 0 },
    ],
    [
      'rate limited 60007, attempt 1',
      failed('rate_limited', 60007),
      1,
      1,
      { kind: 'retry', afterSeconds: 1 },
    ],
    [
      'rate limited 60007, attempt 10',
      failed('rate_limited', 60007),
      10,
      10,
      { kind: 'dead_letter', deadLetterKind: 'retries_exhausted', followersWaitSeconds: 0 },
    ],
    ['ambiguous 60004, attempt 2', failed('ambiguous', 60004), 2, 2, { kind: 'retry', afterSeconds: 2 }],
    [
      'ambiguous 60004, attempt 3 (its own limit)',
      failed('ambiguous', 60004),
      3,
      3,
      { kind: 'dead_letter', deadLetterKind: 'retries_exhausted', followersWaitSeconds: 0 },
    ],
    [
      'permanent 10010, attempt 1',
      failed('permanent', 10010),
      1,
      1,
      { kind: 'dead_letter', deadLetterKind: 'tencent_permanent', followersWaitSeconds: 0 },
    ],
    [
      'wrong key 70009, any attempt',
      failed('deployment_fault', 70009),
      10,
      3,
      { kind: 'hold', reason: 'deployment_fault', afterSeconds: 8 },
    ],
    [
      'fresh UserSig still expired 70001',
      failed('usersig_expired', 70001),
      10,
      1,
      { kind: 'hold', reason: 'deployment_fault', afterSeconds: 2 },
    ],
    [
      'Tencent unreachable on every endpoint, first receive: held, not an attempt',
      failed('unreachable'),
      0,
      1,
      { kind: 'hold', reason: 'tencent_unreachable', afterSeconds: 2 },
    ],
    [
      'Tencent unreachable, at the attempt limit: still held, never dead-lettered',
      failed('unreachable'),
      10,
      12,
      { kind: 'hold', reason: 'tencent_unreachable', afterSeconds: 3_600 },
    ],
    [
      'timeout, attempt 1: waits the settle delay',
      failed('timeout'),
      1,
      1,
      { kind: 'retry', afterSeconds: 10 },
    ],
    ['timeout, attempt 5: backoff is longer', failed('timeout'), 5, 5, { kind: 'retry', afterSeconds: 16 }],
    [
      'timeout at the limit: the next event waits the settle delay',
      failed('timeout'),
      10,
      10,
      { kind: 'dead_letter', deadLetterKind: 'retries_exhausted', followersWaitSeconds: 10 },
    ],
  ];

  it.each(table)('%s', (_case, result, attempt, receiveCount, expected) => {
    // Act
    const decision = decide(result, { attempt, receiveCount }, settings, noJitter);

    // Assess
    expect(decision).toEqual(expected);
  });

  it('keeps backoff jitter within half to all of the step', () => {
    // Act
    const low = decide(failed('transient', 10002), { attempt: 4, receiveCount: 4 }, settings, () => 0);
    const high = decide(failed('transient', 10002), { attempt: 4, receiveCount: 4 }, settings, () => 0.999);

    // Assess
    expect(low).toEqual({ kind: 'retry', afterSeconds: 8 });
    expect(high).toEqual({ kind: 'retry', afterSeconds: 16 });
  });
});

describe('countsAsAttempt', () => {
  it.each<[string, StepResult, boolean]>([
    ['applied', { kind: 'applied' }, true],
    ['a transient failure', failed('transient', 10002), true],
    ['a timeout', failed('timeout'), true],
    ['a permanent failure', failed('permanent', 10010), true],
    ['a call refused for the deployment', failed('deployment_fault', 70009), false],
    ['a stale UserSig', failed('usersig_expired', 70001), false],
    ['a call that reached no Tencent endpoint', failed('unreachable'), false],
    ['a hold without a call', { kind: 'held', reason: 'credentials_unavailable', info: 'x' }, false],
    ['no time for a call', { kind: 'no_time' }, false],
    ['an expired mute', { kind: 'expired' }, false],
    ['an unreadable message', { kind: 'unreadable', info: 'x' }, false],
  ])('%s: %s', (_case, result, expected) => {
    expect(countsAsAttempt(result)).toBe(expected);
  });
});

describe('holdReasonOf', () => {
  it.each<[FailureClass, string | undefined]>([
    ['deployment_fault', 'deployment_fault'],
    ['usersig_expired', 'deployment_fault'],
    ['unreachable', 'tencent_unreachable'],
    ['transient', undefined],
    ['rate_limited', undefined],
    ['ambiguous', undefined],
    ['timeout', undefined],
    ['permanent', undefined],
  ])('%s: %s', (failureClass, expected) => {
    expect(holdReasonOf(failureClass)).toBe(expected);
  });
});

describe('holds', () => {
  it('grow from the backoff base to the hold maximum, 80 to 100% of the step', () => {
    // Act
    const steps = [1, 2, 3, 11, 12, 13, 500].map((receive) => holdSeconds(receive, settings, noJitter));
    const shortest = holdSeconds(500, settings, () => 0.999_999);

    // Assess
    expect(steps).toEqual([2, 4, 8, 2_048, 3_600, 3_600, 3_600]);
    expect(shortest).toBe(2_881);
  });

  it('cost at most 430 receives over the 14 days a queue keeps an event', () => {
    // Act
    const receives = holdReceivesWithin(14 * 86_400, settings);

    // Assess: the first receive, 11 growing steps (3,270 s at their shortest), then one per 2,880 s.
    expect(receives).toBe(430);
  });
});
