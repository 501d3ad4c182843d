/**
 * The simulator's member APIs beyond member fields: `delete_group_member` (removal, with its log),
 * `ban_group_member`, `unban_group_member`, `get_group_ban_member` (bans that keep a member out, behind the
 * app's ban switch), and the control routes that show them and let users rejoin.
 */
import {
  BAN_NOT_ENABLED,
  MAX_BAN_ACCOUNTS,
  MAX_DELETE_ACCOUNTS,
  type SeedGroup,
} from '../../local/simulator/index.ts';
import { START_SECONDS, useSimulator } from '../helpers/simulator-api.ts';

const CROWD = Array.from({ length: 120 }, (_, i) => `viewer-${i}`);

/** One group of each type with the same members, and a crowd for the limits. */
const SEED: SeedGroup[] = [
  { groupId: 'public-1', type: 'Public', owner: 'alice', members: ['bob', 'carol', 'dave'] },
  { groupId: 'work-1', type: 'Private', owner: 'alice', members: ['bob', 'carol', 'dave'] },
  { groupId: 'meeting-1', type: 'ChatRoom', owner: 'alice', members: ['bob', 'carol', 'dave'] },
  { groupId: 'live-1', type: 'AVChatRoom', owner: 'alice', members: ['bob', 'carol', 'dave'] },
  { groupId: '@TGS#_community-1', type: 'Community', owner: 'alice', members: ['bob', 'carol', 'dave'] },
  { groupId: 'crowd-1', type: 'Public', owner: 'alice', members: CROWD },
];

const h = useSimulator({ groups: SEED });

const isMember = (groupId: string, account: string) => h.sim.state.getMember(groupId, account) !== undefined;
const join = (groupId: string, ...members: string[]) =>
  h.control('POST', `/_sim/groups/${encodeURIComponent(groupId)}/members`, { members });
const bansOf = async (groupId: string) =>
  (await h.control('GET', `/_sim/groups/${encodeURIComponent(groupId)}/bans`)).json;

describe('delete_group_member in the simulator', () => {
  it('removes the members and logs the call with its Silence and Reason', async () => {
    // Act
    const answer = await h.call('delete_group_member', {
      GroupId: 'public-1',
      MemberToDel_Account: ['bob', 'carol'],
      Silence: 1,
      Reason: 'spam',
    });

    // Assess
    expect(answer).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect([
      isMember('public-1', 'bob'),
      isMember('public-1', 'carol'),
      isMember('public-1', 'dave'),
    ]).toEqual([false, false, true]);
    expect((await h.control('GET', '/_sim/removals')).json).toEqual([
      {
        groupId: 'public-1',
        accounts: ['bob', 'carol'],
        removed: ['bob', 'carol'],
        silence: 1,
        reason: 'spam',
        at: START_SECONDS,
      },
    ]);
    expect(h.sim.stats).toMatchObject({ applied: 1, byCode: { '0': 1 } });
  });

  it('succeeds for a user who is not in the group, logging Silence 0 and no Reason by default', async () => {
    // Act
    const answer = await h.call('delete_group_member', {
      GroupId: 'public-1',
      MemberToDel_Account: ['mallory', 'bob'],
    });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(isMember('public-1', 'bob')).toBe(false);
    expect(h.sim.state.removals()).toEqual([
      { groupId: 'public-1', accounts: ['mallory', 'bob'], removed: ['bob'], silence: 0, at: START_SECONDS },
    ]);
  });

  it.each([
    ['Public', 'public-1', 0],
    ['Private (Work)', 'work-1', 0],
    ['ChatRoom (Meeting)', 'meeting-1', 0],
    ['Community', '@TGS#_community-1', 0],
    ['AVChatRoom, which answers 10004 (ban or mute there instead)', 'live-1', 10004],
  ])('in a %s group answers %i', async (_type, groupId, code) => {
    // Act
    const answer = await h.call('delete_group_member', { GroupId: groupId, MemberToDel_Account: ['bob'] });

    // Assess
    expect(answer.ErrorCode).toBe(code);
    expect(isMember(groupId, 'bob')).toBe(code !== 0);
  });

  it(`takes ${MAX_DELETE_ACCOUNTS} accounts and refuses ${MAX_DELETE_ACCOUNTS + 1} (10005), removing none`, async () => {
    // Act
    const over = await h.call('delete_group_member', {
      GroupId: 'crowd-1',
      MemberToDel_Account: CROWD.slice(0, 101),
    });
    const atLimit = await h.call('delete_group_member', {
      GroupId: 'crowd-1',
      MemberToDel_Account: CROWD.slice(0, 100),
    });

    // Assess
    expect([over.ErrorCode, atLimit.ErrorCode]).toEqual([10005, 0]);
    expect([isMember('crowd-1', 'viewer-99'), isMember('crowd-1', 'viewer-100')]).toEqual([false, true]);
    expect(h.sim.state.removals()).toHaveLength(1);
  });

  it('does not dissolve a group whose every member is removed', async () => {
    // Act
    const answer = await h.call('delete_group_member', {
      GroupId: 'public-1',
      MemberToDel_Account: ['bob', 'carol', 'dave'],
    });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(h.sim.state.getGroup('public-1')?.members.map((m) => m.account)).toEqual(['alice']);
  });

  it('keeps a removed member muted when it rejoins', async () => {
    // Prepare
    await h.call('forbid_send_msg', { GroupId: 'public-1', Members_Account: ['bob'], MuteTime: 600 });
    await h.call('delete_group_member', { GroupId: 'public-1', MemberToDel_Account: ['bob'] });

    // Act
    const rejoined = await join('public-1', 'bob');

    // Assess
    expect(rejoined.status).toBe(200);
    expect(h.sim.state.getMember('public-1', 'bob')?.mutedUntil).toBe(START_SECONDS + 600);
  });

  it.each<[string, number, unknown]>([
    ['no such group', 10010, { GroupId: '@TGS#NONE', MemberToDel_Account: ['bob'] }],
    ['a malformed GroupId', 10015, { GroupId: 'g'.repeat(49), MemberToDel_Account: ['bob'] }],
    ['no accounts', 10004, { GroupId: 'public-1', MemberToDel_Account: [] }],
    ['no MemberToDel_Account', 10004, { GroupId: 'public-1' }],
    ['an account that is not a UserID', 10004, { GroupId: 'public-1', MemberToDel_Account: [7] }],
    ['an account twice', 10004, { GroupId: 'public-1', MemberToDel_Account: ['bob', 'bob'] }],
    ['Silence 2', 10004, { GroupId: 'public-1', MemberToDel_Account: ['bob'], Silence: 2 }],
    ['Silence "1"', 10004, { GroupId: 'public-1', MemberToDel_Account: ['bob'], Silence: '1' }],
    [
      'a Reason that is not a string',
      10004,
      { GroupId: 'public-1', MemberToDel_Account: ['bob'], Reason: 1 },
    ],
    ['the field of bulk APIs', 10004, { GroupId: 'public-1', Members_Account: ['bob'] }],
    ['the owner', 10004, { GroupId: 'public-1', MemberToDel_Account: ['bob', 'alice'] }],
    ['a JSON array', 60003, []],
  ])('refuses %s (%i), removing none', async (_name, code, body) => {
    // Act
    const answer = await h.call('delete_group_member', body);

    // Assess
    expect(answer).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect([isMember('public-1', 'bob'), isMember('public-1', 'alice')]).toEqual([true, true]);
    expect(h.sim.state.removals()).toEqual([]);
  });
});

describe('ban_group_member in the simulator', () => {
  it('removes the member and keeps it out until the ban ends', async () => {
    // Act
    const answer = await h.call('ban_group_member', {
      GroupId: 'public-1',
      Members_Account: ['bob'],
      Duration: 3600,
      Description: 'raid',
    });
    const whileBanned = await join('public-1', 'bob');
    h.clock.ms += 3_600_000;
    const afterBan = await join('public-1', 'bob');

    // Assess
    expect(answer).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect(whileBanned).toEqual({
      status: 409,
      json: { error: 'banned from the group', bans: [{ account: 'bob', bannedUntil: START_SECONDS + 3600 }] },
    });
    expect(afterBan.status).toBe(200);
    expect(isMember('public-1', 'bob')).toBe(true);
    expect(await bansOf('public-1')).toEqual([]);
  });

  it('shows the bans over the control API while they run', async () => {
    // Prepare
    await h.call('ban_group_member', {
      GroupId: 'public-1',
      Members_Account: ['bob', 'carol'],
      Duration: 60,
    });

    // Act
    const bans = await bansOf('public-1');

    // Assess
    expect(bans).toEqual([
      { account: 'bob', bannedUntil: START_SECONDS + 60 },
      { account: 'carol', bannedUntil: START_SECONDS + 60 },
    ]);
    expect([isMember('public-1', 'bob'), isMember('public-1', 'carol')]).toEqual([false, false]);
  });

  it.each(['public-1', 'work-1', 'meeting-1', 'live-1', '@TGS#_community-1'])(
    'bans in %s (all five group types)',
    async (groupId) => {
      // Act
      const answer = await h.call('ban_group_member', {
        GroupId: groupId,
        Members_Account: ['bob'],
        Duration: 60,
      });

      // Assess
      expect(answer.ErrorCode).toBe(0);
      expect(isMember(groupId, 'bob')).toBe(false);
    },
  );

  it('bans an account that is not a member, which then cannot join; a second ban sets the new end', async () => {
    // Act
    const first = await h.call('ban_group_member', {
      GroupId: 'public-1',
      Members_Account: ['mallory'],
      Duration: 60,
    });
    const second = await h.call('ban_group_member', {
      GroupId: 'public-1',
      Members_Account: ['mallory'],
      Duration: 7200,
    });
    const joined = await join('public-1', 'mallory');

    // Assess
    expect([first.ErrorCode, second.ErrorCode]).toEqual([0, 0]);
    expect(joined.status).toBe(409);
    expect(await bansOf('public-1')).toEqual([{ account: 'mallory', bannedUntil: START_SECONDS + 7200 }]);
  });

  it(`takes ${MAX_BAN_ACCOUNTS} accounts, a Duration of 4294967295 and a Description of 1000 bytes`, async () => {
    // Act
    const answer = await h.call('ban_group_member', {
      GroupId: 'crowd-1',
      Members_Account: CROWD.slice(0, 20),
      Duration: 4_294_967_295,
      Description: 'd'.repeat(1000),
    });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(h.sim.state.listBans('crowd-1', START_SECONDS)).toHaveLength(20);
  });

  it.each<[string, number, unknown]>([
    ['21 accounts', 10005, { GroupId: 'crowd-1', Members_Account: CROWD.slice(0, 21), Duration: 60 }],
    ['no Duration', 10004, { GroupId: 'public-1', Members_Account: ['bob'] }],
    ['Duration 0', 10004, { GroupId: 'public-1', Members_Account: ['bob'], Duration: 0 }],
    ['a negative Duration', 10004, { GroupId: 'public-1', Members_Account: ['bob'], Duration: -1 }],
    [
      'Duration over uint32',
      10004,
      { GroupId: 'public-1', Members_Account: ['bob'], Duration: 4_294_967_296 },
    ],
    ['Duration as a string', 10004, { GroupId: 'public-1', Members_Account: ['bob'], Duration: '60' }],
    [
      'a Description of 1001 bytes',
      10004,
      { GroupId: 'public-1', Members_Account: ['bob'], Duration: 60, Description: `${'é'.repeat(500)}x` },
    ],
    ['no accounts', 10004, { GroupId: 'public-1', Members_Account: [], Duration: 60 }],
    ['the owner', 10004, { GroupId: 'public-1', Members_Account: ['alice'], Duration: 60 }],
    ['an unknown field', 10004, { GroupId: 'public-1', Members_Account: ['bob'], Duration: 60, MuteTime: 1 }],
    ['no such group', 10010, { GroupId: '@TGS#NONE', Members_Account: ['bob'], Duration: 60 }],
    ['a malformed GroupId', 10015, { GroupId: 'grüppe', Members_Account: ['bob'], Duration: 60 }],
  ])('refuses %s (%i), banning none', async (_name, code, body) => {
    // Act
    const answer = await h.call('ban_group_member', body);

    // Assess
    expect(answer.ErrorCode).toBe(code);
    expect(await bansOf('public-1')).toEqual([]);
    expect(h.sim.state.listBans('crowd-1', START_SECONDS)).toEqual([]);
    expect(isMember('public-1', 'bob')).toBe(true);
  });
});

describe('unban_group_member in the simulator', () => {
  it('lifts the ban, so the account can rejoin (it does not rejoin by itself)', async () => {
    // Prepare
    await h.call('ban_group_member', {
      GroupId: 'public-1',
      Members_Account: ['bob', 'carol'],
      Duration: 3600,
    });

    // Act
    const answer = await h.call('unban_group_member', { GroupId: 'public-1', Members_Account: ['bob'] });
    const inAfterUnban = isMember('public-1', 'bob');
    const joined = await join('public-1', 'bob');

    // Assess
    expect(answer).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect(inAfterUnban).toBe(false);
    expect(joined.status).toBe(200);
    expect(await bansOf('public-1')).toEqual([{ account: 'carol', bannedUntil: START_SECONDS + 3600 }]);
  });

  it('succeeds for an account that is not banned', async () => {
    // Act
    const answer = await h.call('unban_group_member', { GroupId: 'public-1', Members_Account: ['dave'] });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(h.sim.stats.applied).toBe(0);
  });

  it.each<[string, number, unknown]>([
    ['21 accounts', 10005, { GroupId: 'crowd-1', Members_Account: CROWD.slice(0, 21) }],
    ['no accounts', 10004, { GroupId: 'public-1' }],
    ['a Duration', 10004, { GroupId: 'public-1', Members_Account: ['bob'], Duration: 1 }],
    ['no such group', 10010, { GroupId: '@TGS#NONE', Members_Account: ['bob'] }],
  ])('refuses %s (%i)', async (_name, code, body) => {
    // Prepare
    await h.call('ban_group_member', { GroupId: 'crowd-1', Members_Account: ['viewer-0'], Duration: 60 });

    // Act
    const answer = await h.call('unban_group_member', body);

    // Assess
    expect(answer.ErrorCode).toBe(code);
    expect(h.sim.state.listBans('crowd-1', START_SECONDS)).toHaveLength(1);
  });
});

describe('get_group_ban_member in the simulator', () => {
  beforeEach(async () => {
    await h.call('ban_group_member', {
      GroupId: 'crowd-1',
      Members_Account: CROWD.slice(0, 5),
      Duration: 600,
    });
  });

  it('lists the bans in pages: NextOffset is where the next page starts, 0 once complete', async () => {
    // Act
    const first = await h.call('get_group_ban_member', { GroupId: 'crowd-1', Offset: 0, Limit: 2 });
    const last = await h.call('get_group_ban_member', { GroupId: 'crowd-1', Offset: 4, Limit: 2 });
    const all = await h.call('get_group_ban_member', { GroupId: 'crowd-1', Offset: 0 });

    // Assess
    expect(first).toEqual({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      BannedAccountList: [
        { Member_Account: 'viewer-0', BannedUntil: START_SECONDS + 600 },
        { Member_Account: 'viewer-1', BannedUntil: START_SECONDS + 600 },
      ],
      NextOffset: 2,
    });
    expect(last).toMatchObject({
      BannedAccountList: [{ Member_Account: 'viewer-4', BannedUntil: START_SECONDS + 600 }],
      NextOffset: 0,
    });
    expect(all).toMatchObject({ NextOffset: 0 });
    expect(all.BannedAccountList).toHaveLength(5);
  });

  it('does not list ended bans, and changes nothing', async () => {
    // Prepare
    h.clock.ms += 600_000;

    // Act
    const answer = await h.call('get_group_ban_member', { GroupId: 'crowd-1', Offset: 0, Limit: 100 });

    // Assess
    expect(answer).toMatchObject({ ErrorCode: 0, BannedAccountList: [], NextOffset: 0 });
    expect(h.sim.stats.applied).toBe(1);
  });

  it.each<[string, number, unknown]>([
    ['no Offset', 10004, { GroupId: 'crowd-1' }],
    ['a negative Offset', 10004, { GroupId: 'crowd-1', Offset: -1 }],
    ['Limit 0', 10004, { GroupId: 'crowd-1', Offset: 0, Limit: 0 }],
    ['Limit 101', 10004, { GroupId: 'crowd-1', Offset: 0, Limit: 101 }],
    ['no such group', 10010, { GroupId: '@TGS#NONE', Offset: 0 }],
    ['a Community group (CN-89989 excludes it)', 10007, { GroupId: '@TGS#_community-1', Offset: 0 }],
  ])('refuses %s (%i)', async (_name, code, body) => {
    // Act
    const answer = await h.call('get_group_ban_member', body);

    // Assess
    expect(answer).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect(answer).not.toHaveProperty('BannedAccountList');
  });
});

describe("the app's ban switch", () => {
  it(`answers ban, unban and the list ${BAN_NOT_ENABLED} while off, and works again once on`, async () => {
    // Prepare
    const off = await h.control('POST', '/_sim/settings', { banEnabled: false });
    const ban = { GroupId: 'public-1', Members_Account: ['bob'], Duration: 60 };

    // Act
    const whileOff = [
      await h.call('ban_group_member', ban),
      await h.call('unban_group_member', { GroupId: 'public-1', Members_Account: ['bob'] }),
      await h.call('get_group_ban_member', { GroupId: 'public-1', Offset: 0 }),
    ];
    const banned = isMember('public-1', 'bob');
    const on = await h.control('POST', '/_sim/settings', { banEnabled: true });
    const whileOn = await h.call('ban_group_member', ban);

    // Assess
    expect(off).toEqual({
      status: 200,
      json: { banEnabled: false, recallMaxAgeSeconds: 604_800, avChatRoomRecallMaxAgeSeconds: 3600 },
    });
    expect(whileOff.map((answer) => answer.ErrorCode)).toEqual([10059, 10059, 10059]);
    expect(whileOff[0]?.ErrorInfo).toContain('Group member banning');
    expect(banned).toBe(true);
    expect(on.json).toMatchObject({ banEnabled: true });
    expect(whileOn.ErrorCode).toBe(0);
  });

  it('is back on after a reset', async () => {
    // Prepare
    await h.control('POST', '/_sim/settings', { banEnabled: false });

    // Act
    await h.control('POST', '/_sim/reset');

    // Assess
    expect((await h.control('GET', '/_sim/settings')).json).toMatchObject({ banEnabled: true });
  });

  it('refuses an unknown setting with 400', async () => {
    // Act
    const answer = await h.control('POST', '/_sim/settings', { banEnabled: 'no' });

    // Assess
    expect(answer.status).toBe(400);
    expect(h.sim.state.settings().banEnabled).toBe(true);
  });
});

describe('the control routes of members and bans', () => {
  it('sets a ban directly (removing the member) and lifts it with bannedUntil 0', async () => {
    // Act
    const set = await h.control('POST', '/_sim/groups/public-1/bans', {
      account: 'bob',
      bannedUntil: START_SECONDS + 30,
    });
    const removed = !isMember('public-1', 'bob');
    const lifted = await h.control('POST', '/_sim/groups/public-1/bans', { account: 'bob', bannedUntil: 0 });

    // Assess
    expect(set).toEqual({ status: 200, json: [{ account: 'bob', bannedUntil: START_SECONDS + 30 }] });
    expect(removed).toBe(true);
    expect(lifted).toEqual({ status: 200, json: [] });
  });

  it('lets users join with the seed member format, and leaves a member already in as it is', async () => {
    // Prepare
    await h.call('modify_group_member_info', { GroupId: 'public-1', Member_Account: 'bob', NameCard: 'Bob' });

    // Act
    const joined = await h.control('POST', '/_sim/groups/public-1/members', {
      members: ['erin', { account: 'frank', role: 'Admin' }, 'bob'],
    });

    // Assess
    expect(joined.status).toBe(200);
    expect(joined.json).toMatchObject([
      { account: 'erin', role: 'Member' },
      { account: 'frank', role: 'Admin' },
      { account: 'bob', nameCard: 'Bob' },
    ]);
    expect(h.sim.state.isKnown('erin')).toBe(true);
  });

  it.each<[string, string, unknown, number]>([
    ['a group that does not exist', '/_sim/groups/nope/bans', { account: 'bob', bannedUntil: 1 }, 404],
    ['a ban without an end', '/_sim/groups/public-1/bans', { account: 'bob' }, 400],
    ['a join with no members', '/_sim/groups/public-1/members', { members: [] }, 400],
    ['a join as Owner', '/_sim/groups/public-1/members', { members: [{ account: 'x', role: 'Owner' }] }, 400],
  ])('refuses %s (%i)', async (_name, path, body, status) => {
    // Act
    const answer = await h.control('POST', path, body);

    // Assess
    expect(answer.status).toBe(status);
    expect(h.sim.state.getMember('public-1', 'x')).toBeUndefined();
  });
});
