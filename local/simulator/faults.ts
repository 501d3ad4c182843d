/**
 * Fault injection: what goes wrong with a call, decided per call from a script (exact, for tests) or from
 * shares drawn with a seeded PRNG (for load and fault runs).
 */
import { z } from 'zod';

const share = z.number().min(0).max(1);
const applyBefore = z.union([z.boolean(), share]).optional();
const millis = z.int().min(0).max(600_000);

/**
 * One scripted outcome for one call. Fields combine: `delayMs` runs first, then the first of `drop`,
 * `timeout`, `http`, `code` that is set; with none of these the call is processed normally after the delay.
 */
const scriptedFaultSchema = z.strictObject({
  /** Wait this long before processing or faulting. */
  delayMs: millis.optional(),
  /** Answer FAIL with this ErrorCode (HTTP 200) instead of processing; 10002 is Tencent's "retry". */
  code: z.int().min(1).optional(),
  /** Answer this HTTP status with a non-JSON body (a gateway error such as 502). */
  http: z.int().min(400).max(599).optional(),
  /** Destroy the connection without answering. */
  drop: z.literal(true).optional(),
  /** Hold the call without answering: `true` until the client or the simulator closes it, a number of ms then drop. */
  timeout: z.union([z.literal(true), millis]).optional(),
  /** Process the call (and apply it) first, then fault: "Tencent applied it but the answer was lost". */
  applyBeforeFault: z.boolean().optional(),
});

/** A random fault kind with its share of calls and whether it strikes after the call is applied. */
const randomFault = z.strictObject({
  rate: share,
  /** `true`/`false`, or the share of these faults that strike after applying the call. @default false */
  applyBeforeFault: applyBefore,
});

const faultConfigSchema = z.strictObject({
  /** PRNG seed for reproducible runs. @default a random seed */
  seed: z.int().optional(),
  /** Latency added to every call (not a fault by itself). */
  latency: z.strictObject({ ms: millis, jitterMs: millis.optional() }).optional(),
  /** A share of calls answered FAIL with `code`. @default code 10002 */
  error: randomFault.extend({ code: z.int().min(1).optional() }).optional(),
  /** A share of calls answered with HTTP `status`. @default status 502 */
  http: randomFault.extend({ status: z.int().min(400).max(599).optional() }).optional(),
  /** A share of calls held without an answer, for `holdMs` then dropped. @default held until closed */
  timeout: randomFault.extend({ holdMs: millis.optional() }).optional(),
  /** A share of calls whose connection is destroyed. */
  drop: randomFault.optional(),
  /**
   * A share of calls held `delayMs` and then processed (applied) and answered as usual: past the
   * client's timeout this is a late write, a change that lands after the client gave up on it.
   */
  slow: z.strictObject({ rate: share, delayMs: millis }).optional(),
  /** Outcomes for the next calls, one each, before any random fault is drawn. */
  script: z.array(scriptedFaultSchema).optional(),
});

/** One scripted outcome, e.g. `{ code: 10002 }`, `{ delayMs: 500 }`, `{ http: 502 }`, `{ drop: true }`. */
export type ScriptedFault = z.infer<typeof scriptedFaultSchema>;

/**
 * Faults to inject. Random shares are drawn once per call from one uniform number, so they are
 * exclusive and their sum must be at most 1.
 * @example
 * { seed: 42, error: { rate: 0.2 }, timeout: { rate: 0.05, holdMs: 5000, applyBeforeFault: 0.5 }, drop: { rate: 0.02 } }
 */
export type FaultConfig = z.infer<typeof faultConfigSchema>;

/** Validates a fault configuration (from JSON or CLI flags); throws a readable error. */
export function parseFaultConfig(json: unknown): FaultConfig {
  const result = faultConfigSchema.safeParse(json);
  if (!result.success) throw new Error(`invalid fault configuration: ${z.prettifyError(result.error)}`);
  const { error, http, timeout, drop, slow } = result.data;
  const total =
    (error?.rate ?? 0) + (http?.rate ?? 0) + (timeout?.rate ?? 0) + (drop?.rate ?? 0) + (slow?.rate ?? 0);
  if (total > 1) throw new Error(`invalid fault configuration: fault rates add up to ${total}, more than 1`);
  return result.data;
}

/** What happens to one call. */
export interface FaultDecision {
  /** Wait before anything else, ms (0 = none). */
  delayMs: number;
  /** How the answer is replaced, if it is. */
  fault?:
    | { kind: 'drop' }
    | { kind: 'timeout'; holdMs?: number }
    | { kind: 'http'; status: number }
    | { kind: 'error'; code: number };
  /** Process (and apply) the call before the fault strikes. */
  applyBeforeFault: boolean;
  /** Whether the decision came from the script. */
  scripted: boolean;
}

/** Mulberry32: a small, fast, seedable PRNG; returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Decides the fault of each call, in call order. */
export class FaultPlanner {
  private config: FaultConfig = {};
  private script: ScriptedFault[] = [];
  private random: () => number = Math.random;

  constructor(config: FaultConfig = {}) {
    this.set(config);
  }

  /** Replaces the configuration, the script and the PRNG (reseeded). */
  set(config: FaultConfig): void {
    this.config = parseFaultConfig(config);
    this.script = [...(this.config.script ?? [])];
    this.random = mulberry32(this.config.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** Appends scripted outcomes after those still queued. */
  push(...faults: ScriptedFault[]): void {
    this.script.push(...(parseFaultConfig({ script: faults }).script ?? []));
  }

  /** The configuration, with the script entries not yet used. */
  current(): FaultConfig {
    return { ...this.config, script: [...this.script] };
  }

  /** The decision for the next call (consumes one script entry, if any). */
  next(): FaultDecision {
    const scripted = this.script.shift();
    return scripted ? this.fromScript(scripted) : this.draw();
  }

  private fromScript(s: ScriptedFault): FaultDecision {
    const base = { delayMs: s.delayMs ?? 0, applyBeforeFault: s.applyBeforeFault ?? false, scripted: true };
    if (s.drop) return { ...base, fault: { kind: 'drop' } };
    if (s.timeout !== undefined) {
      return { ...base, fault: { kind: 'timeout', holdMs: s.timeout === true ? undefined : s.timeout } };
    }
    if (s.http !== undefined) return { ...base, fault: { kind: 'http', status: s.http } };
    if (s.code !== undefined) return { ...base, fault: { kind: 'error', code: s.code } };
    return base;
  }

  private draw(): FaultDecision {
    const { latency, error, http, timeout, drop, slow } = this.config;
    const delayMs = latency ? latency.ms + Math.floor(this.random() * ((latency.jitterMs ?? 0) + 1)) : 0;
    const decision: FaultDecision = { delayMs, applyBeforeFault: false, scripted: false };
    if (!error && !http && !timeout && !drop && !slow) return decision;
    let u = this.random();
    const pick = (f: { rate: number; applyBeforeFault?: boolean | number } | undefined): boolean => {
      if (!f || u >= f.rate) {
        u -= f?.rate ?? 0;
        return false;
      }
      const before = f.applyBeforeFault ?? false;
      decision.applyBeforeFault = typeof before === 'boolean' ? before : this.random() < before;
      return true;
    };
    if (pick(drop)) decision.fault = { kind: 'drop' };
    else if (pick(timeout)) decision.fault = { kind: 'timeout', holdMs: timeout?.holdMs };
    else if (pick(http)) decision.fault = { kind: 'http', status: http?.status ?? 502 };
    else if (pick(error)) decision.fault = { kind: 'error', code: error?.code ?? 10002 };
    else if (pick(slow)) {
      decision.delayMs += slow?.delayMs ?? 0;
      decision.applyBeforeFault = false;
    }
    return decision;
  }
}
