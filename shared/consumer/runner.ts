import type { Logger } from '@aws-lambda-powertools/logger';
import { redactText, runConcurrently } from '../util/index.ts';
import type { MemberRequest, PlannedCall } from './coalesce.ts';
import type { Decision, StepResult } from './policy.ts';
import type { ConsumerItem, Outcome } from './recorder.ts';
import type { AccountResult, PartResult, Prepared } from './step.ts';
import type { BatchResult, VisibilityChange } from './types.ts';

/**
 * The batch runner, in the shape of Powertools' `processPartialResponse(event, recordHandler,
 * processor)`: it takes the step, the recorder and the policy's two rules it needs as arguments, and
 * knows lanes, rounds, the time budget, visibility and `batchItemFailures`, and nothing about Tencent or
 * the ledger.
 *
 * Records of one message group (a lane: the members of one group, a group, an account) run in their
 * order per target: each record names what it is about (`keysOf`: a member, each account of a bulk
 * event, the group, the account), and a record waits while an earlier record of its lane about any of
 * the same targets has not finished; records about other targets run at once. Lanes run concurrently,
 * in rounds: each lane goes on to its records that are ready and need a call (recording, on the way,
 * those that need none), the round's calls are planned together (coalesced) and made at once, and each
 * record is recorded once every call carrying some of its accounts has answered. Once a record does not
 * finish, the lane's later records about the same targets follow the policy's follower rule.
 */

/** What the runner asks of the consumer's parts. */
export interface BatchSteps {
  /** What an item needs before any call: its result, or the call to make. */
  prepare(item: ConsumerItem, nowMs: number): Prepared;
  /** What an item is about, as keys: two records sharing one are applied in their order. */
  keysOf(item: ConsumerItem): readonly string[];
  /** The round's calls, planned together (see `planCalls`). */
  plan(requests: readonly MemberRequest<Pending>[]): PlannedCall<Pending>[];
  /** Makes a planned call; for each part, in order, its accounts' results. */
  call(planned: PlannedCall<Pending>): Promise<PartResult[][]>;
  /** Records an outcome; returns the decision that stands. */
  record(outcome: Outcome): Promise<Decision>;
  /** At the end of the batch, publishes its outcomes (and may turn some decisions into retries). */
  publish(decisions: Map<string, Decision>): Promise<void>;
  /** What a log line says of an item (its event id, target and action). */
  logFields(item: ConsumerItem): Record<string, unknown>;
}

/** The policy's rules the runner applies itself. */
export interface RunnerPolicy {
  /** What a target's later records do after one ends in `decision`; `undefined`: they go on. */
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
  keys: readonly string[];
  /** The member fields the call sets. */
  fields: readonly string[];
  /** What the ledger's history should add when it is applied. */
  note?: string;
  /** For a bulk event: the accounts decided without a call. */
  settled?: AccountResult[];
}

/** One lane's records still to process, in order, and what later records about a target do once one did not finish. */
interface Lane {
  items: ConsumerItem[];
  followers: Map<string, { decision: Decision; why: string }>;
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

  const finish = async (lane: Lane, keys: readonly string[], outcome: Outcome) => {
    const decision = await steps.record(outcome);
    decisions.set(outcome.item.record.messageId, decision);
    const followers = policy.followersOf(decision);
    if (followers !== undefined) for (const key of keys) lane.followers.set(key, followers);
  };

  /**
   * Takes a lane on to its records that are ready (no earlier record about any of their targets left
   * unfinished) and need a call, recording those that need none on the way and deferring the ones
   * behind a record that did not finish.
   */
  const advance = async (lane: Lane, nowMs: number): Promise<MemberRequest<Pending>[]> => {
    const requests: MemberRequest<Pending>[] = [];
    const blocked = new Set<string>();
    const waiting: ConsumerItem[] = [];
    for (const item of lane.items) {
      const keys = steps.keysOf(item);
      const followers = keys.map((key) => lane.followers.get(key)).find((found) => found !== undefined);
      if (followers !== undefined) {
        decisions.set(item.record.messageId, followers.decision);
        for (const key of keys) lane.followers.set(key, followers);
        logger.info('event deferred', { ...steps.logFields(item), why: followers.why });
        continue;
      }
      if (keys.some((key) => blocked.has(key))) {
        // Behind an earlier record about one of its targets: next round, and so is anything behind it.
        for (const key of keys) blocked.add(key);
        waiting.push(item);
        continue;
      }
      const prepared = steps.prepare(item, nowMs);
      if (prepared.kind === 'result') {
        await finish(lane, keys, { item, result: prepared.result, fields: prepared.fields });
        continue;
      }
      if (prepared.kind === 'bulk' && prepared.request === undefined) {
        await finish(lane, keys, bulkOutcome({ item, fields: prepared.fields }, prepared.settled, []));
        continue;
      }
      if (!options.hasTimeForACall()) {
        await finish(lane, keys, { item, result: { kind: 'no_time' }, fields: [] });
        continue;
      }
      const { request, fields, note } = prepared;
      if (request === undefined) continue;
      const member: Pending = {
        lane,
        item,
        keys,
        fields,
        ...(note === undefined ? {} : { note }),
        ...(prepared.kind === 'bulk' ? { settled: prepared.settled } : {}),
      };
      requests.push({ member, request });
      for (const key of keys) blocked.add(key);
    }
    lane.items = waiting;
    return requests;
  };

  const lanes: Lane[] = [...groupByLane(items).values()].map((group) => ({
    items: [...group],
    followers: new Map(),
  }));
  for (;;) {
    const nowMs = options.now();
    const requests = (await Promise.all(lanes.map((lane) => advance(lane, nowMs)))).flat();
    if (requests.length === 0) break;
    // A record's accounts may be spread over several calls (a bulk event's 500 accounts in calls of
    // 100): it is recorded once the last of them has answered.
    const answers = new Map<Pending, { left: number; results: PartResult[] }>();
    const planned = steps.plan(requests);
    for (const call of planned) {
      for (const part of call.parts) {
        const entry = answers.get(part.member) ?? { left: 0, results: [] };
        entry.left++;
        answers.set(part.member, entry);
      }
    }
    await runConcurrently(planned, options.concurrency, async (call) => {
      const results = await steps.call(call);
      await Promise.all(
        call.parts.map(async ({ member }, i) => {
          const entry = answers.get(member);
          if (entry === undefined) return;
          entry.results.push(...(results[i] ?? [{ accounts: [], result: { kind: 'no_time' } }]));
          if (--entry.left > 0) return;
          await finish(member.lane, member.keys, outcomeOf(member, entry.results));
        }),
      );
    });
  }

  await steps.publish(decisions);
  return report(items, decisions, policy, options);
}

/** The outcome of a record from its parts' results: a member's event has one; a bulk event's, per account. */
function outcomeOf(member: Pending, results: readonly PartResult[]): Outcome {
  if (member.settled !== undefined) {
    const called = results.flatMap(({ accounts, result }) =>
      accounts.map((account): AccountResult => ({ account, result: noted(result, member.note) })),
    );
    return bulkOutcome(member, member.settled, called);
  }
  const result = results[0]?.result ?? { kind: 'no_time' };
  return { item: member.item, result: noted(result, member.note), fields: member.fields };
}

/** A bulk event's outcome: every account's result (the recorder decides what they come to). */
function bulkOutcome(
  member: Pick<Pending, 'item' | 'fields'>,
  settled: readonly AccountResult[],
  called: readonly AccountResult[],
): Outcome {
  return { item: member.item, fields: member.fields, accounts: [...settled, ...called] };
}

/** An applied result with the note its record carries (the fields a newer event had set). */
const noted = (result: StepResult, note: string | undefined): StepResult =>
  result.kind === 'applied' && note !== undefined ? { ...result, note } : result;

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
