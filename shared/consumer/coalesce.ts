import type { TencentRequest } from '../queue/index.ts';
import { MAX_ACCOUNTS_PER_CALL } from '../tencent/index.ts';

/**
 * Coalescing, as a pure function: which targets' next calls go out together. No I/O: the runner
 * (`runner.ts`) asks for one round's calls and carries them out with the step (`step.ts`); what a
 * coalesced call's failure means for each member (shared, or split) is the policy's (`afterCall` in
 * `policy.ts`).
 *
 * Rules ({@link COALESCING}, one row per API that takes several accounts):
 * - `forbid_send_msg`: one group, the same `MuteTime` (mutes of the same length left, or unmutes);
 * - `delete_group_member`: one group, the same `Silence` and `Reason`;
 * - `ban_group_member`: one group, the same end and `Description`;
 * - `unban_group_member`: one group;
 * each call at most the API's documented number of accounts (`MAX_ACCOUNTS_PER_CALL`), never the same
 * account twice; the first request of each call keeps its place in the order. A request with more
 * accounts than a call takes (a bulk event's) is cut into parts first, each planned as a request of
 * its own. Every other call is a call of its own. The runner hands in each member's next event only,
 * so a member's events keep their order.
 */

/** One target's next call, as the batch runner asks for it. */
export interface MemberRequest<M> {
  member: M;
  request: TencentRequest;
}

/** A call to make, and the requests of the members it is made for, in the order they were asked. */
export interface PlannedCall<M> {
  request: TencentRequest;
  parts: MemberRequest<M>[];
}

/** A request of an API that takes several accounts. */
type Coalescable = Extract<TencentRequest, { api: keyof typeof MAX_ACCOUNTS_PER_CALL }>;

/** How the requests of one API that takes several accounts go together. */
interface CoalescingRule<R extends Coalescable> {
  /** What requests must share to go out as one call (besides the API). */
  keyOf(request: R): readonly unknown[];
  /** The accounts a request carries. */
  accountsOf(request: R): readonly string[];
  /** The request with more accounts. */
  withAccounts(request: R, accounts: readonly string[]): R;
}

/** The rule of each API that takes several accounts; `maxAccounts` comes from `MAX_ACCOUNTS_PER_CALL`. */
export const COALESCING: {
  readonly [A in Coalescable['api']]: CoalescingRule<Extract<Coalescable, { api: A }>>;
} = {
  forbid_send_msg: {
    keyOf: ({ body }) => [body.GroupId, body.MuteTime],
    accountsOf: ({ body }) => body.Members_Account,
    withAccounts: (request, accounts) => ({
      ...request,
      body: { ...request.body, Members_Account: [...accounts] },
    }),
  },
  delete_group_member: {
    keyOf: ({ body }) => [body.GroupId, body.Silence ?? 0, body.Reason ?? null],
    accountsOf: ({ body }) => body.MemberToDel_Account,
    withAccounts: (request, accounts) => ({
      ...request,
      body: { ...request.body, MemberToDel_Account: [...accounts] },
    }),
  },
  ban_group_member: {
    // The same end: a permanent ban has none, and its Duration is Tencent's permanent one.
    keyOf: ({ body, untilMs }) => [body.GroupId, untilMs ?? 'permanent', body.Description ?? null],
    accountsOf: ({ body }) => body.Members_Account,
    withAccounts: (request, accounts) => ({
      ...request,
      body: { ...request.body, Members_Account: [...accounts] },
    }),
  },
  unban_group_member: {
    keyOf: ({ body }) => [body.GroupId],
    accountsOf: ({ body }) => body.Members_Account,
    withAccounts: (request, accounts) => ({
      ...request,
      body: { ...request.body, Members_Account: [...accounts] },
    }),
  },
};

const isCoalescable = (request: TencentRequest): request is Coalescable => request.api in COALESCING;

/** The accounts a request carries, for an API that takes several; none for the others. */
export const accountsOfRequest = (request: TencentRequest): readonly string[] =>
  isCoalescable(request) ? ruleOf(request).accountsOf(request) : [];

/** A request of an API that takes several accounts, with other accounts; any other request as it is. */
export const requestWithAccounts = (request: TencentRequest, accounts: readonly string[]): TencentRequest =>
  isCoalescable(request) ? ruleOf(request).withAccounts(request, accounts) : request;

/** The rule of a request's API, typed for the request (a lookup TypeScript cannot narrow by itself). */
const ruleOf = (request: Coalescable): CoalescingRule<Coalescable> =>
  COALESCING[request.api] as CoalescingRule<Coalescable>;

/**
 * A request cut into parts of at most the API's accounts a call: a bulk event's 500 accounts are 5
 * removals of 100, 25 bans of 20, one mute of 500. Any other request is one part.
 */
function chunksOf<M>(
  part: MemberRequest<M>,
  maxAccounts: Readonly<Record<Coalescable['api'], number>>,
): MemberRequest<M>[] {
  const { request } = part;
  if (!isCoalescable(request)) return [part];
  const rule = ruleOf(request);
  const accounts = rule.accountsOf(request);
  const max = maxAccounts[request.api];
  if (accounts.length <= max) return [part];
  const chunks: MemberRequest<M>[] = [];
  for (let start = 0; start < accounts.length; start += max) {
    chunks.push({
      member: part.member,
      request: rule.withAccounts(request, accounts.slice(start, start + max)),
    });
  }
  return chunks;
}

/** A call being filled: its request so far and its accounts. */
interface OpenCall<M> {
  call: PlannedCall<M>;
  accounts: Set<string>;
}

/**
 * The calls of one round, in the order of the first request of each.
 *
 * @param maxAccounts - the most accounts one call may carry, by API. @default `MAX_ACCOUNTS_PER_CALL`
 * @example
 * ```ts
 * planCalls([
 *   { member: 'a', request: { kind: 'call', api: 'forbid_send_msg', body: { GroupId: 'g', Members_Account: ['a'], MuteTime: 60 } } },
 *   { member: 'b', request: { kind: 'call', api: 'forbid_send_msg', body: { GroupId: 'g', Members_Account: ['b'], MuteTime: 60 } } },
 * ]); // one call: { GroupId: 'g', Members_Account: ['a', 'b'], MuteTime: 60 }, parts a and b
 * ```
 */
export function planCalls<M>(
  requests: readonly MemberRequest<M>[],
  maxAccounts: Readonly<Record<Coalescable['api'], number>> = MAX_ACCOUNTS_PER_CALL,
): PlannedCall<M>[] {
  const calls: PlannedCall<M>[] = [];
  // The calls so far of each API and key, with their accounts.
  const byKey = new Map<string, OpenCall<M>[]>();
  for (const part of requests.flatMap((request) => chunksOf(request, maxAccounts))) {
    const { request } = part;
    if (!isCoalescable(request)) {
      calls.push({ request, parts: [part] });
      continue;
    }
    const rule = ruleOf(request);
    const key = JSON.stringify([request.api, ...rule.keyOf(request)]);
    const accounts = rule.accountsOf(request);
    const alike = byKey.get(key) ?? [];
    // The first call of the same key with room for the accounts, and none of them yet.
    const open = alike.find(
      (candidate) =>
        candidate.accounts.size + accounts.length <= maxAccounts[request.api] &&
        !accounts.some((account) => candidate.accounts.has(account)),
    );
    if (open !== undefined) {
      const joined = open.call.request as Coalescable;
      const merged = rule.withAccounts(joined, [...rule.accountsOf(joined), ...accounts]);
      // The earliest stored end of the call's requests: at call time, no one's is extended.
      const untilMs =
        request.untilMs === undefined
          ? joined.untilMs
          : Math.min(joined.untilMs ?? request.untilMs, request.untilMs);
      open.call.request = untilMs === undefined ? merged : { ...merged, untilMs };
      for (const account of accounts) open.accounts.add(account);
      open.call.parts.push(part);
      continue;
    }
    const call: PlannedCall<M> = { request: rule.withAccounts(request, accounts), parts: [part] };
    calls.push(call);
    byKey.set(key, [...alike, { call, accounts: new Set(accounts) }]);
  }
  return calls;
}
