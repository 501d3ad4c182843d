import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { targetFields, targetOf } from '../contract/index.ts';
import { MessageFormatError } from '../errors/index.ts';
import {
  expiresAtOf,
  isFinished,
  type LedgerItem,
  type LedgerStatus,
  type LedgerWrite,
  type PublicLedgerItem,
  toPublicItem,
  transitionOf,
} from '../ledger/index.ts';
import { BRIDGE_METRICS } from '../metrics/index.ts';
import { type DeadLetterReason, isBulkMessage, type QueueMessage } from '../queue/index.ts';
import { redactText } from '../util/index.ts';
import {
  type BatchLedger,
  type DecisionResult,
  deadLetterIdOf,
  type LedgerWriteResult,
} from './batch-ledger.ts';
import { recordBulk } from './bulk.ts';
import {
  afterRefused,
  countsAsAttempt,
  type Decision,
  decide,
  problemOf,
  retryUnpublished,
  retryUnrecorded,
  type StepResult,
} from './policy.ts';
import type { AccountResult } from './step.ts';
import type { ConsumerQueue, ConsumerSettings, OutcomePublisher, QueueRecord } from './types.ts';

/**
 * The outcome recorder: what becomes of a record once its result is known. It asks the policy for the
 * decision, and carries out what the decision needs before the message may be acknowledged: the dead
 * letter, the member's record, the ledger transition (and, when a write fails, the policy's fallback
 * decision instead), the log line and the metrics; at the end of the batch, the outcome events.
 */

const names = BRIDGE_METRICS.consumer;

/** A record as the consumer holds it: the SQS record, and its message (or why it cannot be read). */
export interface ConsumerItem {
  record: QueueRecord;
  message: QueueMessage | MessageFormatError;
}

/** What the recorder needs to know of one record's outcome. */
export type Outcome =
  | {
      item: ConsumerItem;
      result: StepResult;
      /** The member fields the result decides: those of an applied event, or of an expired mute. */
      fields: readonly string[];
    }
  | {
      item: ConsumerItem;
      /** A bulk event's: what each account came to (see `bulk.ts`). */
      accounts: readonly AccountResult[];
      /** The member fields it decides for each account applied. */
      fields: readonly string[];
    };

/** What the recorder works with, for one batch. */
export interface RecorderDeps {
  /** The batch's view of the ledger; `undefined` when it could not be read. */
  ledger: BatchLedger | undefined;
  queue: ConsumerQueue;
  outcomes: OutcomePublisher | undefined;
  logger: Logger;
  metrics: Metrics;
  settings: ConsumerSettings;
  now: () => number;
  random: () => number;
}

/** Records the outcomes of one batch; see the module's doc. */
export class OutcomeRecorder {
  /** Finished items to publish as outcome events once the batch is done, by message id. */
  private readonly finished = new Map<string, PublicLedgerItem>();

  constructor(private readonly deps: RecorderDeps) {}

  /** Records one record's outcome; returns the decision that stands once everything is written. */
  async record(outcome: Outcome): Promise<Decision> {
    if ('accounts' in outcome) return this.recordBulk(outcome.item, outcome.accounts, outcome.fields);
    const { item, result, fields } = outcome;
    const { settings, random } = this.deps;
    const { record, message } = item;
    const ledger = this.deps.ledger;
    const known = message instanceof MessageFormatError ? undefined : ledger?.item(message.eventId);
    const prior = known?.attempts ?? 0;
    const attempt = countsAsAttempt(result) ? prior + 1 : prior;
    let decision = decide(result, { attempt, receiveCount: record.receiveCount }, settings, random);
    if (
      result.kind === 'finished_before' &&
      !(message instanceof MessageFormatError) &&
      ledger !== undefined
    ) {
      return this.finishedBefore(item, message, ledger, result.status);
    }
    if (decision.kind === 'dead_letter') decision = await this.deadLetter(item, result, decision, attempt);
    if (!(message instanceof MessageFormatError) && ledger !== undefined) {
      decision = await this.write(item, message, ledger, result, decision, fields);
    }
    this.report(item, result, decision, attempt);
    return decision;
  }

  /** A bulk event's outcome, account by account (`bulk.ts`); it only comes with the ledger read. */
  private async recordBulk(
    item: ConsumerItem,
    accounts: readonly AccountResult[],
    fields: readonly string[],
  ): Promise<Decision> {
    const { ledger, settings, random } = this.deps;
    const { message, record } = item;
    if (ledger === undefined || message instanceof MessageFormatError || !isBulkMessage(message)) {
      return retryUnrecorded({ kind: 'no_time' }, record.receiveCount, settings, random);
    }
    const { decision, finished } = await recordBulk(this.deps, ledger, item, message, accounts, fields);
    if (finished !== undefined) this.finished.set(record.messageId, finished);
    return decision;
  }

  /**
   * Publishes the batch's finished outcomes. If that fails, their records' decisions become the
   * policy's `retryUnpublished`: they come back, find their items finished, and publish again.
   */
  async publish(decisions: Map<string, Decision>): Promise<void> {
    const { outcomes, logger, metrics, settings, random } = this.deps;
    const done = [...this.finished].filter(([messageId]) => decisions.get(messageId)?.kind !== 'retry');
    if (outcomes === undefined || done.length === 0) return;
    try {
      await outcomes.publish(done.map(([, item]) => item));
    } catch (error) {
      logger.error('could not publish outcome events; their events come back to publish again', {
        eventIds: done.map(([, item]) => item.eventId),
        error: error instanceof Error ? redactText(error.message) : String(error),
      });
      metrics.addMetric(names.outcomeEventsFailed, MetricUnit.Count, done.length);
      for (const [messageId] of done) decisions.set(messageId, retryUnpublished(settings, random));
    }
  }

  /**
   * The ledger's part: the member's record first (an applied event, or an expired mute, is now its
   * member's newest decision for its fields: an item is finished only once its member's record has it,
   * so that an older event never finds a finished newer one missing from the record), then the item's
   * transition.
   */
  private async write(
    item: ConsumerItem,
    message: QueueMessage,
    ledger: BatchLedger,
    result: StepResult,
    decision: Decision,
    fields: readonly string[],
  ): Promise<Decision> {
    const { settings, logger, metrics, now, random } = this.deps;
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
    const decided = result.kind === 'applied' || result.kind === 'expired' ? fields : [];
    // A bulk event comes here only with a result that decides no account (a deferral): its accounts'
    // records are written by `recordBulk`.
    const decisionRecorded: DecisionResult = isBulkMessage(message)
      ? { kind: 'nothing' }
      : await ledger.recordDecision(message, decided, nowMs);
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
      return retryUnrecorded(result, item.record.receiveCount, settings, random);
    }
    if (recorded.kind === 'refused') {
      const finished = recorded.current !== undefined && isFinished(recorded.current.status);
      logger.warn('the ledger refused the transition: the item changed since it was read', {
        ...logFields(item),
        current: recorded.current?.status ?? 'none',
        resultKind: result.kind,
        outcome: finished ? 'acknowledged: another delivery finished the event' : 'retried',
      });
      metrics.addMetric(names.transitionsRefused, MetricUnit.Count, 1);
      return (
        afterRefused(recorded.current, finished) ??
        retryUnrecorded(result, item.record.receiveCount, settings, random)
      );
    }
    if (recorded.kind === 'written' && isFinished(recorded.item.status)) {
      this.finished.set(item.record.messageId, toPublicItem(recorded.item));
    }
    return decision;
  }

  /**
   * A record whose event the ledger shows finished: a copy (acknowledged with no call, its member's
   * record repaired if its decision is missing), or a dead letter moved back to the main queue without
   * a redrive's mark (sent back to the dead-letter queue: only `npm run dlq -- redrive` takes an event
   * out of it).
   */
  private async finishedBefore(
    item: ConsumerItem,
    message: QueueMessage,
    ledger: BatchLedger,
    status: LedgerStatus,
  ): Promise<Decision> {
    const { logger, metrics, settings, random, now, queue } = this.deps;
    const { record } = item;
    const retry = () => retryUnrecorded({ kind: 'no_time' }, record.receiveCount, settings, random);
    if (status === 'dead_lettered' && record.deadLetterReason !== undefined) {
      try {
        await queue.sendToDeadLetter(record, record.deadLetterReason, deadLetterIdOf(record));
      } catch (error) {
        logger.error('could not return a dead letter to the dead-letter queue; will retry', {
          ...logFields(item),
          error: describeError(error),
        });
        return retry();
      }
      logger.warn(
        'a dead letter came back without a redrive marking it; returned to the dead-letter queue (redrive it with npm run dlq -- redrive)',
        logFields(item),
      );
      metrics.addMetric(names.deadLettersReturned, MetricUnit.Count, 1);
      return { kind: 'done', outcome: 'finished_before' };
    }
    // A bulk event's member records are written before its item finishes (`recordBulk`): none to repair.
    if ((status === 'applied' || status === 'expired') && !isBulkMessage(message)) {
      const repaired = await ledger.repairDecision(message, now());
      if (repaired.kind === 'unavailable') {
        logger.error("could not record the event in its member's record; will retry", {
          ...logFields(item),
          error: repaired.error,
        });
        metrics.addMetric(names.ledgerErrors, MetricUnit.Count, 1);
        return retry();
      }
    }
    // Recorded already, and not acknowledged (a crash, its outcome event still to publish, or a copy).
    logger.info('event already finished; acknowledging it', { ...logFields(item), status });
    metrics.addMetric(names.finishedBefore, MetricUnit.Count, 1);
    const known = ledger.item(message.eventId);
    if (known !== undefined) this.finished.set(record.messageId, toPublicItem(known));
    return { kind: 'done', outcome: 'finished_before' };
  }

  /** Sends the record to the dead-letter queue; if that fails, the policy's `retryUnrecorded` instead. */
  private async deadLetter(
    item: ConsumerItem,
    result: StepResult,
    decision: Extract<Decision, { kind: 'dead_letter' }>,
    attempt: number,
  ): Promise<Decision> {
    const { queue, logger, settings, random, now } = this.deps;
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
      await queue.sendToDeadLetter(item.record, reason, deadLetterIdOf(item.record));
      return decision;
    } catch (error) {
      const retry = retryUnrecorded(result, item.record.receiveCount, settings, random);
      logger.error('could not dead-letter the event; will retry', {
        ...logFields(item),
        error: describeError(error),
        retryInSeconds: retry.kind === 'retry' ? retry.afterSeconds : undefined,
      });
      return retry;
    }
  }

  /** One log line and the metrics of a record's outcome. */
  private report(item: ConsumerItem, result: StepResult, decision: Decision, attempt: number): void {
    const { logger, metrics } = this.deps;
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
}

/** The fields every outcome log line carries. */
export function logFields({ record, message }: ConsumerItem): Record<string, unknown> {
  const fields: Record<string, unknown> = { messageId: record.messageId, receiveCount: record.receiveCount };
  if (!(message instanceof MessageFormatError)) {
    fields.eventId = message.eventId;
    fields.action = message.action;
    Object.assign(fields, targetFields(targetOf(message)));
  }
  return fields;
}

/** An unexpected error, for a log line: its name and redacted message. */
export function describeError(error: unknown): unknown {
  return error instanceof Error ? { name: error.name, message: redactText(error.message) } : String(error);
}

/** What the consumer knows when it records a record's outcome. */
export interface OutcomeContext {
  /** The ledger item as the consumer last read or wrote it, if the ledger has one. */
  item: LedgerItem | undefined;
  message: QueueMessage;
  /** The event's position (see `positionOf`), recorded on an item the consumer creates. */
  position: string;
  /** The attempt this delivery was (the count after it, when it counted). */
  attempt: number;
  /** Now, in epoch milliseconds. */
  nowMs: number;
  ledgerRetentionDays: number;
}

/**
 * The ledger transition for a record's decision, or `undefined` when there is nothing to record: a
 * deferral (not attempted), or a hold without a call of an event already held.
 */
export function toLedgerWrite(
  result: StepResult,
  decision: Decision,
  context: OutcomeContext,
): LedgerWrite | undefined {
  const status = statusOf(decision);
  if (status === undefined) return undefined;
  const { item, message, attempt, nowMs } = context;
  if (decision.kind === 'hold' && result.kind === 'held' && item?.status === 'held') return undefined;

  const at = new Date(nowMs).toISOString();
  const attempted = countsAsAttempt(result);
  const found = problemOf(result);
  const problem =
    found === undefined
      ? undefined
      : found.tencentCode === undefined
        ? { info: found.info }
        : { code: found.tencentCode, info: found.info };
  const ms = result.kind === 'applied' || result.kind === 'failed' ? result.ms : undefined;
  const note = result.kind === 'applied' || result.kind === 'superseded' ? result.note : undefined;
  const info = problem?.info || note;
  const afterSeconds =
    decision.kind === 'retry' || decision.kind === 'hold' ? decision.afterSeconds : undefined;
  return transitionOf(
    item,
    {
      by: 'consumer',
      to: status,
      at,
      expiresAt: expiresAtOf(nowMs, context.ledgerRetentionDays),
      attempts: (item?.attempts ?? 0) + (attempted ? 1 : 0),
      entry: {
        ...(attempted ? { attempt } : {}),
        ...(result.kind === 'applied' ? { code: 0 } : {}),
        ...(problem?.code === undefined ? {} : { code: problem.code }),
        ...(info === undefined || info === '' ? {} : { info }),
        ...(ms === undefined ? {} : { ms }),
      },
      set: {
        ...(problem === undefined ? {} : { lastError: { ...problem, at } }),
        ...(afterSeconds === undefined
          ? {}
          : { nextAttemptAt: new Date(nowMs + afterSeconds * 1000).toISOString() }),
        ...(status === 'applied' ? { appliedAt: at } : {}),
        ...(status === 'dead_lettered' ? { deadLetteredAt: at } : {}),
        ...(result.kind === 'superseded' ? { supersededBy: result.by } : {}),
        ...recalledOf(item, result),
      },
    },
    {
      ...targetFields(targetOf(message)),
      action: message.action,
      // A message enqueued before the ledger existed: its fingerprint is unknown.
      fingerprint: '',
      acceptedAt: message.receivedAt,
      position: context.position,
    },
  );
}

/** A recall's messages done so far, when this result did some: those done before, and these. */
function recalledOf(item: LedgerItem | undefined, result: StepResult): { recalled?: number[] } {
  if ((result.kind !== 'applied' && result.kind !== 'failed') || result.recalled === undefined) return {};
  const before = item?.recalled ?? [];
  return { recalled: [...before, ...result.recalled.filter((msgSeq) => !before.includes(msgSeq))] };
}

function statusOf(decision: Decision): LedgerStatus | undefined {
  switch (decision.kind) {
    case 'done':
      return decision.outcome === 'finished_before' ? undefined : decision.outcome;
    case 'retry':
      return 'retrying';
    case 'hold':
      return 'held';
    case 'dead_letter':
      return 'dead_lettered';
    case 'defer':
      return undefined;
  }
}
