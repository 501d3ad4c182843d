import type { FailureClass, StepResult } from '#shared/consumer';
import { afterCall, type MemberRequest, planCalls } from '#shared/consumer';
import type { TencentRequest } from '#shared/queue';

/** A member's forbid_send_msg request: `member` is its account. */
const forbid = (member: string, MuteTime: number, GroupId = 'g1'): MemberRequest<string> => ({
  member,
  request: { kind: 'call', api: 'forbid_send_msg', body: { GroupId, Members_Account: [member], MuteTime } },
});

/** A member's modify_group_member_info request. */
const modify = (member: string, MuteTime: number, GroupId = 'g1'): MemberRequest<string> => ({
  member,
  request: {
    kind: 'call',
    api: 'modify_group_member_info',
    body: { GroupId, Member_Account: member, MuteTime },
  },
});

/** A plan as `[API, group, MuteTime, members]` rows, for tables. */
const summary = (requests: MemberRequest<string>[], maxAccounts?: number) =>
  planCalls(requests, maxAccounts).map(({ request, parts }) => {
    const { body } = request as TencentRequest;
    const accounts = 'Members_Account' in body ? body.Members_Account : [body.Member_Account];
    // The body carries exactly the accounts of its parts, in their order.
    expect(accounts).toEqual(parts.map((part) => part.member));
    const api = request.api === 'forbid_send_msg' ? 'forbid' : 'call';
    return [api, body.GroupId, body.MuteTime, parts.map((part) => part.member).join(',')];
  });

describe('planCalls', () => {
  it.each<[string, MemberRequest<string>[], (string | number | undefined)[][]]>([
    [
      'ten mutes of one group with the same MuteTime: one call',
      Array.from({ length: 10 }, (_, i) => forbid(`m${i}`, 600)),
      [['forbid', 'g1', 600, 'm0,m1,m2,m3,m4,m5,m6,m7,m8,m9']],
    ],
    [
      'different MuteTimes: one call each',
      [forbid('a', 600), forbid('b', 601), forbid('c', 600)],
      [
        ['forbid', 'g1', 600, 'a,c'],
        ['forbid', 'g1', 601, 'b'],
      ],
    ],
    [
      'unmutes (MuteTime 0) together, apart from the mutes',
      [forbid('a', 0), forbid('b', 60), forbid('c', 0)],
      [
        ['forbid', 'g1', 0, 'a,c'],
        ['forbid', 'g1', 60, 'b'],
      ],
    ],
    [
      'different groups: one call each',
      [forbid('a', 60, 'g1'), forbid('b', 60, 'g2'), forbid('c', 60, 'g1')],
      [
        ['forbid', 'g1', 60, 'a,c'],
        ['forbid', 'g2', 60, 'b'],
      ],
    ],
    [
      'modify_group_member_info: never coalesced, whatever they share',
      [modify('a', 60), modify('b', 60), forbid('c', 60)],
      [
        ['call', 'g1', 60, 'a'],
        ['call', 'g1', 60, 'b'],
        ['forbid', 'g1', 60, 'c'],
      ],
    ],
    [
      'the same account twice (a standard queue): never twice in one call',
      [forbid('a', 60), forbid('a', 60), forbid('b', 60)],
      [
        ['forbid', 'g1', 60, 'a,b'],
        ['forbid', 'g1', 60, 'a'],
      ],
    ],
    ['nothing to call: no calls', [], []],
  ])('%s', (_name, requests, expected) => {
    expect(summary(requests)).toEqual(expected);
  });

  it('cuts a call at the account limit and starts the next one', () => {
    // Prepare: seven mutes alike, at most three accounts a call.
    const requests = Array.from({ length: 7 }, (_, i) => forbid(`m${i}`, 60));

    // Act & Assess
    expect(summary(requests, 3)).toEqual([
      ['forbid', 'g1', 60, 'm0,m1,m2'],
      ['forbid', 'g1', 60, 'm3,m4,m5'],
      ['forbid', 'g1', 60, 'm6'],
    ]);
  });

  it("holds 500 accounts in one call by default, Tencent's limit, and the 501st in the next", () => {
    // Prepare
    const requests = Array.from({ length: 501 }, (_, i) => forbid(`m${i}`, 60));

    // Act
    const calls = planCalls(requests);

    // Assess
    expect(calls.map((call) => call.parts.length)).toEqual([500, 1]);
  });

  it("leaves each member's own request untouched, for a split", () => {
    // Prepare
    const requests = [forbid('a', 60), forbid('b', 60)];

    // Act
    const [call] = planCalls(requests);

    // Assess
    expect(call?.parts.map((part) => part.request)).toEqual(requests.map((request) => request.request));
    expect(requests.map((request) => request.request.body)).toEqual([
      { GroupId: 'g1', Members_Account: ['a'], MuteTime: 60 },
      { GroupId: 'g1', Members_Account: ['b'], MuteTime: 60 },
    ]);
  });
});

describe('afterCall', () => {
  const failed = (failureClass: FailureClass): StepResult => ({
    kind: 'failed',
    failure: { failureClass, tencentCode: 10019, info: 'x' },
  });

  it.each<[string, StepResult, number, 'share' | 'split']>([
    ['applied, for ten members', { kind: 'applied', ms: 50 }, 10, 'share'],
    ['a transient failure: every member retries', failed('transient'), 10, 'share'],
    ['over the limit: every member retries', failed('rate_limited'), 10, 'share'],
    ['a timeout: every member retries after the settle delay', failed('timeout'), 10, 'share'],
    ['a permanent failure of several members: split', failed('permanent'), 2, 'split'],
    ['a permanent failure of one member: its own', failed('permanent'), 1, 'share'],
    ['an ambiguous account check (60004) of several members: split', failed('ambiguous'), 3, 'split'],
    ['credentials refused: every member is held', failed('deployment_fault'), 10, 'share'],
    ['Tencent unreachable: every member is held', failed('unreachable'), 10, 'share'],
    ['held: every member waits', { kind: 'held', reason: 'deployment_fault', info: 'x' }, 10, 'share'],
    ['no time: every member is deferred', { kind: 'no_time' }, 10, 'share'],
  ])('%s', (_name, result, members, expected) => {
    expect(afterCall(result, members)).toBe(expected);
  });
});
