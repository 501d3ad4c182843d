import type { TencentRequest } from '../queue/index.ts';
import { FORBID_SEND_MSG_MAX_ACCOUNTS, type ForbidSendMsgBody } from '../tencent/index.ts';

/**
 * Coalescing, as a pure function: which members' next calls go out together. No I/O: the runner
 * (`runner.ts`) asks for one round's calls and carries them out with the step (`step.ts`); what a
 * coalesced call's failure means for each member (shared, or split) is the policy's (`afterCall` in
 * `policy.ts`).
 *
 * Rules:
 * - only `forbid_send_msg` calls are coalesced: those of one group with the same `MuteTime` (mutes of
 *   the same length left, or unmutes) become one call, at most `maxAccounts` accounts (Tencent's 500),
 *   never the same account twice; the first request of each call keeps its place in the order;
 * - a `modify_group_member_info` call is always a call of its own;
 * - the runner hands in each member's next event only, so a member's events keep their order.
 */

/** One member's next call, as the batch runner asks for it. */
export interface MemberRequest<M> {
  member: M;
  request: TencentRequest;
}

/** A call to make, and the requests of the members it is made for, in the order they were asked. */
export interface PlannedCall<M> {
  request: TencentRequest;
  parts: MemberRequest<M>[];
}

/**
 * The calls of one round, in the order of the first request of each.
 *
 * @param maxAccounts - the most accounts one `forbid_send_msg` call may carry
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
  maxAccounts: number = FORBID_SEND_MSG_MAX_ACCOUNTS,
): PlannedCall<M>[] {
  const calls: PlannedCall<M>[] = [];
  // The forbid_send_msg calls so far, by group and MuteTime, with their accounts.
  const byKey = new Map<string, { call: PlannedCall<M>; body: ForbidSendMsgBody; accounts: Set<string> }[]>();
  for (const part of requests) {
    const { request } = part;
    if (request.api !== 'forbid_send_msg') {
      calls.push({ request, parts: [part] });
      continue;
    }
    const key = JSON.stringify([request.body.GroupId, request.body.MuteTime]);
    const accounts = request.body.Members_Account;
    const alike = byKey.get(key) ?? [];
    // The first call of the same group and MuteTime with room for the accounts, and none of them yet.
    const open = alike.find(
      (candidate) =>
        candidate.accounts.size + accounts.length <= maxAccounts &&
        !accounts.some((account) => candidate.accounts.has(account)),
    );
    if (open !== undefined) {
      open.body.Members_Account.push(...accounts);
      // The earliest stored end of the call's mutes: at call time, no member's mute is extended.
      if (request.muteUntilMs !== undefined) {
        const earliest = open.call.request.muteUntilMs;
        open.call.request.muteUntilMs = Math.min(earliest ?? request.muteUntilMs, request.muteUntilMs);
      }
      for (const account of accounts) open.accounts.add(account);
      open.call.parts.push(part);
      continue;
    }
    const body: ForbidSendMsgBody = { ...request.body, Members_Account: [...accounts] };
    const until = request.muteUntilMs === undefined ? {} : { muteUntilMs: request.muteUntilMs };
    const call: PlannedCall<M> = {
      request: { kind: 'call', api: 'forbid_send_msg', body, ...until },
      parts: [part],
    };
    calls.push(call);
    byKey.set(key, [...alike, { call, body, accounts: new Set(accounts) }]);
  }
  return calls;
}
