/**
 * The simulator's account-level APIs: `openconfigsvr/setnospeaking` and `getnospeaking` (the account-wide
 * mute, with that service's own codes) and `im_open_login_svc/kick` (on the app's known accounts), with
 * the control routes that show and change them.
 */
import type { SeedGroup } from '../../local/simulator/index.ts';
import { ADMIN, SDK_APP_ID, START_SECONDS, signAt, useSimulator } from '../helpers/simulator-api.ts';

const SEED: SeedGroup[] = [
  { groupId: 'public-1', type: 'Public', owner: 'alice', members: ['bob', 'carol'] },
  { groupId: 'live-1', type: 'AVChatRoom', owner: 'alice', members: ['dave'] },
];

const h = useSimulator({ groups: SEED, accounts: ['zed'] });

const FOREVER = 4_294_967_295;

describe('setnospeaking and getnospeaking in the simulator', () => {
  it('mutes an account everywhere; getnospeaking reads the seconds left, as the sample (7200, then 7196)', async () => {
    // Act
    const set = await h.call('setnospeaking', {
      Set_Account: 'bob',
      C2CmsgNospeakingTime: 7200,
      GroupmsgNospeakingTime: 7200,
    });
    h.clock.ms += 4_000;
    const read = await h.call('getnospeaking', { Get_Account: 'bob' });

    // Assess
    expect(set).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect(read).toEqual({
      ErrorCode: 0,
      ErrorInfo: '',
      C2CmsgNospeakingTime: 7196,
      GroupmsgNospeakingTime: 7196,
    });
    expect((await h.control('GET', '/_sim/nospeaking')).json).toEqual([
      { account: 'bob', c2cMutedUntil: START_SECONDS + 7200, groupMutedUntil: START_SECONDS + 7200 },
    ]);
  });

  it('sets one scope without touching the other; 0 unmutes; 4294967295 mutes for good', async () => {
    // Act
    await h.call('setnospeaking', { Set_Account: 'bob', C2CmsgNospeakingTime: 600 });
    await h.call('setnospeaking', { Set_Account: 'bob', GroupmsgNospeakingTime: FOREVER });
    const both = await h.call('getnospeaking', { Get_Account: 'bob' });
    await h.call('setnospeaking', { Set_Account: 'bob', C2CmsgNospeakingTime: 0 });
    const groupOnly = await h.call('getnospeaking', { Get_Account: 'bob' });

    // Assess
    expect(both).toMatchObject({ C2CmsgNospeakingTime: 600, GroupmsgNospeakingTime: FOREVER });
    expect(groupOnly).toMatchObject({ C2CmsgNospeakingTime: 0, GroupmsgNospeakingTime: FOREVER });
    expect(h.sim.state.noSpeaking('bob')).toEqual({
      account: 'bob',
      c2cMutedUntil: 0,
      groupMutedUntil: 'forever',
    });
  });

  it('reads 0 once a mute has run out, and 0 for a known account never muted', async () => {
    // Prepare
    await h.call('setnospeaking', { Set_Account: 'bob', GroupmsgNospeakingTime: 60 });
    h.clock.ms += 61_000;

    // Act
    const ended = await h.call('getnospeaking', { Get_Account: 'bob' });
    const never = await h.call('getnospeaking', { Get_Account: 'carol' });

    // Assess
    expect(ended).toMatchObject({ C2CmsgNospeakingTime: 0, GroupmsgNospeakingTime: 0 });
    expect(never).toMatchObject({ C2CmsgNospeakingTime: 0, GroupmsgNospeakingTime: 0 });
  });

  it('reads an account the app does not know as muted for good (the older get page)', async () => {
    // Act
    const answer = await h.call('getnospeaking', { Get_Account: 'nobody' });

    // Assess
    expect(answer).toEqual({
      ErrorCode: 0,
      ErrorInfo: '',
      C2CmsgNospeakingTime: FOREVER,
      GroupmsgNospeakingTime: FOREVER,
    });
  });

  it.each<[string, number, unknown]>([
    ['a body that is not JSON', 130001, '{"Set_Account":'],
    ['a JSON array', 130001, [{ Set_Account: 'bob', C2CmsgNospeakingTime: 1 }]],
    ['a misspelt time field', 130001, { Set_Account: 'bob', GroupMsgNospeakingTime: 60 }],
    ['no Set_Account', 130004, { C2CmsgNospeakingTime: 60 }],
    ['a Set_Account that is a number', 130005, { Set_Account: 7, C2CmsgNospeakingTime: 60 }],
    ['a Set_Account over 32 bytes', 130005, { Set_Account: 'b'.repeat(33), C2CmsgNospeakingTime: 60 }],
    ['a negative C2CmsgNospeakingTime', 130006, { Set_Account: 'bob', C2CmsgNospeakingTime: -1 }],
    ['a C2CmsgNospeakingTime as a string', 130006, { Set_Account: 'bob', C2CmsgNospeakingTime: '60' }],
    [
      'GroupmsgNospeakingTime over uint32',
      130007,
      { Set_Account: 'bob', GroupmsgNospeakingTime: FOREVER + 1 },
    ],
    ['neither time', 130008, { Set_Account: 'bob' }],
  ])('setnospeaking refuses %s (%i), muting nothing', async (_name, code, body) => {
    // Act
    const answer = await h.call('setnospeaking', body);

    // Assess
    expect(answer).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect(h.sim.state.listNoSpeaking()).toEqual([]);
  });

  it.each<[string, number, unknown]>([
    ['a body that is not JSON', 130001, 'Get_Account=bob'],
    ['an unknown field', 130001, { Get_Account: 'bob', Set_Account: 'bob' }],
    ['no Get_Account', 130002, {}],
    ['a Get_Account that is not a UserID', 130003, { Get_Account: ['bob'] }],
  ])('getnospeaking refuses %s (%i)', async (_name, code, body) => {
    // Act
    const answer = await h.call('getnospeaking', body);

    // Assess
    expect(answer).toMatchObject({ ErrorCode: code });
    expect(answer).not.toHaveProperty('C2CmsgNospeakingTime');
  });

  it('sets a mute over the control API, which getnospeaking then reads', async () => {
    // Act
    const set = await h.control('POST', '/_sim/nospeaking', { account: 'carol', c2cMutedUntil: 'forever' });
    const bad = await h.control('POST', '/_sim/nospeaking', { account: 'carol', c2cMutedUntil: -1 });
    const read = await h.call('getnospeaking', { Get_Account: 'carol' });

    // Assess
    expect(set).toEqual({
      status: 200,
      json: { account: 'carol', c2cMutedUntil: 'forever', groupMutedUntil: 0 },
    });
    expect(bad.status).toBe(400);
    expect(read).toMatchObject({ C2CmsgNospeakingTime: FOREVER, GroupmsgNospeakingTime: 0 });
  });
});

describe('kick in the simulator', () => {
  it("ends a known account's sessions and counts each kick", async () => {
    // Act
    const first = await h.call('kick', { UserID: 'bob' });
    h.clock.ms += 5_000;
    const second = await h.call('kick', { UserID: 'bob' });

    // Assess
    expect([first, second]).toEqual([
      { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' },
      { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' },
    ]);
    expect((await h.control('GET', '/_sim/kicks')).json).toEqual([
      { account: 'bob', count: 2, lastKickedAt: START_SECONDS + 5 },
    ]);
  });

  it('answers 70107 for an account the app does not know, until it is added', async () => {
    // Act
    const unknown = await h.call('kick', { UserID: 'mallory' });
    const added = await h.control('POST', '/_sim/accounts', { accounts: ['mallory'] });
    const known = await h.call('kick', { UserID: 'mallory' });

    // Assess
    expect(unknown).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70107 });
    expect(added).toEqual({ status: 200, json: ['alice', 'bob', 'carol', 'dave', 'mallory', 'zed'] });
    expect(known.ErrorCode).toBe(0);
    expect(h.sim.state.kicks().map((kick) => kick.account)).toEqual(['mallory']);
  });

  it('knows the members of any group, the accounts option, and members since removed', async () => {
    // Prepare
    await h.call('delete_group_member', { GroupId: 'public-1', MemberToDel_Account: ['carol'] });

    // Act
    const codes = [];
    for (const account of ['dave', 'zed', 'carol', 'alice']) {
      codes.push((await h.call('kick', { UserID: account })).ErrorCode);
    }

    // Assess
    expect(codes).toEqual([0, 0, 0, 0]);
    expect((await h.control('GET', '/_sim/accounts')).json).toEqual(['alice', 'bob', 'carol', 'dave', 'zed']);
  });

  it.each<[string, number, unknown]>([
    ['a UserID that is a number', 70402, { UserID: 7 }],
    ['no UserID', 70402, {}],
    ['the older Identifier', 70402, { Identifier: 'bob' }],
    ['an empty UserID', 70402, { UserID: '' }],
    ['a JSON array', 70402, [{ UserID: 'bob' }]],
    ['a body that is not JSON', 60003, 'UserID=bob'],
  ])('refuses %s (%i), kicking no one', async (_name, code, body) => {
    // Act
    const answer = await h.call('kick', body);

    // Assess
    expect(answer).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect(h.sim.state.kicks()).toEqual([]);
  });

  it('answers 70403 to an identifier that is not an app admin', async () => {
    // Act
    const answer = await h.call('kick', { UserID: 'bob' }, { identifier: 'carol', usersig: signAt('carol') });

    // Assess
    expect(answer.ErrorCode).toBe(70403);
    expect(h.sim.state.kicks()).toEqual([]);
  });

  it.each([70169, 70500])('answers a scripted %i without kicking, then kicks on the retry', async (code) => {
    // Prepare
    h.sim.scriptFaults({ code });

    // Act
    const faulted = await h.call('kick', { UserID: 'bob' });
    const retried = await h.call('kick', { UserID: 'bob' });

    // Assess
    expect(faulted).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect(retried.ErrorCode).toBe(0);
    expect(h.sim.state.kicks()).toEqual([{ account: 'bob', count: 1, lastKickedAt: START_SECONDS }]);
  });

  it('refuses a bad account list over the control API with 400', async () => {
    // Act
    const answer = await h.control('POST', '/_sim/accounts', { accounts: ['ok', 7] });

    // Assess
    expect(answer.status).toBe(400);
    expect(h.sim.state.isKnown('ok')).toBe(false);
  });
});

describe('the account APIs and the admin identifier', () => {
  it('checks the URL and UserSig of openconfigsvr as of the group APIs', async () => {
    // Act
    const wrongApp = await h.call(
      'setnospeaking',
      { Set_Account: 'bob', C2CmsgNospeakingTime: 1 },
      { sdkappid: String(SDK_APP_ID + 1) },
    );
    const wrongKey = await h.call(
      'setnospeaking',
      { Set_Account: 'bob', C2CmsgNospeakingTime: 1 },
      { usersig: signAt(ADMIN, 'another-key') },
    );

    // Assess
    expect([wrongApp.ErrorCode, wrongKey.ErrorCode]).toEqual([70020, 70009]);
    expect(h.sim.state.listNoSpeaking()).toEqual([]);
  });
});
