import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type ConsumerDeps, processBatch, type QueueRecord, type VisibilityChange } from '#shared/consumer';
import type { ModerationEvent } from '#shared/contract';
import { CredentialsError } from '#shared/errors';
import { memberRecordKeyOf } from '#shared/ledger';
import type { DeadLetterReason } from '#shared/queue';
import { messageGroupIdOf, messageGroupOfEvent, toQueueMessage } from '#shared/queue';
import type {
  ForbidSendMsgBody,
  ModifyGroupMemberInfoBody,
  TencentAnswer,
  TencentCall,
} from '#shared/tencent';
import { MemoryLedgerStore } from '../../tools/memory-ledger';
import { consumerSettings } from '../helpers/consumer-settings';
import { acceptedNow, moderationEvent } from '../helpers/factories';

const settings = consumerSettings({
  maxAttempts: 3,
  ambiguousMaxAttempts: 2,
  tencentTimeoutMs: 300,
  timeReserveMs: 100,
});
const CREDENTIALS = { sdkAppId: 1, identifier: 'admin', userSig: 'eJ-sig' };

type Reply = 'ok' | number | 'timeout' | 'unreachable';

/** Answers a fake Tencent call as `reply` says, as the HTTP client would. */
function answer(reply: Reply): TencentAnswer {
  if (reply === 'ok') return { kind: 'ok', body: {} };
  if (reply === 'timeout') return { kind: 'no_answer', failure: 'timeout', info: 'no answer within 300 ms' };
  if (reply === 'unreachable') {
    return {
      kind: 'no_answer',
      failure: 'unreachable',
      info: 'could not connect to Tencent: a: connect: ECONNREFUSED',
    };
  }
  return { kind: 'refused', code: reply, info: `error ${reply}`, body: {} };
}

/** A consumer with in-memory fakes: Tencent answers from `replies` (then OK), the secret as `secret` says. */
function harness() {
  const calls: ModifyGroupMemberInfoBody[] = [];
  // Calls of the other APIs (remove, ban, recall, ...), whole; they answer from `replies` too.
  const otherCalls: TencentCall[] = [];
  const replies: Reply[] = [];
  // forbid_send_msg: each call's body, and its answer (by default, the next of `forbidReplies`, then OK).
  const forbidCalls: ForbidSendMsgBody[] = [];
  const forbidReplies: Reply[] = [];
  const forbid = { reply: (_body: ForbidSendMsgBody): Reply => forbidReplies.shift() ?? 'ok' };
  const pacer = { turns: 0, backOffs: 0 };
  const deadLetters: { messageId: string; reason: DeadLetterReason }[] = [];
  const visibility: VisibilityChange[] = [];
  const state = { secretReadable: true, pacerRefuses: false };
  const ledger = new MemoryLedgerStore();
  const deps: ConsumerDeps = {
    api: {
      call: async (request) => {
        if (request.api === 'forbid_send_msg') {
          forbidCalls.push(structuredClone(request.body));
          return answer(forbid.reply(request.body));
        }
        if (request.api !== 'modify_group_member_info') {
          otherCalls.push(structuredClone(request));
          return answer(replies.shift() ?? 'ok');
        }
        calls.push(request.body);
        return answer(replies.shift() ?? 'ok');
      },
    },
    pacer: {
      acquire: async () => {
        if (state.pacerRefuses) return false;
        pacer.turns++;
        return true;
      },
      backOff: () => {
        pacer.backOffs++;
      },
    },
    ledger,
    credentials: {
      current: async () => {
        if (!state.secretReadable) throw new CredentialsError('secret bridge/tencent is not JSON');
        return CREDENTIALS;
      },
      renew: async () => CREDENTIALS,
    },
    queue: {
      changeVisibility: async (changes) => {
        visibility.push(...changes);
      },
      sendToDeadLetter: async (record, reason) => {
        deadLetters.push({ messageId: record.messageId, reason });
      },
    },
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    settings,
    random: () => 0,
  };
  return {
    deps,
    ledger,
    calls,
    otherCalls,
    replies,
    forbidCalls,
    forbidReplies,
    forbid,
    pacer,
    deadLetters,
    visibility,
    state,
  };
}

/** The SQS record of an event (its eventId the message id), accepted now. */
const recordOf = (event: ModerationEvent, receiveCount: number, receivedAt = acceptedNow()): QueueRecord => ({
  messageId: event.eventId,
  receiptHandle: `rh-${event.eventId}-${receiveCount}`,
  body: JSON.stringify(toQueueMessage(event, receivedAt)),
  messageGroupId: messageGroupOfEvent(event),
  receiveCount,
});

const record = (account: string, messageId: string, receiveCount: number, nameCard = 'x'): QueueRecord =>
  recordOf(moderationEvent({ eventId: messageId, account, action: 'set_name_card', nameCard }), receiveCount);
const budget = { remainingTimeMs: () => 30_000 };

describe('processBatch', () => {
  it('defers, without counting an attempt, an event the pacer finds no turn for', async () => {
    // Prepare: the pacer refuses every turn for 20 deliveries.
    const { deps, calls, deadLetters, visibility, state } = harness();
    state.pacerRefuses = true;

    // Act
    for (let receive = 1; receive <= 20; receive++) {
      await processBatch([record('bob', 'm1', receive)], deps, budget);
    }
    state.pacerRefuses = false;
    const last = await processBatch([record('bob', 'm1', 21)], deps, budget);

    // Assess: never dead-lettered, released at once each time, then applied.
    expect(deadLetters).toEqual([]);
    expect(visibility.map((change) => change.seconds)).toEqual(Array.from({ length: 20 }, () => 0));
    expect(calls).toHaveLength(1);
    expect(last.failedMessageIds).toEqual([]);
  });

  it('counts only real attempts: receives while the secret is unreadable are not attempts', async () => {
    // Prepare: 10002, then the secret unreadable for four receives, then 10002 again.
    const { deps, calls, replies, deadLetters, state } = harness();
    replies.push(10002, 10002, 10002);

    // Act
    await processBatch([record('bob', 'm1', 1)], deps, budget);
    state.secretReadable = false;
    for (let receive = 2; receive <= 5; receive++)
      await processBatch([record('bob', 'm1', receive)], deps, budget);
    state.secretReadable = true;
    await processBatch([record('bob', 'm1', 6)], deps, budget);
    const afterSecond = [...deadLetters];
    await processBatch([record('bob', 'm1', 7)], deps, budget);

    // Assess: two calls are two attempts (the limit is three); the third call is the last.
    expect(afterSecond).toEqual([]);
    expect(calls).toHaveLength(3);
    expect(deadLetters).toEqual([
      { messageId: 'm1', reason: expect.objectContaining({ kind: 'retries_exhausted', attempts: 3 }) },
    ]);
  });

  it.each([70009, 70003, 60010, 70014, 70016, 70020, 60026])(
    'holds the whole batch on %i (a wrong secret), with one call and no dead letter',
    async (code) => {
      // Prepare: three members; Tencent refuses the deployment's credentials.
      const { deps, ledger, calls, replies, deadLetters, visibility } = harness();
      replies.push(code, code, code);
      const records = [record('a', 'a1', 1), record('b', 'b1', 1), record('c', 'c1', 1)];
      deps.settings = { ...settings, groupConcurrency: 1 };

      // Act
      const result = await processBatch(records, deps, budget);

      // Assess: the first refusal stops the batch; every record waits, no attempt counted.
      expect(calls).toHaveLength(1);
      expect(deadLetters).toEqual([]);
      expect(result.failedMessageIds).toEqual(['a1', 'b1', 'c1']);
      expect(visibility.map((change) => change.seconds)).toEqual([2, 2, 2]);
      expect(ledger.items.get('a1')).toMatchObject({ status: 'held', attempts: 0, lastError: { code } });
    },
  );

  it('applies held events in order once the secret is fixed, whatever their receive count', async () => {
    // Prepare: 70009 for a hundred receives of a member's three events.
    const { deps, calls, replies, deadLetters } = harness();
    const events = [1, 2, 3].map((n) => (receive: number) => record('bob', `b${n}`, receive, `card-${n}`));
    for (let receive = 1; receive <= 100; receive++) {
      replies.push(70009);
      await processBatch(
        events.map((event) => event(receive)),
        deps,
        budget,
      );
    }

    // Act: the secret is fixed.
    const result = await processBatch(
      events.map((event) => event(101)),
      deps,
      budget,
    );

    // Assess
    expect(deadLetters).toEqual([]);
    expect(result.failedMessageIds).toEqual([]);
    expect(calls.slice(-3).map((call) => call.NameCard)).toEqual(['card-1', 'card-2', 'card-3']);
    expect(calls).toHaveLength(103);
  });

  it("after a timeout at the last attempt, holds the member's next event for the settle delay", async () => {
    // Prepare: the last attempt of b1 times out; its call may still land at Tencent.
    const { deps, ledger, calls, replies, deadLetters, visibility } = harness();
    const first = record('bob', 'b1', 1);
    await processBatch(
      [first],
      {
        ...deps,
        api: { call: async () => answer(10002) },
      },
      budget,
    );
    await processBatch(
      [record('bob', 'b1', 2)],
      {
        ...deps,
        api: { call: async () => answer(10002) },
      },
      budget,
    );
    expect(ledger.items.get('b1')?.attempts).toBe(2);
    visibility.length = 0;
    replies.push('timeout');

    // Act
    const result = await processBatch([record('bob', 'b1', 3), record('bob', 'b2', 1)], deps, budget);

    // Assess
    expect(calls).toHaveLength(1);
    expect(deadLetters).toEqual([
      { messageId: 'b1', reason: expect.objectContaining({ kind: 'retries_exhausted', attempts: 3 }) },
    ]);
    expect(result.failedMessageIds).toEqual(['b2']);
    expect(visibility).toEqual([expect.objectContaining({ messageId: 'b2', seconds: 10 })]);
  });

  it('retries a timed-out call only after the settle delay', async () => {
    // Prepare
    const { deps, replies, visibility } = harness();
    replies.push('timeout');

    // Act
    await processBatch([record('bob', 'b1', 1)], deps, budget);

    // Assess: the first backoff step would be 1 s; the settle delay is 10 s.
    expect(visibility).toEqual([expect.objectContaining({ messageId: 'b1', seconds: 10 })]);
  });
});

describe('processBatch: the ledger', () => {
  it('counts attempts exactly when three containers each make one', async () => {
    // Prepare: three containers (consumers of their own) sharing one ledger; Tencent answers 10002.
    const shared = new MemoryLedgerStore();
    const containers = [harness(), harness(), harness()].map((container) => {
      container.deps.ledger = shared;
      container.replies.push(10002);
      return container;
    });

    // Act
    for (const [n, container] of containers.entries()) {
      await processBatch([record('bob', 'm1', n + 1)], container.deps, budget);
    }

    // Assess: the third attempt is the limit (3): dead-lettered with attempts 3.
    expect(containers.map((container) => container.calls.length)).toEqual([1, 1, 1]);
    expect(containers[2]?.deadLetters).toEqual([
      { messageId: 'm1', reason: expect.objectContaining({ kind: 'retries_exhausted', attempts: 3 }) },
    ]);
    expect(shared.items.get('m1')).toMatchObject({ status: 'dead_lettered', attempts: 3 });
  });

  it('records retrying, then applied, with the error, the next attempt and a history of attempts', async () => {
    // Prepare
    const { deps, ledger, replies } = harness();
    deps.now = () => Date.parse('2026-12-01T10:00:00Z');
    replies.push(10002);

    // Act
    await processBatch([record('bob', 'm1', 1)], deps, budget);
    const retrying = ledger.items.get('m1');
    await processBatch([record('bob', 'm1', 2)], deps, budget);

    // Assess
    expect(retrying).toMatchObject({
      status: 'retrying',
      attempts: 1,
      lastError: { code: 10002, info: 'error 10002', at: '2026-12-01T10:00:00.000Z' },
      nextAttemptAt: '2026-12-01T10:00:01.000Z',
    });
    const applied = ledger.items.get('m1');
    expect(applied).toMatchObject({ status: 'applied', attempts: 2, appliedAt: '2026-12-01T10:00:00.000Z' });
    expect(applied?.nextAttemptAt).toBeUndefined();
    expect(applied?.history.map(({ outcome, attempt, code }) => ({ outcome, attempt, code }))).toEqual([
      { outcome: 'retrying', attempt: 1, code: 10002 },
      { outcome: 'applied', attempt: 2, code: 0 },
    ]);
    expect(applied?.history.every((entry) => typeof entry.ms === 'number')).toBe(true);
  });

  it('retries, not acknowledges, an applied event whose outcome could not be recorded', async () => {
    // Prepare
    const { deps, ledger, calls } = harness();
    ledger.failNext('transition');
    const delivery = record('bob', 'm1', 1);

    // Act
    const first = await processBatch([delivery], deps, budget);
    const second = await processBatch([{ ...delivery, receiveCount: 2 }], deps, budget);

    // Assess: recorded the second time, from the member's record, which shows it applied: no second call.
    expect(first.failedMessageIds).toEqual(['m1']);
    expect(second.failedMessageIds).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(ledger.items.get('m1')?.status).toBe('applied');
  });

  it('calls again an applied event whose member record could not be written', async () => {
    // Prepare
    const { deps, ledger, calls } = harness();
    ledger.failNext('recordDecision');
    const delivery = record('bob', 'm1', 1);

    // Act
    const first = await processBatch([delivery], deps, budget);
    const second = await processBatch([{ ...delivery, receiveCount: 2 }], deps, budget);

    // Assess: not finished the first time (a set-to-value change is safe to repeat).
    expect(first.failedMessageIds).toEqual(['m1']);
    expect(second.failedMessageIds).toEqual([]);
    expect(calls).toHaveLength(2);
    expect(ledger.items.get('m1')?.status).toBe('applied');
  });

  it('keeps the settle delay after a timed-out call whose outcome could not be recorded', async () => {
    // Prepare: the call times out (it may still be applied late), then the ledger write fails.
    const { deps, ledger, replies, visibility } = harness();
    replies.push('timeout');
    ledger.failNext('transition');

    // Act
    const result = await processBatch([record('bob', 'm1', 1), record('bob', 'm2', 1)], deps, budget);

    // Assess: retried, and neither it nor the member's next event comes back before the settle delay (10 s).
    expect(result.failedMessageIds).toEqual(['m1', 'm2']);
    expect(visibility.find((change) => change.messageId === 'm1')?.seconds).toBeGreaterThanOrEqual(10);
  });

  it('acknowledges without a call an event the ledger already has as applied', async () => {
    // Prepare
    const { deps, calls } = harness();
    await processBatch([record('bob', 'm1', 1)], deps, budget);

    // Act: the same message again (its acknowledgement was lost).
    const again = await processBatch([record('bob', 'm1', 2)], deps, budget);

    // Assess
    expect(again.failedMessageIds).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('holds every event, calling nothing, when the ledger cannot be read', async () => {
    // Prepare
    const { deps, ledger, calls, deadLetters } = harness();
    ledger.failNext('getMany');

    // Act
    const result = await processBatch([record('bob', 'm1', 1), record('al', 'a1', 1)], deps, budget);

    // Assess
    expect(result.failedMessageIds).toEqual(['m1', 'a1']);
    expect(calls).toEqual([]);
    expect(deadLetters).toEqual([]);
  });

  it('publishes terminal outcomes; if publishing fails, the event comes back and publishes again', async () => {
    // Prepare
    const { deps, calls } = harness();
    const published: { eventId: string; status: string; history?: unknown }[][] = [];
    let failing = true;
    deps.outcomes = {
      publish: async (items) => {
        if (failing) throw new Error('EventBridge unavailable');
        published.push(items.map((item) => ({ eventId: item.eventId, status: item.status })));
      },
    };

    // Act
    const first = await processBatch([record('bob', 'm1', 1)], deps, budget);
    failing = false;
    const second = await processBatch([record('bob', 'm1', 2)], deps, budget);

    // Assess: one Tencent call; the second delivery only publishes.
    expect(first.failedMessageIds).toEqual(['m1']);
    expect(second.failedMessageIds).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(published).toEqual([[{ eventId: 'm1', status: 'applied' }]]);
  });
});

describe('processBatch: Tencent unreachable on every endpoint', () => {
  it('holds the whole batch after one call, counts no attempt, and never dead-letters', async () => {
    // Prepare: three members; no Tencent endpoint can be connected to, for 30 receives.
    const { deps, ledger, calls, replies, deadLetters, visibility } = harness();
    deps.settings = { ...settings, groupConcurrency: 1 };
    const metrics = jest.spyOn(deps.metrics, 'addMetric');
    const records = (receive: number) => [
      record('a', 'a1', receive),
      record('b', 'b1', receive),
      record('c', 'c1', receive),
    ];

    // Act
    for (let receive = 1; receive <= 30; receive++) {
      replies.push('unreachable');
      await processBatch(records(receive), deps, budget);
    }
    const first = visibility.slice(0, 3).map((change) => change.seconds);
    const reachable = await processBatch(records(31), deps, budget);

    // Assess: one call per batch (the rest held without calling), no attempt counted, far past
    // maxAttempts (3) without a dead letter; then all three applied at their first attempt.
    expect(calls).toHaveLength(30 + 3);
    expect(deadLetters).toEqual([]);
    expect(first).toEqual([2, 2, 2]);
    expect(reachable.failedMessageIds).toEqual([]);
    expect(ledger.items.get('a1')).toMatchObject({ status: 'applied', attempts: 1 });
    expect(ledger.items.get('b1')).toMatchObject({ status: 'applied', attempts: 1 });
    const named = metrics.mock.calls.map(([name]) => name);
    expect(named).toContain('EventsHeld');
    expect(named).not.toContain('CredentialsInvalid');
    expect(named).not.toContain('EventsRetried');
  });

  it('records the hold and its reason in the ledger', async () => {
    // Prepare
    const { deps, ledger, replies } = harness();
    replies.push('unreachable');

    // Act
    const result = await processBatch([record('bob', 'm1', 1)], deps, budget);

    // Assess
    expect(result.failedMessageIds).toEqual(['m1']);
    expect(ledger.items.get('m1')).toMatchObject({
      status: 'held',
      attempts: 0,
      lastError: { info: expect.stringContaining('could not connect to Tencent') },
    });
  });
});

/** A mute (or with `durationSeconds` 0, an unmute) of `account` in `groupId`, occurred at `occurredAt`. */
const muteRecord = (
  account: string,
  messageId: string,
  options: { durationSeconds?: number; groupId?: string; receiveCount?: number; occurredAt?: string } = {},
): QueueRecord => {
  const {
    durationSeconds = 600,
    groupId = '@TGS#LIVE',
    receiveCount = 1,
    occurredAt = OCCURRED_AT,
  } = options;
  const event = moderationEvent({
    eventId: messageId,
    groupId,
    account,
    occurredAt,
    ...(durationSeconds === 0 ? { action: 'unmute' } : { action: 'mute', durationSeconds }),
  });
  return recordOf(event, receiveCount, new Date(NOW_MS));
};
const OCCURRED_AT = '2026-12-01T10:00:00.000Z';
const NOW_MS = Date.parse(OCCURRED_AT) + 100_000;

/** A harness whose consumer sends mutes through forbid_send_msg, on a fixed clock 100 s after the mutes. */
function forbidHarness(overrides: Partial<typeof settings> = {}) {
  const h = harness();
  h.deps.settings = { ...settings, muteApi: 'forbid_send_msg', ...overrides };
  h.deps.now = () => NOW_MS;
  return h;
}

const accounts = (n: number) => Array.from({ length: n }, (_, i) => `viewer-${i}`);

describe('processBatch: coalesced mutes through forbid_send_msg', () => {
  it('mutes ten members of one group in one call, and records each as its own applied event', async () => {
    // Prepare
    const { deps, ledger, forbidCalls, calls, pacer, deadLetters } = forbidHarness();
    const info = jest.spyOn(deps.logger, 'info');
    const records = accounts(10).map((account, i) => muteRecord(account, `e${i}`));

    // Act
    const result = await processBatch(records, deps, budget);

    // Assess: one call, one pacer turn, 500 s left of each mute.
    expect(forbidCalls).toEqual([{ GroupId: '@TGS#LIVE', Members_Account: accounts(10), MuteTime: 500 }]);
    expect(pacer.turns).toBe(1);
    expect(calls).toEqual([]);
    expect(result.failedMessageIds).toEqual([]);
    expect(deadLetters).toEqual([]);
    for (const [i] of records.entries()) {
      expect(ledger.items.get(`e${i}`)).toMatchObject({ status: 'applied', attempts: 1 });
    }
    const applied = info.mock.calls.filter(([message]) => message === 'event applied');
    expect(applied.map(([, fields]) => (fields as { eventId: string }).eventId).sort()).toEqual(
      records.map((record) => record.messageId).sort(),
    );
    expect(applied[0]?.[1]).toMatchObject({ attempt: 1, tencentCode: 0, account: expect.any(String) });
  });

  it('does not coalesce mutes with different MuteTimes, nor mutes with unmutes, nor different groups', async () => {
    // Prepare
    const { deps, forbidCalls } = forbidHarness();
    const records = [
      muteRecord('a', 'a1', { durationSeconds: 600 }),
      muteRecord('b', 'b1', { durationSeconds: 601 }),
      muteRecord('c', 'c1', { durationSeconds: 600 }),
      muteRecord('d', 'd1', { durationSeconds: 0 }),
      muteRecord('e', 'e1', { durationSeconds: 0 }),
      muteRecord('f', 'f1', { durationSeconds: 600, groupId: '@TGS#OTHER' }),
    ];

    // Act
    await processBatch(records, deps, budget);

    // Assess
    expect(forbidCalls).toEqual([
      { GroupId: '@TGS#LIVE', Members_Account: ['a', 'c'], MuteTime: 500 },
      { GroupId: '@TGS#LIVE', Members_Account: ['b'], MuteTime: 501 },
      { GroupId: '@TGS#LIVE', Members_Account: ['d', 'e'], MuteTime: 0 },
      { GroupId: '@TGS#OTHER', Members_Account: ['f'], MuteTime: 500 },
    ]);
  });

  it("keeps each member's events in order: only each member's next event is coalesced", async () => {
    // Prepare: a mutes, unmutes, mutes again; b mutes and unmutes; c renames in between.
    const { deps, forbidCalls, calls } = forbidHarness();
    const records = [
      muteRecord('a', 'a1'),
      muteRecord('b', 'b1'),
      muteRecord('a', 'a2', { durationSeconds: 0 }),
      record('c', 'c1', 1, 'Carol'),
      muteRecord('b', 'b2', { durationSeconds: 0 }),
      muteRecord('a', 'a3'),
    ];

    // Act
    const result = await processBatch(records, deps, budget);

    // Assess: the mutes of a and b, their unmutes, then a's second mute; the rename apart, through modify.
    expect(forbidCalls).toEqual([
      { GroupId: '@TGS#LIVE', Members_Account: ['a', 'b'], MuteTime: 500 },
      { GroupId: '@TGS#LIVE', Members_Account: ['a', 'b'], MuteTime: 0 },
      { GroupId: '@TGS#LIVE', Members_Account: ['a'], MuteTime: 500 },
    ]);
    expect(calls).toEqual([{ GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'c', NameCard: 'Carol' }]);
    expect(result.failedMessageIds).toEqual([]);
  });

  it('retries every member of a coalesced call that failed transiently, each with its own attempts and backoff', async () => {
    // Prepare: a, b and c failed once already (attempt 1); d is new. The call fails again with 10002.
    const { deps, ledger, forbidCalls, forbidReplies, visibility, deadLetters } = forbidHarness();
    forbidReplies.push(10002);
    await processBatch(
      ['a', 'b', 'c'].map((account) => muteRecord(account, `${account}1`)),
      deps,
      budget,
    );
    visibility.length = 0;
    forbidReplies.push(10002);
    const second = [
      ...['a', 'b', 'c'].map((account) => muteRecord(account, `${account}1`, { receiveCount: 2 })),
      muteRecord('d', 'd1'),
    ];

    // Act
    const result = await processBatch(second, deps, budget);

    // Assess: one call of four; each member retried at its own attempt (backoff 2 s, then 1 s).
    expect(forbidCalls.map((call) => call.Members_Account)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c', 'd'],
    ]);
    expect(result.failedMessageIds).toEqual(['a1', 'b1', 'c1', 'd1']);
    expect(deadLetters).toEqual([]);
    expect(visibility.map(({ messageId, seconds }) => [messageId, seconds])).toEqual([
      ['a1', 2],
      ['b1', 2],
      ['c1', 2],
      ['d1', 1],
    ]);
    expect(['a1', 'b1', 'c1', 'd1'].map((id) => ledger.items.get(id)?.attempts)).toEqual([2, 2, 2, 1]);
    expect(ledger.items.get('d1')).toMatchObject({ status: 'retrying', lastError: { code: 10002 } });

    // Act: the third failure is a, b and c's last attempt (maxAttempts 3), not d's.
    forbidReplies.push(10002);
    await processBatch(
      [...['a', 'b', 'c'].map((account) => muteRecord(account, `${account}1`, { receiveCount: 3 }))],
      deps,
      budget,
    );
    await processBatch([muteRecord('d', 'd1', { receiveCount: 2 })], deps, budget);

    // Assess
    expect(
      deadLetters.map((letter) => [letter.messageId, letter.reason.kind, letter.reason.attempts]),
    ).toEqual([
      ['a1', 'retries_exhausted', 3],
      ['b1', 'retries_exhausted', 3],
      ['c1', 'retries_exhausted', 3],
    ]);
    expect(ledger.items.get('d1')).toMatchObject({ status: 'applied', attempts: 2 });
  });

  it('slows the pacer once for a coalesced call over the limit, and retries every member', async () => {
    // Prepare
    const { deps, forbidReplies, pacer, ledger } = forbidHarness();
    forbidReplies.push(60007);

    // Act
    const result = await processBatch(
      accounts(5).map((account, i) => muteRecord(account, `e${i}`)),
      deps,
      budget,
    );

    // Assess
    expect(pacer.backOffs).toBe(1);
    expect(result.failedMessageIds).toHaveLength(5);
    expect(ledger.items.get('e4')).toMatchObject({
      status: 'retrying',
      attempts: 1,
      lastError: { code: 60007 },
    });
  });

  it('splits a call that failed permanently, so that only the member at fault is dead-lettered', async () => {
    // Prepare: one account is not in the group; Tencent refuses any call that holds it (10019).
    const { deps, ledger, forbidCalls, forbid, deadLetters, pacer } = forbidHarness();
    forbid.reply = (body) => (body.Members_Account.includes('viewer-6') ? 10019 : 'ok');
    const records = accounts(10).map((account, i) => muteRecord(account, `e${i}`));

    // Act
    const result = await processBatch(records, deps, budget);

    // Assess: the call of ten, then again in halves down to the account at fault (9 calls, where one
    // call per account would take 11); one pacer turn each.
    const v = (...numbers: number[]) => numbers.map((n) => `viewer-${n}`);
    expect(forbidCalls.map((call) => call.Members_Account)).toEqual([
      accounts(10),
      v(0, 1, 2, 3, 4),
      v(5, 6, 7, 8, 9),
      v(5, 6, 7),
      v(5, 6),
      v(5),
      v(6),
      v(7),
      v(8, 9),
    ]);
    expect(pacer.turns).toBe(9);
    expect(result.failedMessageIds).toEqual([]);
    expect(deadLetters).toEqual([
      {
        messageId: 'e6',
        reason: expect.objectContaining({ kind: 'tencent_permanent', errorCode: 10019, attempts: 1 }),
      },
    ]);
    expect(ledger.items.get('e6')).toMatchObject({ status: 'dead_lettered', lastError: { code: 10019 } });
    for (const i of [0, 1, 2, 3, 4, 5, 7, 8, 9]) {
      expect(ledger.items.get(`e${i}`)).toMatchObject({ status: 'applied', attempts: 1 });
    }
  });

  it('works MuteTime out as each call goes out: calls that waited (for the pacer, a split) send the seconds left then', async () => {
    // Prepare: every pacer turn takes 2 s; Tencent refuses any call that holds viewer-2 (10019).
    const { deps, forbidCalls, forbid, pacer, ledger } = forbidHarness();
    deps.now = () => NOW_MS + pacer.turns * 2_000;
    forbid.reply = (body) => (body.Members_Account.includes('viewer-2') ? 10019 : 'ok');

    // Act
    await processBatch(
      accounts(3).map((account, i) => muteRecord(account, `e${i}`)),
      deps,
      budget,
    );

    // Assess: 500 s were left when planned; each call sends what is left when it goes out.
    expect(forbidCalls.map((call) => [call.Members_Account, call.MuteTime])).toEqual([
      [accounts(3), 498],
      [['viewer-0', 'viewer-1'], 496],
      [['viewer-2'], 494],
    ]);
    expect(ledger.items.get('e0')).toMatchObject({ status: 'applied' });
  });

  it('does not send a mute whose end passed while its call waited', async () => {
    // Prepare: the pacer's one turn takes the whole 500 s that were left.
    const { deps, forbidCalls, pacer, ledger } = forbidHarness();
    deps.now = () => NOW_MS + pacer.turns * 500_000;

    // Act
    const result = await processBatch([muteRecord('a', 'a1'), muteRecord('b', 'b1')], deps, budget);

    // Assess
    expect(forbidCalls).toEqual([]);
    expect(result.failedMessageIds).toEqual([]);
    expect(ledger.items.get('a1')?.status).toBe('expired');
  });

  it('splits a coalesced call answered an ambiguous account check, so only the member at fault retries it', async () => {
    // Prepare: any call that holds "bad" is answered 60004 (ambiguous: it may be one account's).
    const { deps, forbidCalls, forbid, ledger } = forbidHarness();
    forbid.reply = (body) => (body.Members_Account.includes('bad') ? 60004 : 'ok');

    // Act
    const result = await processBatch(
      ['good-1', 'bad', 'good-2'].map((account) => muteRecord(account, account)),
      deps,
      budget,
    );

    // Assess
    expect(forbidCalls.map((call) => call.Members_Account)).toEqual([
      ['good-1', 'bad', 'good-2'],
      ['good-1', 'bad'],
      ['good-1'],
      ['bad'],
      ['good-2'],
    ]);
    expect(result.failedMessageIds).toEqual(['bad']);
    expect(ledger.items.get('good-1')).toMatchObject({ status: 'applied', attempts: 1 });
    expect(ledger.items.get('bad')).toMatchObject({ status: 'retrying', lastError: { code: 60004 } });
  });

  it('holds every member of a coalesced call Tencent refused for the deployment, counting no attempt', async () => {
    // Prepare
    const { deps, ledger, forbidCalls, forbidReplies, deadLetters } = forbidHarness();
    forbidReplies.push(70009);

    // Act
    const result = await processBatch(
      accounts(3).map((account, i) => muteRecord(account, `e${i}`)),
      deps,
      budget,
    );

    // Assess
    expect(forbidCalls).toHaveLength(1);
    expect(result.failedMessageIds).toEqual(['e0', 'e1', 'e2']);
    expect(deadLetters).toEqual([]);
    expect(ledger.items.get('e2')).toMatchObject({ status: 'held', attempts: 0, lastError: { code: 70009 } });
  });

  it('keeps mutes on modify_group_member_info, one call each, with the default MUTE_API', async () => {
    // Prepare
    const { deps, forbidCalls, calls } = harness();
    deps.now = () => NOW_MS;

    // Act
    await processBatch(
      accounts(3).map((account, i) => muteRecord(account, `e${i}`)),
      deps,
      budget,
    );

    // Assess
    expect(forbidCalls).toEqual([]);
    expect(calls).toEqual(
      accounts(3).map((account) => ({ GroupId: '@TGS#LIVE', Member_Account: account, MuteTime: 500 })),
    );
  });
});

/** An SQS record of a bulk event (`accounts`) of `@TGS#LIVE`, accepted now. */
const bulkRecord = (
  messageId: string,
  fields: Record<string, unknown>,
  options: { receiveCount?: number } = {},
): QueueRecord => {
  const event = moderationEvent({
    eventId: messageId,
    groupId: '@TGS#LIVE',
    occurredAt: OCCURRED_AT,
    ...fields,
  });
  return recordOf(event, options.receiveCount ?? 1);
};

describe('processBatch: bulk events', () => {
  it('mutes 500 accounts in one forbid_send_msg call whatever MUTE_API says, records each member, and ends applied', async () => {
    // Prepare: MUTE_API is modify_group_member_info, which a bulk mute does not use.
    const { deps, ledger, forbidCalls, calls, pacer } = harness();
    deps.now = () => NOW_MS;
    const raid = accounts(500);

    // Act
    const result = await processBatch(
      [bulkRecord('raid', { action: 'mute', accounts: raid, durationSeconds: 600 })],
      deps,
      budget,
    );

    // Assess
    expect(forbidCalls).toEqual([{ GroupId: '@TGS#LIVE', Members_Account: raid, MuteTime: 500 }]);
    expect(calls).toEqual([]);
    expect(pacer.turns).toBe(1);
    expect(result.failedMessageIds).toEqual([]);
    expect(ledger.items.get('raid')).toMatchObject({ status: 'applied', accounts: 500, attempts: 1 });
    const outcomes = Object.values(ledger.items.get('raid')?.accountOutcomes ?? {});
    expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(500);
    // Every member's record has the event as its newest mute decision.
    const records = await ledger.getRecords(raid.map((account) => memberRecordKeyOf('@TGS#LIVE', account)));
    expect([...records.values()].map((record) => record.fields.mute?.eventId)).toEqual(
      raid.map(() => 'raid'),
    );
  });

  it("removes 250 accounts in calls of Tencent's 100 at most", async () => {
    // Prepare
    const { deps, ledger, otherCalls } = forbidHarness();
    const raid = accounts(250);

    // Act
    await processBatch(
      [bulkRecord('purge', { action: 'remove', accounts: raid, silent: true })],
      deps,
      budget,
    );

    // Assess
    expect(
      otherCalls.map((call) => [
        call.api,
        (call.body as { MemberToDel_Account: string[] }).MemberToDel_Account,
      ]),
    ).toEqual([
      ['delete_group_member', raid.slice(0, 100)],
      ['delete_group_member', raid.slice(100, 200)],
      ['delete_group_member', raid.slice(200)],
    ]);
    expect(ledger.items.get('purge')).toMatchObject({ status: 'applied', accounts: 250 });
  });

  it('fails the one account Tencent refuses, in a dead letter of its own, and applies the others (partly_applied)', async () => {
    // Prepare: any call holding viewer-37 is answered 10019 (not a member).
    const { deps, ledger, forbidCalls, forbid, deadLetters } = harness();
    deps.now = () => NOW_MS;
    forbid.reply = (body) => (body.Members_Account.includes('viewer-37') ? 10019 : 'ok');

    // Act
    const result = await processBatch(
      [bulkRecord('raid', { action: 'mute', accounts: accounts(100), durationSeconds: 600 })],
      deps,
      budget,
    );

    // Assess: the call of 100, then halves down to viewer-37 (1 + 2 × 7 calls at most).
    expect(forbidCalls.length).toBeLessThanOrEqual(15);
    expect(result.failedMessageIds).toEqual([]);
    expect(deadLetters).toEqual([
      {
        messageId: 'raid',
        reason: expect.objectContaining({
          kind: 'tencent_permanent',
          errorCode: 10019,
          eventId: 'raid@viewer-37',
        }),
      },
    ]);
    expect(ledger.items.get('raid')).toMatchObject({
      status: 'partly_applied',
      deadLetteredAccounts: [
        expect.objectContaining({ account: 'viewer-37', code: 10019, eventId: 'raid@viewer-37' }),
      ],
    });
    expect(ledger.items.get('raid@viewer-37')).toMatchObject({
      status: 'dead_lettered',
      groupId: '@TGS#LIVE',
      account: 'viewer-37',
      lastError: { code: 10019 },
    });
    const outcomes = Object.values(ledger.items.get('raid')?.accountOutcomes ?? {});
    expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(99);
  });

  it('does not mute again an account whose unmute, accepted after the bulk mute, was applied first', async () => {
    // Prepare: the bulk mute is accepted, then an unmute of bob; the unmute is applied first.
    const { deps, ledger, forbidCalls } = forbidHarness();
    const bulk = bulkRecord('raid', {
      action: 'mute',
      accounts: ['alice', 'bob', 'carol'],
      durationSeconds: 600,
    });
    const unmute = bulkRecord('bob-unmute', { action: 'unmute', account: 'bob' });
    await processBatch([unmute], deps, budget);

    // Act
    const result = await processBatch([bulk], deps, budget);

    // Assess: bob is left out of the call, and superseded; the event is applied for the others.
    expect(forbidCalls.map((call) => [call.Members_Account, call.MuteTime])).toEqual([
      [['bob'], 0],
      [['alice', 'carol'], 500],
    ]);
    expect(result.failedMessageIds).toEqual([]);
    expect(ledger.items.get('raid')).toMatchObject({
      status: 'applied',
      accountOutcomes: { alice: 'applied', bob: 'superseded', carol: 'applied' },
    });
    const bob = await ledger.getRecords([memberRecordKeyOf('@TGS#LIVE', 'bob')]);
    expect([...bob.values()][0]?.fields.mute?.eventId).toBe('bob-unmute');
  });

  it("applies a member's single event after the bulk event before it, and other members' events beside it", async () => {
    // Prepare: in one batch, a bulk mute of alice and bob, then an unmute of bob, and a rename of dave.
    const { deps, ledger, forbidCalls, calls } = forbidHarness();
    const records = [
      bulkRecord('raid', { action: 'mute', accounts: ['alice', 'bob'], durationSeconds: 600 }),
      bulkRecord('bob-unmute', { action: 'unmute', account: 'bob' }),
      bulkRecord('dave-name', { action: 'set_name_card', account: 'dave', nameCard: 'Dave' }),
    ];

    // Act
    const result = await processBatch(records, deps, budget);

    // Assess: the mute first, then bob's unmute; dave's rename in the first round, beside the mute.
    expect(forbidCalls.map((call) => [call.Members_Account, call.MuteTime])).toEqual([
      [['alice', 'bob'], 500],
      [['bob'], 0],
    ]);
    expect(calls).toEqual([expect.objectContaining({ Member_Account: 'dave', NameCard: 'Dave' })]);
    expect(result.failedMessageIds).toEqual([]);
    expect(ledger.items.get('bob-unmute')).toMatchObject({ status: 'applied' });
    expect(ledger.items.get('raid')).toMatchObject({ status: 'applied' });
  });

  it('falls back to one modify_group_member_info call per account where forbid_send_msg answers 10007', async () => {
    // Prepare: a Work group: forbid_send_msg is refused.
    const { deps, ledger, forbidCalls, calls, forbid } = harness();
    deps.now = () => NOW_MS;
    forbid.reply = () => 10007;

    // Act
    await processBatch(
      [bulkRecord('raid', { action: 'mute', accounts: ['a', 'b', 'c'], durationSeconds: 600 })],
      deps,
      budget,
    );

    // Assess
    expect(forbidCalls).toHaveLength(1);
    expect(calls).toEqual(
      ['a', 'b', 'c'].map((account) => ({ GroupId: '@TGS#LIVE', Member_Account: account, MuteTime: 500 })),
    );
    expect(ledger.items.get('raid')).toMatchObject({ status: 'applied' });
  });

  it('retries only the accounts not finished, and acknowledges a copy of a finished bulk event with no call', async () => {
    // Prepare: of a removal of 200 accounts, the second call of two (accounts 100-199) fails with 10002 once.
    const { deps, ledger, otherCalls, replies } = forbidHarness();
    replies.push('ok', 10002);
    const raid = accounts(200);
    const original = bulkRecord('purge', { action: 'remove', accounts: raid });
    const delivery = (receiveCount: number): QueueRecord => ({
      ...original,
      receiveCount,
      receiptHandle: `rh-${receiveCount}`,
    });

    // Act: the first delivery, the retry, then a copy.
    const first = await processBatch([delivery(1)], deps, budget);
    const second = await processBatch([delivery(2)], deps, budget);
    const copy = await processBatch([delivery(3)], deps, budget);

    // Assess
    expect(first.failedMessageIds).toEqual(['purge']);
    expect(second.failedMessageIds).toEqual([]);
    expect(copy.failedMessageIds).toEqual([]);
    const removed = otherCalls.map(
      (call) => (call.body as { MemberToDel_Account: string[] }).MemberToDel_Account,
    );
    expect(removed).toEqual([raid.slice(0, 100), raid.slice(100), raid.slice(100)]);
    expect(ledger.items.get('purge')).toMatchObject({ status: 'applied', attempts: 2 });
  });
});

describe('processBatch: messages of an old message group', () => {
  it("moves a member's event out of its old lane to the group's, in order, and applies nothing there", async () => {
    // Prepare: two events of bob in his own lane (before one lane per group), and one in the group's.
    const { deps, forbidCalls, calls } = forbidHarness();
    const moved: { messageId: string; group: string }[] = [];
    deps.queue.resend = async (record, group) => {
      moved.push({ messageId: record.messageId, group });
    };
    const oldLane = messageGroupIdOf('@TGS#LIVE', 'bob');
    const records = [
      { ...muteRecord('bob', 'bob-1'), messageGroupId: oldLane },
      { ...muteRecord('bob', 'bob-2', { durationSeconds: 0 }), messageGroupId: oldLane },
      muteRecord('carol', 'carol-1'),
    ];

    // Act
    const result = await processBatch(records, deps, budget);

    // Assess
    const groupLane = messageGroupOfEvent(
      moderationEvent({ groupId: '@TGS#LIVE', account: 'bob', action: 'unmute' }),
    );
    expect(moved).toEqual([
      { messageId: 'bob-1', group: groupLane },
      { messageId: 'bob-2', group: groupLane },
    ]);
    expect(forbidCalls.map((call) => call.Members_Account)).toEqual([['carol']]);
    expect(calls).toEqual([]);
    expect(result.failedMessageIds).toEqual([]);
  });

  it('keeps the rest of an old lane when a move fails, so that its order holds', async () => {
    // Prepare
    const { deps } = forbidHarness();
    deps.queue.resend = async (record) => {
      if (record.messageId === 'bob-1') throw new Error('throttled');
    };
    const oldLane = messageGroupIdOf('@TGS#LIVE', 'bob');
    const records = [
      { ...muteRecord('bob', 'bob-1'), messageGroupId: oldLane },
      { ...muteRecord('bob', 'bob-2', { durationSeconds: 0 }), messageGroupId: oldLane },
    ];

    // Act
    const result = await processBatch(records, deps, budget);

    // Assess
    expect(result.failedMessageIds).toEqual(['bob-1', 'bob-2']);
  });
});
