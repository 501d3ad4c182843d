/**
 * The raid, part of `npm run bench` (and on its own: `npx tsx bench/raid.ts`): a pipeline mutes
 * 10,000 distinct members of one group for the same length (one `occurredAt`). Our consumer
 * (`processBatch`, with its pacer at the default 180 calls per second and the real Tencent client)
 * against the simulator at Tencent's real limit (200 calls per second, about 50 ms a call), fed FIFO
 * batches of 10 records of 10 members by 10 concurrent invocations: once with
 * `MUTE_API=forbid_send_msg`, where each batch's mutes go out as one call, and side by side with
 * `modify_group_member_info`, one call per member. Beside them, built the same way, a raid of
 * {@link ACTION_ACCOUNTS} `remove` events (one `delete_group_member` call per batch, same `silent` and
 * `reason`) and one of as many `ban` events (one `ban_group_member` call per batch, same end and
 * `reason`): fewer accounts than the mutes, so that they add seconds, not a minute, to the bench.
 * Each measured three times; the table gives the median and the spread. It measures the consumer's
 * coalescing with ten batches at once; since bulk events, SQS hands one group's member events out one
 * batch at a time (they share the group's message group), and `bench/raid-bulk.ts` measures what one
 * group's raid gets on the default deployment, single events and bulk ones side by side.
 *
 * The ledger and the queue are in memory here (as in the one-batch figure of `bench/run.ts`): locally
 * the ledger is dynalite, a DynamoDB written in JavaScript in the same process, which writes a few
 * hundred items a second on this machine and would be what is measured. Writes `bench-results/raid.json`.
 * Targets are reported, never enforced.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { QueueRecord } from '#shared/consumer';
import { validateEvents } from '#shared/contract';
import { messageGroupOfEvent, toQueueMessage } from '#shared/queue';
import type { MuteApi } from '#shared/settings';
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
const MEMBERS = 10_000;
/** Accounts removed, and accounts banned, in the `remove` and `ban` raids (of the same members). */
const ACTION_ACCOUNTS = 2_000;
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

/** What a raid does: mutes through one of the two APIs, removals, or bans. */
type RaidKind = MuteApi | 'remove' | 'ban';
const KINDS: readonly RaidKind[] = [...APIS, 'remove', 'ban'];

/** The action of each kind's events, how many accounts it takes, and what the table calls them. */
const RAIDS: Record<RaidKind, { action: 'mute' | 'remove' | 'ban'; accounts: number; label: string }> = {
  forbid_send_msg: { action: 'mute', accounts: MEMBERS, label: 'mute, forbid_send_msg' },
  modify_group_member_info: { action: 'mute', accounts: MEMBERS, label: 'mute, modify_group_member_info' },
  remove: { action: 'remove', accounts: ACTION_ACCOUNTS, label: 'remove (delete_group_member)' },
  ban: { action: 'ban', accounts: ACTION_ACCOUNTS, label: 'ban (ban_group_member)' },
};

/** One run's figures. */
interface RaidRun {
  /** Accounts muted (removed, banned) per second, from the first batch to the last call applied. */
  accountsPerSecond: number;
  /** Tencent calls per second over the same time. */
  callsPerSecond: number;
  /** Accounts per applied call, on average. */
  accountsPerCall: number;
  /** Calls answered 60007. */
  rateLimitAnswers: number;
  /** Records the consumer did not finish at once (retried later); 0 when nothing failed. */
  retried: number;
  /** Seconds from the first batch to the last call applied. */
  drainSeconds: number;
}

/**
 * The raid's queue messages: one event of `kind`'s action for each of its first accounts (a mute or
 * a ban, all with the same end; a removal, all with the same `silent` and `reason`).
 */
function raidRecords(kind: RaidKind, run: string): QueueRecord[] {
  const receivedAt = new Date();
  const { action, accounts } = RAIDS[kind];
  // The contract takes at most 100 events a request, as ingest receives them.
  const events = Array.from({ length: accounts / 100 }, (_, r) =>
    validateEvents(
      {
        events: Array.from({ length: 100 }, (_, i) => ({
          eventId: `${run}-${r * 100 + i}`,
          groupId: GROUP,
          account: `viewer-${r * 100 + i}`,
          ...raidFields(action, receivedAt.toISOString()),
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
async function raid(sim: RunningSimulator, kind: RaidKind, run: string): Promise<RaidRun> {
  sim.reset();
  await sleep(1_100);
  let retried = 0;
  // The mute API matters to the mute raids only.
  const deps = raidDeps({
    sim,
    ledger: new MemoryLedgerStore(),
    callsPerSecond: CONFIGURED_RATE,
    muteApi: kind === 'modify_group_member_info' ? kind : 'forbid_send_msg',
    onRetried: (count) => {
      retried += count;
    },
  });
  const records = raidRecords(kind, run);
  const batches: QueueRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH_SIZE) batches.push(records.slice(i, i + BATCH_SIZE));
  const started = Date.now();
  await drain(batches, INVOCATIONS, deps);
  const { accounts: expected } = RAIDS[kind];
  const done = raidDone(sim, kind);
  if (done !== expected) throw new Error(`${kind} raid: only ${done} of ${expected} accounts done`);
  const applied = sim.calls.filter((call) => call.applied);
  // A change takes effect after the simulator's added latency.
  const last = Math.max(...applied.map((call) => call.at + call.delayMs));
  const drainSeconds = (last - started) / 1000;
  const accounts = applied.reduce((sum, call) => sum + accountsOf(call.body), 0);
  return {
    accountsPerSecond: round(expected / drainSeconds),
    callsPerSecond: round(sim.stats.calls / drainSeconds),
    accountsPerCall: round(accounts / Math.max(applied.length, 1), 2),
    rateLimitAnswers: sim.stats.rateLimited,
    retried,
    drainSeconds: round(drainSeconds, 2),
  };
}

/** How many of the raid's accounts the simulator shows muted (removed, banned) now. */
function raidDone(sim: RunningSimulator, kind: RaidKind): number {
  const nowSeconds = Date.now() / 1000;
  switch (RAIDS[kind].action) {
    case 'mute':
      return (sim.state.getGroup(GROUP)?.members ?? []).filter((member) => member.mutedUntil > nowSeconds)
        .length;
    case 'remove': {
      const members = new Set((sim.state.getGroup(GROUP)?.members ?? []).map((member) => member.account));
      const removed = new Set(sim.state.removals().flatMap((removal) => removal.removed));
      return Array.from({ length: ACTION_ACCOUNTS }, (_, m) => `viewer-${m}`).filter(
        (account) => removed.has(account) && !members.has(account),
      ).length;
    }
    case 'ban':
      return (sim.state.listBans(GROUP, nowSeconds) ?? []).length;
  }
}

const MEASURES = [
  'accountsPerSecond',
  'callsPerSecond',
  'accountsPerCall',
  'rateLimitAnswers',
  'retried',
  'drainSeconds',
] as const;
type Results = Record<RaidKind, Record<(typeof MEASURES)[number], ReturnType<typeof summary>>>;

/**
 * The raid: mutes through both APIs, removals and bans, printed as a table and written to
 * `bench-results/raid.json`.
 */
export async function raidBench(runs = RUNS) {
  const sim = await startRaidSimulator({
    group: GROUP,
    members: MEMBERS,
    limitPerSecond: TENCENT_LIMIT,
    latencyMs: LATENCY_MS,
  });
  const byKind: Record<RaidKind, RaidRun[]> = {
    forbid_send_msg: [],
    modify_group_member_info: [],
    remove: [],
    ban: [],
  };
  try {
    // The raids alternate, so that a slower spell of the machine does not fall on one only.
    for (let run = 1; run <= runs; run++) {
      for (const kind of KINDS) {
        process.stderr.write(
          `raid, run ${run} of ${runs}: ${RAIDS[kind].accounts} ${RAIDS[kind].label}...\n`,
        );
        byKind[kind].push(await raid(sim, kind, `raid-${run}-${kind}`));
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
      accountsRemovedOrBanned: ACTION_ACCOUNTS,
      tencentLimitPerSecond: TENCENT_LIMIT,
      configuredCallsPerSecond: CONFIGURED_RATE,
      simulatedLatencyMs: LATENCY_MS,
      invocations: INVOCATIONS,
      batchSize: BATCH_SIZE,
      runs,
    },
    results: Object.fromEntries(
      KINDS.map((kind) => [
        kind,
        Object.fromEntries(MEASURES.map((name) => [name, summary(byKind[kind].map((run) => run[name]))])),
      ]),
    ) as Results,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'raid.json'), `${JSON.stringify(figures, null, 2)}\n`);
  report(figures.results, runs, figures.machine);
  return figures;
}

function report(results: Results, runs: number, on: ReturnType<typeof machine>) {
  const cell = (kind: RaidKind, name: (typeof MEASURES)[number], unit = '') => {
    const s = results[kind][name];
    return `${s.median}${unit} (${s.min}-${s.max})`;
  };
  const row = (label: string, name: (typeof MEASURES)[number], unit: string, target: string) => [
    label,
    ...KINDS.map((kind) => cell(kind, name, unit)),
    target,
  ];
  const rows = [
    [`median of ${runs} runs (lowest-highest)`, ...KINDS.map((kind) => RAIDS[kind].label), 'target'],
    row(
      'accounts muted/removed/banned per second',
      'accountsPerSecond',
      '/s',
      `>= ${TARGET_PER_SECOND}/s (forbid_send_msg)`,
    ),
    row('Tencent calls per second', 'callsPerSecond', '/s', `<= ${CONFIGURED_RATE}/s configured`),
    row('accounts per call', 'accountsPerCall', '', `<= ${BATCH_SIZE} (one FIFO batch)`),
    row('rate-limit answers (60007)', 'rateLimitAnswers', '', '0'),
    row('records not finished at once', 'retried', '', '0'),
    row(`time to do all (${MEMBERS} mutes, ${ACTION_ACCOUNTS} others)`, 'drainSeconds', ' s', ''),
  ];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((cells) => cells[i]?.length ?? 0)));
  console.log(
    `\nRaid: ${MEMBERS} mutes of distinct members of one group, same end; ${ACTION_ACCOUNTS} removals ` +
      `(same silent and reason) and ${ACTION_ACCOUNTS} bans (same end and reason) of them; simulator ${TENCENT_LIMIT} calls/s, ` +
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
