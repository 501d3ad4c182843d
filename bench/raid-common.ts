/**
 * What the raid benches share (`bench/raid.ts`, `bench/raid-bulk.ts`): the events' fields, the
 * simulator's credentials, the loop that hands batches to `processBatch` as SQS would, and the figures.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  type ConsumerDeps,
  defaultConsumerSettings,
  processBatch,
  type QueueRecord,
  RateLimiter,
} from '#shared/consumer';
import type { LedgerStore } from '#shared/ledger';
import type { MuteApi } from '#shared/settings';
import { HttpTencentApi } from '#shared/tencent';
import {
  DEFAULT_ADMIN,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  type RunningSimulator,
  signUserSig,
  startSimulator,
} from '../local/simulator/index.ts';

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Median, lowest and highest of one figure over the runs, and the runs. */
export function summary(values: readonly number[]) {
  const median = [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return { median, min: Math.min(...values), max: Math.max(...values), runs: [...values] };
}

/**
 * The fields of one raid event besides its id, group and account(s): mutes and bans all with the same
 * end (one `occurredAt`, 3,600 s), removals with the same `silent` (false) and `reason`, so that they
 * can share calls.
 */
export function raidFields(action: 'mute' | 'remove' | 'ban', occurredAt: string): Record<string, unknown> {
  switch (action) {
    case 'mute':
      return { action, durationSeconds: 3_600, occurredAt };
    case 'remove':
      return { action, reason: 'raid', occurredAt };
    case 'ban':
      return { action, durationSeconds: 3_600, reason: 'raid', occurredAt };
  }
}

/** The simulator's admin credentials, with a UserSig for a day. */
export function simulatorCredentials() {
  const userSig = signUserSig({
    sdkAppId: DEFAULT_SDK_APP_ID,
    secretKey: DEFAULT_SECRET_KEY,
    identifier: DEFAULT_ADMIN,
    expireSeconds: 86_400,
  });
  return { sdkAppId: DEFAULT_SDK_APP_ID, identifier: DEFAULT_ADMIN, userSig };
}

/** The simulator at Tencent's limit, with one Public group of `members` viewers (`viewer-<n>`). */
export function startRaidSimulator(options: {
  group: string;
  members: number;
  limitPerSecond: number;
  latencyMs: number;
}): Promise<RunningSimulator> {
  return startSimulator({
    sdkAppId: DEFAULT_SDK_APP_ID,
    secretKey: DEFAULT_SECRET_KEY,
    admins: [DEFAULT_ADMIN],
    groups: [
      {
        groupId: options.group,
        type: 'Public',
        owner: 'host',
        members: Array.from({ length: options.members }, (_, m) => `viewer-${m}`),
      },
    ],
    limitPerSecond: options.limitPerSecond,
    faults: { seed: 1, latency: { ms: options.latencyMs - 5, jitterMs: 10 } },
  });
}

/**
 * Hands the batches, in order, to `inFlight` concurrent invocations of `processBatch`; a record that
 * did not finish comes back, as SQS would redeliver it (up to 5 receives). Metrics are dropped.
 */
export async function drain(
  batches: readonly QueueRecord[][],
  inFlight: number,
  deps: ConsumerDeps,
): Promise<void> {
  const queue = batches.values();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (const batch of queue) {
        let pending = batch;
        for (let receive = 1; pending.length > 0 && receive <= 5; receive++) {
          const { failedMessageIds } = await processBatch(pending, deps, { remainingTimeMs: () => 60_000 });
          // The handler publishes an invocation's metrics; here they are dropped, not printed.
          deps.metrics.clearMetrics();
          const failed = new Set(failedMessageIds);
          pending = pending
            .filter((record) => failed.has(record.messageId))
            .map((record) => ({ ...record, receiveCount: receive + 1 }));
        }
      }
    }),
  );
}

/** The accounts a logged call's body carries: `Members_Account` or `MemberToDel_Account`, else one. */
export function accountsOf(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 1;
  for (const field of ['Members_Account', 'MemberToDel_Account']) {
    const accounts: unknown = Reflect.get(body, field);
    if (Array.isArray(accounts)) return accounts.length;
  }
  return 1;
}

/**
 * The consumer's parts for a raid: the real Tencent client against the simulator, the pacer at
 * `callsPerSecond`, the ledger given, a queue that counts the records reported failed.
 */
export function raidDeps(options: {
  sim: RunningSimulator;
  ledger: LedgerStore;
  callsPerSecond: number;
  muteApi: MuteApi;
  onRetried: (count: number) => void;
}): ConsumerDeps {
  const credentials = simulatorCredentials();
  return {
    api: new HttpTencentApi({ endpoint: options.sim.url, timeoutMs: 3_000 }),
    pacer: new RateLimiter({ callsPerSecond: options.callsPerSecond }),
    ledger: options.ledger,
    credentials: { current: async () => credentials, renew: async () => credentials },
    queue: {
      changeVisibility: async (changes) => options.onRetried(changes.length),
      sendToDeadLetter: async () => undefined,
    },
    logger: new Logger({ logLevel: 'ERROR', serviceName: 'bench' }),
    metrics: new Metrics({ namespace: 'Bench', serviceName: 'bench' }),
    settings: defaultConsumerSettings({ muteApi: options.muteApi }),
  };
}
