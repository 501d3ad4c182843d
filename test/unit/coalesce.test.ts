import type { FailureClass, StepResult } from '#shared/consumer';
import { afterCall, type MemberRequest, planCalls } from '#shared/consumer';
import type { TencentRequest } from '#shared/queue';
import { MAX_ACCOUNTS_PER_CALL } from '#shared/tencent';

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
  planCalls(
    requests,
    maxAccounts === undefined ? undefined : { ...MAX_ACCOUNTS_PER_CALL, forbid_send_msg: maxAccounts },
  ).map(({ request, parts }) => {
    const mute = muteOf(request);
    // The body carries exactly the accounts of its parts, in their order.
    expect(mute.accounts).toEqual(parts.map((part) => part.member));
    const api = request.api === 'forbid_send_msg' ? 'forbid' : 'call';
    return [api, mute.groupId, mute.muteTime, parts.map((part) => part.member).join(',')];
  });

/** A mute request's group, accounts and MuteTime. */
function muteOf(request: TencentRequest): {
  groupId: string;
  accounts: string[];
  muteTime: number | undefined;
} {
  switch (request.api) {
    case 'forbid_send_msg':
      return {
        groupId: request.body.GroupId,
        accounts: request.body.Members_Account,
        muteTime: request.body.MuteTime,
      };
    case 'modify_group_member_info':
      return {
        groupId: request.body.GroupId,
        accounts: [request.body.Member_Account],
        muteTime: request.body.MuteTime,
      };
    default:
      throw new Error(`not a mute: ${request.api}`);
  }
}

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

describe('planCalls: the other APIs that take several accounts', () => {
  const remove = (member: string, extra: { Silence?: 1; Reason?: string } = {}, GroupId = 'g1') => ({
    member,
    request: {
      kind: 'call' as const,
      api: 'delete_group_member' as const,
      body: { GroupId, MemberToDel_Account: [member], ...extra },
    },
  });
  const ban = (member: string, untilMs: number | undefined, Description?: string) => ({
    member,
    request: {
      kind: 'call' as const,
      api: 'ban_group_member' as const,
      body: {
        GroupId: 'g1',
        Members_Account: [member],
        Duration: 600,
        ...(Description === undefined ? {} : { Description }),
      },
      ...(untilMs === undefined ? {} : { untilMs }),
    },
  });
  const unban = (member: string, GroupId = 'g1') => ({
    member,
    request: {
      kind: 'call' as const,
      api: 'unban_group_member' as const,
      body: { GroupId, Members_Account: [member] },
    },
  });
  const accountsOf = (call: { request: { body: object } }): unknown =>
    Object.entries(call.request.body).find(([name]) => name.endsWith('_Account'))?.[1];

  it('removes the members of one group with the same Silence and Reason in one call, at most 100', () => {
    // Prepare: 150 removals alike, one silent, one with another reason.
    const requests = [
      ...Array.from({ length: 150 }, (_, i) => remove(`m${i}`, { Reason: 'spam' })),
      remove('quiet', { Silence: 1, Reason: 'spam' }),
      remove('other', { Reason: 'flood' }),
    ];

    // Act
    const calls = planCalls(requests);

    // Assess: 100 + 50 alike, then one each for the others.
    expect(calls.map((call) => call.parts.length)).toEqual([100, 50, 1, 1]);
    expect(calls[0]?.request.body).toMatchObject({ GroupId: 'g1', Reason: 'spam' });
    expect(accountsOf(calls[0] ?? { request: { body: {} } })).toHaveLength(100);
    expect(calls[2]?.request.body).toEqual({
      GroupId: 'g1',
      MemberToDel_Account: ['quiet'],
      Silence: 1,
      Reason: 'spam',
    });
  });

  it('bans members with the same end and reason together, at most 20, keeping the end', () => {
    // Prepare: 25 bans ending at t, one ending later, one with another reason.
    const t = 1_800_000_000_000;
    const requests = [
      ...Array.from({ length: 25 }, (_, i) => ban(`m${i}`, t, 'raid')),
      ban('later', t + 1_000, 'raid'),
      ban('other', t, 'flood'),
    ];

    // Act
    const calls = planCalls(requests);

    // Assess
    expect(calls.map((call) => call.parts.length)).toEqual([20, 5, 1, 1]);
    expect(calls[0]?.request).toMatchObject({
      api: 'ban_group_member',
      untilMs: t,
      body: { Description: 'raid' },
    });
    expect(calls[2]?.request).toMatchObject({ untilMs: t + 1_000 });
  });

  it('bans permanently together, apart from timed bans', () => {
    const calls = planCalls([ban('a', undefined), ban('b', 1_800_000_000_000), ban('c', undefined)]);

    expect(calls.map((call) => call.parts.map((part) => part.member).join(','))).toEqual(['a,c', 'b']);
  });

  it('unbans the members of one group together, at most 20, one call per group', () => {
    const requests = [...Array.from({ length: 21 }, (_, i) => unban(`m${i}`)), unban('elsewhere', 'g2')];

    const calls = planCalls(requests);

    expect(calls.map((call) => call.parts.length)).toEqual([20, 1, 1]);
    expect(calls[2]?.request.body).toEqual({ GroupId: 'g2', Members_Account: ['elsewhere'] });
  });

  it('never puts two APIs in one call, and makes recalls, kicks and group mutes calls of their own', () => {
    // Prepare: a removal, a ban and an unban of one group, and two of each one-account API.
    const own = (member: string, request: TencentRequest) => ({ member, request });
    const requests = [
      remove('a'),
      ban('b', undefined),
      unban('c'),
      own('k1', { kind: 'call', api: 'kick', body: { UserID: 'k1' } }),
      own('k2', { kind: 'call', api: 'kick', body: { UserID: 'k2' } }),
      own('r1', {
        kind: 'call',
        api: 'group_msg_recall',
        body: { GroupId: 'g1', MsgSeqList: [{ MsgSeq: 1 }] },
      }),
      own('r2', {
        kind: 'call',
        api: 'group_msg_recall',
        body: { GroupId: 'g1', MsgSeqList: [{ MsgSeq: 2 }] },
      }),
    ];

    // Act
    const calls = planCalls(requests);

    // Assess
    expect(calls).toHaveLength(7);
  });
});
