/**
 * The bridge's own Tencent client and UserSig maker against the simulator: the two agree on the URL,
 * the UserSig, the body and every way a call can fail.
 */
import { HttpTencentApi, makeUserSig, type TencentCredentials } from '#shared/tencent';
import { type RunningSimulator, startSimulator } from '../../local/simulator/index.ts';

const SDK_APP_ID = 1_400_000_000;
const SECRET_KEY = 'client-contract-key';
const GROUP = '@TGS#2CLUZEAEJ';

describe('HttpTencentApi against the simulator', () => {
  let sim: RunningSimulator;
  let api: HttpTencentApi;
  const credentials: TencentCredentials = {
    sdkAppId: SDK_APP_ID,
    identifier: 'administrator',
    userSig: makeUserSig(SDK_APP_ID, 'administrator', SECRET_KEY, 3_600),
  };

  beforeAll(async () => {
    sim = await startSimulator({
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      admins: ['administrator'],
      groups: [{ groupId: GROUP, owner: 'alice', members: ['bob'] }],
    });
    api = new HttpTencentApi({ endpoint: sim.url, timeoutMs: 300 });
  });

  afterAll(async () => {
    await sim.close();
  });

  beforeEach(() => {
    sim.reset();
  });

  it('applies a call made with a UserSig from tls-sig-api-v2', async () => {
    // Act
    const answer = await api.call(
      {
        api: 'modify_group_member_info',
        body: { GroupId: GROUP, Member_Account: 'bob', NameCard: 'Bob', Role: 'Admin' },
      },
      credentials,
    );

    // Assess
    expect(answer.kind).toBe('ok');
    expect(sim.state.getMember(GROUP, 'bob')).toMatchObject({ nameCard: 'Bob', role: 'Admin' });
  });

  it("answers Tencent's codes as refusals", async () => {
    // Act
    const unknownGroup = await api.call(
      { api: 'modify_group_member_info', body: { GroupId: '@TGS#NONE', Member_Account: 'bob', MuteTime: 1 } },
      credentials,
    );
    const wrongKey = await api.call(
      { api: 'modify_group_member_info', body: { GroupId: GROUP, Member_Account: 'bob', MuteTime: 1 } },
      { ...credentials, userSig: makeUserSig(SDK_APP_ID, 'administrator', 'other-key', 3_600) },
    );

    // Assess
    expect(unknownGroup).toMatchObject({ kind: 'refused', code: 10010 });
    expect(wrongKey).toMatchObject({ kind: 'refused', code: 70009 });
  });

  it.each([
    [{ http: 502 }, 'http_status'],
    [{ drop: true as const }, 'network'],
    [{ timeout: true as const }, 'timeout'],
  ])('answers the fault %j as no answer (%s)', async (fault, failure) => {
    // Prepare
    sim.scriptFaults(fault);

    // Act
    const answer = await api.call(
      { api: 'modify_group_member_info', body: { GroupId: GROUP, Member_Account: 'bob', MuteTime: 60 } },
      credentials,
    );

    // Assess
    expect(answer).toMatchObject({ kind: 'no_answer', failure });
  });
});
