import {
  afterCall,
  afterRefused,
  type CallFailure,
  countsAsAttempt,
  type Decision,
  decide,
  FAILURE_RULES,
  type FailureClass,
  type FailureRule,
  FOLLOWER_RULES,
  failureOf,
  followersOf,
  holdReasonOf,
  holdReceivesWithin,
  holdSeconds,
  RESULT_RULES,
  retryUnpublished,
  retryUnrecorded,
  type StepResult,
  settleSecondsOf,
  TRANSPORT_CLASSES,
  visibilityOf,
} from '#shared/consumer';
import type { TransportFailure } from '#shared/tencent';
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

describe('the policy tables: every row', () => {
  const history = { attempt: 1, receiveCount: 1 };

  it.each(Object.entries(RESULT_RULES))('a %s result leads to %j', (kind, rule) => {
    // Prepare: a result of each kind that is not a failed call.
    const results: Record<string, StepResult> = {
      applied: { kind: 'applied' },
      expired: { kind: 'expired' },
      superseded: { kind: 'superseded', by: 'e2' },
      finished_before: { kind: 'finished_before', status: 'applied' },
      unreadable: { kind: 'unreadable', info: 'bad' },
      no_time: { kind: 'no_time' },
      held: { kind: 'held', reason: 'ledger_unavailable', info: 'x' },
    };
    const result = results[kind];
    if (result === undefined) throw new Error(`no example of ${kind}`);

    // Act
    const decision = decide(result, history, settings, noJitter);

    // Assess
    expect(decision.kind).toBe(rule.leadsTo);
  });

  it.each(Object.entries(FAILURE_RULES) as [FailureClass, FailureRule][])(
    'a %s failure follows its row: dead letter, attempts, hold, settle, split',
    (failureClass, rule) => {
      // Act
      const first = decide(failed(failureClass), { attempt: 1, receiveCount: 1 }, settings, noJitter);
      const atLimit = decide(failed(failureClass), { attempt: 100, receiveCount: 100 }, settings, noJitter);

      // Assess
      expect(countsAsAttempt(failed(failureClass))).toBe(rule.counts);
      expect(holdReasonOf(failureClass)).toBe(rule.holdsBatch);
      expect(settleSecondsOf(failureClass, settings)).toBe(rule.settles ? settings.timeoutSettleSeconds : 0);
      expect(afterCall(failed(failureClass), 2)).toBe(rule.splits ? 'split' : 'share');
      expect(afterCall(failed(failureClass), 1)).toBe('share');
      switch (rule.deadLetter) {
        case 'never':
          expect([first.kind, atLimit.kind]).toEqual(['hold', 'hold']);
          expect(first).toMatchObject({ reason: rule.holdsBatch });
          break;
        case 'first':
          expect(first).toEqual({
            kind: 'dead_letter',
            deadLetterKind: 'tencent_permanent',
            followersWaitSeconds: 0,
          });
          break;
        default: {
          const limit = settings[rule.deadLetter];
          expect(
            decide(failed(failureClass), { attempt: limit - 1, receiveCount: 1 }, settings, noJitter).kind,
          ).toBe('retry');
          expect(
            decide(failed(failureClass), { attempt: limit, receiveCount: 1 }, settings, noJitter),
          ).toEqual({
            kind: 'dead_letter',
            deadLetterKind: 'retries_exhausted',
            followersWaitSeconds: settleSecondsOf(failureClass, settings),
          });
        }
      }
    },
  );

  it.each(Object.entries(TRANSPORT_CLASSES))(
    'a call without an answer (%s) is %s',
    (failure, failureClass) => {
      // Act
      const found = failureOf({ kind: 'no_answer', failure: failure as TransportFailure, info: 'x' });

      // Assess
      expect(found).toEqual({ failureClass, transport: failure, info: 'x' });
    },
  );

  it('reads an HTTP 429 as rate limited, and a refusal by its code', () => {
    // Act & Assess
    expect(
      failureOf({ kind: 'no_answer', failure: 'http_status', info: 'x', httpStatus: 429 }).failureClass,
    ).toBe('rate_limited');
    expect(
      failureOf({ kind: 'no_answer', failure: 'http_status', info: 'x', httpStatus: 502 }).failureClass,
    ).toBe('transient');
    expect(failureOf({ kind: 'refused', code: 10010, info: 'gone', body: {} })).toEqual({
      failureClass: 'permanent',
      tencentCode: 10010,
      info: 'gone',
    });
  });

  it.each<[Decision, ReturnType<typeof followersOf>]>([
    [{ kind: 'done', outcome: 'applied' }, undefined],
    [{ kind: 'dead_letter', deadLetterKind: 'tencent_permanent', followersWaitSeconds: 0 }, undefined],
    [
      { kind: 'dead_letter', deadLetterKind: 'retries_exhausted', followersWaitSeconds: 10 },
      {
        decision: { kind: 'defer', afterSeconds: 10 },
        why: 'the last call of an earlier event timed out and may still land at Tencent',
      },
    ],
    [
      { kind: 'defer', afterSeconds: 0 },
      { decision: { kind: 'defer', afterSeconds: 0 }, why: 'the invocation is close to its timeout' },
    ],
    [
      { kind: 'retry', afterSeconds: 4 },
      {
        decision: { kind: 'defer', afterSeconds: 0 },
        why: 'an earlier event of this member is being retried',
      },
    ],
    [
      { kind: 'hold', afterSeconds: 4, reason: 'deployment_fault' },
      {
        decision: { kind: 'defer', afterSeconds: 0 },
        why: 'an earlier event of this member is being retried',
      },
    ],
  ])("after %j, a member's later records: %j (FOLLOWER_RULES)", (decision, followers) => {
    // Act & Assess
    expect(FOLLOWER_RULES[decision.kind]).toBeDefined();
    expect(followersOf(decision)).toEqual(followers);
  });

  it.each<[Decision | undefined, number | undefined]>([
    [{ kind: 'done', outcome: 'applied' }, undefined],
    [{ kind: 'dead_letter', deadLetterKind: 'invalid_message', followersWaitSeconds: 0 }, undefined],
    [{ kind: 'defer', afterSeconds: 10 }, 10],
    [{ kind: 'retry', afterSeconds: 8 }, 8],
    [{ kind: 'hold', afterSeconds: 60, reason: 'deployment_fault' }, 60],
    [undefined, 0],
  ])('%j leaves the message visible again after %s s (undefined: deleted)', (decision, seconds) => {
    // Act & Assess
    expect(visibilityOf(decision)).toBe(seconds);
  });

  it('retries an unrecorded outcome by receive count, never before the settle delay of a timeout', () => {
    // Act & Assess
    expect(retryUnrecorded({ kind: 'applied' }, 1, settings, noJitter)).toEqual({
      kind: 'retry',
      afterSeconds: 1,
    });
    expect(retryUnrecorded({ kind: 'applied' }, 5, settings, noJitter)).toEqual({
      kind: 'retry',
      afterSeconds: 16,
    });
    expect(retryUnrecorded(failed('timeout'), 1, settings, noJitter)).toEqual({
      kind: 'retry',
      afterSeconds: settings.timeoutSettleSeconds,
    });
  });

  it('retries an unpublished outcome after the first backoff step', () => {
    // Act & Assess
    expect(retryUnpublished(settings, noJitter)).toEqual({ kind: 'retry', afterSeconds: 1 });
  });

  it('acknowledges a refused transition when another delivery finished the event, and retries it otherwise', () => {
    // Act & Assess
    expect(afterRefused({ status: 'applied' }, true)).toEqual({ kind: 'done', outcome: 'finished_before' });
    expect(afterRefused({ status: 'queued' }, false)).toBeUndefined();
    expect(afterRefused(undefined, false)).toBeUndefined();
  });
});
