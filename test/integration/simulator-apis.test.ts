/**
 * What every API of the simulator shares, tried on each of the moderation APIs: the URL and UserSig
 * checks, one per-second budget, the faults, the call log, and `/_sim/reset` clearing every kind of state.
 */
import {
  API_PATHS,
  type ApiName,
  apiUrl,
  type SeedGroup,
  startSimulator,
} from '../../local/simulator/index.ts';
import { ADMIN, SDK_APP_ID, SECRET_KEY, START_MS, signAt, useSimulator } from '../helpers/simulator-api.ts';

const SEED: SeedGroup[] = [
  { groupId: 'public-1', type: 'Public', owner: 'alice', members: ['bob', 'carol', 'dave'] },
];

/** A body each API accepts in the seed above (after a message was posted to public-1). */
const VALID: Record<ApiName, unknown> = {
  modify_group_member_info: { GroupId: 'public-1', Member_Account: 'bob', NameCard: 'Bob' },
  forbid_send_msg: { GroupId: 'public-1', Members_Account: ['bob'], MuteTime: 60 },
  delete_group_member: { GroupId: 'public-1', MemberToDel_Account: ['bob'] },
  ban_group_member: { GroupId: 'public-1', Members_Account: ['bob'], Duration: 60 },
  unban_group_member: { GroupId: 'public-1', Members_Account: ['bob'] },
  get_group_ban_member: { GroupId: 'public-1', Offset: 0 },
  modify_group_base_info: { GroupId: 'public-1', MuteAllMember: 'On' },
  group_msg_recall: { GroupId: 'public-1', MsgSeqList: [{ MsgSeq: 1 }] },
  delete_group_msg_by_sender: { GroupId: 'public-1', Sender_Account: 'bob' },
  setnospeaking: { Set_Account: 'bob', GroupmsgNospeakingTime: 60 },
  getnospeaking: { Get_Account: 'bob' },
  kick: { UserID: 'bob' },
};
const NEW_APIS = Object.keys(VALID).filter(
  (name) => name !== 'modify_group_member_info' && name !== 'forbid_send_msg',
) as ApiName[];

const h = useSimulator({ groups: SEED });

beforeEach(() => {
  h.sim.state.postMessage('public-1', { sender: 'bob' }, h.nowSeconds());
});

describe('every moderation API of the simulator', () => {
  it.each(NEW_APIS)('%s answers 0 to a valid body at its documented path', async (api) => {
    // Act
    const answer = await h.call(api, VALID[api]);

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(h.sim.calls.at(-1)).toMatchObject({ path: API_PATHS[api], errorCode: 0, body: VALID[api] });
  });

  it.each(NEW_APIS)('%s makes the URL and UserSig checks in order, before its body rules', async (api) => {
    // Act
    const codes = [
      (await h.call(api, VALID[api], { sdkappid: '1400000001' })).ErrorCode,
      (await h.call(api, VALID[api], { random: '4294967296' })).ErrorCode,
      (await h.call(api, VALID[api], { contenttype: 'xml' })).ErrorCode,
      (await h.call(api, VALID[api], { usersig: signAt(ADMIN, 'another-key') })).ErrorCode,
      (await h.call(api, VALID[api], { identifier: 'bob' })).ErrorCode,
      (await h.call(api, 'x'.repeat(70_000))).ErrorCode,
    ];
    const get = await fetch(
      apiUrl(h.sim.url, { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig: signAt(ADMIN) }, API_PATHS[api]),
    );

    // Assess
    expect(codes).toEqual([70020, 60025, 60025, 70009, 70013, 80002]);
    expect(((await get.json()) as { ErrorCode: number }).ErrorCode).toBe(60002);
    expect(h.sim.stats.applied).toBe(0);
  });

  it.each([
    ['an unknown command of the group service', '/v4/group_open_http_svc/destroy_group', 10003],
    ['an unknown command of openconfigsvr', '/v4/openconfigsvr/setnospeakings', 60009],
    ['an unknown command of the login service', '/v4/im_open_login_svc/kickall', 60009],
  ] as const)('answers %s %i', async (_name, path, code) => {
    // Act
    const answer = await h.call(path, {});

    // Assess
    expect(answer.ErrorCode).toBe(code);
  });
});

describe('one per-second budget for every API', () => {
  it('answers 60007 once the calls of all APIs together pass the limit', async () => {
    // Prepare
    const clock = { ms: START_MS };
    const limited = await startSimulator({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      admins: [ADMIN],
      groups: SEED,
      limitPerSecond: 3,
      now: () => clock.ms,
    });
    const userSig = signAt(ADMIN);
    const call = async (api: ApiName) => {
      const response = await fetch(
        apiUrl(limited.url, { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig }, API_PATHS[api]),
        {
          method: 'POST',
          body: JSON.stringify(VALID[api]),
        },
      );
      return ((await response.json()) as { ErrorCode: number }).ErrorCode;
    };
    try {
      // Act
      const codes = [];
      for (const api of [
        'kick',
        'setnospeaking',
        'modify_group_base_info',
        'ban_group_member',
        'group_msg_recall',
      ] as const) {
        codes.push(await call(api));
      }
      clock.ms += 1_000;
      const later = await call('delete_group_member');

      // Assess
      expect(codes).toEqual([0, 0, 0, 60007, 60007]);
      expect(later).toBe(0);
      expect(limited.stats.rateLimited).toBe(2);
      expect(limited.state.listBans('public-1', START_MS / 1000)).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});

describe('faults on the moderation APIs', () => {
  it('answers a scripted 10002 without banning, then bans on the retry', async () => {
    // Prepare
    h.sim.scriptFaults({ code: 10002 });

    // Act
    const faulted = await h.call('ban_group_member', VALID.ban_group_member);
    const banned = h.sim.state.listBans('public-1', h.nowSeconds());
    const retried = await h.call('ban_group_member', VALID.ban_group_member);

    // Assess
    expect(faulted).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10002 });
    expect(banned).toEqual([]);
    expect(retried.ErrorCode).toBe(0);
    expect(h.sim.state.listBans('public-1', h.nowSeconds())).toHaveLength(1);
  });

  it('applies a removal whose answer is then lost (a dropped connection)', async () => {
    // Prepare
    h.sim.scriptFaults({ drop: true, applyBeforeFault: true });

    // Act
    const attempt = h.call('delete_group_member', VALID.delete_group_member);

    // Assess
    await expect(attempt).rejects.toThrow();
    expect(h.sim.state.getMember('public-1', 'bob')).toBeUndefined();
    expect(h.sim.stats.faults).toMatchObject({ drop: 1, appliedBeforeFault: 1 });
    expect(h.sim.calls.at(-1)).toMatchObject({ outcome: 'drop', applied: true, resultCode: 0 });
  });

  it('holds a recall without an answer and without recalling', async () => {
    // Prepare
    h.sim.scriptFaults({ timeout: true });
    const url = apiUrl(
      h.sim.url,
      { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig: signAt(ADMIN) },
      API_PATHS.group_msg_recall,
    );

    // Act
    const attempt = fetch(url, {
      method: 'POST',
      body: JSON.stringify(VALID.group_msg_recall),
      signal: AbortSignal.timeout(200),
    });

    // Assess
    await expect(attempt).rejects.toThrow();
    expect(h.sim.state.listMessages('public-1')?.[0]?.recalled).toBe(false);
    expect(h.sim.calls.at(-1)).toMatchObject({ outcome: 'timeout', applied: false });
  });

  it('answers a kick with HTTP 502 without kicking', async () => {
    // Prepare
    h.sim.scriptFaults({ http: 502 });
    const url = apiUrl(
      h.sim.url,
      { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig: signAt(ADMIN) },
      API_PATHS.kick,
    );

    // Act
    const response = await fetch(url, { method: 'POST', body: JSON.stringify(VALID.kick) });

    // Assess
    expect(response.status).toBe(502);
    expect(h.sim.state.kicks()).toEqual([]);
  });

  it('draws random errors for the account-wide mute as for any API', async () => {
    // Prepare
    h.sim.setFaults({ seed: 1, error: { rate: 1, code: 10002 } });

    // Act
    const answer = await h.call('setnospeaking', VALID.setnospeaking);

    // Assess
    expect(answer.ErrorCode).toBe(10002);
    expect(h.sim.state.listNoSpeaking()).toEqual([]);
  });
});

describe('/_sim/reset', () => {
  it('clears bans, flags, messages, removals, account-wide mutes, kicks, added accounts and settings', async () => {
    // Prepare
    for (const api of [
      'ban_group_member',
      'modify_group_base_info',
      'group_msg_recall',
      'setnospeaking',
      'kick',
    ] as const) {
      expect((await h.call(api, VALID[api])).ErrorCode).toBe(0);
    }
    await h.call('delete_group_member', { GroupId: 'public-1', MemberToDel_Account: ['carol'] });
    await h.control('POST', '/_sim/accounts', { accounts: ['mallory'] });
    await h.control('POST', '/_sim/groups/public-1', { recallUnsupported: true });
    await h.control('POST', '/_sim/settings', { banEnabled: false, recallMaxAgeSeconds: 1 });

    // Act
    const reset = await h.control('POST', '/_sim/reset');

    // Assess
    expect(reset).toEqual({ status: 200, json: { ok: true } });
    const { state } = h.sim;
    expect(state.getGroup('public-1')).toMatchObject({
      muteAllMember: false,
      recallUnsupported: false,
      baseInfo: {},
    });
    expect(state.getGroup('public-1')?.members.map((m) => m.account)).toEqual([
      'alice',
      'bob',
      'carol',
      'dave',
    ]);
    expect(state.listBans('public-1', h.nowSeconds())).toEqual([]);
    expect(state.listMessages('public-1')).toEqual([]);
    expect(state.removals()).toEqual([]);
    expect(state.listNoSpeaking()).toEqual([]);
    expect(state.kicks()).toEqual([]);
    expect(state.knownAccounts()).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(state.settings()).toEqual({
      banEnabled: true,
      recallMaxAgeSeconds: 604_800,
      avChatRoomRecallMaxAgeSeconds: 3600,
    });
  });

  it('returns to the accounts and settings the simulator started with', async () => {
    // Prepare
    const sim = await startSimulator({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      admins: [ADMIN],
      groups: SEED,
      accounts: ['zed'],
      settings: { banEnabled: false, avChatRoomRecallMaxAgeSeconds: 120 },
    });
    try {
      sim.state.setSettings({ banEnabled: true });
      sim.state.addAccounts(['mallory']);

      // Act
      sim.reset();

      // Assess
      expect(sim.state.settings()).toEqual({
        banEnabled: false,
        recallMaxAgeSeconds: 604_800,
        avChatRoomRecallMaxAgeSeconds: 120,
      });
      expect(sim.state.knownAccounts()).toEqual(['alice', 'bob', 'carol', 'dave', 'zed']);
    } finally {
      await sim.close();
    }
  });
});
