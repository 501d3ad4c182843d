import type { LedgerStatus } from '../ledger/index.ts';
import type { DeadLetterKind } from '../queue/index.ts';
import {
  ACCOUNT_CODES,
  type TencentAnswer,
  type TencentApiName,
  type TencentCodeClass,
  type TransportFailure,
  tencentCodeOf,
} from '../tencent/index.ts';
import { type BackoffPolicy, backoffSeconds } from './backoff.ts';

/**
 * The consumer's policy: every decision about what happens next to a record, in one place, as pure
 * functions of two tables. What happened to a record (a {@link StepResult}) and how often it was
 * attempted, in; what to do with it (a {@link Decision}), out; and what a failure means for the call
 * it came from (renew the UserSig, hold the batch, slow the pacer, split a coalesced call), for the
 * member's later records, and for a record whose outcome could not be recorded or published. No I/O,
 * no clock: the runner, the step and the recorder carry the decisions out.
 * `test/unit/consumer/policy.test.ts` checks every row of both tables.
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
   * Tencent applied it (`ms`: how long the call took; none when the target's record showed it applied
   * already). `note` says what the ledger's history should add (the fields a newer event had set, and
   * so were left out of the call; a recall's messages found gone). `recalled`: a recall's messages done.
   */
  | { kind: 'applied'; ms?: number; note?: string; recalled?: number[] }
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
  /**
   * Attempted, and failed; `ms` is how long the call took. `recalled`: a recall's messages that this
   * attempt did recall (or found gone), which a retry leaves out.
   */
  | { kind: 'failed'; failure: CallFailure; ms?: number; recalled?: number[] }
  /**
   * Not attempted: the ledger shows the event finished (`status`): an earlier delivery recorded it but
   * the message was not acknowledged, or this is a copy of it.
   */
  | { kind: 'finished_before'; status: LedgerStatus };

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

/** What a result that is not a failed call leads to: the table {@link decide} reads first. */
export const RESULT_RULES = {
  /** Tencent applied it: acknowledged. */
  applied: { leadsTo: 'done' },
  /** A mute whose end has passed (and no longer one runs): acknowledged, nothing to apply. */
  expired: { leadsTo: 'done' },
  /** A newer event about the same member and field was applied first: acknowledged, no call. */
  superseded: { leadsTo: 'done' },
  /** The ledger shows it finished (a copy, or an acknowledgement lost): acknowledged, no call. */
  finished_before: { leadsTo: 'done' },
  /** The message cannot be read: dead-lettered at once. */
  unreadable: { leadsTo: 'dead_letter' },
  /** No Tencent turn fits in what is left of the invocation: visible again at once, no attempt. */
  no_time: { leadsTo: 'defer' },
  /** The deployment cannot call Tencent (secret, ledger, refused credentials, unreachable): held. */
  held: { leadsTo: 'hold' },
} as const satisfies Record<Exclude<StepResult['kind'], 'failed'>, { leadsTo: Decision['kind'] }>;

/** What a failed call leads to, for its class: one row of {@link FAILURE_RULES}. */
export interface FailureRule {
  /**
   * When the event is dead-lettered: at the attempt limit of `maxAttempts` or `ambiguousMaxAttempts`,
   * at once (`first`), or never (`never`: it is held until an operator fixes the deployment).
   */
  readonly deadLetter: 'maxAttempts' | 'ambiguousMaxAttempts' | 'first' | 'never';
  /** Whether the call counts as an attempt of the event (calls refused for the deployment do not). */
  readonly counts: boolean;
  /** The hold, for a failure that is the deployment's, not the event's: the rest of the batch waits too, calling nothing. */
  readonly holdsBatch?: HoldReason;
  /** Whether the UserSig is renewed (the secret re-read) and the call made again at once, once. */
  readonly renews: boolean;
  /** Whether the member's next call waits the settle delay first: the request may still land late. */
  readonly settles: boolean;
  /** Whether every later call of the container waits a little more (Tencent's frequency limit). */
  readonly slowsPacer: boolean;
  /** Whether a call made for several members is split, each member tried alone: the failure may be one member's. */
  readonly splits: boolean;
}

/**
 * Every class of failed call, and what it leads to. A Tencent code's class is in the code table
 * (`shared/tencent/codes.ts`); a call without a Tencent answer gets its class from
 * {@link TRANSPORT_CLASSES}.
 */
export const FAILURE_RULES: Readonly<Record<FailureClass, FailureRule>> = {
  transient: {
    deadLetter: 'maxAttempts',
    counts: true,
    renews: false,
    settles: false,
    slowsPacer: false,
    splits: false,
  },
  rate_limited: {
    deadLetter: 'maxAttempts',
    counts: true,
    renews: false,
    settles: false,
    slowsPacer: true,
    splits: false,
  },
  timeout: {
    deadLetter: 'maxAttempts',
    counts: true,
    renews: false,
    settles: true,
    slowsPacer: false,
    splits: false,
  },
  ambiguous: {
    deadLetter: 'ambiguousMaxAttempts',
    counts: true,
    renews: false,
    settles: false,
    slowsPacer: false,
    splits: true,
  },
  permanent: {
    deadLetter: 'first',
    counts: true,
    renews: false,
    settles: false,
    slowsPacer: false,
    splits: true,
  },
  usersig_expired: {
    deadLetter: 'never',
    counts: false,
    holdsBatch: 'deployment_fault',
    renews: true,
    settles: false,
    slowsPacer: false,
    splits: false,
  },
  deployment_fault: {
    deadLetter: 'never',
    counts: false,
    holdsBatch: 'deployment_fault',
    renews: false,
    settles: false,
    slowsPacer: false,
    splits: false,
  },
  unreachable: {
    deadLetter: 'never',
    counts: false,
    holdsBatch: 'tencent_unreachable',
    renews: false,
    settles: false,
    slowsPacer: false,
    splits: false,
  },
};

/**
 * The class of a call that got no Tencent answer, by what went wrong on the way. An HTTP 429 is
 * Tencent's (or a gateway's) frequency limit: rate limited. Any other HTTP status, a network error or a
 * body that is not Tencent's is transient.
 */
export const TRANSPORT_CLASSES: Readonly<Record<TransportFailure, FailureClass>> = {
  timeout: 'timeout',
  unreachable: 'unreachable',
  network: 'transient',
  http_status: 'transient',
  bad_response: 'transient',
};

/** The HTTP status read as Tencent's frequency limit, whatever {@link TRANSPORT_CLASSES} says of `http_status`. */
const TOO_MANY_REQUESTS = 429;

/**
 * What a call of `api` that was not OK says, for the policy: its class (from the code table, for the
 * API, or from {@link TRANSPORT_CLASSES}), Tencent's code, and what went wrong. `info` is the answer's,
 * followed by what the code table tells the operator for that API and code; it never holds a UserSig
 * (the client keeps the URL out of it).
 */
export function failureOf(answer: Exclude<TencentAnswer, { kind: 'ok' }>, api?: TencentApiName): CallFailure {
  if (answer.kind === 'refused') {
    const { codeClass, hint } = tencentCodeOf(answer.code, api);
    const info = hint === undefined ? answer.info : `${answer.info}${answer.info === '' ? '' : '; '}${hint}`;
    return { failureClass: codeClass, tencentCode: answer.code, info };
  }
  const failureClass =
    answer.httpStatus === TOO_MANY_REQUESTS ? 'rate_limited' : TRANSPORT_CLASSES[answer.failure];
  return { failureClass, transport: answer.failure, info: answer.info };
}

/**
 * Whether a result counts as an attempt: a call to Tencent that failed (or succeeded) for reasons of
 * the event itself ({@link FailureRule.counts}). Calls refused for the deployment's credentials or
 * account, and calls that never reached Tencent, do not count: an event must not come closer to the
 * dead-letter queue while it waits for an operator or for Tencent to be reachable.
 */
export function countsAsAttempt(result: StepResult): boolean {
  if (result.kind === 'applied') return true;
  if (result.kind !== 'failed') return false;
  return FAILURE_RULES[result.failure.failureClass].counts;
}

/**
 * Why a failed call holds its event (and the rest of the batch, which would fail alike), or
 * `undefined` when the failure is the event's own and follows the retry limits.
 */
export function holdReasonOf(failureClass: FailureClass): HoldReason | undefined {
  return FAILURE_RULES[failureClass].holdsBatch;
}

/**
 * How long the member's next call must wait after a failure of this class: a timed-out call may still
 * be applied late, so nothing of the member goes out before the settle delay; other failures, none.
 */
export function settleSecondsOf(failureClass: FailureClass, settings: RetryPolicySettings): number {
  return FAILURE_RULES[failureClass].settles ? settings.timeoutSettleSeconds : 0;
}

/**
 * Decides what to do with a record, from {@link RESULT_RULES} and, for a failed call,
 * {@link FAILURE_RULES}.
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
  if (result.kind === 'failed') return decideFailure(result.failure, history, settings, random);
  switch (RESULT_RULES[result.kind].leadsTo) {
    case 'done':
      return {
        kind: 'done',
        outcome: result.kind === 'finished_before' ? 'finished_before' : doneOutcome(result),
      };
    case 'dead_letter':
      return { kind: 'dead_letter', deadLetterKind: 'invalid_message', followersWaitSeconds: 0 };
    case 'defer':
      return { kind: 'defer', afterSeconds: 0 };
    case 'hold':
      return hold(result.kind === 'held' ? result.reason : 'ledger_unavailable', history, settings, random);
  }
}

/** The outcome of a result that is done: the result's own kind. */
function doneOutcome(result: StepResult): 'applied' | 'expired' | 'superseded' {
  return result.kind === 'expired' || result.kind === 'superseded' ? result.kind : 'applied';
}

function decideFailure(
  failure: CallFailure,
  history: RecordHistory,
  settings: RetryPolicySettings,
  random: () => number,
): Decision {
  const rule = FAILURE_RULES[failure.failureClass];
  if (rule.holdsBatch !== undefined) return hold(rule.holdsBatch, history, settings, random);
  if (rule.deadLetter === 'first') {
    return { kind: 'dead_letter', deadLetterKind: 'tencent_permanent', followersWaitSeconds: 0 };
  }
  const limit =
    rule.deadLetter === 'ambiguousMaxAttempts' ? settings.ambiguousMaxAttempts : settings.maxAttempts;
  const settle = settleSecondsOf(failure.failureClass, settings);
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

/**
 * The decision for a record whose outcome could not be recorded (the ledger write, or the send to the
 * dead-letter queue, failed), instead of the one the result led to: retried after a backoff by receive
 * count, and never before the settle delay after a timed-out call, which may still be applied late.
 */
export function retryUnrecorded(
  result: StepResult,
  receiveCount: number,
  settings: RetryPolicySettings,
  random: () => number,
): Decision {
  const settle = result.kind === 'failed' ? settleSecondsOf(result.failure.failureClass, settings) : 0;
  return {
    kind: 'retry',
    afterSeconds: Math.max(backoffSeconds(receiveCount, settings.backoff, random), settle),
  };
}

/**
 * The decision for a finished record whose outcome event could not be published: retried after the
 * first backoff step; it comes back, finds its item finished, and publishes again.
 */
export function retryUnpublished(settings: RetryPolicySettings, random: () => number): Decision {
  return { kind: 'retry', afterSeconds: backoffSeconds(1, settings.backoff, random) };
}

/**
 * The decision for a record whose ledger transition was refused (the item changed since it was read):
 * done when another delivery finished the event meanwhile (a copy that won); otherwise
 * (`undefined`) it is retried as an unrecorded outcome ({@link retryUnrecorded}).
 */
export function afterRefused(
  current: { status: LedgerStatus } | undefined,
  finished: boolean,
): Decision | undefined {
  return current !== undefined && finished ? { kind: 'done', outcome: 'finished_before' } : undefined;
}

/** What a member's later records in the batch do after one ends in a decision: one row per decision kind. */
export const FOLLOWER_RULES = {
  /** They go on. */
  done: 'go_on',
  /** They go on, or wait the settle delay when the last call timed out (it may still land). */
  dead_letter: 'go_on_after_settle',
  /** They wait, not attempted: the invocation is close to its timeout. */
  defer: 'defer',
  /** They wait, not attempted, visible again at once: they must follow it in order. */
  retry: 'defer',
  hold: 'defer',
} as const satisfies Record<Decision['kind'], 'go_on' | 'go_on_after_settle' | 'defer'>;

/** What a member's later records do after one ends in `decision`; `undefined`: they go on. */
export function followersOf(decision: Decision): { decision: Decision; why: string } | undefined {
  switch (FOLLOWER_RULES[decision.kind]) {
    case 'go_on':
      return undefined;
    case 'go_on_after_settle':
      return decision.kind === 'dead_letter' && decision.followersWaitSeconds > 0
        ? {
            decision: { kind: 'defer', afterSeconds: decision.followersWaitSeconds },
            why: 'the last call of an earlier event timed out and may still land at Tencent',
          }
        : undefined;
    case 'defer':
      return {
        decision: { kind: 'defer', afterSeconds: 0 },
        why:
          decision.kind === 'defer'
            ? 'the invocation is close to its timeout'
            : 'an earlier event of this member is being retried',
      };
  }
}

/**
 * What a decision does to the record's message: `undefined` when it is done and may be deleted (done, or
 * dead-lettered); otherwise the seconds until it may be received again (it is reported in
 * `batchItemFailures`). A record the runner gave no decision is deferred, visible again at once.
 */
export function visibilityOf(decision: Decision | undefined): number | undefined {
  if (decision === undefined) return 0;
  switch (decision.kind) {
    case 'done':
    case 'dead_letter':
      return undefined;
    case 'defer':
    case 'retry':
    case 'hold':
      return decision.afterSeconds;
  }
}

/**
 * What a call's result means for the accounts it was made for: `share`, each account gets the result
 * (applied, or a failure each member retries with its own attempt count and backoff); `split`, the
 * call failed for a reason that may be one account's ({@link FailureRule.splits}, and a code of
 * `ACCOUNT_CODES`: an account not in the group, an ambiguous account check), so the call is made again
 * in halves, down to the account at fault, and only it bears the failure.
 */
export function afterCall(result: StepResult, accounts: number): 'share' | 'split' {
  if (accounts < 2 || result.kind !== 'failed' || !FAILURE_RULES[result.failure.failureClass].splits) {
    return 'share';
  }
  const code = result.failure.tencentCode;
  return code === undefined || ACCOUNT_CODES.has(code) ? 'split' : 'share';
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
