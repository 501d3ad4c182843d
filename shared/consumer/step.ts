import { CredentialsError, MessageFormatError } from '../errors/index.ts';
import { fieldsOf, isFinished, runningDecision, standingOf } from '../ledger/index.ts';
import {
  atCallTime,
  type BulkMessage,
  isBulkMessage,
  type QueueMessage,
  type TencentRequest,
  toTencentCall,
  undoOf,
  withAccounts,
} from '../queue/index.ts';
import type { MuteApi } from '../settings/index.ts';
import {
  RECALL_NOT_FOUND,
  recallItemsOf,
  type TencentAnswer,
  type TencentApi,
  type TencentCredentials,
  tencentCodeOf,
} from '../tencent/index.ts';
import { redactText } from '../util/index.ts';
import type { BatchLedger } from './batch-ledger.ts';
import { accountsOfRequest, type PlannedCall, requestWithAccounts } from './coalesce.ts';
import {
  afterCall,
  type CallFailure,
  FAILURE_RULES,
  failureOf,
  type HoldReason,
  type StepResult,
} from './policy.ts';

/**
 * The record step: what a record needs before any call ({@link prepare}: a result with no call, or the
 * Tencent call to make), and one planned Tencent call (for one record, or for the next records of
 * several members, see `coalesce.ts`) made, returning what happened to each record (a
 * {@link StepResult}). It never throws for an outcome; what follows from a result is the policy's.
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
  api: TencentApi;
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

/** What became of one account of a bulk event. */
export interface AccountResult {
  account: string;
  result: StepResult;
}

/** What a record needs, before any call: see {@link prepare}. */
export type Prepared =
  /** Nothing to call: its result, and the member fields it decides (an expired mute decides the mute). */
  | { kind: 'result'; result: StepResult; fields: readonly string[] }
  /** A Tencent call; `note` says what the ledger's history should add when it is applied. */
  | { kind: 'call'; request: TencentRequest; fields: readonly string[]; note?: string }
  /**
   * A bulk event: the accounts decided with no call (`settled`: superseded, applied before, expired),
   * and the call of the others (none when every account is settled). `fields` are the member fields
   * it decides for each account it applies.
   */
  | {
      kind: 'bulk';
      settled: AccountResult[];
      request?: TencentRequest;
      fields: readonly string[];
      note?: string;
    };

/**
 * What a record needs before any call, from its message and the batch's view of the ledger:
 * - unreadable, or the ledger unreadable (held): a result, no call;
 * - its event finished already (a copy, or an acknowledgement lost): `finished_before`, no call;
 * - older than the newest event applied to every member field it sets: `superseded`, no call;
 * - applied already, as its member's record shows (its outcome was not recorded): `applied`, no call;
 * - a mute (ban, account-wide mute) whose end has passed: `expired`, no call; unless an older, longer
 *   one still runs, then the call that undoes it (the unmute, the unban);
 * - a recall, some of whose messages an earlier attempt recalled: the call for the others only;
 * - otherwise its call, for the fields no newer event set.
 *
 * @param nowMs - the current time, in epoch milliseconds
 */
export function prepare(
  message: QueueMessage | MessageFormatError,
  ledger: BatchLedger | undefined,
  nowMs: number,
  muteApi?: MuteApi,
): Prepared {
  if (message instanceof MessageFormatError) {
    return { kind: 'result', result: { kind: 'unreadable', info: message.message }, fields: [] };
  }
  if (ledger === undefined) {
    const result: StepResult = {
      kind: 'held',
      reason: 'ledger_unavailable',
      info: 'the event ledger cannot be read',
    };
    return { kind: 'result', result, fields: [] };
  }
  const known = ledger.item(message.eventId);
  if (known !== undefined && isFinished(known.status)) {
    return { kind: 'result', result: { kind: 'finished_before', status: known.status }, fields: [] };
  }
  if (isBulkMessage(message)) return prepareBulk(message, ledger, nowMs);
  const fields = fieldsOf(message);
  const record = ledger.record(message);
  const standing = standingOf(message.eventId, ledger.position(message), fields, record);
  if (standing.kind === 'superseded') {
    return { kind: 'result', result: { kind: 'superseded', by: standing.by }, fields: [] };
  }
  if (standing.kind === 'applied_before') {
    const note = "applied before its outcome was recorded (its target's record shows it)";
    return { kind: 'result', result: { kind: 'applied', note }, fields };
  }
  const partly = standing.superseded.length > 0;
  const call = toTencentCall(
    remainingOf(message, known?.recalled),
    nowMs,
    muteApi,
    partly ? standing.fields : undefined,
  );
  if (call.kind !== 'expired') {
    const note = partly ? `not sent, a newer event set them: ${standing.superseded.join(', ')}` : undefined;
    return { kind: 'call', request: call, fields: standing.fields, ...(note === undefined ? {} : { note }) };
  }
  const expired: Prepared = { kind: 'result', result: { kind: 'expired' }, fields: standing.fields };
  const running = runningDecision(record, standing.fields, nowMs);
  const undo = undoOf(message);
  if (running === undefined || undo === undefined) return expired;
  // Its end has passed, but an older, longer one still runs: this decision ends it.
  const undoCall = toTencentCall(undo, nowMs, muteApi, standing.fields);
  if (undoCall.kind === 'expired') return expired;
  return {
    kind: 'call',
    request: undoCall,
    fields: standing.fields,
    note: `its end had passed, so it sent ${undo.action}: what ${running.eventId} decided, which it replaces, ran longer`,
  };
}

/**
 * A bulk event, account by account, as {@link prepare} does a member's event: each account that has
 * not finished in an earlier delivery (its item's `accountOutcomes`) is superseded, applied before,
 * expired, or left for the call; expired accounts with an older, longer mute (ban) still running get
 * the call that undoes it instead.
 */
function prepareBulk(message: BulkMessage, ledger: BatchLedger, nowMs: number): Prepared {
  const fields = fieldsOf(message);
  const finished = ledger.item(message.eventId)?.accountOutcomes ?? {};
  const position = ledger.position(message);
  const settled: AccountResult[] = [];
  const open: string[] = [];
  for (const account of message.accounts) {
    if (finished[account] !== undefined) continue;
    const standing = standingOf(
      message.eventId,
      position,
      fields,
      ledger.memberRecord(message.groupId, account),
    );
    if (standing.kind === 'superseded')
      settled.push({ account, result: { kind: 'superseded', by: standing.by } });
    else if (standing.kind === 'applied_before') settled.push({ account, result: { kind: 'applied' } });
    else open.push(account);
  }
  if (open.length === 0) return { kind: 'bulk', settled, fields };
  const call = toTencentCall(withAccounts(message, open), nowMs);
  if (call.kind !== 'expired') return { kind: 'bulk', settled, request: call, fields };
  // Its end has passed: accounts with an older, longer one still running are undone, the others expired.
  const undo: string[] = [];
  for (const account of open) {
    if (runningDecision(ledger.memberRecord(message.groupId, account), fields, nowMs) === undefined) {
      settled.push({ account, result: { kind: 'expired' } });
    } else undo.push(account);
  }
  const undoMessage = undo.length === 0 ? undefined : undoOf(withAccounts(message, undo));
  const undoCall = undoMessage === undefined ? undefined : toTencentCall(undoMessage, nowMs);
  if (undoMessage === undefined || undoCall === undefined || undoCall.kind === 'expired') {
    return {
      kind: 'bulk',
      settled: [...settled, ...undo.map((account) => ({ account, result: { kind: 'expired' as const } }))],
      fields,
    };
  }
  return {
    kind: 'bulk',
    settled,
    request: undoCall,
    fields,
    note: `its end had passed, so it sent ${undoMessage.action} for the accounts whose older decision ran longer`,
  };
}

/** A recall without the messages an earlier attempt recalled (or found gone); any other message as it is. */
function remainingOf(message: QueueMessage, recalled: readonly number[] | undefined): QueueMessage {
  if (message.action !== 'recall' || recalled === undefined || recalled.length === 0) return message;
  const msgSeqs = message.msgSeqs.filter((msgSeq) => !recalled.includes(msgSeq));
  return msgSeqs.length === 0 ? message : { ...message, msgSeqs };
}

type CallResult =
  | { kind: 'applied'; ms: number; note?: string; recalled?: number[] }
  | { kind: 'no_time' }
  /** A timed mute whose end passed while its call waited: nothing to send. */
  | { kind: 'expired' }
  | { kind: 'failed'; failure: CallFailure; ms: number; recalled?: number[] };

/** What a call came to for some of the accounts of one part (all of them, unless it was split). */
export interface PartResult {
  accounts: readonly string[];
  result: StepResult;
}

/** One account of one part of a planned call. */
interface Slot {
  part: number;
  account: string;
}

/**
 * Tencent's code for "no permission", which `forbid_send_msg` answers in a group type that cannot mute
 * through it (Work groups).
 */
const NO_PERMISSION = 10007;

/**
 * Makes a planned call (see `coalesce.ts`) and returns, for each of its parts in order, what it came
 * to for which of the part's accounts:
 * - a call refused for a reason that may be one account's (`afterCall`) is made again in halves, down
 *   to the account at fault: the others are applied, and only it bears the failure (with 500 accounts
 *   and one at fault, 17 calls instead of 500);
 * - a `forbid_send_msg` refused with 10007 (a group type it cannot mute in) is made for the accounts of
 *   the parts `fallsBack` names (bulk events) with `modify_group_member_info`, one call each, paced as
 *   any call; the other parts keep the refusal;
 * - a call of an API that takes no accounts has one result, for its one part.
 *
 * @param fallsBack - whether a part's accounts fall back to `modify_group_member_info` (a bulk mute)
 */
export async function applyPlannedCall<M>(
  call: PlannedCall<M>,
  context: StepContext,
  fallsBack: (member: M) => boolean = () => false,
): Promise<PartResult[][]> {
  const results: PartResult[][] = call.parts.map(() => []);
  const slots = call.parts.flatMap((part, index) =>
    accountsOfRequest(part.request).map((account): Slot => ({ part: index, account })),
  );
  if (slots.length === 0) {
    const result = await applyRequest(call.request, context);
    for (const part of results) part.push({ accounts: [], result });
    return results;
  }
  const put = (some: readonly Slot[], result: StepResult) => {
    for (const [index, accounts] of groupByPart(some)) results[index]?.push({ accounts, result });
  };
  const apply = async (request: TencentRequest, some: readonly Slot[]): Promise<void> => {
    const result = await applyRequest(request, context);
    if (request.api === 'forbid_send_msg' && isRefusedWith(result, NO_PERMISSION)) {
      const back = some.filter((slot) => {
        const part = call.parts[slot.part];
        return part !== undefined && fallsBack(part.member);
      });
      put(
        some.filter((slot) => !back.includes(slot)),
        result,
      );
      for (const slot of back) put([slot], await applyRequest(modifyOf(request, slot.account), context));
      return;
    }
    if (afterCall(result, some.length) === 'split') {
      const half = Math.ceil(some.length / 2);
      for (const part of [some.slice(0, half), some.slice(half)]) {
        await apply(
          requestWithAccounts(
            request,
            part.map((slot) => slot.account),
          ),
          part,
        );
      }
      return;
    }
    put(some, result);
  };
  await apply(call.request, slots);
  return results;
}

/** Slots by part, in order, as each part's accounts. */
function groupByPart(slots: readonly Slot[]): Map<number, string[]> {
  const byPart = new Map<number, string[]>();
  for (const slot of slots) {
    const accounts = byPart.get(slot.part);
    if (accounts) accounts.push(slot.account);
    else byPart.set(slot.part, [slot.account]);
  }
  return byPart;
}

const isRefusedWith = (result: StepResult, code: number): boolean =>
  result.kind === 'failed' && result.failure.tencentCode === code;

/** One account's `modify_group_member_info` mute of a `forbid_send_msg` request, with its stored end. */
function modifyOf(
  request: Extract<TencentRequest, { api: 'forbid_send_msg' }>,
  account: string,
): TencentRequest {
  return {
    kind: 'call',
    api: 'modify_group_member_info',
    body: { GroupId: request.body.GroupId, Member_Account: account, MuteTime: request.body.MuteTime },
    ...(request.untilMs === undefined ? {} : { untilMs: request.untilMs }),
  };
}

/**
 * One Tencent call; with a failure whose class renews ({@link FAILURE_RULES}: the UserSig expired), one
 * more with fresh credentials; with a failure whose class holds the batch (a deployment fault, Tencent
 * unreachable, a fresh UserSig still refused), the rest of the batch goes on hold.
 */
async function applyRequest(request: TencentRequest, context: StepContext): Promise<StepResult> {
  const first = context.credentials.current;
  if ('hold' in first) return { kind: 'held', ...first.hold };
  let result = await attemptCall(request, first.credentials, context);
  if (result.kind === 'failed' && FAILURE_RULES[result.failure.failureClass].renews) {
    context.onRenew(result.failure.tencentCode ?? 0);
    const renewed = await context.credentials.renew();
    if ('hold' in renewed) return { kind: 'held', ...renewed.hold };
    result = await attemptCall(request, renewed.credentials, context);
  }
  if (result.kind === 'failed') {
    const { failureClass, tencentCode, info } = result.failure;
    const reason = FAILURE_RULES[failureClass].holdsBatch;
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
  const answer = await context.api.call(request, credentials);
  const ms = performance.now() - started;
  context.onCall(ms);
  const result = request.api === 'group_msg_recall' ? readRecall(request, answer, ms) : undefined;
  if (result !== undefined) return result;
  if (answer.kind === 'ok') return { kind: 'applied', ms: Math.round(ms) };
  const failure = failureOf(answer, request.api);
  if (FAILURE_RULES[failure.failureClass].slowsPacer) context.pacer.backOff();
  return { kind: 'failed', failure: { ...failure, info: redactText(failure.info) }, ms: Math.round(ms) };
}

/**
 * What a recall's answer says, item by item (see `recallItemsOf`): applied when every message was
 * recalled or is gone (10030); otherwise failed, naming each sequence number and its code, with the
 * class of the worst (a permanent item code dead-letters the event; a transient one retries it, for
 * the messages not yet recalled only, which `recalled` keeps). `undefined` for an answer that is not
 * about the items (a refusal of the call as a whole, no answer): the usual rules read it.
 */
function readRecall(
  request: Extract<TencentRequest, { api: 'group_msg_recall' }>,
  answer: TencentAnswer,
  ms: number,
): CallResult | undefined {
  if (answer.kind === 'no_answer') return undefined;
  const topCode = answer.kind === 'ok' ? 0 : answer.code;
  if (topCode !== 0 && topCode !== RECALL_NOT_FOUND && !Array.isArray(answer.body.RecallRetList))
    return undefined;
  const asked = request.body.MsgSeqList.map(({ MsgSeq }) => MsgSeq);
  const items = recallItemsOf(answer.body, asked, topCode);
  const recalled = items.done;
  if (items.failed.length === 0) {
    const note =
      items.notFound.length === 0
        ? undefined
        : `not found, nothing left to recall (${RECALL_NOT_FOUND}): ${items.notFound.join(', ')}`;
    return { kind: 'applied', ms: Math.round(ms), recalled, ...(note === undefined ? {} : { note }) };
  }
  const classified = items.failed.map((item) => ({ ...item, ...tencentCodeOf(item.code, request.api) }));
  const worst = classified.find((item) => item.codeClass === 'permanent') ?? classified[0];
  if (worst === undefined) return undefined;
  const info = classified
    .map(({ msgSeq, code, hint }) => `MsgSeq ${msgSeq}: ${code}${hint === undefined ? '' : ` (${hint})`}`)
    .join('; ');
  return {
    kind: 'failed',
    failure: { failureClass: worst.codeClass, tencentCode: worst.code, info },
    ms: Math.round(ms),
    recalled,
  };
}
