import type { LookupFunction } from 'node:net';
import { HttpTencentApi, type TencentAnswer } from '#shared/tencent';
import { TencentStandIn } from '../helpers/tencent-standin';

const credentials = { sdkAppId: 1400000000, identifier: 'administrator', userSig: 'eJSECRET-USERSIG_' };
const body = { GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', MuteTime: 60 };

describe('HttpTencentApi against a Tencent stand-in on 127.0.0.1', () => {
  let standIn: TencentStandIn;
  let api: HttpTencentApi;
  /** A modify_group_member_info call of `body`. */
  const modify = (client: HttpTencentApi): Promise<TencentAnswer> =>
    client.call({ api: 'modify_group_member_info', body }, credentials);

  beforeAll(async () => {
    standIn = await TencentStandIn.start();
    api = new HttpTencentApi({ endpoint: standIn.url, timeoutMs: 300 });
  });

  afterAll(async () => {
    await standIn.stop();
  });

  beforeEach(() => {
    standIn.reset();
  });

  it('POSTs the JSON body to the documented path with every URL parameter', async () => {
    // Act
    expect(await modify(api)).toEqual({
      kind: 'ok',
      body: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' },
    });

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
    for (let i = 0; i < 5; i++) expect((await modify(api)).kind).toBe('ok');

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
    for (let i = 0; i < 5; i++) expect((await modify(api)).kind).toBe('ok');

    // Assess
    expect(standIn.connections - before).toBeLessThanOrEqual(1);
  });

  it('redacts the UserSig when a network error quotes the URL', async () => {
    // Prepare: a resolver whose error quotes the request URL in full.
    const url = `${standIn.url.replace('127.0.0.1', 'localhost')}/v4/x?usersig=${credentials.userSig}&random=1`;
    const quoting: LookupFunction = (_host, _options, callback) => {
      callback(Object.assign(new Error(`cannot resolve ${url}`), { code: 'ENOTFOUND' }), '', 4);
    };
    const client = new HttpTencentApi({
      endpoint: standIn.url.replace('127.0.0.1', 'localhost'),
      timeoutMs: 300,
      lookup: quoting,
    });

    // Act
    const answer = await modify(client);

    // Assess
    expect(answer).toMatchObject({ kind: 'no_answer' });
    expect(JSON.stringify(answer)).toContain('usersig=REDACTED');
    expect(JSON.stringify(answer)).not.toContain(credentials.userSig);
  });

  it("answers Tencent's ErrorCode and ErrorInfo as a refusal", async () => {
    // Prepare
    standIn.script.push({ code: 10010, info: 'group not found' });

    // Act
    const answer = await modify(api);

    // Assess
    expect(answer).toMatchObject({ kind: 'refused', code: 10010, info: 'group not found' });
  });

  it.each<[string, Parameters<TencentStandIn['script']['push']>[0], string]>([
    ['an HTTP 502', { http: 502 }, 'http_status'],
    ['a body that is not JSON', { raw: '<html>' }, 'bad_response'],
    ['a JSON body without ErrorCode', { raw: '{"ActionStatus":"OK"}' }, 'bad_response'],
    ['no answer in time', { code: 0, delayMs: 1_000 }, 'timeout'],
    ['a dropped connection', { drop: true }, 'network'],
  ])('answers %s as no answer, never holding the UserSig', async (_name, reply, failure) => {
    // Prepare
    standIn.script.push(reply);

    // Act
    const answer = await modify(api);

    // Assess
    expect(answer).toMatchObject({ kind: 'no_answer', failure });
    expect(JSON.stringify(answer)).not.toContain(credentials.userSig);
  });
});

describe('HttpTencentApi: answers without ActionStatus', () => {
  let standIn: TencentStandIn;
  let api: HttpTencentApi;

  beforeAll(async () => {
    standIn = await TencentStandIn.start();
    api = new HttpTencentApi({ endpoint: standIn.url, timeoutMs: 300 });
  });

  afterAll(async () => {
    await standIn.stop();
  });

  it('reads setnospeaking’s documented answer ({ErrorCode, ErrorInfo} only) as OK, at its documented path', async () => {
    // Prepare
    standIn.script.push({ raw: '{"ErrorCode":0,"ErrorInfo":""}' });

    // Act
    const answer = await api.call(
      { api: 'setnospeaking', body: { Set_Account: 'bob', GroupmsgNospeakingTime: 60 } },
      credentials,
    );

    // Assess
    expect(answer).toEqual({ kind: 'ok', body: { ErrorCode: 0, ErrorInfo: '' } });
    expect(standIn.calls.at(-1)?.path).toBe('/v4/openconfigsvr/setnospeaking');
  });

  it('still refuses a setnospeaking answer whose ActionStatus is FAIL, and a group API’s answer without one', async () => {
    standIn.script.push({ raw: '{"ActionStatus":"FAIL","ErrorCode":0,"ErrorInfo":""}' });
    standIn.script.push({ raw: '{"ErrorCode":0,"ErrorInfo":""}' });

    const set = await api.call(
      { api: 'setnospeaking', body: { Set_Account: 'bob', C2CmsgNospeakingTime: 0 } },
      credentials,
    );
    const modify = await api.call({ api: 'modify_group_member_info', body }, credentials);

    expect([set.kind, modify.kind]).toEqual(['refused', 'refused']);
  });
});
