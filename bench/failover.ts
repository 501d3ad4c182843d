/**
 * Backup-domain failover in `npm run bench`: what a failed-over call adds to a call's time. The
 * simulator listens twice on 127.0.0.1, for Tencent's main domain and for the backup; the main one
 * refuses connections. Side by side, interleaved: a direct call to the backup, and a call that tries
 * the main first, is refused, and is made at once on the backup. Both clients keep their connections
 * to the backup alive, as a container does.
 *
 * A container that sees the main fail three times in a row prefers the backup for a minute and stops
 * paying this; the failing client's clock jumps past that cool-down before each call so that every
 * measured call does fail over.
 */
import { FAILOVER, HttpTencentApi, type TencentCredentials } from '#shared/tencent';
import {
  DEFAULT_ADMIN,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  signUserSig,
  startSimulator,
} from '../local/simulator/index.ts';
import { round as roundTo } from './figures.ts';

const RUNS = 3;
const CALLS_PER_RUN = 500;
const WARM_UP = 50;
/** The target for the added latency, in milliseconds. */
const TARGET_ADDED_MS = 50;

/** Median and spread of a set of times, in milliseconds. */
export interface Times {
  p50: number;
  p10: number;
  p90: number;
  p99: number;
}

/** What {@link measureFailover} measured. */
export interface FailoverFigures {
  calls: number;
  runs: number;
  direct: Times;
  failedOver: Times;
  /** Median of the runs' added latency (failed-over median minus direct median), and the runs' range. */
  addedMs: { median: number; min: number; max: number };
  targetAddedMs: number;
  /** Failovers the failing client reported: one per measured and warm-up call. */
  failovers: number;
}

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const round = (value: number): number => roundTo(value, 2);
const times = (values: readonly number[]): Times => ({
  p50: round(quantile(values, 0.5)),
  p10: round(quantile(values, 0.1)),
  p90: round(quantile(values, 0.9)),
  p99: round(quantile(values, 0.99)),
});

/** Measures the added latency of a failed-over call against a direct one, on loopback. */
export async function measureFailover(): Promise<FailoverFigures> {
  const sim = await startSimulator({
    sdkAppId: DEFAULT_SDK_APP_ID,
    secretKey: DEFAULT_SECRET_KEY,
    admins: [DEFAULT_ADMIN],
    groups: [{ groupId: 'bench-failover', type: 'Public', owner: 'owner', members: ['member'] }],
    // Sequential calls as fast as loopback allows: no rate limit in the way.
    limitPerSecond: 1_000_000,
    backup: { port: 0 },
  });
  const backupUrl = sim.backupUrl;
  if (backupUrl === undefined) throw new Error('the simulator started without its backup listener');
  await sim.setReachable('main', false);
  const credentials: TencentCredentials = {
    sdkAppId: DEFAULT_SDK_APP_ID,
    identifier: DEFAULT_ADMIN,
    userSig: signUserSig({
      sdkAppId: DEFAULT_SDK_APP_ID,
      secretKey: DEFAULT_SECRET_KEY,
      identifier: DEFAULT_ADMIN,
      expireSeconds: 86_400,
    }),
  };
  let clock = 0;
  let failovers = 0;
  const direct = new HttpTencentApi({ endpoint: backupUrl, timeoutMs: 3_000 });
  const failing = new HttpTencentApi({
    endpoint: sim.url,
    backupEndpoint: backupUrl,
    timeoutMs: 3_000,
    now: () => clock,
    onFailover: (event) => {
      if (event.kind === 'failover') failovers++;
    },
  });
  const timed = async (api: HttpTencentApi, n: number): Promise<number> => {
    const started = performance.now();
    await api.call(
      {
        api: 'modify_group_member_info',
        body: { GroupId: 'bench-failover', Member_Account: 'member', NameCard: `n${n}` },
      },
      credentials,
    );
    return performance.now() - started;
  };
  const failedOverCall = (n: number): Promise<number> => {
    // Past any cool-down: the client tries the main first again.
    clock += FAILOVER.coolDownMs;
    return timed(failing, n);
  };

  try {
    for (let i = 0; i < WARM_UP; i++) {
      await timed(direct, i);
      await failedOverCall(i);
    }
    const all = { direct: [] as number[], failedOver: [] as number[] };
    const added: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const runTimes = { direct: [] as number[], failedOver: [] as number[] };
      for (let i = 0; i < CALLS_PER_RUN; i++) {
        // Interleaved, alternating which goes first, so that both see the same machine.
        if (i % 2 === 0) {
          runTimes.direct.push(await timed(direct, i));
          runTimes.failedOver.push(await failedOverCall(i));
        } else {
          runTimes.failedOver.push(await failedOverCall(i));
          runTimes.direct.push(await timed(direct, i));
        }
      }
      added.push(quantile(runTimes.failedOver, 0.5) - quantile(runTimes.direct, 0.5));
      all.direct.push(...runTimes.direct);
      all.failedOver.push(...runTimes.failedOver);
    }
    return {
      calls: RUNS * CALLS_PER_RUN,
      runs: RUNS,
      direct: times(all.direct),
      failedOver: times(all.failedOver),
      addedMs: {
        median: round(quantile(added, 0.5)),
        min: round(Math.min(...added)),
        max: round(Math.max(...added)),
      },
      targetAddedMs: TARGET_ADDED_MS,
      failovers,
    };
  } finally {
    direct.destroy();
    failing.destroy();
    await sim.close();
  }
}

/** The bench's lines for the failover figures. */
export function failoverReport(f: FailoverFigures): string {
  const spread = (t: Times) => `p50 ${t.p50} ms (p10-p90 ${t.p10}-${t.p90}, p99 ${t.p99})`;
  return [
    `\nbackup-domain failover, main refusing connections, loopback (${f.calls} calls each, ${f.runs} runs of ${f.calls / f.runs})`,
    `  direct call to the backup         ${spread(f.direct)}`,
    `  refused by the main, failed over  ${spread(f.failedOver)}`,
    `  added by the failover             ${f.addedMs.median} ms (runs ${f.addedMs.min}-${f.addedMs.max})  target < ${f.targetAddedMs} ms`,
  ].join('\n');
}
