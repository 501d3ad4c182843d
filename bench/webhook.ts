/**
 * What a forged request costs in webhook mode, part of `npm run bench` (and on its own: `npm run bench --
 * --only webhook`, or `npx tsx bench/webhook.ts`): the CPU time (user + system, `process.cpuUsage`) to
 * refuse one request of 256 KiB (the default `MAX_BODY_BYTES` until bulk events raised it to 1 MiB: the
 * cost is linear in the body, so a 1 MiB one costs about 4 times as much) whose headers are well formed and whose
 * `v1` signature no signing secret gives, with 10 signing secrets (the most a secret may hold). With the
 * API public, anyone can send such requests; each one runs the whole signature check.
 *
 * Side by side, in the same run, interleaved: the check as the ingest makes it (`WebhookVerifier`, which
 * hashes each secret once with Node's native HMAC), the same through the ingest path (`acceptEvents`, up to
 * its 401 error), and the check as it was made before (the `standardwebhooks` package's `verify` with
 * each of the 10 secrets, pure-JavaScript HMAC-SHA256). Each is measured over several repetitions of a
 * batch of requests; the table gives the median per request and the spread (lowest-highest repetition).
 * Writes `bench-results/webhook.json`. The target is reported, never enforced.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WebhookRejectedError } from '#shared/errors';
import { MAX_SIGNING_SECRETS, WebhookVerifier } from '#shared/http';
import { acceptEvents } from '#shared/ingest';
import { MemoryLedgerStore } from '../tools/memory-ledger.ts';
import { machine, round } from './figures.ts';

const OUT = resolve('bench-results');
/** The request measured: 256 KiB, the size the target (< 5 ms) was set for. */
const BODY_BYTES = 262_144;
const SECRETS = MAX_SIGNING_SECRETS;
/** Repetitions of each measure; the table gives their median and spread. */
const REPETITIONS = 9;
/** Requests per repetition: enough that one repetition is well above the clock's resolution. */
const REQUESTS = { ours: 200, oldPath: 10 } as const;
/** The target for refusing one forged request, in CPU milliseconds. */
const TARGET_MS = 5;

/** The three measures, in the table's order. */
const MEASURES = ['verifier', 'ingest', 'oldPath'] as const;
type Measure = (typeof MEASURES)[number];
const LABELS: Record<Measure, string> = {
  verifier: 'WebhookVerifier.verify (node:crypto HMAC)',
  ingest: 'acceptEvents, to its 401 error',
  oldPath: 'before: standardwebhooks verify, each secret',
};

/** A JSON body of exactly `bytes` bytes: one event whose reason fills it. */
function bodyOf(bytes: number): string {
  const head = '{"groupId":"@TGS#2CLUZEAEJ","account":"bob","action":"mute","durationSeconds":600,"reason":"';
  const tail = '"}';
  return `${head}${'x'.repeat(bytes - head.length - tail.length)}${tail}`;
}

/** Well-formed headers of a delivery, with a signature of 32 random bytes that no secret gives. */
const forgedHeaders = () => ({
  'webhook-id': `msg_${randomUUID()}`,
  'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
  'webhook-signature': `v1,${randomBytes(32).toString('base64')}`,
});

/** CPU milliseconds per call of `refuse`, over `count` calls. */
async function cpuPerRequest(count: number, refuse: () => Promise<void>): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) await refuse();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / count;
}

/** Median and spread of one measure over the repetitions, in milliseconds. */
function summary(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, 2),
    min: round(Math.min(...values), 2),
    max: round(Math.max(...values), 2),
    runs: values.map((value) => round(value, 3)),
  };
}

/** What {@link measureWebhookRejection} measured. */
export type WebhookFigures = Awaited<ReturnType<typeof measureWebhookRejection>>;

/** Measures the three side by side and writes `bench-results/webhook.json`; {@link webhookReport} prints them. */
export async function measureWebhookRejection(repetitions = REPETITIONS) {
  const secrets = Array.from({ length: SECRETS }, () => `whsec_${randomBytes(32).toString('base64')}`);
  const secretJson = JSON.stringify({ signingSecrets: secrets });
  // The secret's value as a cache holds it: no Secrets Manager call in the measure (a forced re-read
  // answers the same value, so it hashes nothing more).
  const verifier = new WebhookVerifier({ description: "'bench/webhook'", get: async () => secretJson });
  const body = bodyOf(BODY_BYTES);
  const webhooks = secrets.map((secret) => new Webhook(secret));
  const deps = {
    queue: {
      maxBatchSize: 10,
      maxBatchBytes: 262_144,
      send: async () => {
        throw new Error('a forged request must not reach the queue');
      },
    },
    ledger: new MemoryLedgerStore(),
    ledgerRetentionDays: 14,
    logger: new Logger({ logLevel: 'SILENT' }),
    maxBodyBytes: BODY_BYTES,
    webhook: verifier,
  };

  const refuse: Record<Measure, () => Promise<void>> = {
    verifier: async () => {
      const check = await verifier.verify(forgedHeaders(), body);
      if (check.kind !== 'rejected') throw new Error(`a forged request was ${check.kind}`);
    },
    ingest: async () => {
      const refused = await acceptEvents(
        {
          body,
          isBase64Encoded: false,
          contentType: 'application/json',
          contentEncoding: undefined,
          webhook: forgedHeaders(),
        },
        deps,
      ).then(
        () => false,
        (error: unknown) => error instanceof WebhookRejectedError,
      );
      if (!refused) throw new Error('a forged request was not refused with WebhookRejectedError');
    },
    // What the verifier did before: the package's verify with each secret, none of which matches.
    oldPath: async () => {
      const headers = forgedHeaders();
      for (const webhook of webhooks) {
        try {
          webhook.verify(body, headers, { jsonParse: false });
          throw new Error('a forged request verified');
        } catch (error) {
          if (!(error instanceof WebhookVerificationError)) throw error;
        }
      }
    },
  };

  // Warm-up: the JIT, the secret's first read and the one forced re-read a mismatch makes.
  for (const measure of MEASURES) await cpuPerRequest(3, refuse[measure]);
  const byMeasure: Record<Measure, number[]> = { verifier: [], ingest: [], oldPath: [] };
  // Interleaved, so that a slower spell of the machine does not fall on one measure only.
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    process.stderr.write(`webhook rejection, repetition ${repetition} of ${repetitions}...\n`);
    for (const measure of MEASURES) {
      const count = measure === 'oldPath' ? REQUESTS.oldPath : REQUESTS.ours;
      byMeasure[measure].push(await cpuPerRequest(count, refuse[measure]));
    }
  }

  const results = Object.fromEntries(
    MEASURES.map((measure) => [measure, summary(byMeasure[measure])]),
  ) as Record<Measure, ReturnType<typeof summary>>;
  const figures = {
    when: new Date().toISOString(),
    machine: machine(),
    settings: {
      bodyBytes: BODY_BYTES,
      signingSecrets: SECRETS,
      repetitions,
      requestsPerRepetition: { ours: REQUESTS.ours, oldPath: REQUESTS.oldPath },
      targetCpuMs: TARGET_MS,
    },
    cpuMsPerRequest: results,
    /** How many times the CPU of the check as it was made before is that of the verifier's. */
    beforeOverNow: round(results.oldPath.median / results.verifier.median, 1),
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'webhook.json'), `${JSON.stringify(figures, null, 2)}\n`);
  return figures;
}

/** The table of {@link measureWebhookRejection}'s figures. */
export function webhookReport(figures: WebhookFigures): string {
  const { cpuMsPerRequest: results, settings } = figures;
  const target = (measure: Measure) => (measure === 'oldPath' ? '(for comparison)' : `< ${TARGET_MS} ms`);
  const rows = [
    [`CPU per refused request, median of ${settings.repetitions} (lowest-highest)`, 'result', 'target'],
    ...MEASURES.map((measure) => {
      const s = results[measure];
      return [LABELS[measure], `${s.median} ms (${s.min}-${s.max})`, target(measure)];
    }),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((cells) => cells[i]?.length ?? 0)));
  return [
    `\nWebhook mode: refusing a forged request of ${settings.bodyBytes / 1024} KiB (well-formed headers, ` +
      `a v1 signature no secret gives) with ${settings.signingSecrets} signing secrets`,
    ...rows.map((cells) =>
      cells
        .map((value, i) => value.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    ),
    `(before / now: ${figures.beforeOverNow}x; figures in bench-results/webhook.json)`,
  ].join('\n');
}

/** Measures and prints: the webhook part of the bench on its own. */
export async function webhookBench(repetitions = REPETITIONS): Promise<WebhookFigures> {
  const figures = await measureWebhookRejection(repetitions);
  console.log(webhookReport(figures));
  return figures;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve('bench/webhook.ts')) {
  webhookBench(Number(process.env.WEBHOOK_REPETITIONS ?? REPETITIONS)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
