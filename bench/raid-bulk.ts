/**
 * The bulk raid, part of `npm run bench` (and on its own: `npm run bench -- --only bulk-raid`, or
 * `npx tsx bench/raid-bulk.ts`): a raid detector stops a raid of distinct members of one group, on the
 * default stack settings (the event source's `maxConcurrency` 2, FIFO batches of 10 records, the pacer at
 * 180 calls per second) against the simulator at Tencent's limit (200 calls per second, about 50 ms a
 * call). Side by side, in one run:
 * - **today's design** (before bulk events): one event per member, each member its own FIFO message
 *   group, so the two invocations take batches of 10 members at once, coalesced into one call each;
 * - **single events now**: the same events, now in their group's one message group, so one batch of the
 *   group is in flight at a time (SQS FIFO hands a message group out one batch at a time);
 * - **bulk events**: `accounts` of 500 (20 per request, as a pipeline sends them), in the group's message
 *   group: one batch holds 10 bulk events, 5,000 accounts; `mute` (forbid_send_msg, 500 a call), `remove`
 *   (100 a call) and `ban` (20 a call); the mutes for 10,000 and 100,000 accounts, to show the time is
 *   linear in the count.
 * The queue is modelled, not emulated: batches in order, as many in flight as the message groups allow.
 * The ledger is in memory with every call waiting {@link LEDGER_LATENCY_MS} (DynamoDB's single-digit
 * milliseconds) and DynamoDB's batch sizes (`LEDGER_BATCHES`); dynalite, the local DynamoDB, writes a
 * few hundred items a second here and would be what is measured. The ingest is not in these figures
 * (its cost per event is the same with either design: one ledger item, one queue message). Each figure
 * is measured {@link RUNS} times; the table gives the median and the spread. Writes
 * `bench-results/raid-bulk.json`. Targets are reported, never enforced.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { QueueRecord } from '#shared/consumer';
import { validateEvents } from '#shared/contract';
import { acceptEvents, type IngestDeps } from '#shared/ingest';
import { messageGroupIdOf, messageGroupOfEvent, toQueueMessage } from '#shared/queue';
import { SETTINGS } from '#shared/settings';
import type { RunningSimulator } from '../local/simulator/index.ts';
import { MemoryLedgerStore } from '../tools/memory-ledger.ts';
import { machine, machineLine, round } from './figures.ts';
import {
  accountsOf,
  drain,
  raidDeps,
  raidFields,
  sleep,
  startRaidSimulator,
  summary,
} from './raid-common.ts';

const OUT = resolve('bench-results');
const GROUP = 'raid-room';
const MEMBERS = 100_000;
const TENCENT_LIMIT = 200;
const CONFIGURED_RATE = 180;
const LATENCY_MS = 50;
const LEDGER_LATENCY_MS = 5;
/** The event source's default `maxConcurrency`, and the FIFO batch size. */
const MAX_CONCURRENCY = 2;
const BATCH_SIZE = 10;
const BULK_ACCOUNTS = 500;
const RUNS = 3;

/** One raid of the table. */
interface Scenario {
  label: string;
  action: 'mute' | 'remove' | 'ban';
  accounts: number;
  /** Today's design: a message group per member; now: one per group. */
  design: 'today' | 'single' | 'bulk';
  target?: string;
}

/**
 * The raids. Single events are measured on 2,000 accounts: their rate does not depend on the count
 * (a batch of 10 at a time), and 10,000 would take a minute or more each.
 */
const SCENARIOS: readonly Scenario[] = [
  {
    label: "today's design: single mutes, a lane per member",
    action: 'mute',
    accounts: 2_000,
    design: 'today',
  },
  { label: 'single mutes now, the group one lane', action: 'mute', accounts: 2_000, design: 'single' },
  { label: 'bulk mutes, 10,000', action: 'mute', accounts: 10_000, design: 'bulk', target: '>= 20,000/s' },
  { label: 'bulk mutes, 100,000', action: 'mute', accounts: 100_000, design: 'bulk', target: 'linear' },
  {
    label: 'bulk removes, 10,000',
    action: 'remove',
    accounts: 10_000,
    design: 'bulk',
    target: '>= 10,000/s',
  },
  { label: 'bulk bans, 10,000', action: 'ban', accounts: 10_000, design: 'bulk', target: '>= 3,000/s' },
];

interface RaidRun {
  accountsPerSecond: number;
  seconds: number;
  callsPerSecond: number;
  accountsPerCall: number;
  rateLimitAnswers: number;
  /** Ledger write calls (each up to 25 items) per account. */
  ledgerWriteCallsPerAccount: number;
  /** Records reported failed (retried); 0 when nothing failed. */
  retried: number;
}

/** The raid's queue records, as the ingest would have enqueued them, in order. */
function recordsOf(scenario: Scenario, run: string): QueueRecord[] {
  const receivedAt = new Date();
  const fields = raidFields(scenario.action, receivedAt.toISOString());
  const accounts = Array.from({ length: scenario.accounts }, (_, m) => `viewer-${m}`);
  const bodies =
    scenario.design === 'bulk'
      ? Array.from({ length: Math.ceil(accounts.length / BULK_ACCOUNTS) }, (_, e) => ({
          eventId: `${run}-${e}`,
          groupId: GROUP,
          accounts: accounts.slice(e * BULK_ACCOUNTS, (e + 1) * BULK_ACCOUNTS),
          ...fields,
        }))
      : accounts.map((account, m) => ({ eventId: `${run}-${m}`, groupId: GROUP, account, ...fields }));
  return bodies.map((body) => {
    const [event] = validateEvents(body, receivedAt);
    if (event === undefined) throw new Error('no event');
    return {
      messageId: event.eventId,
      receiptHandle: `rh-${event.eventId}`,
      body: JSON.stringify(toQueueMessage(event, receivedAt)),
      // Today's design: the member's own message group (the hash that is now its record's key).
      messageGroupId:
        scenario.design === 'today' && 'account' in body
          ? messageGroupIdOf(GROUP, String(body.account))
          : messageGroupOfEvent(event),
      receiveCount: 1,
    };
  });
}

async function raid(sim: RunningSimulator, scenario: Scenario, run: string): Promise<RaidRun> {
  sim.reset();
  await sleep(1_100);
  const ledger = new MemoryLedgerStore({ latencyMs: LEDGER_LATENCY_MS });
  let retried = 0;
  const deps = raidDeps({
    sim,
    ledger,
    callsPerSecond: CONFIGURED_RATE,
    muteApi: 'forbid_send_msg',
    onRetried: (count) => {
      retried += count;
    },
  });
  const records = recordsOf(scenario, run);
  const batches: QueueRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH_SIZE) batches.push(records.slice(i, i + BATCH_SIZE));
  const started = Date.now();
  // Today's design: as many batches in flight as the event source allows; now: the group's one lane.
  await drain(batches, scenario.design === 'today' ? MAX_CONCURRENCY : 1, deps);
  const done = doneOf(sim, scenario);
  if (done !== scenario.accounts) {
    throw new Error(`${scenario.label}: only ${done} of ${scenario.accounts} accounts done`);
  }
  const applied = sim.calls.filter((call) => call.applied);
  const last = Math.max(...applied.map((call) => call.at + call.delayMs));
  const seconds = (last - started) / 1000;
  const accounts = applied.reduce((sum, call) => sum + accountsOf(call.body), 0);
  const writes = ledger.log.filter((entry) =>
    /^(putRecords|transition|recordDecision|create)/.test(entry),
  ).length;
  return {
    accountsPerSecond: round(scenario.accounts / seconds),
    seconds: round(seconds, 2),
    callsPerSecond: round(sim.stats.calls / seconds),
    accountsPerCall: round(accounts / Math.max(applied.length, 1), 1),
    rateLimitAnswers: sim.stats.rateLimited,
    ledgerWriteCallsPerAccount: round(writes / scenario.accounts, 3),
    retried,
  };
}

function doneOf(sim: RunningSimulator, scenario: Scenario): number {
  const nowSeconds = Date.now() / 1000;
  const raided = new Set(Array.from({ length: scenario.accounts }, (_, m) => `viewer-${m}`));
  const members = sim.state.getGroup(GROUP)?.members ?? [];
  switch (scenario.action) {
    case 'mute':
      return members.filter((member) => raided.has(member.account) && member.mutedUntil > nowSeconds).length;
    case 'remove': {
      const left = new Set(members.map((member) => member.account));
      return [...raided].filter((account) => !left.has(account)).length;
    }
    case 'ban':
      return (sim.state.listBans(GROUP, nowSeconds) ?? []).filter((ban) => raided.has(ban.account)).length;
  }
}

const MEASURES = [
  'accountsPerSecond',
  'seconds',
  'callsPerSecond',
  'accountsPerCall',
  'rateLimitAnswers',
  'ledgerWriteCallsPerAccount',
  'retried',
] as const;

/** SQS's `SendMessageBatch`, modelled: this long a call. */
const QUEUE_LATENCY_MS = 10;
/** The raid the ingest is measured with. */
const INGEST_ACCOUNTS = 10_000;

/**
 * The ingest's share of a raid of {@link INGEST_ACCOUNTS} accounts, sent one request after another as
 * one pipeline would: as 20 bulk events of 500 in one request, and as single events, 100 a request
 * (the contract's most). `acceptEvents` with the ledger in memory at {@link LEDGER_LATENCY_MS} a call
 * and the queue at {@link QUEUE_LATENCY_MS} a send call. Milliseconds from the first request to the
 * last answer.
 */
async function ingestMs(form: 'bulk' | 'single', run: string): Promise<number> {
  const deps: IngestDeps = {
    queue: {
      maxBatchSize: 10,
      maxBatchBytes: 262_144,
      send: async () => {
        await sleep(QUEUE_LATENCY_MS);
        return { refused: [] };
      },
    },
    ledger: new MemoryLedgerStore({ latencyMs: LEDGER_LATENCY_MS }),
    ledgerRetentionDays: 14,
    logger: new Logger({ logLevel: 'SILENT' }),
    maxBodyBytes: SETTINGS.ingest.maxBodyBytes.default,
  };
  const accounts = Array.from({ length: INGEST_ACCOUNTS }, (_, m) => `viewer-${m}`);
  const fields = raidFields('mute', new Date().toISOString());
  const requests =
    form === 'bulk'
      ? [
          Array.from({ length: INGEST_ACCOUNTS / BULK_ACCOUNTS }, (_, e) => ({
            eventId: `${run}-${e}`,
            groupId: GROUP,
            accounts: accounts.slice(e * BULK_ACCOUNTS, (e + 1) * BULK_ACCOUNTS),
            ...fields,
          })),
        ]
      : Array.from({ length: INGEST_ACCOUNTS / 100 }, (_, r) =>
          accounts
            .slice(r * 100, (r + 1) * 100)
            .map((account, i) => ({ eventId: `${run}-${r}-${i}`, groupId: GROUP, account, ...fields })),
        );
  const started = performance.now();
  for (const events of requests) {
    await acceptEvents(
      {
        body: JSON.stringify({ events }),
        isBase64Encoded: false,
        contentType: 'application/json',
        contentEncoding: undefined,
      },
      deps,
    );
  }
  return round(performance.now() - started, 1);
}

/** The bulk raid, printed as a table and written to `bench-results/raid-bulk.json`. */
export async function bulkRaidBench(runs = RUNS) {
  const sim = await startRaidSimulator({
    group: GROUP,
    members: MEMBERS,
    limitPerSecond: TENCENT_LIMIT,
    latencyMs: LATENCY_MS,
  });
  const byScenario = SCENARIOS.map(() => [] as RaidRun[]);
  const ingest = { bulk: [] as number[], single: [] as number[] };
  try {
    for (let run = 1; run <= runs; run++) {
      process.stderr.write(
        `bulk raid, run ${run} of ${runs}: the ingest of ${INGEST_ACCOUNTS} accounts...\n`,
      );
      ingest.bulk.push(await ingestMs('bulk', `ingest-bulk-${run}`));
      ingest.single.push(await ingestMs('single', `ingest-single-${run}`));
    }
    for (let run = 1; run <= runs; run++) {
      for (const [index, scenario] of SCENARIOS.entries()) {
        process.stderr.write(`bulk raid, run ${run} of ${runs}: ${scenario.label}...\n`);
        byScenario[index]?.push(await raid(sim, scenario, `bulk-${run}-${index}`));
      }
    }
  } finally {
    await sim.close();
  }
  const results = SCENARIOS.map((scenario, index) => ({
    ...scenario,
    figures: Object.fromEntries(
      MEASURES.map((name) => [name, summary((byScenario[index] ?? []).map((run) => run[name]))]),
    ) as Record<(typeof MEASURES)[number], ReturnType<typeof summary>>,
  }));
  const figures = {
    when: new Date().toISOString(),
    machine: machine(),
    settings: {
      tencentLimitPerSecond: TENCENT_LIMIT,
      configuredCallsPerSecond: CONFIGURED_RATE,
      simulatedLatencyMs: LATENCY_MS,
      ledgerLatencyMs: LEDGER_LATENCY_MS,
      queueLatencyMs: QUEUE_LATENCY_MS,
      maxConcurrency: MAX_CONCURRENCY,
      batchSize: BATCH_SIZE,
      runs,
    },
    results,
    ingestMs: { accounts: INGEST_ACCOUNTS, bulk: summary(ingest.bulk), single: summary(ingest.single) },
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'raid-bulk.json'), `${JSON.stringify(figures, null, 2)}\n`);

  const cell = (stats: ReturnType<typeof summary>, unit = '') =>
    `${stats.median}${unit} (${stats.min}-${stats.max})`;
  const rows = [
    [
      `median of ${runs} (lowest-highest)`,
      'accounts/s',
      'time',
      'calls/s',
      'accounts/call',
      '60007',
      'ledger write calls/account',
      'retried',
      'target',
    ],
    ...results.map((r) => [
      `${r.label} (${r.accounts})`,
      cell(r.figures.accountsPerSecond, '/s'),
      cell(r.figures.seconds, ' s'),
      cell(r.figures.callsPerSecond, '/s'),
      cell(r.figures.accountsPerCall),
      cell(r.figures.rateLimitAnswers),
      cell(r.figures.ledgerWriteCallsPerAccount),
      cell(r.figures.retried),
      r.target ?? '',
    ]),
  ];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((cells) => cells[i]?.length ?? 0)));
  console.log(
    `\nBulk raid: distinct members of one group, default settings (maxConcurrency ${MAX_CONCURRENCY}, batches of ` +
      `${BATCH_SIZE}, ${CONFIGURED_RATE} calls/s); simulator ${TENCENT_LIMIT} calls/s, ~${LATENCY_MS} ms a call; ` +
      `ledger in memory, ${LEDGER_LATENCY_MS} ms a call`,
  );
  for (const cells of rows) console.log(cells.map((value, i) => value.padEnd(widths[i] ?? 0)).join('  '));
  const ms = (stats: ReturnType<typeof summary>) => `${stats.median} ms (${stats.min}-${stats.max})`;
  console.log(
    `Ingest of ${INGEST_ACCOUNTS} accounts, one request after another (ledger ${LEDGER_LATENCY_MS} ms, ` +
      `queue ${QUEUE_LATENCY_MS} ms a call): as 20 bulk events in one request ${ms(figures.ingestMs.bulk)}; ` +
      `as single events, 100 a request, ${ms(figures.ingestMs.single)}`,
  );
  console.log(`(measured on ${machineLine(figures.machine)}; figures in bench-results/raid-bulk.json)`);
  return figures;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve('bench/raid-bulk.ts')) {
  bulkRaidBench(Number(process.env.RAID_RUNS ?? RUNS)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
