/**
 * `npm run bench`: throughput at Tencent's limit, latency, consumer CPU per event, the ingest path,
 * bundle sizes and cold import times. Everything runs on 127.0.0.1: the local stack (real handlers,
 * real SDK clients, local SQS and Secrets Manager) against the Tencent Chat simulator at its real
 * limit (200 calls per second) with about 50 ms of latency per call.
 *
 * Side by side, in the same run, on the same simulator, queue and event source: a baseline consumer
 * built the way the Powertools documentation shows (`bench/baseline-consumer.ts`). The headline
 * figures (one batch of ten members, the burst's steady applied/s and 60007 answers, accepted-to-applied
 * below the limit) are measured three times for each consumer; the table gives the median, the spread
 * (lowest-highest) and the ratio of the medians.
 *
 * Prints a table, writes `bench-results/latest.json` and a chart `bench-results/applied-per-second.html`.
 * Targets are reported, never enforced: this is a measurement, not a test.
 *
 * `npm run bench -- --only <part>` runs one part alone, in seconds to minutes instead of the whole run:
 * `webhook` (the CPU cost of refusing a forged webhook request, `bench/webhook.ts`), `raid`
 * (`bench/raid.ts`) or `bulk-raid` (bulk events against single ones, `bench/raid-bulk.ts`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { build } from 'esbuild';
import { processBatch, type QueueRecord, RateLimiter } from '#shared/consumer';
import { validateEvents } from '#shared/contract';
import { UsageError } from '#shared/errors';
import { messageGroupOfEvent, toQueueMessage } from '#shared/queue';
import { HttpTencentApi, type TencentCredentials } from '#shared/tencent';
import { esbuildTarget, STACK_CHOICES } from '../infra/config.ts';
import { localContext } from '../local/api-gateway.ts';
import {
  DEFAULT_ADMIN,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  signUserSig,
} from '../local/simulator/index.ts';
import { type LocalStack, startLocalStack } from '../local/stack.ts';
import { MemoryLedgerStore } from '../tools/memory-ledger.ts';
import { powertoolsFifoHandler } from './baseline-consumer.ts';
import { failoverReport, measureFailover } from './failover.ts';
import { machine, machineLine, round } from './figures.ts';
import { raidBench } from './raid.ts';
import { bulkRaidBench } from './raid-bulk.ts';
import { measureWebhookRejection, webhookBench, webhookReport } from './webhook.ts';

const OUT = resolve('bench-results');
const TENCENT_LIMIT = 200;
const CONFIGURED_RATE = 180;
const LATENCY_MS = 50;
const BURST_EVENTS = 10_000;
const BURST_MEMBERS = 2_000;
const STEADY_RATE = 150;
const STEADY_SECONDS = 15;
const RUNS = 3;

/** The two consumers compared. */
type ConsumerName = 'ours' | 'baseline';
const CONSUMERS: readonly ConsumerName[] = ['ours', 'baseline'];

/** 2,000 members in ten groups of 200. */
const GROUPS = Array.from({ length: 10 }, (_, g) => ({
  groupId: `bench-group-${g}`,
  type: 'Public' as const,
  owner: `owner-${g}`,
  members: Array.from({ length: BURST_MEMBERS / 10 }, (_, m) => `user-${g}-${m}`),
}));

const quantile = (values: readonly number[], q: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Runs `body` with stdout silenced (the functions log a JSON line per event). */
async function quietly<T>(body: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  try {
    return await body();
  } finally {
    process.stdout.write = write;
  }
}

/**
 * Bundles each handler as the CDK stack does (esbuild, minified, ESM, the default runtime's target) and
 * times a cold import, on the Node.js running the bench.
 */
async function bundles() {
  const results: Record<string, { bytes: number; gzipBytes: number; coldImportMs: number }> = {};
  for (const name of ['ingest', 'consumer']) {
    const outfile = join(OUT, 'bundles', `${name}.mjs`);
    await build({
      entryPoints: [`functions/${name}.ts`],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      target: esbuildTarget(STACK_CHOICES.nodeRuntime.default),
      format: 'esm',
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const env = {
      ...process.env,
      QUEUE_URL: 'http://127.0.0.1:1/000000000000/q.fifo',
      DLQ_URL: 'http://127.0.0.1:1/000000000000/dlq.fifo',
      IM_ENDPOINT: 'http://127.0.0.1:1',
      IM_SECRET_ID: 'bench',
      LEDGER_TABLE: 'bench',
      AWS_REGION: 'us-east-1',
    };
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const run = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(`file://${outfile}`)}); console.log(performance.now() - t);`,
        ],
        { env, encoding: 'utf8' },
      );
      const ms = Number(run.stdout.trim().split('\n').pop());
      // A bundle that throws at import (a missing setting) prints no time: say so instead of 0 ms.
      if (run.status !== 0 || !Number.isFinite(ms) || ms <= 0)
        throw new Error(
          `cold import of the ${name} bundle failed: ${run.stderr.trim().split('\n').slice(-3).join(' ')}`,
        );
      times.push(ms);
    }
    results[name] = {
      bytes: statSync(outfile).size,
      gzipBytes: gzipSync(readFileSync(outfile)).length,
      coldImportMs: round(quantile(times, 0.5)),
    };
  }
  return results;
}

/** The consumer's default settings (the table of docs/settings.md). */
const CONSUMER_SETTINGS = {
  maxAttempts: 10,
  ambiguousMaxAttempts: 3,
  backoff: { baseSeconds: 2, maxSeconds: 900 },
  groupConcurrency: 10,
  tencentTimeoutMs: 3000,
  timeReserveMs: 1000,
  holdMaxSeconds: 3600,
  timeoutSettleSeconds: 10,
  ledgerRetentionDays: 14,
};

/** Consumer CPU per event, excluding network waits: processBatch against an API that answers at once. */
async function consumerCpu() {
  const receivedAt = new Date();
  const batches: QueueRecord[][] = [];
  // 100 batches to warm up, then 1,000 measured: each event once (the ledger acknowledges a repeat unapplied).
  for (let b = 0; b < 1_100; b++) {
    batches.push(
      Array.from({ length: 10 }, (_, i) => {
        const [event] = validateEvents(
          { groupId: 'g', account: `u${b}-${i}`, action: 'set_name_card', nameCard: `n${b}` },
          receivedAt,
        );
        if (!event) throw new Error('no event');
        return {
          messageId: `m${b}-${i}`,
          receiptHandle: `r${b}-${i}`,
          body: JSON.stringify(toQueueMessage(event, receivedAt)),
          messageGroupId: messageGroupOfEvent(event),
          receiveCount: 1,
        };
      }),
    );
  }
  const deps = {
    api: { call: async () => ({ kind: 'ok' as const, body: {} }) },
    pacer: { acquire: async () => true, backOff: () => undefined },
    ledger: new MemoryLedgerStore(),
    credentials: {
      current: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'sig' }),
      renew: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'sig' }),
    },
    queue: { changeVisibility: async () => undefined, sendToDeadLetter: async () => undefined },
    logger: new Logger({ logLevel: 'INFO', serviceName: 'bench' }),
    metrics: new Metrics({ namespace: 'Bench', serviceName: 'bench' }),
    settings: CONSUMER_SETTINGS,
  };
  const budget = { remainingTimeMs: () => 60_000 };
  return quietly(async () => {
    for (const batch of batches.slice(0, 100)) await processBatch(batch, deps, budget);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const measured = batches.slice(100);
    for (const batch of measured) {
      await processBatch(batch, deps, budget);
      deps.metrics.publishStoredMetrics();
    }
    const used = process.cpuUsage(cpu);
    const events = measured.length * 10;
    return {
      events,
      cpuMicrosPerEvent: round((used.user + used.system) / events, 1),
      wallMicrosPerEvent: round(((performance.now() - started) * 1000) / events, 1),
    };
  });
}

/** The simulator's development app, signed once. */
function simulatorCredentials(): TencentCredentials {
  return {
    sdkAppId: DEFAULT_SDK_APP_ID,
    identifier: DEFAULT_ADMIN,
    userSig: signUserSig({
      sdkAppId: DEFAULT_SDK_APP_ID,
      secretKey: DEFAULT_SECRET_KEY,
      identifier: DEFAULT_ADMIN,
      expireSeconds: 86_400,
    }),
  };
}

/** Ten SQS records, one name card for each of ten members, as the event source would hand them over. */
function tenRecords(prefix: string): SQSRecord[] {
  const receivedAt = new Date();
  return Array.from({ length: 10 }, (_, m) => {
    const [event] = validateEvents(
      {
        groupId: 'bench-group-0',
        account: `user-0-${m}`,
        action: 'set_name_card',
        nameCard: `${prefix}-${m}`,
      },
      receivedAt,
    );
    if (!event) throw new Error('no event');
    const messageId = `${prefix}-${m}`;
    return {
      messageId,
      receiptHandle: `r-${messageId}`,
      body: JSON.stringify(toQueueMessage(event, receivedAt)),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(receivedAt.getTime()),
        SenderId: 'bench',
        ApproximateFirstReceiveTimestamp: String(receivedAt.getTime()),
        MessageGroupId: messageGroupOfEvent(event),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bridge-events.fifo',
      awsRegion: 'us-east-1',
    };
  });
}

/**
 * One batch of ten records for ten members against the simulator's 50 ms, each consumer on its own:
 * ours runs the members concurrently (about one round trip), the FIFO processor one after the other.
 * Median of five batches after a warm-up; every batch has new events.
 */
async function oneBatchOfTen(stack: LocalStack) {
  const api = new HttpTencentApi({ endpoint: stack.imEndpoint, timeoutMs: 3000 });
  const credentials = simulatorCredentials();
  const deps = {
    api,
    pacer: new RateLimiter({ callsPerSecond: CONFIGURED_RATE }),
    ledger: new MemoryLedgerStore(),
    credentials: { current: async () => credentials, renew: async () => credentials },
    queue: { changeVisibility: async () => undefined, sendToDeadLetter: async () => undefined },
    logger: new Logger({ logLevel: 'WARN', serviceName: 'bench' }),
    metrics: new Metrics({ namespace: 'Bench', serviceName: 'bench' }),
    settings: CONSUMER_SETTINGS,
  };
  const baseline = powertoolsFifoHandler({ api, credentials });
  const run: Record<ConsumerName, (records: SQSRecord[]) => Promise<unknown>> = {
    ours: (records) =>
      processBatch(
        records.map(
          (record): QueueRecord => ({
            messageId: record.messageId,
            receiptHandle: record.receiptHandle,
            body: record.body,
            messageGroupId: record.attributes.MessageGroupId,
            receiveCount: 1,
          }),
        ),
        deps,
        { remainingTimeMs: () => 60_000 },
      ),
    baseline: (records) => baseline({ Records: records }, localContext('baseline', 'bench', 60_000)),
  };
  const result = {} as Record<ConsumerName, number>;
  let batch = 0;
  for (const name of CONSUMERS) {
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const records = tenRecords(`${name}-${batch++}`);
      await sleep(100);
      const started = performance.now();
      await run[name](records);
      if (i > 0) times.push(performance.now() - started);
    }
    result[name] = round(quantile(times, 0.5));
  }
  return result;
}

/** POSTs the requests one after the other; records when each event was accepted. */
async function offer(stack: LocalStack, requests: { nameCard: string }[][], accepted: Map<string, number>) {
  const requestMs: number[] = [];
  for (const chunk of requests) {
    const started = performance.now();
    const response = await fetch(`${stack.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: chunk }),
    });
    await response.arrayBuffer();
    requestMs.push(performance.now() - started);
    if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
    const now = Date.now();
    for (const event of chunk) accepted.set(event.nameCard, now);
  }
  return requestMs;
}

async function waitApplied(stack: LocalStack, cards: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const applied = () =>
    new Set((stack.simulator?.calls ?? []).filter((c) => c.applied).map((c) => nameCardOf(c.body))).size;
  while (applied() < cards) {
    if (Date.now() > deadline) throw new Error(`only ${applied()} of ${cards} events applied in time`);
    await sleep(250);
  }
}

const nameCardOf = (body: unknown): string =>
  typeof body === 'object' && body !== null && 'NameCard' in body ? String(body.NameCard) : '';

/** Accepted-to-applied latency of each event, from the simulator's call log. */
function latencies(stack: LocalStack, accepted: ReadonlyMap<string, number>): number[] {
  const firstApplied = new Map<string, number>();
  for (const call of stack.simulator?.calls ?? []) {
    const card = nameCardOf(call.body);
    // The simulator applies a call after its added latency: that is when the change took effect.
    if (call.applied && accepted.has(card) && !firstApplied.has(card))
      firstApplied.set(card, call.at + call.delayMs);
  }
  return [...firstApplied].map(([card, at]) => at - (accepted.get(card) ?? at));
}

/** `count` name-card events, round-robin over the members (member m is user-(m % 10)-(m / 10) of group m % 10). */
function burstEvents(prefix: string, count: number) {
  return Array.from({ length: count }, (_, k) => {
    const member = k % BURST_MEMBERS;
    const group = member % GROUPS.length;
    return {
      groupId: `bench-group-${group}`,
      account: `user-${group}-${Math.floor(member / GROUPS.length)}`,
      action: 'set_name_card',
      nameCard: `${prefix}${k}`,
    };
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function chartHtml(perSecond: number[], baselinePerSecond: number[]): string {
  const width = 900;
  const height = 300;
  const max = Math.max(TENCENT_LIMIT * 1.2, ...perSecond, ...baselinePerSecond);
  const seconds = Math.max(perSecond.length, baselinePerSecond.length, 1);
  const barWidth = width / seconds;
  const y = (value: number) => height - (value / max) * height;
  const bars = perSecond
    .map(
      (value, i) =>
        `<rect x="${(i * barWidth).toFixed(1)}" y="${y(value).toFixed(1)}" width="${Math.max(barWidth - 1, 1).toFixed(1)}" height="${(height - y(value)).toFixed(1)}" fill="#4a7bd0"><title>ours, ${i} s: ${value}/s</title></rect>`,
    )
    .join('');
  const baselineLine = `<polyline fill="none" stroke="#e08a00" stroke-width="2" points="${baselinePerSecond
    .map((value, i) => `${((i + 0.5) * barWidth).toFixed(1)},${y(value).toFixed(1)}`)
    .join(' ')}"><title>baseline (Powertools FIFO processor)</title></polyline>`;
  const line = (value: number, color: string, label: string) =>
    `<line x1="0" x2="${width}" y1="${y(value)}" y2="${y(value)}" stroke="${color}" stroke-dasharray="6 4"/><text x="4" y="${y(value) - 4}" fill="${color}" font-size="12">${label}</text>`;
  return `<!doctype html><meta charset="utf-8"><title>Applied per second</title>
<h1 style="font:16px sans-serif">Events applied per second during a burst of ${BURST_EVENTS} (npm run bench)</h1>
<svg width="${width}" height="${height}" style="border:1px solid #ccc;font-family:sans-serif">${bars}${baselineLine}${line(TENCENT_LIMIT, '#c33', `Tencent limit ${TENCENT_LIMIT}/s`)}${line(CONFIGURED_RATE, '#393', `configured ${CONFIGURED_RATE}/s`)}</svg>
<p style="font:12px sans-serif">x: seconds since the first event was applied; y: events applied in that second. Bars: our consumer; orange line: the baseline consumer (Powertools' FIFO batch processor), same queue, event source and simulator.</p>`;
}

/** DynamoDB writes the local ledger has served so far. */
const ledgerWrites = (stack: LocalStack): number => {
  const operations = stack.ledger.operations();
  return (operations.PutItem ?? 0) + (operations.UpdateItem ?? 0) + (operations.BatchWriteItem ?? 0);
};

/** The burst: 10,000 events over 2,000 members, offered as fast as ingest takes them. */
async function burstPhase(stack: LocalStack, prefix: string) {
  stack.simulator?.reset();
  await sleep(1100);
  const accepted = new Map<string, number>();
  const senders = 4;
  const burst = burstEvents(prefix, BURST_EVENTS);
  // Each member's events go through one sender, so they keep their order.
  const bySender = Array.from({ length: senders }, (_, s) =>
    burst.filter((_, k) => (k % BURST_MEMBERS) % senders === s),
  );
  const ledgerBefore = ledgerWrites(stack);
  const ingestStarted = performance.now();
  const requestMs = (
    await Promise.all(bySender.map((events) => offer(stack, chunk(events, 100), accepted)))
  ).flat();
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;
  const ingestEndedAt = Date.now();
  await waitApplied(stack, BURST_EVENTS, 600_000);
  // Ledger writes for the burst, ingest and consumer together (the baseline consumer writes none).
  const writesPerEvent = (ledgerWrites(stack) - ledgerBefore) / BURST_EVENTS;

  const applied = (stack.simulator?.calls ?? []).filter((call) => call.applied);
  const first = Math.min(...applied.map((call) => call.at + call.delayMs));
  const perSecond: number[] = [];
  for (const call of applied) {
    const second = Math.floor((call.at + call.delayMs - first) / 1000);
    perSecond[second] = (perSecond[second] ?? 0) + 1;
  }
  const filled = Array.from(perSecond, (value) => value ?? 0);
  // Steady state: every whole second but the first two and the last one.
  const steady = filled.slice(2, -1);
  const steadyRate = steady.reduce((sum, value) => sum + value, 0) / Math.max(steady.length, 1);
  // The same, from the first whole second after the last event was accepted: the consumer alone, no
  // longer sharing the cores with ingest (and its ledger writes).
  const afterIngest = filled.slice(Math.max(2, Math.ceil((ingestEndedAt - first) / 1000)), -1);
  const afterIngestRate =
    afterIngest.length === 0
      ? Number.NaN
      : afterIngest.reduce((sum, value) => sum + value, 0) / afterIngest.length;
  const latency = latencies(stack, accepted);
  const stats = { ...stack.simulator?.stats };
  return {
    appliedPerSecondSteady: round(steadyRate),
    appliedPerSecondAfterIngest: round(afterIngestRate),
    secondsAfterIngest: afterIngest.length,
    rateLimitRejections: stats.rateLimited ?? 0,
    tencentCalls: stats.calls ?? 0,
    ledgerWritesPerEvent: round(writesPerEvent, 2),
    acceptedToAppliedMs: { p50: round(quantile(latency, 0.5)), p99: round(quantile(latency, 0.99)) },
    perSecond: filled,
    ingest: {
      eventsPerSecond: round(BURST_EVENTS / ingestSeconds),
      requestP50Ms: round(quantile(requestMs, 0.5)),
      requestP99Ms: round(quantile(requestMs, 0.99)),
    },
  };
}

/** Below the limit: 150 events per second for 15 s, in ticks of a tenth of a second. */
async function belowLimitPhase(stack: LocalStack, prefix: string) {
  stack.simulator?.reset();
  await sleep(1100);
  const accepted = new Map<string, number>();
  const events = burstEvents(prefix, STEADY_RATE * STEADY_SECONDS);
  const ticks = chunk(events, STEADY_RATE / 10);
  const started = performance.now();
  for (const [i, tick] of ticks.entries()) {
    await offer(stack, [tick], accepted);
    const due = started + (i + 1) * 100;
    await sleep(Math.max(0, due - performance.now()));
  }
  await waitApplied(stack, events.length, 300_000);
  const latency = latencies(stack, accepted);
  return {
    rateLimitRejections: stack.simulator?.stats.rateLimited ?? 0,
    acceptedToAppliedMs: { p50: round(quantile(latency, 0.5)), p99: round(quantile(latency, 0.99)) },
  };
}

/** Median and spread of one figure over the runs. */
function summary(values: readonly number[]) {
  return {
    median: round(quantile(values, 0.5)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
    runs: [...values],
  };
}

async function main(): Promise<void> {
  mkdirSync(join(OUT, 'bundles'), { recursive: true });
  const started = Date.now();
  process.stderr.write('bundling and timing cold imports...\n');
  const bundleFigures = await bundles();
  process.stderr.write('measuring consumer CPU per event...\n');
  const cpu = await consumerCpu();
  process.stderr.write('measuring backup-domain failover latency...\n');
  const failover = await measureFailover();
  process.stderr.write('measuring the CPU cost of refusing a forged webhook request...\n');
  const webhook = await measureWebhookRejection();

  // Errors only: the functions' warnings (such as an invocation with no metrics to publish) would flood the table.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // One queue, one event source (5 pollers, batches of 10): the consumer it invokes is switched.
  let active: ConsumerName = 'ours';
  let baseline: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;
  const stack = await startLocalStack({
    simulator: {
      groups: GROUPS,
      limitPerSecond: TENCENT_LIMIT,
      faults: { seed: 1, latency: { ms: LATENCY_MS - 5, jitterMs: 10 } },
    },
    functionEnv: { TENCENT_CALLS_PER_SECOND: String(CONFIGURED_RATE) },
    consumer: { maxConcurrency: 5 },
    wrapConsumer: (ours) => (event, context) => {
      if (active === 'ours' || baseline === undefined) return ours(event, context);
      return baseline(event, context);
    },
  });
  baseline = powertoolsFifoHandler({
    api: new HttpTencentApi({ endpoint: stack.imEndpoint, timeoutMs: 3000 }),
    credentials: simulatorCredentials(),
  });
  try {
    const runs: {
      tenMembersMs: Record<ConsumerName, number>;
      burst: Record<ConsumerName, Awaited<ReturnType<typeof burstPhase>>>;
      belowLimit: Record<ConsumerName, Awaited<ReturnType<typeof belowLimitPhase>>>;
    }[] = [];
    for (let run = 1; run <= RUNS; run++) {
      process.stderr.write(`run ${run} of ${RUNS}: one batch of ten members, both consumers...\n`);
      const tenMembersMs = await oneBatchOfTen(stack);
      const burst = {} as Record<ConsumerName, Awaited<ReturnType<typeof burstPhase>>>;
      const belowLimit = {} as Record<ConsumerName, Awaited<ReturnType<typeof belowLimitPhase>>>;
      for (const name of CONSUMERS) {
        active = name;
        process.stderr.write(
          `run ${run} of ${RUNS}, ${name}: burst of ${BURST_EVENTS} events over ${BURST_MEMBERS} members...\n`,
        );
        burst[name] = await burstPhase(stack, `${name[0]}${run}b`);
        process.stderr.write(
          `run ${run} of ${RUNS}, ${name}: ${STEADY_RATE} events/s for ${STEADY_SECONDS} s...\n`,
        );
        belowLimit[name] = await belowLimitPhase(stack, `${name[0]}${run}s`);
      }
      runs.push({ tenMembersMs, burst, belowLimit });
    }

    const of = <T>(pick: (run: (typeof runs)[number], name: ConsumerName) => T) =>
      Object.fromEntries(CONSUMERS.map((name) => [name, runs.map((run) => pick(run, name))])) as Record<
        ConsumerName,
        T[]
      >;
    const headline = {
      tenMembersMs: of((run, name) => run.tenMembersMs[name]),
      appliedPerSecondSteady: of((run, name) => run.burst[name].appliedPerSecondSteady),
      burstRateLimitRejections: of((run, name) => run.burst[name].rateLimitRejections),
      belowLimitP99Ms: of((run, name) => run.belowLimit[name].acceptedToAppliedMs.p99),
    };
    const headlineSummary = Object.fromEntries(
      Object.entries(headline).map(([measure, byConsumer]) => [
        measure,
        { ours: summary(byConsumer.ours), baseline: summary(byConsumer.baseline) },
      ]),
    ) as Record<keyof typeof headline, Record<ConsumerName, ReturnType<typeof summary>>>;
    // The chart and the detail figures: our consumer's median run of the burst.
    const medianRun = [...runs].sort(
      (x, y) => x.burst.ours.appliedPerSecondSteady - y.burst.ours.appliedPerSecondSteady,
    )[Math.floor(runs.length / 2)];
    if (medianRun === undefined) throw new Error('no runs');
    const ours = medianRun.burst.ours;

    const figures = {
      when: new Date().toISOString(),
      machine: machine(),
      settings: {
        tencentLimitPerSecond: TENCENT_LIMIT,
        configuredCallsPerSecond: CONFIGURED_RATE,
        simulatedLatencyMs: LATENCY_MS,
        pollers: 5,
        batchSize: 10,
        runs: RUNS,
        baseline:
          'processPartialResponse + SqsFifoPartialProcessorAsync, skipGroupOnError (bench/baseline-consumer.ts)',
      },
      headline: headlineSummary,
      burst: {
        events: BURST_EVENTS,
        members: BURST_MEMBERS,
        appliedPerSecondSteady: headlineSummary.appliedPerSecondSteady.ours.median,
        shareOfConfiguredRate: round(headlineSummary.appliedPerSecondSteady.ours.median / CONFIGURED_RATE, 3),
        shareOfTencentLimit: round(headlineSummary.appliedPerSecondSteady.ours.median / TENCENT_LIMIT, 3),
        appliedPerSecondAfterIngest: ours.appliedPerSecondAfterIngest,
        secondsAfterIngest: ours.secondsAfterIngest,
        baselineAppliedPerSecondAfterIngest: medianRun.burst.baseline.appliedPerSecondAfterIngest,
        rateLimitRejections: headlineSummary.burstRateLimitRejections.ours.median,
        tencentCalls: ours.tencentCalls,
        ledgerWritesPerAppliedEvent: ours.ledgerWritesPerEvent,
        acceptedToAppliedMs: ours.acceptedToAppliedMs,
        baselineAcceptedToAppliedMs: medianRun.burst.baseline.acceptedToAppliedMs,
        perSecond: ours.perSecond,
        baselinePerSecond: medianRun.burst.baseline.perSecond,
      },
      belowLimit: {
        offeredPerSecond: STEADY_RATE,
        events: STEADY_RATE * STEADY_SECONDS,
        rateLimitRejections: Math.max(...runs.map((run) => run.belowLimit.ours.rateLimitRejections)),
        acceptedToAppliedMs: medianRun.belowLimit.ours.acceptedToAppliedMs,
        baselineAcceptedToAppliedMs: medianRun.belowLimit.baseline.acceptedToAppliedMs,
      },
      ingest: { ...ours.ingest, eventsPerRequest: 100, concurrentRequests: 4 },
      consumer: { ...cpu, tenMembersMs: headlineSummary.tenMembersMs.ours.median },
      bundles: bundleFigures,
      failover,
      webhookRejection: { cpuMsPerRequest: webhook.cpuMsPerRequest, beforeOverNow: webhook.beforeOverNow },
      runs,
      durationSeconds: round((Date.now() - started) / 1000),
    };
    writeFileSync(join(OUT, 'latest.json'), `${JSON.stringify(figures, null, 2)}\n`);
    writeFileSync(
      join(OUT, 'applied-per-second.html'),
      chartHtml(ours.perSecond, medianRun.burst.baseline.perSecond),
    );
    report(figures);
    console.log(failoverReport(failover));
    console.log(webhookReport(webhook));
  } finally {
    await stack.close();
  }
  await raidBench();
  await bulkRaidBench();
}

type Spread = { median: number; min: number; max: number };

function report(f: {
  burst: {
    appliedPerSecondSteady: number;
    appliedPerSecondAfterIngest: number;
    secondsAfterIngest: number;
    baselineAppliedPerSecondAfterIngest: number;
    shareOfConfiguredRate: number;
    shareOfTencentLimit: number;
    ledgerWritesPerAppliedEvent: number;
    acceptedToAppliedMs: { p50: number; p99: number };
    baselineAcceptedToAppliedMs: { p50: number; p99: number };
  };
  belowLimit: {
    offeredPerSecond: number;
    rateLimitRejections: number;
    acceptedToAppliedMs: { p50: number; p99: number };
  };
  headline: Record<
    'tenMembersMs' | 'appliedPerSecondSteady' | 'burstRateLimitRejections' | 'belowLimitP99Ms',
    Record<ConsumerName, Spread>
  >;
  ingest: { eventsPerSecond: number; requestP99Ms: number };
  consumer: { cpuMicrosPerEvent: number };
  bundles: Record<string, { bytes: number; gzipBytes: number; coldImportMs: number }>;
  durationSeconds: number;
  machine: ReturnType<typeof machine>;
}) {
  const spread = (s: Spread, unit: string) => `${s.median}${unit} (${s.min}-${s.max})`;
  /** How many times better ours is: a rate is better higher, a time lower; a count has no ratio when either is 0. */
  const ratio = (ours: Spread, baseline: Spread, better: 'higher' | 'lower' | 'count') => {
    if (better === 'count')
      return ours.median === baseline.median ? 'same' : `${ours.median} vs ${baseline.median}`;
    const value = better === 'higher' ? ours.median / baseline.median : baseline.median / ours.median;
    return Number.isFinite(value) ? `${value.toFixed(1)}x` : '-';
  };
  const h = f.headline;
  const side: [string, string, string, string, string][] = [
    [
      'one batch of 10 members, 50 ms Tencent',
      spread(h.tenMembersMs.ours, ' ms'),
      spread(h.tenMembersMs.baseline, ' ms'),
      ratio(h.tenMembersMs.ours, h.tenMembersMs.baseline, 'lower'),
      '~ one round trip',
    ],
    [
      'burst: applied per second, steady',
      spread(h.appliedPerSecondSteady.ours, '/s'),
      spread(h.appliedPerSecondSteady.baseline, '/s'),
      ratio(h.appliedPerSecondSteady.ours, h.appliedPerSecondSteady.baseline, 'higher'),
      `>= 95% of ${CONFIGURED_RATE}`,
    ],
    [
      'burst: rate-limit answers (60007)',
      spread(h.burstRateLimitRejections.ours, ''),
      spread(h.burstRateLimitRejections.baseline, ''),
      ratio(h.burstRateLimitRejections.ours, h.burstRateLimitRejections.baseline, 'count'),
      '0',
    ],
    [
      `accepted -> applied p99, ${f.belowLimit.offeredPerSecond}/s offered`,
      spread(h.belowLimitP99Ms.ours, ' ms'),
      spread(h.belowLimitP99Ms.baseline, ' ms'),
      ratio(h.belowLimitP99Ms.ours, h.belowLimitP99Ms.baseline, 'lower'),
      'p99 < 2000 ms',
    ],
  ];
  const header: [string, string, string, string, string] = [
    `median of ${RUNS} runs (lowest-highest)`,
    'ours',
    'baseline (Powertools FIFO)',
    'ours vs baseline',
    'target',
  ];
  const widths = header.map((_, i) => Math.max(...[header, ...side].map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\nfigures measured on ${machineLine(f.machine)}`);
  console.log(`\n${line(header)}`);
  for (const row of side) console.log(line(row));

  const rows: [string, string, string][] = [
    [
      'applied per second, steady (burst)',
      `${f.burst.appliedPerSecondSteady}/s = ${(f.burst.shareOfConfiguredRate * 100).toFixed(1)}% of ${CONFIGURED_RATE}, ${(f.burst.shareOfTencentLimit * 100).toFixed(1)}% of ${TENCENT_LIMIT}`,
      `>= 95% of ${CONFIGURED_RATE}`,
    ],
    [
      'applied per second once ingest is done',
      `${f.burst.appliedPerSecondAfterIngest}/s over the last ${f.burst.secondsAfterIngest} s (baseline ${f.burst.baselineAppliedPerSecondAfterIngest}/s)`,
      `>= 95% of ${CONFIGURED_RATE}`,
    ],
    [
      'accepted -> applied, burst',
      `p50 ${f.burst.acceptedToAppliedMs.p50} ms, p99 ${f.burst.acceptedToAppliedMs.p99} ms (baseline p50 ${f.burst.baselineAcceptedToAppliedMs.p50} ms, p99 ${f.burst.baselineAcceptedToAppliedMs.p99} ms)`,
      '(queueing: 10,000 at the limit)',
    ],
    [
      `accepted -> applied, ${f.belowLimit.offeredPerSecond}/s offered`,
      `p50 ${f.belowLimit.acceptedToAppliedMs.p50} ms, p99 ${f.belowLimit.acceptedToAppliedMs.p99} ms; 60007: ${f.belowLimit.rateLimitRejections}`,
      'p99 < 2000 ms',
    ],
    [
      'ledger writes per applied event (burst)',
      `${f.burst.ledgerWritesPerAppliedEvent} (ingest and consumer)`,
      '<= 4',
    ],
    ['consumer CPU per event (no network)', `${f.consumer.cpuMicrosPerEvent} µs`, '<< 1000 µs'],
    [
      'ingest: events accepted per second',
      `${f.ingest.eventsPerSecond}/s, request p99 ${f.ingest.requestP99Ms} ms`,
      '(100 events/request)',
    ],
    ...Object.entries(f.bundles).map(([name, b]): [string, string, string] => [
      `${name} bundle, cold import`,
      `${(b.bytes / 1024).toFixed(0)} KiB (${(b.gzipBytes / 1024).toFixed(0)} KiB gzip), ${b.coldImportMs} ms`,
      'small',
    ]),
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  const valueWidth = Math.max(...rows.map((row) => row[1].length));
  console.log(`\n${'measure (ours, median run)'.padEnd(width)}  ${'result'.padEnd(valueWidth)}  target`);
  for (const [name, value, target] of rows)
    console.log(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`);
  console.log(
    `\n(${f.durationSeconds} s; figures in bench-results/latest.json, chart in bench-results/applied-per-second.html)`,
  );
}

/** The parts `--only <part>` runs alone. */
const PARTS = new Map<string, () => Promise<unknown>>([
  ['webhook', () => webhookBench()],
  ['raid', () => raidBench()],
  ['bulk-raid', () => bulkRaidBench()],
]);

/**
 * The part `--only <part>` (or `--only=<part>`) names, `undefined` for the whole bench.
 * @throws {@link UsageError} naming the parts, for any other arguments
 */
function onlyPart(args: readonly string[]): (() => Promise<unknown>) | undefined {
  if (args.length === 0) return undefined;
  const [first, second] = args;
  const name =
    args.length === 1 && first?.startsWith('--only=')
      ? first.slice('--only='.length)
      : args.length === 2 && first === '--only'
        ? second
        : undefined;
  const part = name === undefined ? undefined : PARTS.get(name);
  if (part === undefined) {
    throw new UsageError(
      `usage: npm run bench [-- --only ${[...PARTS.keys()].join('|')}]; got '${args.join(' ')}'`,
    );
  }
  return part;
}

async function run(): Promise<void> {
  const part = onlyPart(process.argv.slice(2));
  if (part === undefined) return main();
  await part();
  // A part alone ends here, as `npx tsx bench/<part>.ts` does.
  process.exit(0);
}

run().catch((error: unknown) => {
  console.error(error instanceof UsageError ? error.message : error);
  process.exit(1);
});
