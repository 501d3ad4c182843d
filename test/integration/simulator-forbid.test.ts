/**
 * The simulator's `forbid_send_msg` (bulk muting and unmuting): the URL and UserSig checks of the other
 * API, the documented group types and 500-account limit, and one mute state with
 * `modify_group_member_info`; and the bridge's own client calling it.
 */
import {
  FORBID_SEND_MSG_MAX_ACCOUNTS,
  HttpTencentApi,
  makeUserSig,
  type TencentCredentials,
} from '#shared/tencent';
import {
  API_PATH,
  apiUrl,
  FORBID_PATH,
  MAX_FORBID_ACCOUNTS,
  type RunningSimulator,
  type SeedGroup,
  signUserSig,
  startSimulator,
} from '../../local/simulator/index.ts';

const SDK_APP_ID = 1_400_000_000;
const SECRET_KEY = 'forbid-test-key';
const ADMIN = 'administrator';
const START_MS = 1_750_000_000_000;
const CROWD = Array.from({ length: 600 }, (_, i) => `viewer-${i}`);

/** One group of each type, each with the same members. */
const SEED: SeedGroup[] = [
  { groupId: 'public-1', type: 'Public', owner: 'alice', members: ['bob', 'carol'] },
  { groupId: 'work-1', type: 'Private', owner: 'alice', members: ['bob', 'carol'] },
  { groupId: 'meeting-1', type: 'ChatRoom', owner: 'alice', members: ['bob', 'carol'] },
  { groupId: 'live-1', type: 'AVChatRoom', owner: 'alice', members: ['bob', 'carol', ...CROWD] },
  { groupId: '@TGS#_community-1', type: 'Community', owner: 'alice', members: ['bob', 'carol'] },
];

const clock = { ms: START_MS };
const nowSeconds = () => Math.floor(clock.ms / 1000);
const userSig = signUserSig({
  sdkAppId: SDK_APP_ID,
  secretKey: SECRET_KEY,
  identifier: ADMIN,
  expireSeconds: 86_400,
  nowSeconds: START_MS / 1000,
});

interface Answer {
  ActionStatus: string;
  ErrorCode: number;
  ErrorInfo: string;
}

let sim: RunningSimulator;

/** POSTs a body to an API of the simulator, with the admin's URL parameters and `overrides`. */
async function post(
  body: unknown,
  options: { path?: string; url?: string; params?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(
    options.url ??
      apiUrl(sim.url, { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig }, options.path ?? FORBID_PATH),
  );
  for (const [name, value] of Object.entries(options.params ?? {})) url.searchParams.set(name, value);
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
}

const mutedUntil = (groupId: string, account: string) => sim.state.getMember(groupId, account)?.mutedUntil;

beforeAll(async () => {
  sim = await startSimulator({
    sdkAppId: SDK_APP_ID,
    secretKey: SECRET_KEY,
    admins: [ADMIN],
    groups: SEED,
    now: () => clock.ms,
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.reset();
  clock.ms = START_MS;
});

describe('forbid_send_msg in the simulator', () => {
  it('mutes several members of a group in one call, from the moment it is processed', async () => {
    // Act
    const answer = await post({ GroupId: 'public-1', Members_Account: ['bob', 'carol'], MuteTime: 60 });

    // Assess
    expect(answer).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect([mutedUntil('public-1', 'bob'), mutedUntil('public-1', 'carol')]).toEqual([
      nowSeconds() + 60,
      nowSeconds() + 60,
    ]);
    expect(sim.stats).toMatchObject({ calls: 1, applied: 1, byCode: { '0': 1 } });
  });

  it.each([
    ['Public', 'public-1', 0],
    ['ChatRoom (Meeting)', 'meeting-1', 0],
    ['AVChatRoom', 'live-1', 0],
    ['Community', '@TGS#_community-1', 0],
    ['Private (Work), which cannot mute', 'work-1', 10007],
  ])('in a %s group (%s) answers %i', async (_type, groupId, code) => {
    // Act
    const answer = await post({ GroupId: groupId, Members_Account: ['bob'], MuteTime: 60 });

    // Assess
    expect(answer.ErrorCode).toBe(code);
    expect(mutedUntil(groupId, 'bob')).toBe(code === 0 ? nowSeconds() + 60 : 0);
  });

  it('mutes an AVChatRoom member, which modify_group_member_info refuses (10007)', async () => {
    // Act
    const modify = await post({ GroupId: 'live-1', Member_Account: 'bob', MuteTime: 60 }, { path: API_PATH });
    const afterModify = mutedUntil('live-1', 'bob');
    const forbid = await post({ GroupId: 'live-1', Members_Account: ['bob'], MuteTime: 60 });

    // Assess
    expect(modify.ErrorCode).toBe(10007);
    expect(afterModify).toBe(0);
    expect(forbid.ErrorCode).toBe(0);
    expect(mutedUntil('live-1', 'bob')).toBe(nowSeconds() + 60);
  });

  it('shares the mute state with modify_group_member_info, both ways', async () => {
    // Act: forbid_send_msg mutes, modify_group_member_info unmutes; then the other way round.
    await post({ GroupId: 'public-1', Members_Account: ['bob', 'carol'], MuteTime: 600 });
    await post({ GroupId: 'public-1', Member_Account: 'bob', MuteTime: 0 }, { path: API_PATH });
    const afterModify = [mutedUntil('public-1', 'bob'), mutedUntil('public-1', 'carol')];
    await post({ GroupId: 'public-1', Member_Account: 'bob', MuteTime: 120 }, { path: API_PATH });
    await post({ GroupId: 'public-1', Members_Account: ['carol'], MuteTime: 0 });

    // Assess
    expect(afterModify).toEqual([0, nowSeconds() + 600]);
    expect([mutedUntil('public-1', 'bob'), mutedUntil('public-1', 'carol')]).toEqual([nowSeconds() + 120, 0]);
  });

  it('unmutes with MuteTime 0, and takes the older name ShutUpTime', async () => {
    // Act
    await post({ GroupId: 'live-1', Members_Account: ['bob', 'carol'], ShutUpTime: 60 });
    const muted = mutedUntil('live-1', 'carol');
    await post({ GroupId: 'live-1', Members_Account: ['bob', 'carol'], MuteTime: 0 });

    // Assess
    expect(muted).toBe(nowSeconds() + 60);
    expect([mutedUntil('live-1', 'bob'), mutedUntil('live-1', 'carol')]).toEqual([0, 0]);
  });

  it(`takes ${MAX_FORBID_ACCOUNTS} accounts in one call and refuses ${MAX_FORBID_ACCOUNTS + 1} (10005), muting none`, async () => {
    // Act
    const atLimit = await post({ GroupId: 'live-1', Members_Account: CROWD.slice(0, 500), MuteTime: 60 });
    const over = await post({ GroupId: 'live-1', Members_Account: CROWD.slice(99, 600), MuteTime: 60 });

    // Assess
    expect(atLimit.ErrorCode).toBe(0);
    expect(over.ErrorCode).toBe(10005);
    expect(mutedUntil('live-1', 'viewer-499')).toBe(nowSeconds() + 60);
    expect(mutedUntil('live-1', 'viewer-500')).toBe(0);
    expect(FORBID_SEND_MSG_MAX_ACCOUNTS).toBe(MAX_FORBID_ACCOUNTS);
  });

  it('refuses the whole call when one account is not in the group (10019), muting none', async () => {
    // Act
    const answer = await post({ GroupId: 'public-1', Members_Account: ['bob', 'mallory'], MuteTime: 60 });

    // Assess
    expect(answer.ErrorCode).toBe(10019);
    expect(answer.ErrorInfo).toContain('mallory');
    expect(mutedUntil('public-1', 'bob')).toBe(0);
  });

  it.each<[string, number, unknown]>([
    ['no such group', 10010, { GroupId: '@TGS#NONE', Members_Account: ['bob'], MuteTime: 60 }],
    ['a malformed GroupId', 10015, { GroupId: 'x'.repeat(49), Members_Account: ['bob'], MuteTime: 60 }],
    ['no accounts', 10004, { GroupId: 'public-1', Members_Account: [], MuteTime: 60 }],
    ['an account that is not a UserID', 10004, { GroupId: 'public-1', Members_Account: [7], MuteTime: 60 }],
    ['an account twice', 10004, { GroupId: 'public-1', Members_Account: ['bob', 'bob'], MuteTime: 60 }],
    ['no MuteTime', 10004, { GroupId: 'public-1', Members_Account: ['bob'] }],
    ['a negative MuteTime', 10004, { GroupId: 'public-1', Members_Account: ['bob'], MuteTime: -1 }],
    [
      'MuteTime over uint32',
      10004,
      { GroupId: 'public-1', Members_Account: ['bob'], MuteTime: 4_294_967_296 },
    ],
    [
      'both MuteTime and ShutUpTime',
      10004,
      { GroupId: 'public-1', Members_Account: ['bob'], MuteTime: 1, ShutUpTime: 1 },
    ],
    ['a field of the other API', 10004, { GroupId: 'public-1', Member_Account: 'bob', MuteTime: 60 }],
    ['a JSON array', 60003, []],
  ])('refuses %s: %i', async (_name, code, body) => {
    expect((await post(body)).ErrorCode).toBe(code);
  });

  it('checks the URL and the UserSig as for modify_group_member_info', async () => {
    // Prepare
    const body = { GroupId: 'public-1', Members_Account: ['bob'], MuteTime: 60 };
    const wrongKey = signUserSig({
      sdkAppId: SDK_APP_ID,
      secretKey: 'another-key',
      identifier: ADMIN,
      expireSeconds: 86_400,
      nowSeconds: START_MS / 1000,
    });

    // Act
    const answers = [
      await post(body, { params: { sdkappid: '1400000001' } }),
      await post(body, { params: { contenttype: 'xml' } }),
      await post(body, { params: { random: '4294967296' } }),
      await post(body, { params: { usersig: wrongKey } }),
      await post(body, { params: { identifier: 'bob' } }),
      await post(body, { path: '/v4/group_open_http_svc/forbid_send_msgs' }),
    ];

    // Assess
    expect(answers.map((answer) => answer.ErrorCode)).toEqual([70020, 60025, 60025, 70009, 70013, 10003]);
    expect(mutedUntil('public-1', 'bob')).toBe(0);
  });

  it('counts both APIs against one per-second budget (60007 over it)', async () => {
    // Prepare: a simulator allowing 4 calls a second.
    const limited = await startSimulator({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      admins: [ADMIN],
      groups: SEED,
      limitPerSecond: 4,
      now: () => clock.ms,
    });
    const to = (path: string) =>
      apiUrl(limited.url, { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig }, path);
    try {
      // Act: two calls of each API, then one of each.
      const codes: number[] = [];
      for (const path of [FORBID_PATH, API_PATH, FORBID_PATH, API_PATH, FORBID_PATH, API_PATH]) {
        const body =
          path === FORBID_PATH
            ? { GroupId: 'public-1', Members_Account: ['bob'], MuteTime: 60 }
            : { GroupId: 'public-1', Member_Account: 'bob', MuteTime: 60 };
        codes.push((await post(body, { url: to(path) })).ErrorCode);
      }

      // Assess
      expect(codes).toEqual([0, 0, 0, 0, 60007, 60007]);
      expect(limited.stats.rateLimited).toBe(2);
    } finally {
      await limited.close();
    }
  });
});

describe('HttpTencentApi forbid_send_msg calls against the simulator', () => {
  const credentials: TencentCredentials = {
    sdkAppId: SDK_APP_ID,
    identifier: ADMIN,
    userSig: makeUserSig(SDK_APP_ID, ADMIN, SECRET_KEY, 3_600),
  };
  const api = () => new HttpTencentApi({ endpoint: sim.url, timeoutMs: 1_000 });

  beforeEach(() => {
    // The client's UserSig is signed on the real clock.
    clock.ms = Date.now();
  });

  it('mutes the members of an AVChatRoom group with a UserSig from tls-sig-api-v2', async () => {
    // Act
    const answer = await api().call(
      {
        api: 'forbid_send_msg',
        body: { GroupId: 'live-1', Members_Account: ['bob', 'carol'], MuteTime: 300 },
      },
      credentials,
    );

    // Assess
    expect(answer.kind).toBe('ok');
    expect(mutedUntil('live-1', 'bob')).toBe(nowSeconds() + 300);
    expect(mutedUntil('live-1', 'carol')).toBe(nowSeconds() + 300);
    const [call] = sim.calls;
    expect(call).toMatchObject({
      path: FORBID_PATH,
      params: { sdkappid: String(SDK_APP_ID), identifier: ADMIN, contenttype: 'json', usersig: true },
      body: { GroupId: 'live-1', Members_Account: ['bob', 'carol'], MuteTime: 300 },
    });
  });

  it("answers Tencent's codes as refusals", async () => {
    // Act
    const work = await api().call(
      { api: 'forbid_send_msg', body: { GroupId: 'work-1', Members_Account: ['bob'], MuteTime: 60 } },
      credentials,
    );
    const stranger = await api().call(
      {
        api: 'forbid_send_msg',
        body: { GroupId: 'public-1', Members_Account: ['bob', 'mallory'], MuteTime: 60 },
      },
      credentials,
    );

    // Assess
    expect(work).toMatchObject({ kind: 'refused', code: 10007 });
    expect(stranger).toMatchObject({ kind: 'refused', code: 10019 });
  });
});
