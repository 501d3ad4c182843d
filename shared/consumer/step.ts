import { CredentialsError, TencentApiError, TencentTransportError } from '../errors/index.ts';
import { atCallTime, type TencentRequest } from '../queue/index.ts';
import type { GroupMemberApi, TencentCredentials } from '../tencent/index.ts';
import { classifyTencentCode } from '../tencent/index.ts';
import { redactText } from '../util/index.ts';
import { afterCall, type PlannedCall } from './coalesce.ts';
import { type CallFailure, type HoldReason, holdReasonOf, type StepResult } from './policy.ts';

/**
 * The record step: makes one planned Tencent call (for one record, or for the next records of several
 * members, see `coalesce.ts`) and returns what happened to each record (a {@link StepResult}); it never
 * throws for an outcome. Whether to retry is the retry policy's call.
 */

/** Where the consumer gets its credentials from (a `CredentialStore`). */
export interface CredentialProvider {
  /** @throws {@link CredentialsError} when the secret cannot be read or is malformed */
  current(): Promise<TencentCredentials>;
  /** Fresh credentials after a 70001. @throws {@link CredentialsError} likewise */
  renew(): Promise<TencentCredentials>;
}

/** Spaces out Tencent calls (a `RateLimiter`). */
export interface CallPacer {
  /** Waits until the next call may start and returns true; returns false at once if that is more than `maxWaitMs` away. */
  acquire(maxWaitMs: number): Promise<boolean>;
  /** Tencent said the calls are over its limit. */
  backOff(): void;
}

/** The invocation's time budget. */
export interface TimeBudget {
  remainingTimeMs(): number;
}

/** Why the batch cannot call Tencent, when it cannot. */
export interface BatchHold {
  reason: HoldReason;
  info: string;
  tencentCode?: number;
}

/**
 * The credentials of one batch: read once when the batch starts, renewed once after a 70001, and put
 * on hold for the rest of the batch when Tencent refuses the deployment (a wrong secret fails every
 * member alike, so one refused call is enough to stop calling).
 */
export class BatchCredentials {
  private constructor(
    private readonly provider: CredentialProvider,
    private state: { credentials: TencentCredentials } | { hold: BatchHold },
  ) {}

  /** Reads the credentials; a secret that cannot be read puts the batch on hold. */
  static async load(provider: CredentialProvider): Promise<BatchCredentials> {
    return new BatchCredentials(provider, await read(() => provider.current()));
  }

  /** Why the batch is on hold, or `undefined` while it may call Tencent. */
  get hold(): BatchHold | undefined {
    return 'hold' in this.state ? this.state.hold : undefined;
  }

  /** The credentials to call with, or the hold. */
  get current(): { credentials: TencentCredentials } | { hold: BatchHold } {
    return this.state;
  }

  /** Re-reads the secret and makes a fresh UserSig (after a 70001). */
  async renew(): Promise<{ credentials: TencentCredentials } | { hold: BatchHold }> {
    this.state = await read(() => this.provider.renew());
    return this.state;
  }

  /** Tencent refused the deployment: no more calls in this batch. */
  putOnHold(hold: BatchHold): void {
    this.state = { hold };
  }
}

async function read(
  get: () => Promise<TencentCredentials>,
): Promise<{ credentials: TencentCredentials } | { hold: BatchHold }> {
  try {
    return { credentials: await get() };
  } catch (error) {
    const info =
      error instanceof CredentialsError ? error.message : 'the Tencent credentials could not be read';
    return { hold: { reason: 'credentials_unavailable', info: redactText(info) } };
  }
}

/** What one record's step works with. */
export interface StepContext {
  api: GroupMemberApi;
  pacer: CallPacer;
  credentials: BatchCredentials;
  budget: TimeBudget;
  /** Timeout of one Tencent call, and the time to keep in reserve after it, in milliseconds. */
  tencentTimeoutMs: number;
  timeReserveMs: number;
  /** The clock, in epoch milliseconds. */
  now: () => number;
  /** Told the duration of every Tencent call, in milliseconds (for the latency metric). */
  onCall: (ms: number) => void;
  /** Told when a UserSig expired and the credentials are being renewed. */
  onRenew: (tencentCode: number) => void;
}

type CallResult =
  | { kind: 'applied'; ms: number }
  | { kind: 'no_time' }
  /** A timed mute whose end passed while its call waited: nothing to send. */
  | { kind: 'expired' }
  | { kind: 'failed'; failure: CallFailure; ms: number };

/**
 * Makes a planned call (see `coalesce.ts`) and returns each member's result, in the order of its
 * parts. A call for several members that fails for a reason no retry can fix is split: each member is
 * then tried alone, one after the other, and gets the result of its own call.
 */
export async function applyPlannedCall<M>(call: PlannedCall<M>, context: StepContext): Promise<StepResult[]> {
  const result = await applyRequest(call.request, context);
  if (afterCall(result, call.parts.length) === 'share') return call.parts.map(() => result);
  const results: StepResult[] = [];
  for (const part of call.parts) results.push(await applyRequest(part.request, context));
  return results;
}

/**
 * One Tencent call, and one more with fresh credentials if Tencent says the UserSig expired (70001);
 * a deployment fault puts the rest of the batch on hold.
 */
async function applyRequest(request: TencentRequest, context: StepContext): Promise<StepResult> {
  const first = context.credentials.current;
  if ('hold' in first) return { kind: 'held', ...first.hold };
  let result = await attemptCall(request, first.credentials, context);
  if (result.kind === 'failed' && result.failure.failureClass === 'usersig_expired') {
    context.onRenew(result.failure.tencentCode ?? 70001);
    const renewed = await context.credentials.renew();
    if ('hold' in renewed) return { kind: 'held', ...renewed.hold };
    result = await attemptCall(request, renewed.credentials, context);
  }
  if (result.kind === 'failed') {
    const { failureClass, tencentCode, info } = result.failure;
    // A fresh UserSig still refused (a stale ready UserSig in the secret, or a clock off), the
    // deployment refused outright, or Tencent unreachable on every endpoint: the rest of the batch
    // waits too, without calling.
    const reason = holdReasonOf(failureClass);
    if (reason !== undefined) {
      context.credentials.putOnHold({ reason, info, ...(tencentCode === undefined ? {} : { tencentCode }) });
    }
  }
  return result;
}

/** One call (one turn of the pacer, whatever the number of accounts), if a turn and the call fit in what is left of the invocation. */
async function attemptCall(
  planned: TencentRequest,
  credentials: TencentCredentials,
  context: StepContext,
): Promise<CallResult> {
  const spareMs = context.budget.remainingTimeMs() - context.tencentTimeoutMs - context.timeReserveMs;
  if (spareMs < 0 || !(await context.pacer.acquire(spareMs))) return { kind: 'no_time' };
  const request = atCallTime(planned, context.now());
  if (request === 'expired') return { kind: 'expired' };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    if (request.kind === 'forbid') await context.api.forbidSendMsg(request.body, credentials);
    else await context.api.modifyGroupMemberInfo(request.body, credentials);
    return { kind: 'applied', ms: elapsed() };
  } catch (error) {
    // The HTTP client reports Tencent's refusals as errors; from here on they are results.
    const failure = toCallFailure(error);
    if (failure.failureClass === 'rate_limited') context.pacer.backOff();
    return { kind: 'failed', failure, ms: elapsed() };
  } finally {
    context.onCall(performance.now() - started);
  }
}

/** What a failed call's error says, for the retry policy. */
export function toCallFailure(error: unknown): CallFailure {
  if (error instanceof TencentApiError) {
    return {
      failureClass: classifyTencentCode(error.code),
      tencentCode: error.code,
      info: redactText(error.info),
    };
  }
  if (error instanceof TencentTransportError) {
    const failureClass =
      error.failure === 'timeout' || error.failure === 'unreachable'
        ? error.failure
        : error.httpStatus === 429
          ? 'rate_limited'
          : 'transient';
    return { failureClass, transport: error.failure, info: redactText(error.message) };
  }
  const info = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { failureClass: 'transient', info: redactText(info) };
}
