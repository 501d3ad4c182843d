/**
 * The bridge's own Tencent client and UserSig maker against the simulator: the two agree on the URL,
 * the UserSig, the body and every way a call can fail.
 */
import { TencentApiError, TencentTransportError } from '#shared/errors';
import { HttpGroupMemberApi, makeUserSig, type TencentCredentials } from '#shared/tencent';
import { type RunningSimulator, startSimulator } from '../../local/simulator/index.ts';

const SDK_APP_ID = 1_400_000_000;
const SECRET_KEY = 'client-contract-key';
const GROUP = '@TGS#2CLUZEAEJ';

describe('HttpGroupMemberApi against the simulator', () => {
  let sim: RunningSimulator;
  let api: HttpGroupMemberApi;
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
    api = new HttpGroupMemberApi({ endpoint: sim.url, timeoutMs: 300 });
  });

  afterAll(async () => {
    await sim.close();
  });

  beforeEach(() => {
    sim.reset();
  });

  it('applies a call made with a UserSig from tls-sig-api-v2', async () => {
    // Act
    await api.modifyGroupMemberInfo(
      { GroupId: GROUP, Member_Account: 'bob', NameCard: 'Bob', Role: 'Admin' },
      credentials,
    );

    // Assess
    expect(sim.state.getMember(GROUP, 'bob')).toMatchObject({ nameCard: 'Bob', role: 'Admin' });
  });

  it('surfaces Tencent codes as TencentApiError', async () => {
    // Act
    const unknownGroup = api.modifyGroupMemberInfo(
      { GroupId: '@TGS#NONE', Member_Account: 'bob', MuteTime: 1 },
      credentials,
    );
    const wrongKey = api.modifyGroupMemberInfo(
      { GroupId: GROUP, Member_Account: 'bob', MuteTime: 1 },
      { ...credentials, userSig: makeUserSig(SDK_APP_ID, 'administrator', 'other-key', 3_600) },
    );

    // Assess
    await expect(unknownGroup).rejects.toMatchObject({ constructor: TencentApiError, code: 10010 });
    await expect(wrongKey).rejects.toMatchObject({ constructor: TencentApiError, code: 70009 });
  });

  it.each([
    [{ http: 502 }, 'http_status'],
    [{ drop: true as const }, 'network'],
    [{ timeout: true as const }, 'timeout'],
  ])('turns the fault %j into a TencentTransportError (%s)', async (fault, failure) => {
    // Prepare
    sim.scriptFaults(fault);

    // Act
    const attempt = api.modifyGroupMemberInfo(
      { GroupId: GROUP, Member_Account: 'bob', MuteTime: 60 },
      credentials,
    );

    // Assess
    await expect(attempt).rejects.toMatchObject({ constructor: TencentTransportError, failure });
  });
});
