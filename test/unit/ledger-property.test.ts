import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import fc from 'fast-check';
import { type ConsumerDeps, processBatch } from '#shared/consumer';
import { acceptEvents } from '#shared/ingest';
import { FINISHED_STATUSES, type LedgerItem, type LedgerStore } from '#shared/ledger';
import { parseQueueMessage } from '#shared/queue';
import type { MuteApi } from '#shared/settings';
import { redrive } from '../../ops/redrive.ts';
import { MemoryLedgerStore } from '../../tools/memory-ledger';
import {
  type Clock,
  consumerQueueOf,
  eventQueueOf,
  MemoryFifoQueue,
  redriveQueueOf,
  toQueueRecords,
} from '../../tools/memory-queues';
import { MemoryTencent } from '../../tools/memory-tencent';
import { consumerSettings } from '../helpers/consumer-settings';

/**
 * The ledger's promises, as a property: the real ingest, consumer (`processBatch`) and redrive
 * (`ops/redrive.ts`), over the ledger's transition table (the in-memory store takes its conditions
 * from it), an in-memory Tencent and in-memory SQS FIFO queues on a virtual clock, through random
 * interleavings: several members, events for different fields, copies of messages in the same and in
 * later batches, 10002s, timeouts (applied or not), container crashes between any two ledger
 * operations, members Tencent refuses (10019) until an operator fixes them, redrives of dead letters,
 * redrives racing the consumer (and so new dead letters), and SQS move tasks that bring letters back
 * unmarked. For every run:
 * 1. every accepted event ends applied, expired, superseded, or a dead letter with its reason;
 * 2. no finished item changes except through a redrive;
 * 3. no event is applied more often than the ledger counted attempts of it (calls of crashed
 *    containers aside);
 * 4. once every dead letter is redriven, each member's state at Tencent is what its newest accepted
 *    event per field says.
 * Fixed seed and a bounded number of runs; a failure prints its seed and the shrunk schedule.
 */

const GROUP = '@TGS#PROPERTY';
const MEMBERS = ['m0', 'm1', 'm2'];
/** Tencent refuses this member (10019) until an operator fixes it. */
const GHOST = 'm2';
const VISIBILITY_SECONDS = 30;

type Field = 'role' | 'nameCard' | 'data.k0' | 'data.k1' | 'mute';

/** One step of a schedule. */
type Step =
  | { kind: 'accept'; events: { member: number; field: Field; flag: boolean }[] }
  | { kind: 'copy'; which: number }
  | { kind: 'consume'; crashAfter: number | undefined }
  | { kind: 'tick'; seconds: number }
  | { kind: 'redrive'; raceConsumer: boolean }
  | { kind: 'moveTask' }
  | { kind: 'fix' };

const FIELDS: Field[] = ['role', 'nameCard', 'data.k0', 'data.k1', 'mute'];

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('accept' as const),
      events: fc.array(
        fc.record({
          member: fc.nat(MEMBERS.length - 1),
          field: fc.constantFrom(...FIELDS),
          flag: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('copy' as const), which: fc.nat(40) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('consume' as const),
      crashAfter: fc.option(fc.nat(12), { nil: undefined, freq: 5 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), seconds: fc.integer({ min: 1, max: 400 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redrive' as const), raceConsumer: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'moveTask' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'fix' as const }) },
);

/** A container crash: every ledger operation from then on throws this. */
class Crash extends Error {}

/** A ledger that crashes its container after `after` operations (never, when undefined). */
function crashingLedger(
  ledger: LedgerStore,
  after: number | undefined,
): LedgerStore & { crashed: () => boolean } {
  let left = after ?? Number.POSITIVE_INFINITY;
  const step = () => {
    if (left <= 0) throw new Crash('the container crashed');
    left--;
  };
  return {
    crashed: () => left <= 0,
    getMany: async (ids) => {
      step();
      return ledger.getMany(ids);
    },
    create: async (item) => {
      step();
      return ledger.create(item);
    },
    transition: async (id, write) => {
      step();
      return ledger.transition(id, write);
    },
    getRecords: async (keys) => {
      step();
      return ledger.getRecords(keys);
    },
    recordDecision: async (member, fields, decision, expiresAt) => {
      step();
      return ledger.recordDecision(member, fields, decision, expiresAt);
    },
    putRecords: async (records, expiresAt) => {
      step();
      return ledger.putRecords(records, expiresAt);
    },
  };
}

/** The value an event sets for its field, unique per event where the field allows it. */
interface Accepted {
  eventId: string;
  member: string;
  field: Field;
  /** What Tencent should hold for the field if this event is the newest. */
  value: string | number;
  /** Set for name cards and data values: unique, so that its applications at Tencent can be counted. */
  unique?: string;
}

async function runSchedule(steps: readonly Step[], muteApi: MuteApi, seed: number): Promise<void> {
  const clock: Clock = { now: Date.parse('2026-12-01T10:00:00.000Z') };
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const ledger = new MemoryLedgerStore();
  const tencent = new MemoryTencent(() => clock.now);
  const deadLetters = new MemoryFifoQueue('dlq', clock, { visibilitySeconds: VISIBILITY_SECONDS });
  const main = new MemoryFifoQueue('main', clock, {
    visibilitySeconds: VISIBILITY_SECONDS,
    maxReceiveCount: 60,
    deadLetterQueue: deadLetters,
    pick: (count) => Math.floor(random() * count),
  });
  const logger = new Logger({ logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: 'Property', serviceName: 'property' });
  let faults = true;
  let fixed = false;
  tencent.fault = (call) => {
    const accounts =
      call.api === 'modify_group_member_info'
        ? [call.body.Member_Account]
        : call.api === 'forbid_send_msg'
          ? call.body.Members_Account
          : [];
    if (!fixed && accounts.includes(GHOST)) return 10019;
    if (!faults) return 'ok';
    const r = random();
    return r < 0.15 ? 10002 : r < 0.2 ? 'timeout' : r < 0.25 ? 'applied_then_timeout' : 'ok';
  };
  const accepted: Accepted[] = [];
  const crashedTags = new Set<string>();
  let invocations = 0;
  let k = 0;

  /** One invocation of the consumer; false when the queue had nothing to give. */
  const consume = async (crashAfter: number | undefined): Promise<boolean> => {
    const messages = main.receive(10);
    if (messages.length === 0) return false;
    const tag = `invocation-${++invocations}`;
    const store = crashingLedger(ledger, crashAfter);
    const deps: ConsumerDeps = {
      api: {
        call: async (request) => {
          // A crashed container makes no more calls.
          if (store.crashed()) throw new Crash('the container crashed');
          tencent.tag = tag;
          return tencent.call(request);
        },
      },
      pacer: { acquire: async () => true, backOff: () => {} },
      ledger: store,
      credentials: {
        current: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'sig' }),
        renew: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'sig' }),
      },
      queue: consumerQueueOf(main, deadLetters),
      logger,
      metrics,
      settings: consumerSettings({
        maxAttempts: 4,
        ambiguousMaxAttempts: 2,
        backoff: { baseSeconds: 1, maxSeconds: 8 },
        holdMaxSeconds: 60,
        timeoutSettleSeconds: 2,
        muteApi,
      }),
      now: () => clock.now,
      random,
    };
    try {
      const result = await processBatch(toQueueRecords(messages), deps, { remainingTimeMs: () => 30_000 });
      const failed = new Set(result.failedMessageIds);
      for (const message of messages) {
        if (!failed.has(message.messageId) && message.receiptHandle !== undefined)
          main.delete(message.receiptHandle);
      }
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
      // Nothing acknowledged: the batch comes back when its visibility timeout ends.
      crashedTags.add(tag);
    }
    return true;
  };

  const runRedrive = () =>
    redrive(redriveQueueOf(deadLetters, main), ledger, {
      max: 1_000,
      now: () => clock.now,
      retentionDays: 14,
    });

  const accept = async (events: { member: number; field: Field; flag: boolean }[]) => {
    const body = events.map(({ member, field, flag }) => {
      k++;
      const account = MEMBERS[member] ?? 'm0';
      const eventId = `e${k}`;
      const base = { eventId, groupId: GROUP, account };
      let value: string | number;
      let fields: Record<string, unknown>;
      let unique: string | undefined;
      switch (field) {
        case 'role':
          value = flag ? 'Admin' : 'Member';
          fields = { action: 'set_role', role: flag ? 'admin' : 'member' };
          break;
        case 'nameCard':
          value = `n${k}`;
          unique = value;
          fields = { action: 'set_name_card', nameCard: value };
          break;
        case 'data.k0':
        case 'data.k1':
          value = `v${k}`;
          unique = value;
          fields = { action: 'set_member_data', data: { [field.slice(5)]: value } };
          break;
        case 'mute':
          // Days long, so that no mute ends within a run: a unique end, or an unmute.
          value = flag ? clock.now + (86_400 + k) * 1000 : 0;
          fields = flag ? { action: 'mute', durationSeconds: 86_400 + k } : { action: 'unmute' };
          break;
      }
      accepted.push({ eventId, member: account, field, value, ...(unique === undefined ? {} : { unique }) });
      return { ...base, ...fields, occurredAt: new Date(clock.now).toISOString() };
    });
    await acceptEvents(
      {
        body: JSON.stringify(body.length === 1 ? body[0] : { events: body }),
        isBase64Encoded: false,
        contentType: 'application/json',
        contentEncoding: undefined,
      },
      {
        queue: eventQueueOf(main),
        ledger,
        ledgerRetentionDays: 14,
        logger,
        maxBodyBytes: 262_144,
        now: () => new Date(clock.now),
      },
    );
    clock.now += 1;
  };

  // The schedule.
  for (const step of steps) {
    switch (step.kind) {
      case 'accept':
        await accept(step.events);
        break;
      case 'copy': {
        // A second SQS message of an accepted event (at-least-once delivery, or a resend).
        const bodies = main.bodies();
        const body = bodies[step.which % Math.max(1, bodies.length)];
        if (body !== undefined) {
          const message = parseQueueMessage(body);
          main.send(
            body,
            main.peek().find((m) => m.body === body)?.groupId ?? '',
            `${message.eventId}#copy${k++}`,
          );
        }
        break;
      }
      case 'consume':
        await consume(step.crashAfter);
        break;
      case 'tick':
        clock.now += step.seconds * 1000;
        break;
      case 'redrive':
        if (step.raceConsumer) await Promise.all([runRedrive(), consume(undefined)]);
        else await runRedrive();
        break;
      case 'moveTask':
        deadLetters.moveAllTo(main);
        break;
      case 'fix':
        fixed = true;
        break;
    }
  }

  // Drain: no more faults, the consumer runs until the main queue is empty (time moves on as needed).
  const drain = async () => {
    for (let round = 0; round < 500 && main.size > 0; round++) {
      // When nothing is visible, time moves on to the next message that will be.
      if (!(await consume(undefined))) clock.now = main.nextVisibleAt() ?? clock.now;
    }
    expect(main.size).toBe(0);
  };
  faults = false;
  await drain();

  // 1. Every accepted event ended applied, expired, superseded, or a dead letter with its reason.
  const letters = new Map(
    deadLetters.peek().map((letter) => [parseQueueMessage(letter.body).eventId, letter]),
  );
  for (const { eventId } of accepted) {
    const item = ledger.items.get(eventId);
    expect([eventId, item !== undefined && FINISHED_STATUSES.has(item.status)]).toEqual([eventId, true]);
    if (item?.status === 'dead_lettered') {
      expect([eventId, letters.get(eventId)?.reason?.kind]).toEqual([eventId, expect.any(String)]);
    }
  }

  // 2. No finished item changed except through a redrive.
  for (const { eventId, from, write } of ledger.written) {
    if (from !== undefined && FINISHED_STATUSES.has(from)) {
      expect({ eventId, from, to: write.to, by: write.by }).toEqual({
        eventId,
        from: 'dead_lettered',
        to: 'redriven',
        by: 'redrive',
      });
    }
  }

  // 3. No event applied more often than the ledger counted attempts of it.
  for (const event of accepted) {
    if (event.unique === undefined) continue;
    const applications = tencent.calls.filter(
      (call) =>
        call.applied &&
        !crashedTags.has(call.tag ?? '') &&
        JSON.stringify(call.body).includes(`"${event.unique}"`),
    ).length;
    const attempts = ledger.items.get(event.eventId)?.attempts ?? 0;
    expect([event.eventId, applications <= Math.max(attempts, 0)]).toEqual([event.eventId, true]);
  }

  // 4. Every dead letter redriven (and Tencent fixed): each member holds its newest decision per field.
  fixed = true;
  for (let round = 0; round < 20 && deadLetters.size > 0; round++) {
    await runRedrive();
    await drain();
  }
  expect(deadLetters.size).toBe(0);
  const position = (eventId: string): string => ledger.items.get(eventId)?.position ?? '';
  for (const account of MEMBERS) {
    const member = tencent.member(GROUP, account);
    for (const field of FIELDS) {
      const events = accepted.filter((event) => event.member === account && event.field === field);
      const newest = events.reduce<Accepted | undefined>(
        (a, b) => (a === undefined || position(b.eventId) > position(a.eventId) ? b : a),
        undefined,
      );
      if (newest === undefined) continue;
      const status = (ledger.items.get(newest.eventId) as LedgerItem).status;
      const held =
        field === 'role'
          ? member.role
          : field === 'nameCard'
            ? member.nameCard
            : field === 'mute'
              ? member.muteUntilMs
              : member.data[field.slice(5)];
      // A mute's end is worked out from the seconds left when its call went out: within a second of it.
      const actual =
        typeof held === 'number' && typeof newest.value === 'number' && Math.abs(held - newest.value) < 2_000
          ? newest.value
          : held;
      expect({ account, field, newest: newest.eventId, status, actual }).toEqual({
        account,
        field,
        newest: newest.eventId,
        status: 'applied',
        actual: newest.value,
      });
    }
  }
}

describe('the ledger as the authority, under random interleavings', () => {
  it.each<MuteApi>(['modify_group_member_info', 'forbid_send_msg'])(
    'keeps every promise with mutes through %s',
    async (muteApi) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArbitrary, { minLength: 5, maxLength: 40 }),
          fc.integer({ min: 1, max: 1_000_000 }),
          (steps, seed) => runSchedule(steps, muteApi, seed),
        ),
        { seed: 20_261_207, numRuns: 150, endOnFailure: false },
      );
    },
    60_000,
  );
});
