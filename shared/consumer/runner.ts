import type { Logger } from '@aws-lambda-powertools/logger';
import { redactText, runConcurrently } from '../util/index.ts';
import type { MemberRequest, PlannedCall } from './coalesce.ts';
import type { Decision, StepResult } from './policy.ts';
import type { ConsumerItem, Outcome } from './recorder.ts';
import type { Prepared } from './step.ts';
import type { BatchResult, VisibilityChange } from './types.ts';

/**
 * The batch runner, in the shape of Powertools' `processPartialResponse(event, recordHandler,
 * processor)`: it takes the step, the recorder and the policy's two rules it needs as arguments, and
 * knows lanes, rounds, the time budget, visibility and `batchItemFailures`, and nothing about Tencent or
 * the ledger.
 *
 * Records of one message group (one member) run in order, in a lane; lanes run concurrently, in rounds:
 * each lane goes on to its next record that needs a call (recording, on the way, those that need none),
 * the round's calls are planned together (coalesced) and made at once, and each record is recorded with
 * its own result. Only a lane's next record is ever in a round, so each member's records keep their
 * order. Once a record does not finish, the lane's later records follow the policy's follower rule.
 */

/** What the runner asks of the consumer's parts. */
export interface BatchSteps {
  /** What an item needs before any call: its result, or the call to make. */
  prepare(item: ConsumerItem, nowMs: number): Prepared;
  /** The round's calls, planned together (see `planCalls`). */
  plan(requests: readonly MemberRequest<Pending>[]): PlannedCall<Pending>[];
  /** Makes a planned call; one result per part, in order. */
  call(planned: PlannedCall<Pending>): Promise<StepResult[]>;
  /** Records an outcome; returns the decision that stands. */
  record(outcome: Outcome): Promise<Decision>;
  /** At the end of the batch, publishes its outcomes (and may turn some decisions into retries). */
  publish(decisions: Map<string, Decision>): Promise<void>;
  /** What a log line says of an item (its event id, member and action). */
  logFields(item: ConsumerItem): Record<string, unknown>;
}

/** The policy's rules the runner applies itself. */
export interface RunnerPolicy {
  /** What a member's later records do after one ends in `decision`; `undefined`: they go on. */
  followersOf(decision: Decision): { decision: Decision; why: string } | undefined;
  /** Seconds until a record's message is received again; `undefined`: it is done. */
  visibilityOf(decision: Decision | undefined): number | undefined;
}

/** What the runner needs besides the parts. */
export interface RunnerOptions {
  /** Whether a Tencent call still fits in the invocation's time budget. */
  hasTimeForACall(): boolean;
  /** Calls made at once in a round. */
  concurrency: number;
  /** Sets the visibility of the records that do not finish. */
  changeVisibility(changes: readonly VisibilityChange[]): Promise<void>;
  logger: Logger;
  now: () => number;
}

/** A record waiting for its call in a round. */
export interface Pending {
  lane: Lane;
  item: ConsumerItem;
  /** The member fields the call sets. */
  fields: readonly string[];
  /** What the ledger's history should add when it is applied. */
  note?: string;
}

/** One member's records still to process, in order, and what they do once one did not finish. */
interface Lane {
  items: ConsumerItem[];
  followers?: { decision: Decision; why: string } | undefined;
}

/**
 * Runs a batch: every item ends with a decision; those that are not done are reported, in batch order,
 * with their visibility set.
 */
export async function runBatch(
  items: readonly ConsumerItem[],
  steps: BatchSteps,
  policy: RunnerPolicy,
  options: RunnerOptions,
): Promise<BatchResult> {
  const decisions = new Map<string, Decision>();
  const { logger } = options;

  const finish = async (lane: Lane, outcome: Outcome) => {
    const decision = await steps.record(outcome);
    decisions.set(outcome.item.record.messageId, decision);
    lane.followers = policy.followersOf(decision);
  };

  /**
   * Takes a lane on to its next record that needs a call, recording those that need none on the way and
   * deferring the rest once one does not finish; `undefined` when the lane is done.
   */
  const advance = async (lane: Lane, nowMs: number): Promise<MemberRequest<Pending> | undefined> => {
    for (let item = lane.items.shift(); item !== undefined; item = lane.items.shift()) {
      if (lane.followers) {
        decisions.set(item.record.messageId, lane.followers.decision);
        logger.info('event deferred', { ...steps.logFields(item), why: lane.followers.why });
        continue;
      }
      const prepared = steps.prepare(item, nowMs);
      if (prepared.kind === 'result') {
        await finish(lane, { item, result: prepared.result, fields: prepared.fields });
      } else if (!options.hasTimeForACall()) {
        await finish(lane, { item, result: { kind: 'no_time' }, fields: [] });
      } else {
        const { request, fields, note } = prepared;
        return { member: { lane, item, fields, ...(note === undefined ? {} : { note }) }, request };
      }
    }
    return undefined;
  };

  const lanes: Lane[] = [...groupByLane(items).values()].map((group) => ({ items: [...group] }));
  for (;;) {
    const nowMs = options.now();
    const requests = (await Promise.all(lanes.map((lane) => advance(lane, nowMs)))).flatMap((request) =>
      request === undefined ? [] : [request],
    );
    if (requests.length === 0) break;
    await runConcurrently(steps.plan(requests), options.concurrency, async (planned) => {
      const results = await steps.call(planned);
      await Promise.all(
        planned.parts.map(({ member }, i) => {
          const result = results[i] ?? { kind: 'no_time' };
          const noted =
            result.kind === 'applied' && member.note !== undefined
              ? { ...result, note: member.note }
              : result;
          return finish(member.lane, { item: member.item, result: noted, fields: member.fields });
        }),
      );
    });
  }

  await steps.publish(decisions);
  return report(items, decisions, policy, options);
}

/** The records of a batch by message group (a record without one is a group of its own), in batch order. */
function groupByLane(items: readonly ConsumerItem[]): Map<string, ConsumerItem[]> {
  const groups = new Map<string, ConsumerItem[]>();
  for (const item of items) {
    const key = item.record.messageGroupId ?? item.record.messageId;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Applies the visibility changes and lists the failed records, in batch order. */
async function report(
  items: readonly ConsumerItem[],
  decisions: ReadonlyMap<string, Decision>,
  policy: RunnerPolicy,
  options: RunnerOptions,
): Promise<BatchResult> {
  const changes: VisibilityChange[] = [];
  const failedMessageIds: string[] = [];
  for (const { record } of items) {
    const seconds = policy.visibilityOf(decisions.get(record.messageId));
    if (seconds === undefined) continue;
    failedMessageIds.push(record.messageId);
    changes.push({ messageId: record.messageId, receiptHandle: record.receiptHandle, seconds });
  }
  if (changes.length > 0) {
    try {
      await options.changeVisibility(changes);
    } catch (error) {
      // The records still fail, and come back when their current visibility timeout ends.
      options.logger.warn('could not change message visibility', {
        error: error instanceof Error ? redactText(error.message) : String(error),
      });
    }
  }
  return { failedMessageIds };
}
