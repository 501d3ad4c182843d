import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { MessageFormatError } from '../errors/index.ts';
import {
  fieldsOf,
  isFinished,
  type LedgerItem,
  type LedgerStore,
  LedgerUnavailableError,
  muteRunning,
  type PublicLedgerItem,
  standingOf,
  toPublicItem,
} from '../ledger/index.ts';
import { BRIDGE_METRICS } from '../metrics/index.ts';
import type { DeadLetterReason } from '../queue/index.ts';
import { asUnmute, parseQueueMessage, type QueueMessage, toTencentCall } from '../queue/index.ts';
import type { MuteApi } from '../settings/index.ts';
import type { GroupMemberApi } from '../tencent/index.ts';
import { redactText, runConcurrently } from '../util/index.ts';
import { backoffSeconds } from './backoff.ts';
import { BatchLedger, deadLetterIdOf, type LedgerWriteResult } from './batch-ledger.ts';
import { type MemberRequest, planCalls } from './coalesce.ts';
import {
  countsAsAttempt,
  type Decision,
  decide,
  problemOf,
  type RetryPolicySettings,
  type StepResult,
  settleSecondsOf,
} from './policy.ts';
import { toLedgerWrite } from './recorder.ts';
import {
  applyPlannedCall,
  BatchCredentials,
  type CallPacer,
  type CredentialProvider,
  type StepContext,
  type TimeBudget,
} from './step.ts';

export type { CallPacer, CredentialProvider, TimeBudget } from './step.ts';

/**
 * The batch runner: groups a batch by member, runs members concurrently and each member's events in
 * order, keeps the invocation's time budget, and turns each record's {@link Decision} (from the pure
 * retry policy) into a visibility change, a dead letter, and the `batchItemFailures`.
 */

/** A message as the consumer receives it; the handler maps the Lambda event to these. */
export interface QueueRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The FIFO message group; undefined on a standard queue (each record is then its own group). */
  messageGroupId: string | undefined;
  /** Delivery attempts so far, this one included (SQS's `ApproximateReceiveCount`). */
  receiveCount: number;
  /**
   * The dead-letter reason the message carries, when it has the consumer's dead-letter attributes:
   * it is a dead letter moved back to the main queue as it was (an SQS move task), not by the redrive
   * command, which sends letters back without them.
   */
  deadLetterReason?: DeadLetterReason | undefined;
}

/** A visibility change for one message. */
export interface VisibilityChange {
  messageId: string;
  receiptHandle: string;
  /** Seconds until the message may be received again. */
  seconds: number;
}

/** The queue operations the consumer needs. */
export interface ConsumerQueue {
  /** Sets the visibility of several messages of the main queue. */
  changeVisibility(changes: readonly VisibilityChange[]): Promise<void>;
  /**
   * Sends a message to the dead-letter queue, body unchanged, with its reason. A repeated send with the
   * same `deduplicationId` (see `deadLetterIdOf`) is dropped within SQS's 5-minute window.
   */
  sendToDeadLetter(record: QueueRecord, reason: DeadLetterReason, deduplicationId: string): Promise<void>;
}

/** The consumer's tunables (see `ConsumerConfig` for their environment variables and defaults). */
export interface ConsumerSettings extends RetryPolicySettings {
  groupConcurrency: number;
  tencentTimeoutMs: number;
  timeReserveMs: number;
  /** Days a ledger item is kept after its last change. */
  ledgerRetentionDays: number;
  /** The API of mutes and unmutes (`MUTE_API`). @default 'modify_group_member_info' */
  muteApi?: MuteApi;
}

/** Publishes outcome events (EventBridge `PutEvents`). */
export interface OutcomePublisher {
  /** Publishes one event per item; throws when any could not be published. */
  publish(items: readonly PublicLedgerItem[]): Promise<void>;
}

/** What the consumer works with. */
export interface ConsumerDeps {
  api: GroupMemberApi;
  pacer: CallPacer;
  /** The event ledger: exact attempt counts, and every outcome recorded before a message is acknowledged. */
  ledger: LedgerStore;
  /** Where terminal outcomes are published; none: no outcome events. */
  outcomes?: OutcomePublisher;
  credentials: CredentialProvider;
  queue: ConsumerQueue;
  logger: Logger;
  metrics: Metrics;
  settings: ConsumerSettings;
  /** The clock, in epoch milliseconds. */
  now?: () => number;
  /** Random numbers in [0, 1), for backoff jitter. */
  random?: () => number;
}

/** The records to report as failed (`batchItemFailures`); all others are done and may be deleted. */
export interface BatchResult {
  failedMessageIds: string[];
}

interface Item {
  record: QueueRecord;
  message: QueueMessage | MessageFormatError;
}

/** One member's records still to process, in order, and what they do once one did not finish. */
interface Lane {
  items: Item[];
  followers?: { decision: Decision; why: string } | undefined;
}

/** A record waiting for its call in a round. */
interface Pending {
  lane: Lane;
  item: Item;
  /** The member fields the call sets (see `fieldsOf`). */
  fields: string[];
  /** What the ledger's history says of fields left out of the call (a newer event set them). */
  note?: string;
}

const names = BRIDGE_METRICS.consumer;

/**
 * The delay of a record retried because its outcome could not be recorded (the ledger write or the
 * dead-letter send failed): a backoff by receive count, and never shorter than the settle delay after a
 * timed-out call, which may still be applied late.
 */
function fallbackRetrySeconds(
  result: StepResult,
  receiveCount: number,
  settings: ConsumerSettings,
  random: () => number,
): number {
  const settle = result.kind === 'failed' ? settleSecondsOf(result.failure.failureClass, settings) : 0;
  return Math.max(backoffSeconds(receiveCount, settings.backoff, random), settle);
}

/**
 * Applies a batch of queue messages to Tencent. Records of one message group (one member) run in
 * order; groups run concurrently, in rounds of each member's next record, and with `MUTE_API`
 * `forbid_send_msg` the round's mutes (or unmutes) of one group with the same `MuteTime` go out as one
 * call (see `coalesce.ts`). Each record ends in one of the policy's decisions:
 * - done: applied, superseded, or nothing left to apply (an expired mute, an event already finished);
 * - retry: a failure of the event that may pass; hidden for a backoff delay, and its attempt counted;
 * - hold: the deployment cannot call Tencent (secret unreadable, or refused by Tencent); hidden for a
 *   growing delay, no attempt counted, never dead-lettered;
 * - defer: not attempted (an earlier record of its member did not finish, or no time is left); visible
 *   again at once, or after a settle delay behind an event whose last call timed out;
 * - dead_letter: moved to the dead-letter queue with its reason (and if that fails, retried).
 * The ledger is the authority (see `batch-ledger.ts` and `decisions.ts`): a copy of an event already
 * finished is acknowledged with no call; an event older than the newest applied to every member field
 * it sets is superseded with no call; attempts are counted in the ledger, not from SQS's receive count;
 * and every outcome but a deferral is recorded before the message is acknowledged (if that write fails
 * the record is retried instead: every change is set-to-value and a mute's end is absolute).
 */
export async function processBatch(
  records: readonly QueueRecord[],
  deps: ConsumerDeps,
  budget: TimeBudget,
): Promise<BatchResult> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const { settings, logger, metrics } = deps;
  const items = records.map(toItem);
  const decisions = new Map<string, Decision>();

  const credentials = await BatchCredentials.load(deps.credentials);
  if (credentials.hold) {
    logger.error('Tencent credentials unavailable; every event is held', { error: credentials.hold.info });
    metrics.addMetric(names.credentialsUnavailable, MetricUnit.Count, 1);
  }
  const step: StepContext = {
    api: deps.api,
    pacer: deps.pacer,
    credentials,
    budget,
    tencentTimeoutMs: settings.tencentTimeoutMs,
    timeReserveMs: settings.timeReserveMs,
    now,
    onCall: (ms) => metrics.addMetric(names.tencentLatency, MetricUnit.Milliseconds, ms),
    onRenew: (tencentCode) =>
      logger.warn('UserSig expired; renewing credentials and retrying', { tencentCode }),
  };
  const hasTimeForACall = () =>
    budget.remainingTimeMs() >= settings.tencentTimeoutMs + settings.timeReserveMs;
  const ledger = await readLedger(items, deps);
  // Finished items to publish as outcome events once the batch is done, by message id.
  const terminal = new Map<string, PublicLedgerItem>();
  const retryAfter = (result: StepResult, record: QueueRecord): Decision => ({
    kind: 'retry',
    afterSeconds: fallbackRetrySeconds(result, record.receiveCount, settings, random),
  });

  /** Records a record's result: the decision, the dead letter, the ledger, the log line and metrics. */
  const finishRecord = async (lane: Lane, item: Item, result: StepResult, fields: readonly string[] = []) => {
    const { messageId, receiveCount } = item.record;
    const { message } = item;
    const known = message instanceof MessageFormatError ? undefined : ledger?.item(message.eventId);
    const prior = known?.attempts ?? 0;
    const attempt = countsAsAttempt(result) ? prior + 1 : prior;
    let decision = decide(result, { attempt, receiveCount }, settings, random);
    if (decision.kind === 'dead_letter') {
      decision = await deadLetter(item, result, decision, attempt, deps, now, random);
    }
    if (!(message instanceof MessageFormatError) && ledger !== undefined) {
      const nowMs = now();
      const position = ledger.position(message);
      const writeOf = (current: LedgerItem | undefined) =>
        toLedgerWrite(result, decision, {
          item: current,
          message,
          position,
          attempt: countsAsAttempt(result) ? (current?.attempts ?? 0) + 1 : (current?.attempts ?? 0),
          nowMs,
          ledgerRetentionDays: settings.ledgerRetentionDays,
        });
      // An applied event (or an expired mute) is now its member's newest decision for its fields. That
      // is recorded first: an item is finished only once its member's record has it, so that an older
      // event (a redriven one, say) never finds a finished newer one missing from the record.
      const decided = result.kind === 'applied' || result.kind === 'expired' ? fields : [];
      const decisionRecorded = await ledger.recordDecision(message, decided, nowMs);
      const recorded: LedgerWriteResult =
        decisionRecorded.kind === 'unavailable'
          ? { kind: 'nothing' }
          : await ledger.transition(message.eventId, writeOf);
      if (decisionRecorded.kind === 'recorded' && decisionRecorded.newer.length > 0) {
        // Cannot happen while SQS FIFO hands a member's events out one batch at a time; if it does, a
        // newer decision may have been undone at Tencent and an operator must look.
        logger.error('a newer decision was recorded for this member while this event was applied', {
          ...logFields(item),
          fields: decisionRecorded.newer,
        });
        metrics.addMetric(names.orderConflicts, MetricUnit.Count, 1);
      }
      const failure =
        decisionRecorded.kind === 'unavailable'
          ? decisionRecorded.error
          : recorded.kind === 'unavailable'
            ? recorded.error
            : undefined;
      if (failure !== undefined) {
        logger.error('could not record the outcome in the ledger; the event will be retried', {
          ...logFields(item),
          error: failure,
        });
        metrics.addMetric(names.ledgerErrors, MetricUnit.Count, 1);
        decision = retryAfter(result, item.record);
      } else if (recorded.kind === 'refused') {
        decision = refused(item, recorded.current, result, deps) ?? retryAfter(result, item.record);
      } else if (recorded.kind === 'written' && isFinished(recorded.item.status)) {
        terminal.set(messageId, toPublicItem(recorded.item));
      }
    }
    report(item, result, decision, attempt, deps);
    decisions.set(messageId, decision);
    lane.followers = followersOf(decision);
  };

  /**
   * A record whose event the ledger shows finished: a copy (acknowledged with no call, its member's
   * record repaired if its decision is missing), or a dead letter moved back to the main queue without
   * a redrive's mark (sent back to the dead-letter queue: only `npm run dlq -- redrive` takes an event
   * out of it).
   */
  const finishedBefore = async (item: Item, message: QueueMessage, known: LedgerItem, view: BatchLedger) => {
    const { record } = item;
    if (known.status === 'dead_lettered' && record.deadLetterReason !== undefined) {
      try {
        await deps.queue.sendToDeadLetter(record, record.deadLetterReason, deadLetterIdOf(record));
        logger.warn(
          'a dead letter came back without a redrive marking it; returned to the dead-letter queue (redrive it with npm run dlq -- redrive)',
          logFields(item),
        );
        metrics.addMetric(names.deadLettersReturned, MetricUnit.Count, 1);
        decisions.set(record.messageId, { kind: 'done', outcome: 'finished_before' });
      } catch (error) {
        logger.error('could not return a dead letter to the dead-letter queue; will retry', {
          ...logFields(item),
          error: describeError(error),
        });
        decisions.set(record.messageId, retryAfter({ kind: 'no_time' }, record));
      }
      return;
    }
    if (known.status === 'applied' || known.status === 'expired') {
      const repaired = await view.repairDecision(message, now());
      if (repaired.kind === 'unavailable') {
        logger.error("could not record the event in its member's record; will retry", {
          ...logFields(item),
          error: repaired.error,
        });
        metrics.addMetric(names.ledgerErrors, MetricUnit.Count, 1);
        decisions.set(record.messageId, retryAfter({ kind: 'no_time' }, record));
        return;
      }
    }
    // Recorded already, and not acknowledged (a crash, its outcome event still to publish, or a copy).
    logger.info('event already finished; acknowledging it', { ...logFields(item), status: known.status });
    metrics.addMetric(names.finishedBefore, MetricUnit.Count, 1);
    decisions.set(record.messageId, { kind: 'done', outcome: 'finished_before' });
    terminal.set(record.messageId, toPublicItem(known));
  };

  /**
   * Takes a member on to its next record that needs a Tencent call, finishing those that need none on
   * the way (already finished, superseded, unreadable, no ledger, no time left, a mute already over)
   * and deferring the rest once one does not finish. Returns that record's call, or `undefined` when
   * the member is done.
   */
  const advance = async (lane: Lane, nowMs: number): Promise<MemberRequest<Pending> | undefined> => {
    for (let item = lane.items.shift(); item !== undefined; item = lane.items.shift()) {
      if (lane.followers) {
        decisions.set(item.record.messageId, lane.followers.decision);
        logger.info('event deferred', { ...logFields(item), why: lane.followers.why });
        continue;
      }
      const { message } = item;
      if (message instanceof MessageFormatError) {
        await finishRecord(lane, item, { kind: 'unreadable', info: message.message });
        continue;
      }
      if (ledger === undefined) {
        await finishRecord(lane, item, {
          kind: 'held',
          reason: 'ledger_unavailable',
          info: 'the event ledger cannot be read',
        });
        continue;
      }
      const known = ledger.item(message.eventId);
      if (known !== undefined && isFinished(known.status)) {
        await finishedBefore(item, message, known, ledger);
        continue;
      }
      const standing = standingOf(
        message.eventId,
        ledger.position(message),
        fieldsOf(message),
        ledger.member(message),
      );
      if (standing.kind === 'superseded') {
        await finishRecord(lane, item, { kind: 'superseded', by: standing.by });
        continue;
      }
      if (standing.kind === 'applied_before') {
        await finishRecord(
          lane,
          item,
          { kind: 'applied', note: "applied before its outcome was recorded (its member's record shows it)" },
          fieldsOf(message),
        );
        continue;
      }
      let note =
        standing.superseded.length === 0
          ? undefined
          : `not sent, a newer event set them: ${standing.superseded.join(', ')}`;
      let call = hasTimeForACall()
        ? toTencentCall(
            message,
            nowMs,
            settings.muteApi,
            standing.superseded.length === 0 ? undefined : standing.fields,
          )
        : undefined;
      const running = call?.kind === 'expired' ? muteRunning(ledger.member(message), nowMs) : undefined;
      if (message.action === 'mute' && running !== undefined) {
        // Its end has passed, but an older, longer mute still runs: this decision ends it.
        call = toTencentCall(asUnmute(message), nowMs, settings.muteApi);
        note = `its end had passed, so it unmuted: the mute of ${running.eventId} it replaces ran longer`;
      }
      if (call === undefined) {
        await finishRecord(lane, item, { kind: 'no_time' });
      } else if (call.kind === 'expired') {
        await finishRecord(lane, item, { kind: 'expired' }, standing.fields);
      } else {
        return {
          member: { lane, item, fields: standing.fields, ...(note === undefined ? {} : { note }) },
          request: call,
        };
      }
    }
    return undefined;
  };

  // Rounds: each member goes on to its next record needing a call; the round's calls are planned
  // together (mutes of one group with the same MuteTime become one forbid_send_msg call) and made
  // concurrently; each member's record is finished with its own result. Only a member's next record
  // is ever in a round, so each member's records keep their order.
  const lanes: Lane[] = [...groupByMember(items).values()].map((group) => ({ items: [...group] }));
  for (;;) {
    const nowMs = now();
    const requests = (await Promise.all(lanes.map((lane) => advance(lane, nowMs)))).flatMap((request) =>
      request === undefined ? [] : [request],
    );
    if (requests.length === 0) break;
    await runConcurrently(planCalls(requests), settings.groupConcurrency, async (call) => {
      const results = await applyPlannedCall(call, step);
      await Promise.all(
        call.parts.map(({ member }, i) => {
          const result = results[i] ?? { kind: 'no_time' };
          const noted =
            result.kind === 'applied' && member.note !== undefined
              ? { ...result, note: member.note }
              : result;
          return finishRecord(member.lane, member.item, noted, member.fields);
        }),
      );
    });
  }

  await publishOutcomes(terminal, decisions, deps, random);
  return finish(items, decisions, deps);
}

/**
 * What a record whose transition the ledger refused does: the item changed since the batch read it.
 * When another delivery finished the event meanwhile (a copy that won), the record is done; otherwise
 * (`undefined`) it is retried, and its next delivery reads the item anew. Logged and counted either way.
 */
function refused(
  item: Item,
  current: LedgerItem | undefined,
  result: StepResult,
  deps: ConsumerDeps,
): Decision | undefined {
  const finished = current !== undefined && isFinished(current.status);
  deps.logger.warn('the ledger refused the transition: the item changed since it was read', {
    ...logFields(item),
    current: current?.status ?? 'none',
    resultKind: result.kind,
    outcome: finished ? 'acknowledged: another delivery finished the event' : 'retried',
  });
  deps.metrics.addMetric(names.transitionsRefused, MetricUnit.Count, 1);
  return finished ? { kind: 'done', outcome: 'finished_before' } : undefined;
}

/** The batch's ledger view; `undefined` when the ledger cannot be read. */
async function readLedger(items: readonly Item[], deps: ConsumerDeps): Promise<BatchLedger | undefined> {
  const messages = items.flatMap(({ message }) => (message instanceof MessageFormatError ? [] : [message]));
  try {
    return await BatchLedger.read(deps.ledger, messages, deps.settings.ledgerRetentionDays);
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    deps.logger.error('event ledger unavailable; every event is held', { error: error.message });
    deps.metrics.addMetric(names.ledgerErrors, MetricUnit.Count, 1);
    return undefined;
  }
}

/**
 * Publishes the batch's terminal outcomes. If that fails, their records are retried instead of
 * acknowledged: they come back, find their ledger items terminal, and publish again.
 */
async function publishOutcomes(
  terminal: ReadonlyMap<string, PublicLedgerItem>,
  decisions: Map<string, Decision>,
  deps: ConsumerDeps,
  random: () => number,
): Promise<void> {
  const done = [...terminal].filter(([messageId]) => decisions.get(messageId)?.kind !== 'retry');
  if (deps.outcomes === undefined || done.length === 0) return;
  try {
    await deps.outcomes.publish(done.map(([, item]) => item));
  } catch (error) {
    deps.logger.error('could not publish outcome events; their events come back to publish again', {
      eventIds: done.map(([, item]) => item.eventId),
      error: error instanceof Error ? redactText(error.message) : String(error),
    });
    deps.metrics.addMetric(names.outcomeEventsFailed, MetricUnit.Count, done.length);
    for (const [messageId] of done) {
      decisions.set(messageId, {
        kind: 'retry',
        afterSeconds: backoffSeconds(1, deps.settings.backoff, random),
      });
    }
  }
}

function groupByMember(items: readonly Item[]): Map<string, Item[]> {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const key = item.record.messageGroupId ?? item.record.messageId;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** What a member's later records do after one ends in `decision`; `undefined`: they go on. */
function followersOf(decision: Decision): { decision: Decision; why: string } | undefined {
  switch (decision.kind) {
    case 'done':
      return undefined;
    case 'dead_letter':
      return decision.followersWaitSeconds > 0
        ? {
            decision: { kind: 'defer', afterSeconds: decision.followersWaitSeconds },
            why: 'the last call of an earlier event timed out and may still land at Tencent',
          }
        : undefined;
    case 'defer':
      return { decision: { kind: 'defer', afterSeconds: 0 }, why: 'the invocation is close to its timeout' };
    case 'retry':
    case 'hold':
      return {
        decision: { kind: 'defer', afterSeconds: 0 },
        why: 'an earlier event of this member is being retried',
      };
  }
}

function toItem(record: QueueRecord): Item {
  try {
    return { record, message: parseQueueMessage(record.body) };
  } catch (error) {
    const failure =
      error instanceof MessageFormatError
        ? error
        : new MessageFormatError('queue message could not be read', { cause: error });
    return { record, message: failure };
  }
}

/** The fields every outcome log line carries. */
function logFields({ record, message }: Item): Record<string, unknown> {
  const fields: Record<string, unknown> = { messageId: record.messageId, receiveCount: record.receiveCount };
  if (!(message instanceof MessageFormatError)) {
    fields.eventId = message.eventId;
    fields.action = message.action;
    fields.groupId = message.groupId;
    fields.account = message.account;
  }
  return fields;
}

/** Sends the record to the dead-letter queue; if that fails, the record is retried instead. */
async function deadLetter(
  item: Item,
  result: StepResult,
  decision: Extract<Decision, { kind: 'dead_letter' }>,
  attempt: number,
  deps: ConsumerDeps,
  now: () => number,
  random: () => number,
): Promise<Decision> {
  const { tencentCode, info } = problemOf(result) ?? { info: '' };
  const reason: DeadLetterReason = {
    kind: decision.deadLetterKind,
    ...(tencentCode === undefined ? {} : { errorCode: tencentCode }),
    errorInfo: info,
    attempts: attempt,
    deadLetteredAt: new Date(now()),
    ...(item.message instanceof MessageFormatError ? {} : { eventId: item.message.eventId }),
  };
  try {
    await deps.queue.sendToDeadLetter(item.record, reason, deadLetterIdOf(item.record));
    return decision;
  } catch (error) {
    const afterSeconds = fallbackRetrySeconds(result, item.record.receiveCount, deps.settings, random);
    deps.logger.error('could not dead-letter the event; will retry', {
      ...logFields(item),
      error: describeError(error),
      retryInSeconds: afterSeconds,
    });
    return { kind: 'retry', afterSeconds };
  }
}

/** One log line and the metrics of a record's outcome. */
function report(item: Item, result: StepResult, decision: Decision, attempt: number, deps: ConsumerDeps) {
  const { logger, metrics } = deps;
  const fields = logFields(item);
  const { tencentCode, info, transport } = problemOf(result) ?? { info: '' };
  const code = tencentCode === undefined ? {} : { tencentCode };
  if (result.kind === 'failed' && decision.kind === 'hold' && decision.reason === 'deployment_fault') {
    metrics.addMetric(names.credentialsInvalid, MetricUnit.Count, 1);
  }
  switch (decision.kind) {
    case 'done':
      if (decision.outcome === 'applied') {
        logger.info('event applied', { ...fields, attempt, tencentCode: 0 });
        metrics.addMetric(names.applied, MetricUnit.Count, 1);
      } else if (decision.outcome === 'expired') {
        logger.info('mute already over; nothing to apply', fields);
        metrics.addMetric(names.expired, MetricUnit.Count, 1);
      } else if (decision.outcome === 'superseded' && result.kind === 'superseded') {
        logger.info('a newer event about this member was applied first; not applied', {
          ...fields,
          supersededBy: result.by,
        });
        metrics.addMetric(names.superseded, MetricUnit.Count, 1);
      }
      return;
    case 'retry':
      logger.warn('event failed; will retry', {
        ...fields,
        attempt,
        ...code,
        errorInfo: info,
        ...(transport === undefined ? {} : { transportFailure: transport }),
        retryInSeconds: decision.afterSeconds,
      });
      metrics.addMetric(names.retried, MetricUnit.Count, 1);
      return;
    case 'hold':
      logger.warn('event held until the deployment is fixed', {
        ...fields,
        holdReason: decision.reason,
        ...code,
        errorInfo: info,
        attempt,
        retryInSeconds: decision.afterSeconds,
      });
      metrics.addMetric(names.held, MetricUnit.Count, 1);
      return;
    case 'defer':
      logger.info('event deferred', { ...fields, why: 'the invocation is close to its timeout' });
      return;
    case 'dead_letter': {
      logger.error('event dead-lettered', {
        ...fields,
        ...code,
        attempt,
        deadLetterKind: decision.deadLetterKind,
        errorInfo: info,
      });
      // The total, and (in a metric of its own) the breakdown by error code.
      metrics.addMetric(names.deadLettered, MetricUnit.Count, 1);
      const single = metrics.singleMetric();
      single.addDimension(
        'errorCode',
        tencentCode === undefined ? decision.deadLetterKind : String(tencentCode),
      );
      single.addMetric(names.deadLettered, MetricUnit.Count, 1);
      return;
    }
  }
}

/** The visibility a record gets, or `undefined` when it is done and may be deleted. */
function visibilityOf(decision: Decision): number | undefined {
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

/** Applies the visibility changes and lists the failed records, in batch order. */
async function finish(
  items: readonly Item[],
  decisions: ReadonlyMap<string, Decision>,
  deps: ConsumerDeps,
): Promise<BatchResult> {
  const changes: VisibilityChange[] = [];
  const failedMessageIds: string[] = [];
  for (const { record } of items) {
    const seconds = visibilityOf(decisions.get(record.messageId) ?? { kind: 'defer', afterSeconds: 0 });
    if (seconds === undefined) continue;
    failedMessageIds.push(record.messageId);
    changes.push({ messageId: record.messageId, receiptHandle: record.receiptHandle, seconds });
  }
  if (changes.length > 0) {
    try {
      await deps.queue.changeVisibility(changes);
    } catch (error) {
      // The records still fail, and come back when their current visibility timeout ends.
      deps.logger.warn('could not change message visibility', {
        error: error instanceof Error ? redactText(error.message) : String(error),
      });
    }
  }
  return { failedMessageIds };
}

/** An unexpected error, for a log line: its name and redacted message. */
function describeError(error: unknown): unknown {
  return error instanceof Error ? { name: error.name, message: redactText(error.message) } : String(error);
}
