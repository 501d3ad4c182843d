import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type ConsumerDeps, processBatch, type QueueRecord, type VisibilityChange } from '#shared/consumer';
import type { DeadLetterReason } from '#shared/dead-letter';
import { CredentialsError, TencentApiError, TencentTransportError } from '#shared/errors';
import { messageGroupIdOf, toQueueMessage } from '#shared/queue-message';
import type { ModifyGroupMemberInfoBody } from '#shared/tencent/client';
import { consumerSettings } from '../helpers/consumer-settings';
import { moderationEvent } from '../helpers/factories';
import { MemoryLedgerStore } from '../helpers/memory-ledger';

const settings = consumerSettings({
  maxAttempts: 3,
  ambiguousMaxAttempts: 2,
  tencentTimeoutMs: 300,
  timeReserveMs: 100,
});
const CREDENTIALS = { sdkAppId: 1, identifier: 'admin', userSig: 'eJ-sig' };

type Reply = 'ok' | number | 'timeout' | 'unreachable';

/** A consumer with in-memory fakes: Tencent answers from `replies` (then OK), the secret as `secret` says. */
function harness() {
  const calls: ModifyGroupMemberInfoBody[] = [];
  const replies: Reply[] = [];
  const deadLetters: { messageId: string; reason: DeadLetterReason }[] = [];
  const visibility: VisibilityChange[] = [];
  const state = { secretReadable: true, pacerRefuses: false };
  const ledger = new MemoryLedgerStore();
  const deps: ConsumerDeps = {
    api: {
      modifyGroupMemberInfo: async (body) => {
        calls.push(body);
        const reply = replies.shift() ?? 'ok';
        if (reply === 'timeout') throw new TencentTransportError('timeout', 'no answer within 300 ms');
        if (reply === 'unreachable') {
          throw new TencentTransportError(
            'unreachable',
            'could not connect to Tencent: a: connect: ECONNREFUSED',
          );
        }
        if (reply !== 'ok') throw new TencentApiError(reply, `error ${reply}`);
      },
      forbidSendMsg: async () => {
        throw new Error('these tests send no forbid_send_msg');
      },
    },
    pacer: { acquire: async () => !state.pacerRefuses, backOff: () => undefined },
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
  return { deps, ledger, calls, replies, deadLetters, visibility, state };
}

const record = (account: string, messageId: string, receiveCount: number, nameCard = 'x'): QueueRecord => {
  const event = moderationEvent({ eventId: messageId, account, action: 'set_name_card', nameCard });
  return {
    messageId,
    receiptHandle: `rh-${messageId}-${receiveCount}`,
    body: JSON.stringify(toQueueMessage(event, new Date())),
    messageGroupId: messageGroupIdOf(event.groupId, event.account),
    receiveCount,
  };
};
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
        api: {
          ...deps.api,
          modifyGroupMemberInfo: async () => {
            throw new TencentApiError(10002, 'x');
          },
        },
      },
      budget,
    );
    await processBatch(
      [record('bob', 'b1', 2)],
      {
        ...deps,
        api: {
          ...deps.api,
          modifyGroupMemberInfo: async () => {
            throw new TencentApiError(10002, 'x');
          },
        },
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
    ledger.failNext('recordOutcome');

    // Act
    const first = await processBatch([record('bob', 'm1', 1)], deps, budget);
    const second = await processBatch([record('bob', 'm1', 2)], deps, budget);

    // Assess: called again (a set-to-value change is safe to repeat), and recorded the second time.
    expect(first.failedMessageIds).toEqual(['m1']);
    expect(second.failedMessageIds).toEqual([]);
    expect(calls).toHaveLength(2);
    expect(ledger.items.get('m1')?.status).toBe('applied');
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
