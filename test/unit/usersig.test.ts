import { createHmac } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { makeUserSig } from '#shared/tencent';

// Tencent's published test key (tls-sig-api-v2's own test file).
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const KNOWN_VECTOR =
  'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwokpuZl5mcUlRYkl*UVQBcUp2YkFBZkpSlaGJgZQAJEpycxNVbIyNEcVTa0oyCxKVbKyMDOBCRVnpitZKVX6OKZql5uHh6aGlhYmhVlm6IdEmFuUGhnmh7hnamdaRhUYlhoHFORFmhnYKtUCAK0SM5I_';

/** Undoes TLSSigAPIv2's URL-safe base64 and deflate (reference: "UserSig (TLSSigAPIv2)", step 3). */
function decode(userSig: string): Record<string, unknown> {
  const base64 = userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(inflateSync(Buffer.from(base64, 'base64')).toString('utf8'));
}

describe('makeUserSig', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('matches a known vector at a fixed time', () => {
    // Prepare
    jest.useFakeTimers({ now: 1_700_000_000_000 });

    // Act
    const userSig = makeUserSig(1400000000, 'administrator', KEY, 86400);

    // Assess
    expect(userSig).toBe(KNOWN_VECTOR);
  });

  it('signs exactly the content the reference describes', () => {
    // Prepare
    jest.useFakeTimers({ now: 1_700_000_000_000 });

    // Act
    const document = decode(makeUserSig(1400000000, 'administrator', KEY, 86400));

    // Assess: steps 1 and 2 of the reference, recomputed independently.
    const content =
      'TLS.identifier:administrator\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:86400\n';
    expect(document).toEqual({
      'TLS.ver': '2.0',
      'TLS.identifier': 'administrator',
      'TLS.sdkappid': 1400000000,
      'TLS.time': 1700000000,
      'TLS.expire': 86400,
      'TLS.sig': createHmac('sha256', KEY).update(content).digest('base64'),
    });
  });

  it('uses only URL-safe characters', () => {
    expect(makeUserSig(1400000000, 'administrator', KEY, 86400)).toMatch(/^[A-Za-z0-9*\-_]+$/);
  });
});
