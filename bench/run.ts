/**
 * `npm run bench`: throughput at Tencent's limit, latency, consumer CPU per event, the ingest path,
 * bundle sizes and cold import times. Everything runs on 127.0.0.1: the local stack (real handlers,
 * real SDK clients, local SQS and Secrets Manager) against the Tencent Chat simulator at its real
 * limit (200 calls per second) with about 50 ms of latency per call.
 *
 * Prints a table, writes `bench-results/latest.json` and a chart `bench-results/applied-per-second.html`.
 * Targets are reported, never enforced: this is a measurement, not a test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { build } from 'esbuild';
import { processBatch, type QueueRecord } from '#shared/consumer';
import { validateEvents } from '#shared/contract';
import { messageGroupIdOf, toQueueMessage } from '#shared/queue-message';
import { HttpGroupMemberApi } from '#shared/tencent/client';
import { signUserSig } from '../local/simulator/index.ts';
import { type LocalStack, startLocalStack } from '../local/stack.ts';
import { MemoryLedgerStore } from '../test/helpers/memory-ledger.ts';

const OUT = resolve('bench-results');
const TENCENT_LIMIT = 200;
const CONFIGURED_RATE = 180;
const LATENCY_MS = 50;
const BURST_EVENTS = 10_000;
const BURST_MEMBERS = 2_000;
const STEADY_RATE = 150;
const STEADY_SECONDS = 15;

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
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
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

/** Bundles each handler as the CDK stack does (esbuild, minified, ESM) and times a cold import. */
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
      target: 'node22',
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
      times.push(Number(run.stdout.trim().split('\n').pop()));
    }
    results[name] = {
      bytes: statSync(outfile).size,
      gzipBytes: gzipSync(readFileSync(outfile)).length,
      coldImportMs: round(quantile(times, 0.5)),
    };
  }
  return results;
}

/** Consumer CPU per event, excluding network waits: processBatch against an API that answers at once. */
async function consumerCpu() {
  const receivedAt = new Date();
  const batches: QueueRecord[][] = [];
  for (let b = 0; b < 1_000; b++) {
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
          messageGroupId: messageGroupIdOf(event.groupId, event.account),
          receiveCount: 1,
        };
      }),
    );
  }
  const deps = {
    api: { modifyGroupMemberInfo: async () => undefined },
    pacer: { acquire: async () => true, backOff: () => undefined },
    ledger: new MemoryLedgerStore(),
    credentials: {
      current: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'sig' }),
      renew: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'sig' }),
    },
    queue: { changeVisibility: async () => undefined, sendToDeadLetter: async () => undefined },
    logger: new Logger({ logLevel: 'INFO', serviceName: 'bench' }),
    metrics: new Metrics({ namespace: 'Bench', serviceName: 'bench' }),
    settings: {
      maxAttempts: 10,
      ambiguousMaxAttempts: 3,
      backoff: { baseSeconds: 2, maxSeconds: 900 },
      groupConcurrency: 10,
      tencentTimeoutMs: 3000,
      timeReserveMs: 1000,
      holdMaxSeconds: 3600,
      timeoutSettleSeconds: 10,
      ledgerRetentionDays: 14,
    },
  };
  const budget = { remainingTimeMs: () => 60_000 };
  return quietly(async () => {
    for (const batch of batches.slice(0, 100)) await processBatch(batch, deps, budget); // warm-up
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const batch of batches) {
      await processBatch(batch, deps, budget);
      deps.metrics.publishStoredMetrics();
    }
    const used = process.cpuUsage(cpu);
    const events = batches.length * 10;
    return {
      events,
      cpuMicrosPerEvent: round((used.user + used.system) / events, 1),
      wallMicrosPerEvent: round(((performance.now() - started) * 1000) / events, 1),
    };
  });
}

/** A batch of ten members against the simulator's 50 ms: about one round trip, not ten. */
async function tenMembersOneRoundTrip(stack: LocalStack) {
  const api = new HttpGroupMemberApi({ endpoint: stack.imEndpoint, timeoutMs: 3000 });
  const credentials = {
    sdkAppId: 1_400_000_000,
    identifier: 'administrator',
    userSig: signUserSig({
      sdkAppId: 1_400_000_000,
      secretKey: 'local-simulator-dev-secret-key-not-for-production',
      identifier: 'administrator',
      expireSeconds: 3600,
    }),
  };
  const one = async (m: number) =>
    api.modifyGroupMemberInfo(
      { GroupId: 'bench-group-0', Member_Account: `user-0-${m}`, NameCard: 'x' },
      credentials,
    );
  await one(0);
  const started = performance.now();
  await Promise.all(Array.from({ length: 10 }, (_, m) => one(m)));
  return { tenMembersMs: round(performance.now() - started) };
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

function chartHtml(perSecond: number[]): string {
  const width = 900;
  const height = 300;
  const max = Math.max(TENCENT_LIMIT * 1.2, ...perSecond);
  const barWidth = width / Math.max(perSecond.length, 1);
  const y = (value: number) => height - (value / max) * height;
  const bars = perSecond
    .map(
      (value, i) =>
        `<rect x="${(i * barWidth).toFixed(1)}" y="${y(value).toFixed(1)}" width="${Math.max(barWidth - 1, 1).toFixed(1)}" height="${(height - y(value)).toFixed(1)}" fill="#4a7bd0"><title>${i} s: ${value}/s</title></rect>`,
    )
    .join('');
  const line = (value: number, color: string, label: string) =>
    `<line x1="0" x2="${width}" y1="${y(value)}" y2="${y(value)}" stroke="${color}" stroke-dasharray="6 4"/><text x="4" y="${y(value) - 4}" fill="${color}" font-size="12">${label}</text>`;
  return `<!doctype html><meta charset="utf-8"><title>Applied per second</title>
<h1 style="font:16px sans-serif">Events applied per second during a burst of ${BURST_EVENTS} (npm run bench)</h1>
<svg width="${width}" height="${height}" style="border:1px solid #ccc;font-family:sans-serif">${bars}${line(TENCENT_LIMIT, '#c33', `Tencent limit ${TENCENT_LIMIT}/s`)}${line(CONFIGURED_RATE, '#393', `configured ${CONFIGURED_RATE}/s`)}</svg>
<p style="font:12px sans-serif">x: seconds since the first event was applied; y: events applied in that second.</p>`;
}

async function main(): Promise<void> {
  mkdirSync(join(OUT, 'bundles'), { recursive: true });
  const started = Date.now();
  process.stderr.write('bundling and timing cold imports...\n');
  const bundleFigures = await bundles();
  process.stderr.write('measuring consumer CPU per event...\n');
  const cpu = await consumerCpu();

  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const stack = await startLocalStack({
    simulator: {
      groups: GROUPS,
      limitPerSecond: TENCENT_LIMIT,
      faults: { seed: 1, latency: { ms: LATENCY_MS - 5, jitterMs: 10 } },
    },
    functionEnv: { TENCENT_CALLS_PER_SECOND: String(CONFIGURED_RATE) },
    consumer: { maxConcurrency: 5 },
  });
  try {
    process.stderr.write('one batch of ten members...\n');
    const roundTrip = await tenMembersOneRoundTrip(stack);
    stack.simulator?.reset();
    await sleep(1100);

    process.stderr.write(`burst: ${BURST_EVENTS} events over ${BURST_MEMBERS} members...\n`);
    const burstAccepted = new Map<string, number>();
    const senders = 4;
    const burst = burstEvents('b', BURST_EVENTS);
    // Each member's events go through one sender, so they keep their order.
    const bySender = Array.from({ length: senders }, (_, s) =>
      burst.filter((_, k) => (k % BURST_MEMBERS) % senders === s),
    );
    const ingestStarted = performance.now();
    const requestMs = (
      await Promise.all(bySender.map((events) => offer(stack, chunk(events, 100), burstAccepted)))
    ).flat();
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    await waitApplied(stack, BURST_EVENTS, 180_000);

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
    const burstLatency = latencies(stack, burstAccepted);
    const burstStats = { ...stack.simulator?.stats };

    process.stderr.write(`below the limit: ${STEADY_RATE} events/s for ${STEADY_SECONDS} s...\n`);
    stack.simulator?.reset();
    const steadyAccepted = new Map<string, number>();
    const steadyEvents = burstEvents('s', STEADY_RATE * STEADY_SECONDS);
    const ticks = chunk(steadyEvents, STEADY_RATE / 10);
    const steadyStarted = performance.now();
    for (const [i, tick] of ticks.entries()) {
      await offer(stack, [tick], steadyAccepted);
      const due = steadyStarted + (i + 1) * 100;
      await sleep(Math.max(0, due - performance.now()));
    }
    await waitApplied(stack, steadyEvents.length, 60_000);
    const steadyLatency = latencies(stack, steadyAccepted);

    const figures = {
      when: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? '',
        memoryGiB: round(totalmem() / 2 ** 30),
        node: process.version,
      },
      settings: {
        tencentLimitPerSecond: TENCENT_LIMIT,
        configuredCallsPerSecond: CONFIGURED_RATE,
        simulatedLatencyMs: LATENCY_MS,
        pollers: 5,
        batchSize: 10,
      },
      burst: {
        events: BURST_EVENTS,
        members: BURST_MEMBERS,
        appliedPerSecondSteady: round(steadyRate),
        shareOfConfiguredRate: round(steadyRate / CONFIGURED_RATE, 3),
        shareOfTencentLimit: round(steadyRate / TENCENT_LIMIT, 3),
        rateLimitRejections: burstStats.rateLimited ?? 0,
        tencentCalls: burstStats.calls ?? 0,
        acceptedToAppliedMs: {
          p50: round(quantile(burstLatency, 0.5)),
          p99: round(quantile(burstLatency, 0.99)),
        },
        perSecond: filled,
      },
      belowLimit: {
        offeredPerSecond: STEADY_RATE,
        events: steadyEvents.length,
        rateLimitRejections: stack.simulator?.stats.rateLimited ?? 0,
        acceptedToAppliedMs: {
          p50: round(quantile(steadyLatency, 0.5)),
          p99: round(quantile(steadyLatency, 0.99)),
        },
      },
      ingest: {
        eventsPerSecond: round(BURST_EVENTS / ingestSeconds),
        requestP50Ms: round(quantile(requestMs, 0.5)),
        requestP99Ms: round(quantile(requestMs, 0.99)),
        eventsPerRequest: 100,
        concurrentRequests: senders,
      },
      consumer: { ...cpu, ...roundTrip },
      bundles: bundleFigures,
      durationSeconds: round((Date.now() - started) / 1000),
    };
    writeFileSync(join(OUT, 'latest.json'), `${JSON.stringify(figures, null, 2)}\n`);
    writeFileSync(join(OUT, 'applied-per-second.html'), chartHtml(filled));
    report(figures);
  } finally {
    await stack.close();
  }
}

function report(f: {
  burst: {
    appliedPerSecondSteady: number;
    shareOfConfiguredRate: number;
    shareOfTencentLimit: number;
    rateLimitRejections: number;
    acceptedToAppliedMs: { p50: number; p99: number };
  };
  belowLimit: {
    offeredPerSecond: number;
    rateLimitRejections: number;
    acceptedToAppliedMs: { p50: number; p99: number };
  };
  ingest: { eventsPerSecond: number; requestP99Ms: number };
  consumer: { cpuMicrosPerEvent: number; tenMembersMs: number };
  bundles: Record<string, { bytes: number; gzipBytes: number; coldImportMs: number }>;
  durationSeconds: number;
}) {
  const rows: [string, string, string][] = [
    [
      'applied per second, steady (burst)',
      `${f.burst.appliedPerSecondSteady}/s = ${(f.burst.shareOfConfiguredRate * 100).toFixed(1)}% of ${CONFIGURED_RATE}, ${(f.burst.shareOfTencentLimit * 100).toFixed(1)}% of ${TENCENT_LIMIT}`,
      `>= 95% of ${CONFIGURED_RATE}`,
    ],
    [
      'rate-limit rejections (60007)',
      `${f.burst.rateLimitRejections} burst, ${f.belowLimit.rateLimitRejections} below limit`,
      '0',
    ],
    [
      'accepted -> applied, burst',
      `p50 ${f.burst.acceptedToAppliedMs.p50} ms, p99 ${f.burst.acceptedToAppliedMs.p99} ms`,
      '(queueing: 10,000 at the limit)',
    ],
    [
      `accepted -> applied, ${f.belowLimit.offeredPerSecond}/s offered`,
      `p50 ${f.belowLimit.acceptedToAppliedMs.p50} ms, p99 ${f.belowLimit.acceptedToAppliedMs.p99} ms`,
      'p99 < 2000 ms',
    ],
    ['consumer CPU per event (no network)', `${f.consumer.cpuMicrosPerEvent} µs`, '<< 1000 µs'],
    ['batch of 10 members, 50 ms Tencent', `${f.consumer.tenMembersMs} ms`, '~ one round trip'],
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
  console.log(`\n${'measure'.padEnd(width)}  ${'result'.padEnd(valueWidth)}  target`);
  for (const [name, value, target] of rows)
    console.log(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`);
  console.log(
    `\n(${f.durationSeconds} s; figures in bench-results/latest.json, chart in bench-results/applied-per-second.html)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
