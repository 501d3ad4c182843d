import { FAILOVER, type FailoverEvent, HttpTencentApi } from '#shared/tencent';
import { apiUrl, type RunningSimulator, signUserSig, startSimulator } from '../../local/simulator/index.ts';

/**
 * The simulator's second listener, standing for the region's backup domain, and the control that makes
 * the main one refuse connections and come back; and the Tencent client failing over between them.
 */

const SDK_APP_ID = 1400000000;
const SECRET_KEY = 'simulator-domains-test-key';
const ADMIN = 'administrator';
const GROUP = '@TGS#2CLUZEAEJ';
const userSig = signUserSig({
  sdkAppId: SDK_APP_ID,
  secretKey: SECRET_KEY,
  identifier: ADMIN,
  expireSeconds: 86_400,
});
const credentials = { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig };

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    sdkAppId: SDK_APP_ID,
    secretKey: SECRET_KEY,
    admins: [ADMIN],
    groups: [{ groupId: GROUP, type: 'Public', owner: 'alice', members: ['bob', 'carol'] }],
    backup: { port: 0 },
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  await sim.setReachable('main', true);
  sim.reset();
});

const backupUrl = (): string => {
  if (sim.backupUrl === undefined) throw new Error('no backup listener');
  return sim.backupUrl;
};

/** One `modify_group_member_info` call to a base URL; the HTTP status and ErrorCode, or the error code. */
async function modify(base: string, body: object): Promise<number | string> {
  try {
    const response = await fetch(apiUrl(base, { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig }), {
      method: 'POST',
      body: JSON.stringify(body),
    });
    return ((await response.json()) as { ErrorCode: number }).ErrorCode;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? String(error);
  }
}

const control = async (base: string, path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as unknown };
};

describe('the backup listener', () => {
  it('serves the same app and state as the main one, and counts calls per domain', async () => {
    // Act
    const viaBackup = await modify(backupUrl(), {
      GroupId: GROUP,
      Member_Account: 'bob',
      NameCard: 'via backup',
    });

    // Assess
    expect(viaBackup).toBe(0);
    expect(sim.state.getMember(GROUP, 'bob')?.nameCard).toBe('via backup');
    expect(sim.stats.byDomain).toEqual({ main: 0, backup: 1 });
    expect(sim.calls.map((call) => call.domain)).toEqual(['backup']);
  });

  it('lists both domains', async () => {
    // Act
    const { status, json } = await control(sim.url, '/_sim/domains');

    // Assess
    expect(status).toBe(200);
    expect(json).toEqual({
      main: { url: sim.url, reachable: true },
      backup: { url: sim.backupUrl, reachable: true },
    });
  });
});

describe('making the main domain unreachable', () => {
  it('refuses connections to it, asked on itself, until it is made reachable on the backup', async () => {
    // Act
    const off = await control(sim.url, '/_sim/domains/main', { reachable: false });
    const whileOff = await modify(sim.url, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'x' });
    const backupWhileOff = await modify(backupUrl(), {
      GroupId: GROUP,
      Member_Account: 'bob',
      NameCard: 'y',
    });
    const on = await control(backupUrl(), '/_sim/domains/main', { reachable: true });
    const afterOn = await modify(sim.url, { GroupId: GROUP, Member_Account: 'bob', NameCard: 'z' });

    // Assess
    expect(off).toEqual({
      status: 200,
      json: expect.objectContaining({ main: { url: sim.url, reachable: false } }),
    });
    expect(whileOff).toBe('ECONNREFUSED');
    expect(backupWhileOff).toBe(0);
    expect(on.json).toEqual(expect.objectContaining({ main: { url: sim.url, reachable: true } }));
    expect(afterOn).toBe(0);
    expect(sim.state.getMember(GROUP, 'bob')?.nameCard).toBe('z');
  });

  it('answers 400 to a body without a boolean reachable, 404 without a backup listener', async () => {
    // Prepare
    const single = await startSimulator({ sdkAppId: SDK_APP_ID, secretKey: SECRET_KEY, admins: [ADMIN] });

    try {
      // Act
      const bad = await control(sim.url, '/_sim/domains/main', { reachable: 'no' });
      const none = await control(single.url, '/_sim/domains/backup', { reachable: false });

      // Assess
      expect(bad.status).toBe(400);
      expect(none.status).toBe(404);
      expect(single.backupUrl).toBeUndefined();
    } finally {
      await single.close();
    }
  });
});

describe('the Tencent client against both domains', () => {
  it('fails over while the main refuses connections, prefers the backup, and returns to the main after the cool-down', async () => {
    // Prepare
    let now = 0;
    const events: FailoverEvent[] = [];
    const api = new HttpTencentApi({
      endpoint: sim.url,
      backupEndpoint: backupUrl(),
      timeoutMs: 1_000,
      now: () => now,
      onFailover: (event) => events.push(event),
    });
    const card = async (nameCard: string) => {
      const answer = await api.call(
        {
          api: 'modify_group_member_info',
          body: { GroupId: GROUP, Member_Account: 'carol', NameCard: nameCard },
        },
        credentials,
      );
      expect(answer.kind).toBe('ok');
    };

    try {
      // Act: the main goes dark; five calls.
      await sim.setReachable('main', false);
      for (let i = 1; i <= 5; i++) await card(`card-${i}`);
      // The main comes back, but the container still prefers the backup until the cool-down is over.
      await sim.setReachable('main', true);
      await card('card-6');
      now += FAILOVER.coolDownMs;
      await card('card-7');
      await card('card-8');

      // Assess: every call applied once, in order, on the domain the rule says.
      expect(sim.calls.map((call) => [call.domain, (call.body as { NameCard: string }).NameCard])).toEqual([
        ['backup', 'card-1'],
        ['backup', 'card-2'],
        ['backup', 'card-3'],
        ['backup', 'card-4'],
        ['backup', 'card-5'],
        ['backup', 'card-6'],
        ['main', 'card-7'],
        ['main', 'card-8'],
      ]);
      expect(sim.state.getMember(GROUP, 'carol')?.nameCard).toBe('card-8');
      expect(
        events.map((event) => (event.kind === 'switch' ? `switch to ${event.preferred}` : event.kind)),
      ).toEqual(['failover', 'failover', 'switch to backup', 'failover', 'switch to main']);
    } finally {
      api.destroy();
    }
  });
});
