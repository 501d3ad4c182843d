import { decodeUserSig, encodeUserSig, signUserSig, UserSigVerifier } from '../../local/simulator/usersig.ts';

/**
 * Tencent's own signer, CommonJS without type declarations: typed here for the one call used. Required by
 * file because its package.json has two "main" keys and jest's resolver takes the first (a missing file).
 */
const { Api } = require('tls-sig-api-v2/TLSSigAPIv2.js') as {
  Api: new (sdkAppId: number, key: string) => { genUserSig(identifier: string, expire: number): string };
};

const SDK_APP_ID = 1_400_000_000;
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const NOW = 1_750_000_000;

describe('signUserSig', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('produces the same string as tls-sig-api-v2 for the same time', () => {
    // Prepare
    jest.useFakeTimers({ now: NOW * 1000 });

    // Act
    const ours = signUserSig({
      sdkAppId: SDK_APP_ID,
      secretKey: KEY,
      identifier: 'administrator',
      expireSeconds: 86_400,
    });
    const theirs = new Api(SDK_APP_ID, KEY).genUserSig('administrator', 86_400);

    // Assess
    expect(ours).toBe(theirs);
    expect(decodeUserSig(ours)).toMatchObject({
      'TLS.ver': '2.0',
      'TLS.identifier': 'administrator',
      'TLS.sdkappid': SDK_APP_ID,
      'TLS.time': NOW,
      'TLS.expire': 86_400,
    });
  });
});

describe('UserSigVerifier', () => {
  const verifier = new UserSigVerifier(KEY);
  const sign = (overrides: { identifier?: string; key?: string; sdkAppId?: number; time?: number } = {}) =>
    signUserSig({
      sdkAppId: overrides.sdkAppId ?? SDK_APP_ID,
      secretKey: overrides.key ?? KEY,
      identifier: overrides.identifier ?? 'administrator',
      expireSeconds: 3_600,
      nowSeconds: overrides.time ?? NOW,
    });

  it("accepts a UserSig made by Tencent's package", () => {
    // Prepare
    const userSig = new Api(SDK_APP_ID, KEY).genUserSig('administrator', 86_400);

    // Act
    const check = verifier.verify(userSig, SDK_APP_ID, 'administrator', Math.floor(Date.now() / 1000));

    // Assess
    expect(check.ok).toBe(true);
  });

  it('accepts a UserSig up to the last second of its validity', () => {
    // Prepare
    const userSig = sign();

    // Act
    const last = verifier.verify(userSig, SDK_APP_ID, 'administrator', NOW + 3_600);
    const after = verifier.verify(userSig, SDK_APP_ID, 'administrator', NOW + 3_601);

    // Assess
    expect(last.ok).toBe(true);
    expect(after).toMatchObject({ ok: false, code: 70001 });
  });

  it.each([
    ['not base64', 'not a usersig!', 70003],
    ['base64 but not zlib', Buffer.from('hello').toString('base64'), 70003],
    ['fields missing', encodeUserSig({ 'TLS.ver': '2.0', 'TLS.identifier': 'administrator' }), 70003],
    ['signed with another key', sign({ key: 'another-key' }), 70009],
    ['made for another identifier', sign({ identifier: 'bob' }), 70013],
    ['made for another app', sign({ sdkAppId: 1_400_000_001 }), 70014],
  ])('refuses a UserSig %s', (_name, userSig, code) => {
    // Act
    const check = verifier.verify(userSig, SDK_APP_ID, 'administrator', NOW);

    // Assess
    expect(check).toMatchObject({ ok: false, code });
  });

  it('refuses a forged document whose signature does not cover its fields', () => {
    // Prepare: take a valid document and extend its validity without re-signing
    const doc = decodeUserSig(sign());
    const forged = encodeUserSig({ ...doc, 'TLS.expire': 999_999_999 });

    // Act
    const check = verifier.verify(forged, SDK_APP_ID, 'administrator', NOW);

    // Assess
    expect(check).toMatchObject({ ok: false, code: 70009 });
  });
});
