import {
  API_PATH,
  apiUrl,
  encodeUserSig,
  type RunningSimulator,
  type SeedGroup,
  signUserSig,
  startSimulator,
} from '../../local/simulator/index.ts';

const SDK_APP_ID = 1_400_000_000;
const SECRET_KEY = 'integration-test-key';
const ADMIN = 'administrator';
const GROUP = '@TGS#2CLUZEAEJ';
const START_MS = 1_750_000_000_000;

const SEED: SeedGroup[] = [
  {
    groupId: GROUP,
    type: 'Public',
    owner: 'alice',
    members: ['bob', 'carol', { account: 'dave', role: 'Admin' }],
  },
  { groupId: 'live-room-1', type: 'AVChatRoom', owner: 'alice', members: ['bob'] },
];

/** A clock the tests move, so mute ends and UserSig expiry are exact. */
const clock = { ms: START_MS };
const nowSeconds = () => Math.floor(clock.ms / 1000);

const adminSig = signUserSig({
  sdkAppId: SDK_APP_ID,
  secretKey: SECRET_KEY,
  identifier: ADMIN,
  expireSeconds: 86_400,
  nowSeconds: START_MS / 1000,
});

type Params = Partial<
  Record<'sdkappid' | 'identifier' | 'usersig' | 'random' | 'contenttype', string | null>
>;

interface Answer {
  status: number;
  json: { ActionStatus: string; ErrorCode: number; ErrorInfo: string };
}

/** Calls the simulator's API; `params` overrides (or with `null` removes) URL parameters. */
async function call(
  sim: RunningSimulator,
  body: unknown,
  params: Params = {},
  init: { method?: string; path?: string; signal?: AbortSignal } = {},
): Promise<Answer> {
  const query = new URLSearchParams();
  const all = {
    sdkappid: String(SDK_APP_ID),
    identifier: ADMIN,
    usersig: adminSig,
    random: '12345',
    contenttype: 'json',
  };
  for (const [name, value] of Object.entries({ ...all, ...params })) {
    if (value !== null) query.set(name, value);
  }
  const method = init.method ?? 'POST';
  const response = await fetch(`${sim.url}${init.path ?? API_PATH}?${query}`, {
    method,
    body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal,
  });
  return { status: response.status, json: (await response.json()) as Answer['json'] };
}

const code = (answer: Answer) => answer.json.ErrorCode;

describe('Tencent Chat simulator', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      admins: [ADMIN],
      groups: SEED,
      memberDefinedKeys: ['MemberDefined1', 'MemberDefined3'],
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

  describe('the documented request bodies', () => {
    it.each([
      ['Role Admin', { Role: 'Admin' }, { role: 'Admin' }],
      ['MsgFlag', { MsgFlag: 'Discard' }, { msgFlag: 'Discard' }],
      ['NameCard', { NameCard: 'bob' }, { nameCard: 'bob' }],
      [
        'AppMemberDefinedData',
        {
          AppMemberDefinedData: [
            { Key: 'MemberDefined1', Value: 'ModifyData1' },
            { Key: 'MemberDefined3', Value: 'ModifyData3' },
          ],
        },
        { appMemberDefinedData: { MemberDefined1: 'ModifyData1', MemberDefined3: 'ModifyData3' } },
      ],
      ['MuteTime', { MuteTime: 86_400 }, { mutedUntil: START_MS / 1000 + 86_400 }],
      ['ShutUpTime (older name)', { ShutUpTime: 60 }, { mutedUntil: START_MS / 1000 + 60 }],
      [
        'several fields at once',
        { NameCard: 'Bobby', MsgFlag: 'AcceptNotNotify', MuteTime: 10 },
        { nameCard: 'Bobby', msgFlag: 'AcceptNotNotify', mutedUntil: START_MS / 1000 + 10 },
      ],
    ])('%s is applied to the member', async (_name, fields, expected) => {
      // Act
      const answer = await call(sim, { GroupId: GROUP, Member_Account: 'bob', ...fields });

      // Assess
      expect(answer).toEqual({ status: 200, json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } });
      expect(sim.state.getMember(GROUP, 'bob')).toMatchObject(expected);
    });

    it('Role Member takes the admin role away', async () => {
      // Act
      const answer = await call(sim, { GroupId: GROUP, Member_Account: 'dave', Role: 'Member' });

      // Assess
      expect(code(answer)).toBe(0);
      expect(sim.state.getMember(GROUP, 'dave')?.role).toBe('Member');
    });

    it('MuteTime 0 unmutes', async () => {
      // Prepare
      await call(sim, { GroupId: GROUP, Member_Account: 'bob', MuteTime: 3600 });

      // Act
      const answer = await call(sim, { GroupId: GROUP, Member_Account: 'bob', MuteTime: 0 });

      // Assess
      expect(code(answer)).toBe(0);
      expect(sim.state.getMember(GROUP, 'bob')?.mutedUntil).toBe(0);
    });

    it('shows the members over HTTP', async () => {
      // Prepare
      await call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'seen' });

      // Act
      const response = await fetch(`${sim.url}/_sim/groups/${encodeURIComponent(GROUP)}/members`);

      // Assess
      expect(response.status).toBe(200);
      const members = (await response.json()) as Array<{ account: string; nameCard: string; role: string }>;
      expect(members.find((m) => m.account === 'bob')?.nameCard).toBe('seen');
      expect(members.find((m) => m.account === 'alice')?.role).toBe('Owner');
    });
  });

  describe('URL checks', () => {
    it.each<[string, Params, { method?: string; path?: string }, number]>([
      ['an unknown command', {}, { path: '/v4/group_open_http_svc/destroy_group' }, 10003],
      ['an unknown service', {}, { path: '/v4/nope/modify_group_member_info' }, 60009],
      ['GET', {}, { method: 'GET' }, 60002],
      ['no sdkappid', { sdkappid: null }, {}, 60012],
      ['a non-numeric sdkappid', { sdkappid: 'abc' }, {}, 60006],
      ['another sdkappid', { sdkappid: '1400000001' }, {}, 70020],
      ['no identifier', { identifier: null }, {}, 60025],
      ['no usersig', { usersig: null }, {}, 60025],
      ['no random', { random: null }, {}, 60025],
      ['random over uint32', { random: '4294967296' }, {}, 60025],
      ['a negative random', { random: '-1' }, {}, 60025],
      ['contenttype xml', { contenttype: 'xml' }, {}, 60025],
    ])('refuses %s', async (_name, params, init, expected) => {
      // Act
      const answer = await call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'x' }, params, init);

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: expected });
      expect(sim.state.getMember(GROUP, 'bob')?.nameCard).toBe('');
    });

    it('accepts random 0 and 4294967295', async () => {
      // Act
      const low = await call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'a' }, { random: '0' });
      const high = await call(
        sim,
        { GroupId: GROUP, Member_Account: 'bob', NameCard: 'b' },
        { random: '4294967295' },
      );

      // Assess
      expect([code(low), code(high)]).toEqual([0, 0]);
    });
  });

  describe('UserSig and admin checks', () => {
    const sign = (identifier: string, overrides: { key?: string; time?: number; sdkAppId?: number } = {}) =>
      signUserSig({
        sdkAppId: overrides.sdkAppId ?? SDK_APP_ID,
        secretKey: overrides.key ?? SECRET_KEY,
        identifier,
        expireSeconds: 3_600,
        nowSeconds: overrides.time ?? START_MS / 1000,
      });

    it.each<[string, () => Params, number]>([
      ['expired', () => ({ usersig: sign(ADMIN, { time: START_MS / 1000 - 3_601 }) }), 70001],
      ['malformed', () => ({ usersig: 'eJyrVkrOz0nNS8*garbage' }), 70003],
      ['not a UserSig document', () => ({ usersig: encodeUserSig({ hello: 'world' }) }), 70003],
      ['signed with the wrong key', () => ({ usersig: sign(ADMIN, { key: 'wrong-key' }) }), 70009],
      ['made for another identifier', () => ({ usersig: sign('someone-else') }), 70013],
      ['made for another app', () => ({ usersig: sign(ADMIN, { sdkAppId: 1_400_000_001 }) }), 70014],
      ['valid but for a non-admin', () => ({ identifier: 'bob', usersig: sign('bob') }), 60010],
    ])('refuses a UserSig %s', async (_name, params, expected) => {
      // Act
      const answer = await call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'x' }, params());

      // Assess
      expect(answer.json).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: expected });
    });

    it('refuses the admin UserSig once the clock passes its expiry', async () => {
      // Prepare
      clock.ms = START_MS + 86_401_000;

      // Act
      const answer = await call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'x' });

      // Assess
      expect(code(answer)).toBe(70001);
    });
  });

  describe('body checks', () => {
    const base = { GroupId: GROUP, Member_Account: 'bob' };

    it.each<[string, unknown, number]>([
      ['a body that is not JSON', '{"GroupId":', 60003],
      ['a JSON array', [base], 60003],
      ['no GroupId', { Member_Account: 'bob', NameCard: 'x' }, 10004],
      ['no Member_Account', { GroupId: GROUP, NameCard: 'x' }, 10004],
      ['a GroupId over 48 bytes', { ...base, GroupId: 'g'.repeat(49), NameCard: 'x' }, 10015],
      ['a GroupId with non-ASCII characters', { ...base, GroupId: 'grüppe', NameCard: 'x' }, 10015],
      ['an unknown group', { ...base, GroupId: '@TGS#NOSUCHGROUP', NameCard: 'x' }, 10010],
      ['an AVChatRoom group', { ...base, GroupId: 'live-room-1', MuteTime: 60 }, 10007],
      ['a member not in the group', { ...base, Member_Account: 'zoe', NameCard: 'x' }, 10019],
      ["changing the owner's role", { ...base, Member_Account: 'alice', Role: 'Member' }, 10007],
      ['Role Owner', { ...base, Role: 'Owner' }, 10004],
      ['a bad MsgFlag', { ...base, MsgFlag: 'Mute' }, 10004],
      ['a NameCard of 51 bytes', { ...base, NameCard: 'n'.repeat(51) }, 10004],
      ['a NameCard of 17 three-byte characters', { ...base, NameCard: '名'.repeat(17) }, 10004],
      ['AppMemberDefinedData that is not an array', { ...base, AppMemberDefinedData: { Key: 'a' } }, 10004],
      [
        'AppMemberDefinedData with a number',
        { ...base, AppMemberDefinedData: [{ Key: 'MemberDefined1', Value: 1 }] },
        10004,
      ],
      [
        'AppMemberDefinedData with a key not enabled',
        { ...base, AppMemberDefinedData: [{ Key: 'Other', Value: 'v' }] },
        10004,
      ],
      ['a MuteTime that is a string', { ...base, MuteTime: '60' }, 10004],
      ['a negative MuteTime', { ...base, MuteTime: -1 }, 10004],
      ['a MuteTime over uint32', { ...base, MuteTime: 4_294_967_296 }, 10004],
      ['both MuteTime and ShutUpTime', { ...base, MuteTime: 1, ShutUpTime: 1 }, 10004],
      ['an unknown field', { ...base, NameCard: 'x', Nick: 'x' }, 10004],
      ['no field to modify', base, 10004],
    ])('refuses %s', async (_name, body, expected) => {
      // Act
      const answer = await call(sim, body);

      // Assess
      expect(answer.json).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: expected });
    });

    it('accepts a NameCard of exactly 50 bytes and MuteTime 4294967295', async () => {
      // Act
      const answer = await call(sim, { ...base, NameCard: 'n'.repeat(50), MuteTime: 4_294_967_295 });

      // Assess
      expect(code(answer)).toBe(0);
      expect(sim.state.getMember(GROUP, 'bob')).toMatchObject({
        nameCard: 'n'.repeat(50),
        mutedUntil: nowSeconds() + 4_294_967_295,
      });
    });

    it('applies nothing of a call with one bad field', async () => {
      // Act
      const answer = await call(sim, { ...base, NameCard: 'ok', MsgFlag: 'Bad' });

      // Assess
      expect(code(answer)).toBe(10004);
      expect(sim.state.getMember(GROUP, 'bob')).toMatchObject({ nameCard: '', msgFlag: 'AcceptAndNotify' });
      expect(sim.stats.applied).toBe(0);
    });
  });

  describe('scripted faults', () => {
    const body = { GroupId: GROUP, Member_Account: 'bob', MuteTime: 60 };

    it('answers 10002 without applying, then goes back to normal', async () => {
      // Prepare
      sim.scriptFaults({ code: 10002 });

      // Act
      const faulted = await call(sim, body);
      const normal = await call(sim, { ...body, MuteTime: 120 });

      // Assess
      expect(faulted.json).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 10002 });
      expect(code(normal)).toBe(0);
      expect(sim.stats.applied).toBe(1);
      expect(sim.state.getMember(GROUP, 'bob')?.mutedUntil).toBe(nowSeconds() + 120);
    });

    it('answers HTTP 502 with a non-JSON body', async () => {
      // Prepare
      sim.scriptFaults({ http: 502 });

      // Act
      const response = await fetch(
        apiUrl(sim.url, { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig: adminSig }),
        {
          method: 'POST',
          body: JSON.stringify(body),
        },
      );

      // Assess
      expect(response.status).toBe(502);
      expect(await response.text()).toContain('502');
      expect(sim.stats.faults.http).toBe(1);
      expect(sim.state.getMember(GROUP, 'bob')?.mutedUntil).toBe(0);
    });

    it('delays the answer', async () => {
      // Prepare
      sim.scriptFaults({ delayMs: 300 });
      const started = performance.now();

      // Act
      const answer = await call(sim, body);

      // Assess
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(code(answer)).toBe(0);
    });

    it('drops the connection', async () => {
      // Prepare
      sim.scriptFaults({ drop: true });

      // Act
      const attempt = call(sim, body);

      // Assess
      await expect(attempt).rejects.toThrow();
      expect(sim.calls.at(-1)).toMatchObject({ outcome: 'drop', applied: false });
    });

    it('applies the call before dropping the connection when told to', async () => {
      // Prepare
      sim.scriptFaults({ drop: true, applyBeforeFault: true });

      // Act
      const attempt = call(sim, body);

      // Assess
      await expect(attempt).rejects.toThrow();
      expect(sim.state.getMember(GROUP, 'bob')?.mutedUntil).toBe(nowSeconds() + 60);
      expect(sim.stats.faults).toMatchObject({ drop: 1, appliedBeforeFault: 1 });
    });

    it('holds a timed-out call until the client gives up', async () => {
      // Prepare
      sim.scriptFaults({ timeout: true });

      // Act
      const attempt = call(sim, body, {}, { signal: AbortSignal.timeout(200) });

      // Assess
      await expect(attempt).rejects.toThrow();
      expect(sim.calls.at(-1)).toMatchObject({ outcome: 'timeout', applied: false });
    });

    it('holds a timed-out call for holdMs, then drops it', async () => {
      // Prepare
      sim.scriptFaults({ timeout: 150 });
      const started = performance.now();

      // Act
      const attempt = call(sim, body);

      // Assess
      await expect(attempt).rejects.toThrow();
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('takes a script over HTTP, in order', async () => {
      // Prepare
      const response = await fetch(`${sim.url}/_sim/faults`, {
        method: 'POST',
        body: JSON.stringify({ script: [{ code: 10002 }, { code: 70500 }] }),
      });
      expect(response.status).toBe(200);

      // Act
      const codes = [code(await call(sim, body)), code(await call(sim, body)), code(await call(sim, body))];

      // Assess
      expect(codes).toEqual([10002, 70500, 0]);
    });

    it('refuses a bad fault configuration over HTTP with 400', async () => {
      // Act
      const response = await fetch(`${sim.url}/_sim/faults`, {
        method: 'POST',
        body: JSON.stringify({ error: { rate: 2 } }),
      });

      // Assess
      expect(response.status).toBe(400);
    });
  });

  describe('stats and call log', () => {
    it('counts answers by code', async () => {
      // Prepare
      await call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'x' });
      await call(sim, { GroupId: '@TGS#NOSUCHGROUP', Member_Account: 'bob', NameCard: 'x' });

      // Act
      const response = await fetch(`${sim.url}/_sim/stats`);

      // Assess
      expect(await response.json()).toMatchObject({ calls: 2, applied: 1, byCode: { '0': 1, '10010': 1 } });
    });

    it('never logs the UserSig', async () => {
      // Prepare
      await call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'x' });
      await call(sim, { GroupId: GROUP, Member_Account: 'bob' }, { random: 'bad' });

      // Act
      const overHttp = await (await fetch(`${sim.url}/_sim/calls`)).text();
      const inProcess = JSON.stringify(sim.calls);

      // Assess
      expect(sim.calls).toHaveLength(2);
      expect(sim.calls[0]).toMatchObject({ params: { identifier: ADMIN, usersig: true }, errorCode: 0 });
      for (const text of [overHttp, inProcess]) {
        expect(text).not.toContain(adminSig);
        expect(text).not.toContain(adminSig.slice(0, 24));
      }
    });
  });
});

describe('Tencent Chat simulator rate limit', () => {
  it('answers 60007 over the limit and admits calls again a second later', async () => {
    // Prepare
    const clockMs = { now: START_MS };
    const sim = await startSimulator({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      admins: [ADMIN],
      groups: SEED,
      limitPerSecond: 3,
      now: () => clockMs.now,
    });
    const body = { GroupId: GROUP, Member_Account: 'bob', MuteTime: 60 };

    try {
      // Act
      const burst = await Promise.all(Array.from({ length: 5 }, () => call(sim, body)));
      clockMs.now += 1_000;
      const later = await call(sim, body);

      // Assess
      expect(burst.map(code).sort()).toEqual([0, 0, 0, 60007, 60007]);
      expect(code(later)).toBe(0);
      expect(sim.stats).toMatchObject({ rateLimited: 2, applied: 4 });
    } finally {
      await sim.close();
    }
  });
});

describe('Tencent Chat simulator shutdown', () => {
  it('closes promptly with a kept-alive connection and a held call', async () => {
    // Prepare
    const sim = await startSimulator({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      admins: [ADMIN],
      groups: SEED,
    });
    await call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'x' }, { usersig: fresh() });
    sim.scriptFaults({ timeout: true });
    const held = call(sim, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'y' }, { usersig: fresh() });
    await waitFor(() => sim.calls.length === 2);
    const started = performance.now();

    // Act
    await sim.close();

    // Assess
    await expect(held).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

/** An admin UserSig valid now (for simulators on the real clock). */
function fresh(): string {
  return signUserSig({
    sdkAppId: SDK_APP_ID,
    secretKey: SECRET_KEY,
    identifier: ADMIN,
    expireSeconds: 3_600,
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
