import { CredentialsError } from '#shared/errors';
import { CredentialStore, type SecretSource } from '#shared/tencent';

const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';

/** A secret source whose value a test can change, counting reads. */
function fakeSource(initial: string) {
  let value = initial;
  const reads: boolean[] = [];
  const source: SecretSource = {
    description: "'bridge/tencent-admin'",
    async get({ forceFetch }) {
      reads.push(forceFetch);
      return value;
    },
  };
  return { source, reads, set: (next: string) => (value = next) };
}

describe('CredentialStore', () => {
  it('makes a UserSig from a secretKey and reuses it while the secret is unchanged', async () => {
    // Prepare
    let now = 1_700_000_000_000;
    const { source } = fakeSource(
      JSON.stringify({ sdkAppId: 1400000000, identifier: 'administrator', secretKey: KEY }),
    );
    const store = new CredentialStore(source, { userSigTtlSeconds: 86_400, now: () => now });

    // Act
    const first = await store.current();
    now += 3_600_000;
    const second = await store.current();

    // Assess
    expect(first).toMatchObject({ sdkAppId: 1400000000, identifier: 'administrator' });
    expect(first.userSig).toMatch(/^eJ/);
    expect(second).toBe(first);
  });

  it('makes a new UserSig shortly before the old one expires', async () => {
    // Prepare
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    const { source } = fakeSource(
      JSON.stringify({ sdkAppId: 1400000000, identifier: 'administrator', secretKey: KEY }),
    );
    const store = new CredentialStore(source, { userSigTtlSeconds: 86_400 });
    const first = await store.current();

    // Act: 90% of the validity has passed.
    jest.setSystemTime(1_700_000_000_000 + 86_400 * 900);
    const second = await store.current();
    jest.useRealTimers();

    // Assess
    expect(second.userSig).not.toBe(first.userSig);
  });

  it('uses a ready UserSig as it is, and accepts sdkAppId as a numeric string', async () => {
    // Prepare
    const { source } = fakeSource(
      JSON.stringify({ sdkAppId: '1400000000', identifier: 'admin', userSig: 'eJready' }),
    );
    const store = new CredentialStore(source, { userSigTtlSeconds: 86_400 });

    // Act & Assess
    await expect(store.current()).resolves.toEqual({
      sdkAppId: 1400000000,
      identifier: 'admin',
      userSig: 'eJready',
    });
  });

  it('renews from a fresh read of the secret, shared by concurrent callers', async () => {
    // Prepare
    const fake = fakeSource(JSON.stringify({ sdkAppId: 1, identifier: 'admin', userSig: 'old' }));
    const store = new CredentialStore(fake.source, { userSigTtlSeconds: 86_400 });
    await store.current();
    fake.set(JSON.stringify({ sdkAppId: 1, identifier: 'admin', userSig: 'rotated' }));

    // Act
    const [a, b] = await Promise.all([store.renew(), store.renew()]);

    // Assess
    expect(a.userSig).toBe('rotated');
    expect(b).toBe(a);
    expect(fake.reads).toEqual([false, true]);
  });

  it.each([
    ['not JSON', 'sdkAppId=1', "secret 'bridge/tencent-admin' is not JSON"],
    [
      'no key and no UserSig',
      JSON.stringify({ sdkAppId: 1, identifier: 'admin' }),
      "secret 'bridge/tencent-admin' is malformed: the secret must hold sdkAppId, identifier and either secretKey or userSig",
    ],
    [
      'a boolean sdkAppId',
      JSON.stringify({ sdkAppId: true, identifier: 'admin', userSig: 'topsecret' }),
      "secret 'bridge/tencent-admin' is malformed",
    ],
    [
      'a bad sdkAppId',
      JSON.stringify({ sdkAppId: 'abc', identifier: 'admin', secretKey: 'topsecret' }),
      "secret 'bridge/tencent-admin' is malformed",
    ],
  ])('rejects a secret that is %s, without quoting it', async (_name, secret, message) => {
    // Prepare
    const store = new CredentialStore(fakeSource(secret).source, { userSigTtlSeconds: 86_400 });

    // Act
    const error = await store.current().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(CredentialsError);
    expect(String((error as Error).message)).toContain(message);
    expect(String((error as Error).message)).not.toContain('topsecret');
    expect((error as Error).cause).toBeUndefined();
  });
});
