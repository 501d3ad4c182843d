/**
 * The raid, part of `npm run bench` (and on its own: `npx tsx bench/raid.ts`): a pipeline mutes
 * 10,000 distinct members of one group for the same length (one `occurredAt`). Our consumer
 * (`processBatch`, with its pacer at the default 180 calls per second and the real Tencent client)
 * against the simulator at Tencent's real limit (200 calls per second, about 50 ms a call), fed FIFO
 * batches of 10 records of 10 members by 10 concurrent invocations: once with
 * `MUTE_API=forbid_send_msg`, where each batch's mutes go out as one call, and side by side with
 * `modify_group_member_info`, one call per member. Each measured three times; the table gives the
 * median and the spread.
 *
 * The ledger and the queue are in memory here (as in the one-batch figure of `bench/run.ts`): locally
 * the ledger is dynalite, a DynamoDB written in JavaScript in the same process, which writes a few
 * hundred items a second on this machine and would be what is measured. Writes `bench-results/raid.json`.
 * Targets are reported, never enforced.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  type ConsumerDeps,
  defaultConsumerSettings,
  processBatch,
  type QueueRecord,
  RateLimiter,
} from '#shared/consumer';
import { validateEvents } from '#shared/contract';
import { messageGroupOfEvent, toQueueMessage } from '#shared/queue';
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
import { MemoryLedgerStore } from '../tools/memory-ledger.ts';
import { machine, machineLine, round } from './figures.ts';

const OUT = resolve('bench-results');
const MEMBERS = 10_000;
const GROUP = 'raid-room';
const TENCENT_LIMIT = 200;
const CONFIGURED_RATE = 180;
const LATENCY_MS = 50;
/** Concurrent consumer invocations (the event source's `maxConcurrency`), each taking batches of 10. */
const INVOCATIONS = 10;
const BATCH_SIZE = 10;
const RUNS = 3;
const TARGET_PER_SECOND = 1_000;
const APIS: readonly MuteApi[] = ['forbid_send_msg', 'modify_group_member_info'];

/** One run's figures. */
interface RaidRun {
  /** Member mutes applied per second, from the first batch to the last mute applied. */
  mutesPerSecond: number;
  /** Tencent calls per second over the same time. */
  callsPerSecond: number;
  /** Accounts per applied call, on average. */
  accountsPerCall: number;
  /** Calls answered 60007. */
  rateLimitAnswers: number;
  /** Records the consumer did not finish at once (retried later); 0 when nothing failed. */
  retried: number;
  /** Seconds from the first batch to the last mute applied. */
  drainSeconds: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** The raid's queue messages: one mute of each member, all with the same end. */
function raidRecords(run: string): QueueRecord[] {
  const receivedAt = new Date();
  // The contract takes at most 100 events a request, as ingest receives them.
  const events = Array.from({ length: MEMBERS / 100 }, (_, r) =>
    validateEvents(
      {
        events: Array.from({ length: 100 }, (_, i) => ({
          eventId: `${run}-${r * 100 + i}`,
          groupId: GROUP,
          account: `viewer-${r * 100 + i}`,
          action: 'mute',
          durationSeconds: 3_600,
          occurredAt: receivedAt.toISOString(),
        })),
      },
      receivedAt,
    ),
  ).flat();
  return events.map((event) => ({
    messageId: event.eventId,
    receiptHandle: `rh-${event.eventId}`,
    body: JSON.stringify(toQueueMessage(event, receivedAt)),
    messageGroupId: messageGroupOfEvent(event),
    receiveCount: 1,
  }));
}

/** One raid: every batch through `processBatch` by {@link INVOCATIONS} concurrent invocations. */
async function raid(sim: RunningSimulator, muteApi: MuteApi, run: string): Promise<RaidRun> {
  sim.reset();
  await sleep(1_100);
  const userSig = signUserSig({
    sdkAppId: DEFAULT_SDK_APP_ID,
    secretKey: DEFAULT_SECRET_KEY,
    identifier: DEFAULT_ADMIN,
    expireSeconds: 86_400,
  });
  const credentials = { sdkAppId: DEFAULT_SDK_APP_ID, identifier: DEFAULT_ADMIN, userSig };
  let retried = 0;
  const deps: ConsumerDeps = {
    api: new HttpTencentApi({ endpoint: sim.url, timeoutMs: 3_000 }),
    pacer: new RateLimiter({ callsPerSecond: CONFIGURED_RATE }),
    ledger: new MemoryLedgerStore(),
    credentials: { current: async () => credentials, renew: async () => credentials },
    queue: {
      changeVisibility: async (changes) => {
        retried += changes.length;
      },
      sendToDeadLetter: async () => undefined,
    },
    logger: new Logger({ logLevel: 'ERROR', serviceName: 'bench' }),
    metrics: new Metrics({ namespace: 'Bench', serviceName: 'bench' }),
    settings: defaultConsumerSettings({ muteApi }),
  };
  const records = raidRecords(run);
  const batches: QueueRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH_SIZE) batches.push(records.slice(i, i + BATCH_SIZE));
  const queue = batches.values();
  const started = Date.now();
  await Promise.all(
    Array.from({ length: INVOCATIONS }, async () => {
      for (const batch of queue) {
        // A record that did not finish comes back, as SQS would redeliver it (none should).
        let pending = batch;
        for (let receive = 1; pending.length > 0 && receive <= 5; receive++) {
          const { failedMessageIds } = await processBatch(pending, deps, { remainingTimeMs: () => 60_000 });
          const failed = new Set(failedMessageIds);
          pending = pending
            .filter((record) => failed.has(record.messageId))
            .map((record) => ({ ...record, receiveCount: receive + 1 }));
        }
        deps.metrics.clearMetrics();
      }
    }),
  );
  const nowSeconds = Date.now() / 1000;
  const muted = (sim.state.getGroup(GROUP)?.members ?? []).filter((member) => member.mutedUntil > nowSeconds);
  if (muted.length !== MEMBERS) throw new Error(`only ${muted.length} of ${MEMBERS} members muted`);
  const applied = sim.calls.filter((call) => call.applied);
  // A change takes effect after the simulator's added latency.
  const last = Math.max(...applied.map((call) => call.at + call.delayMs));
  const drainSeconds = (last - started) / 1000;
  const accounts = applied.reduce(
    (sum, call) => sum + ((call.body as { Members_Account?: string[] }).Members_Account?.length ?? 1),
    0,
  );
  return {
    mutesPerSecond: round(MEMBERS / drainSeconds),
    callsPerSecond: round(sim.stats.calls / drainSeconds),
    accountsPerCall: round(accounts / Math.max(applied.length, 1), 2),
    rateLimitAnswers: sim.stats.rateLimited,
    retried,
    drainSeconds: round(drainSeconds, 2),
  };
}

/** Median and spread of one figure over the runs. */
function summary(values: readonly number[]) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: [...values] };
}

const MEASURES = [
  'mutesPerSecond',
  'callsPerSecond',
  'accountsPerCall',
  'rateLimitAnswers',
  'retried',
  'drainSeconds',
] as const;
type Results = Record<MuteApi, Record<(typeof MEASURES)[number], ReturnType<typeof summary>>>;

/** The raid for both APIs, printed as a table and written to `bench-results/raid.json`. */
export async function raidBench(runs = RUNS) {
  const sim = await startSimulator({
    sdkAppId: DEFAULT_SDK_APP_ID,
    secretKey: DEFAULT_SECRET_KEY,
    admins: [DEFAULT_ADMIN],
    groups: [
      {
        groupId: GROUP,
        type: 'Public',
        owner: 'host',
        members: Array.from({ length: MEMBERS }, (_, m) => `viewer-${m}`),
      },
    ],
    limitPerSecond: TENCENT_LIMIT,
    faults: { seed: 1, latency: { ms: LATENCY_MS - 5, jitterMs: 10 } },
  });
  const byApi = { forbid_send_msg: [], modify_group_member_info: [] } as Record<MuteApi, RaidRun[]>;
  try {
    // The two APIs alternate, so that a slower spell of the machine does not fall on one only.
    for (let run = 1; run <= runs; run++) {
      for (const muteApi of APIS) {
        process.stderr.write(`raid, run ${run} of ${runs}: ${MEMBERS} mutes, MUTE_API=${muteApi}...\n`);
        byApi[muteApi].push(await raid(sim, muteApi, `raid-${run}-${muteApi}`));
      }
    }
  } finally {
    await sim.close();
  }
  const figures = {
    when: new Date().toISOString(),
    machine: machine(),
    settings: {
      members: MEMBERS,
      tencentLimitPerSecond: TENCENT_LIMIT,
      configuredCallsPerSecond: CONFIGURED_RATE,
      simulatedLatencyMs: LATENCY_MS,
      invocations: INVOCATIONS,
      batchSize: BATCH_SIZE,
      runs,
    },
    results: Object.fromEntries(
      APIS.map((api) => [
        api,
        Object.fromEntries(MEASURES.map((name) => [name, summary(byApi[api].map((run) => run[name]))])),
      ]),
    ) as Results,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'raid.json'), `${JSON.stringify(figures, null, 2)}\n`);
  report(figures.results, runs, figures.machine);
  return figures;
}

function report(results: Results, runs: number, on: ReturnType<typeof machine>) {
  const cell = (api: MuteApi, name: (typeof MEASURES)[number], unit = '') => {
    const s = results[api][name];
    return `${s.median}${unit} (${s.min}-${s.max})`;
  };
  const row = (label: string, name: (typeof MEASURES)[number], unit: string, target: string) => [
    label,
    cell('forbid_send_msg', name, unit),
    cell('modify_group_member_info', name, unit),
    target,
  ];
  const rows = [
    [`median of ${runs} runs (lowest-highest)`, 'forbid_send_msg', 'modify_group_member_info', 'target'],
    row(
      'member mutes applied per second',
      'mutesPerSecond',
      '/s',
      `>= ${TARGET_PER_SECOND}/s (forbid_send_msg)`,
    ),
    row('Tencent calls per second', 'callsPerSecond', '/s', `<= ${CONFIGURED_RATE}/s configured`),
    row('accounts per call', 'accountsPerCall', '', `<= ${BATCH_SIZE} (one FIFO batch)`),
    row('rate-limit answers (60007)', 'rateLimitAnswers', '', '0'),
    row('records not finished at once', 'retried', '', '0'),
    row(`time to mute all ${MEMBERS}`, 'drainSeconds', ' s', ''),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((cells) => cells[i]?.length ?? 0)));
  console.log(
    `\nRaid: ${MEMBERS} mutes of distinct members of one group, same end; simulator ${TENCENT_LIMIT} calls/s, ` +
      `~${LATENCY_MS} ms a call; consumer paced at ${CONFIGURED_RATE} calls/s, ${INVOCATIONS} invocations of ${BATCH_SIZE} records`,
  );
  for (const cells of rows) console.log(cells.map((value, i) => value.padEnd(widths[i] ?? 0)).join('  '));
  console.log(`(measured on ${machineLine(on)}; figures in bench-results/raid.json)`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve('bench/raid.ts')) {
  raidBench(Number(process.env.RAID_RUNS ?? RUNS)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
