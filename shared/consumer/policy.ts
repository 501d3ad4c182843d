import type { TransportFailure } from '../errors/index.ts';
import type { DeadLetterKind } from '../queue/index.ts';
import type { TencentCodeClass } from '../tencent/index.ts';
import { type BackoffPolicy, backoffSeconds } from './backoff.ts';

/**
 * The consumer's retry policy, as one pure function: what happened to a record (a {@link StepResult})
 * and how often it was attempted, in; what to do with it (a {@link Decision}), out. No I/O, no clock:
 * the batch runner carries the decision out. `test/unit/retry-policy.test.ts` checks it as one table.
 */

/** Why a failed call failed, as the policy sees it. */
export type FailureClass =
  | TencentCodeClass
  /**
   * No answer within the timeout: the request may still be applied later ("late write"), so the retry
   * (and, after a dead letter, the member's next event) waits a settle delay first.
   */
  | 'timeout'
  /**
   * No Tencent endpoint (main or backup) could be connected to: the request never reached Tencent.
   * Not the event's fault, and every event would fail alike: held like a deployment fault.
   */
  | 'unreachable';

/** A call that Tencent refused, or that got no readable answer. */
export interface CallFailure {
  failureClass: FailureClass;
  /** Tencent's `ErrorCode`, when Tencent answered. */
  tencentCode?: number;
  /** What went wrong on the way, when no Tencent answer could be read. */
  transport?: TransportFailure;
  /** Tencent's `ErrorInfo`, or the transport error's message; never holds a UserSig. */
  info: string;
}

/** Why an event waits for an operator (it is never dead-lettered for these). */
export type HoldReason =
  /** The secret cannot be read or is malformed. */
  | 'credentials_unavailable'
  /** Tencent refused the deployment's credentials or account (see `deployment_fault` codes), or a fresh UserSig still got 70001. */
  | 'deployment_fault'
  /** The event ledger cannot be read, so attempts cannot be counted nor outcomes recorded. */
  | 'ledger_unavailable'
  /** No Tencent endpoint could be connected to (DNS, connection, TLS): the call never reached Tencent. */
  | 'tencent_unreachable';

/** What happened to one record in this delivery. */
export type StepResult =
  /**
   * Tencent applied it (`ms`: how long the call took; none when the member's record showed it applied
   * already). `note` says which of its fields a newer event had set, and so were left out of the call.
   */
  | { kind: 'applied'; ms?: number; note?: string }
  /** Not attempted: a newer event about the same member and field was applied first (`by`). */
  | { kind: 'superseded'; by: string; note?: string }
  /** A mute whose end has passed: nothing left to apply. */
  | { kind: 'expired' }
  /** The queue message cannot be read. */
  | { kind: 'unreadable'; info: string }
  /** Not attempted: no Tencent turn fits in what is left of the invocation. */
  | { kind: 'no_time' }
  /** Not attempted: the deployment cannot call Tencent now (unreadable secret, or a deployment fault seen in this batch). */
  | { kind: 'held'; reason: HoldReason; info: string; tencentCode?: number }
  /** Attempted, and failed; `ms` is how long the call took. */
  | { kind: 'failed'; failure: CallFailure; ms?: number };

/** What to do with a record. */
export type Decision =
  /**
   * Finished: delete it from the queue. `finished_before`: the ledger already had its outcome (an
   * earlier delivery recorded it, but the message was not acknowledged).
   */
  | { kind: 'done'; outcome: 'applied' | 'expired' | 'superseded' | 'finished_before' }
  /** Hide it for `afterSeconds`, then try again; the attempt counted. */
  | { kind: 'retry'; afterSeconds: number }
  /** Not attempted: visible again after `afterSeconds` (usually 0: at once), to come back in order; no attempt counted. */
  | { kind: 'defer'; afterSeconds: number }
  /** Wait for the deployment to be fixed: hide it for `afterSeconds`; no attempt counted. */
  | { kind: 'hold'; afterSeconds: number; reason: HoldReason }
  /**
   * Move it to the dead-letter queue with its reason. `followersWaitSeconds`: the member's next events
   * wait this long first, because the last call may still land at Tencent (0: they go on at once).
   */
  | { kind: 'dead_letter'; deadLetterKind: DeadLetterKind; followersWaitSeconds: number };

/** The policy's settings (see `ConsumerConfig` for their environment variables and defaults). */
export interface RetryPolicySettings {
  /** Attempts before a transient failure is dead-lettered. */
  maxAttempts: number;
  /** Attempts before an ambiguous account check (60004, 60005) is dead-lettered. */
  ambiguousMaxAttempts: number;
  /** Retry delays. */
  backoff: BackoffPolicy;
  /** Longest delay between two receives of a held event, in seconds. */
  holdMaxSeconds: number;
  /** Least delay after a call that timed out before the member is called again, in seconds. */
  timeoutSettleSeconds: number;
}

/** How often a record was received and attempted. */
export interface RecordHistory {
  /** Real attempts, the one of this delivery included when it counts (see {@link countsAsAttempt}). */
  attempt: number;
  /** SQS's `ApproximateReceiveCount`: every delivery, attempted or not. */
  receiveCount: number;
}

/**
 * What a result says went wrong, for log lines, dead-letter reasons and the ledger; `undefined` for a
 * result without a problem (applied, expired, no time).
 */
export function problemOf(
  result: StepResult,
): { tencentCode?: number; info: string; transport?: TransportFailure } | undefined {
  switch (result.kind) {
    case 'failed':
      return result.failure;
    case 'held':
      return result.tencentCode === undefined
        ? { info: result.info }
        : { tencentCode: result.tencentCode, info: result.info };
    case 'unreadable':
      return { info: result.info };
    default:
      return undefined;
  }
}

/**
 * Whether a result counts as an attempt: a call to Tencent that failed (or succeeded) for reasons of
 * the event itself. Calls refused for the deployment's credentials or account, and calls that never
 * reached Tencent, do not count: an event must not come closer to the dead-letter queue while it waits
 * for an operator or for Tencent to be reachable.
 */
export function countsAsAttempt(result: StepResult): boolean {
  if (result.kind === 'applied') return true;
  if (result.kind !== 'failed') return false;
  return holdReasonOf(result.failure.failureClass) === undefined;
}

/**
 * Why a failed call holds its event (and the rest of the batch, which would fail alike), or
 * `undefined` when the failure is the event's own and follows the retry limits.
 */
export function holdReasonOf(failureClass: FailureClass): HoldReason | undefined {
  switch (failureClass) {
    case 'deployment_fault':
    case 'usersig_expired':
      return 'deployment_fault';
    case 'unreachable':
      return 'tencent_unreachable';
    default:
      return undefined;
  }
}

/**
 * How long the member's next call must wait after a failure of this class: a timed-out call may still
 * be applied late, so nothing of the member goes out before the settle delay; other failures, none.
 */
export function settleSecondsOf(failureClass: FailureClass, settings: RetryPolicySettings): number {
  return failureClass === 'timeout' ? settings.timeoutSettleSeconds : 0;
}

/**
 * Decides what to do with a record.
 *
 * @param random - a number in [0, 1), for jitter
 * @example
 * ```ts
 * decide({ kind: 'failed', failure: { failureClass: 'transient', tencentCode: 10002, info: '' } },
 *   { attempt: 1, receiveCount: 1 }, settings, () => 0.5); // { kind: 'retry', afterSeconds: 2 }
 * ```
 */
export function decide(
  result: StepResult,
  history: RecordHistory,
  settings: RetryPolicySettings,
  random: () => number,
): Decision {
  switch (result.kind) {
    case 'applied':
    case 'expired':
    case 'superseded':
      return { kind: 'done', outcome: result.kind };
    case 'unreadable':
      return { kind: 'dead_letter', deadLetterKind: 'invalid_message', followersWaitSeconds: 0 };
    case 'no_time':
      return { kind: 'defer', afterSeconds: 0 };
    case 'held':
      return hold(result.reason, history, settings, random);
    case 'failed':
      return decideFailure(result.failure, history, settings, random);
  }
}

function decideFailure(
  failure: CallFailure,
  history: RecordHistory,
  settings: RetryPolicySettings,
  random: () => number,
): Decision {
  const { failureClass } = failure;
  if (failureClass === 'permanent') {
    return { kind: 'dead_letter', deadLetterKind: 'tencent_permanent', followersWaitSeconds: 0 };
  }
  const holdReason = holdReasonOf(failureClass);
  if (holdReason !== undefined) return hold(holdReason, history, settings, random);
  const limit = failureClass === 'ambiguous' ? settings.ambiguousMaxAttempts : settings.maxAttempts;
  const settle = settleSecondsOf(failureClass, settings);
  if (history.attempt >= limit) {
    return { kind: 'dead_letter', deadLetterKind: 'retries_exhausted', followersWaitSeconds: settle };
  }
  const afterSeconds = Math.max(backoffSeconds(history.attempt, settings.backoff, random), settle);
  return { kind: 'retry', afterSeconds };
}

function hold(
  reason: HoldReason,
  history: RecordHistory,
  settings: RetryPolicySettings,
  random: () => number,
): Decision {
  return { kind: 'hold', reason, afterSeconds: holdSeconds(history.receiveCount, settings, random) };
}

/** Share of a hold step that jitter may take away: delays are 80 to 100% of the step. */
const HOLD_JITTER = 0.2;

/** The hold step at a receive count: doubling from the backoff base, capped at `holdMaxSeconds`. */
const holdStep = (receiveCount: number, settings: HoldSettings): number =>
  Math.min(
    settings.holdMaxSeconds,
    settings.backoff.baseSeconds * 2 ** Math.min(Math.max(receiveCount, 1) - 1, 30),
  );

type HoldSettings = Pick<RetryPolicySettings, 'backoff' | 'holdMaxSeconds'>;

/**
 * The delay before a held event is received again: growing with its receive count from the backoff
 * base to `holdMaxSeconds`, with a little jitter so that held members do not all come back together.
 */
export function holdSeconds(receiveCount: number, settings: HoldSettings, random: () => number): number {
  const step = holdStep(receiveCount, settings);
  return Math.min(settings.holdMaxSeconds, Math.max(1, Math.ceil(step * (1 - HOLD_JITTER * random()))));
}

/**
 * The most receives a hold lasting `seconds` can cost a message: every delay at its shortest (the
 * jitter's floor). SQS's `maxReceiveCount` must leave room for it, or SQS's own redrive would move a
 * held event to the dead-letter queue without a reason.
 *
 * @example
 * ```ts
 * holdReceivesWithin(14 * 86_400, { backoff: { baseSeconds: 2, maxSeconds: 900 }, holdMaxSeconds: 3_600 }); // 430
 * ```
 */
export function holdReceivesWithin(seconds: number, settings: HoldSettings): number {
  let receives = 1;
  let elapsed = 0;
  for (;;) {
    const shortest = Math.max(1, Math.floor(holdStep(receives, settings) * (1 - HOLD_JITTER)));
    if (elapsed + shortest > seconds) return receives;
    elapsed += shortest;
    receives++;
  }
}

/**
 * The receives SQS's `maxReceiveCount` must allow, so that its own redrive (which moves a message
 * without a reason) only ever catches a message the consumer crashed on:
 * - `max(maxAttempts, ambiguousMaxAttempts) × batchSize`: an event is received with each attempt of
 *   the up to `batchSize - 1` events of its member ahead of it in a batch, then with its own;
 * - {@link holdReceivesWithin} the queue's retention: a hold may last as long as the queue keeps the
 *   event, and the member's later events are received with each receive of the held one;
 * - `batchSize` more, for deferrals when an invocation runs out of time.
 */
export function receivesNeeded(
  settings: Pick<
    RetryPolicySettings,
    'maxAttempts' | 'ambiguousMaxAttempts' | 'backoff' | 'holdMaxSeconds'
  > & {
    batchSize: number;
    retentionSeconds: number;
  },
): number {
  const attempts = Math.max(settings.maxAttempts, settings.ambiguousMaxAttempts);
  return (
    attempts * settings.batchSize +
    holdReceivesWithin(settings.retentionSeconds, settings) +
    settings.batchSize
  );
}
