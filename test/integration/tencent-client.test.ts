import type { LookupFunction } from 'node:net';
import { TencentApiError, TencentTransportError } from '#shared/errors';
import { HttpGroupMemberApi } from '#shared/tencent';
import { TencentStandIn } from '../helpers/tencent-standin';

const credentials = { sdkAppId: 1400000000, identifier: 'administrator', userSig: 'eJSECRET-USERSIG_' };
const body = { GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', MuteTime: 60 };

describe('HttpGroupMemberApi against a Tencent stand-in on 127.0.0.1', () => {
  let standIn: TencentStandIn;
  let api: HttpGroupMemberApi;

  beforeAll(async () => {
    standIn = await TencentStandIn.start();
    api = new HttpGroupMemberApi({ endpoint: standIn.url, timeoutMs: 300 });
  });

  afterAll(async () => {
    await standIn.stop();
  });

  beforeEach(() => {
    standIn.reset();
  });

  it('POSTs the JSON body to the documented path with every URL parameter', async () => {
    // Act
    await api.modifyGroupMemberInfo(body, credentials);

    // Assess
    const [call] = standIn.calls;
    expect(call?.path).toBe('/v4/group_open_http_svc/modify_group_member_info');
    expect(Object.fromEntries(call?.query ?? [])).toEqual({
      sdkappid: '1400000000',
      identifier: 'administrator',
      usersig: 'eJSECRET-USERSIG_',
      random: expect.stringMatching(/^\d+$/),
      contenttype: 'json',
    });
    expect(call?.body).toEqual(body);
  });

  it('sends a fresh uint32 random with every call', async () => {
    // Act
    for (let i = 0; i < 5; i++) await api.modifyGroupMemberInfo(body, credentials);

    // Assess
    const randoms = standIn.calls.map((call) => Number(call.query.get('random')));
    expect(new Set(randoms).size).toBe(5);
    for (const random of randoms) {
      expect(Number.isInteger(random) && random >= 0 && random <= 4294967295).toBe(true);
    }
  });

  it('keeps the connection alive across calls', async () => {
    // Prepare
    const before = standIn.connections;

    // Act
    for (let i = 0; i < 5; i++) await api.modifyGroupMemberInfo(body, credentials);

    // Assess
    expect(standIn.connections - before).toBeLessThanOrEqual(1);
  });

  it('redacts the UserSig when a network error quotes the URL', async () => {
    // Prepare: a resolver whose error quotes the request URL in full.
    const url = `${standIn.url.replace('127.0.0.1', 'localhost')}/v4/x?usersig=${credentials.userSig}&random=1`;
    const quoting: LookupFunction = (_host, _options, callback) => {
      callback(Object.assign(new Error(`cannot resolve ${url}`), { code: 'ENOTFOUND' }), '', 4);
    };
    const client = new HttpGroupMemberApi({
      endpoint: standIn.url.replace('127.0.0.1', 'localhost'),
      timeoutMs: 300,
      lookup: quoting,
    });

    // Act
    const error = await client.modifyGroupMemberInfo(body, credentials).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(TencentTransportError);
    expect(String((error as Error).message)).toContain('usersig=REDACTED');
    expect(String((error as Error).message)).not.toContain(credentials.userSig);
  });

  it("raises Tencent's ErrorCode and ErrorInfo", async () => {
    // Prepare
    standIn.script.push({ code: 10010, info: 'group not found' });

    // Act
    const error = await api.modifyGroupMemberInfo(body, credentials).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(TencentApiError);
    expect(error).toMatchObject({ code: 10010, info: 'group not found' });
  });

  it.each<[string, Parameters<TencentStandIn['script']['push']>[0], string]>([
    ['an HTTP 502', { http: 502 }, 'http_status'],
    ['a body that is not JSON', { raw: '<html>' }, 'bad_response'],
    ['a JSON body without ErrorCode', { raw: '{"ActionStatus":"OK"}' }, 'bad_response'],
    ['no answer in time', { code: 0, delayMs: 1_000 }, 'timeout'],
    ['a dropped connection', { drop: true }, 'network'],
  ])('turns %s into a transport error that never holds the UserSig', async (_name, reply, failure) => {
    // Prepare
    standIn.script.push(reply);

    // Act
    const error = await api.modifyGroupMemberInfo(body, credentials).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(TencentTransportError);
    expect(error).toMatchObject({ failure });
    expect(JSON.stringify(error)).not.toContain(credentials.userSig);
    expect(String(error)).not.toContain(credentials.userSig);
    expect(String((error as Error).stack)).not.toContain(credentials.userSig);
  });
});
