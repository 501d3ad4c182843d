import crypto, { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { CredentialsError } from '#shared/errors';
import {
  parseSigningSecrets,
  WEBHOOK_HEADERS,
  type WebhookCheck,
  WebhookVerifier,
  webhookHeadersOf,
} from '#shared/http';
import {
  cachingSecretSource,
  type SignedHeaders,
  signedHeaders,
  signingSecret,
  webhookSecretJson,
} from '../helpers/webhooks';

const BODY = '{"groupId":"@TGS#2CLUZEAEJ","account":"bob","action":"unmute"}';
const MINUTE = 60_000;

/** A verifier over one secret value; returns it with its source. */
function verifierOf(...secrets: string[]) {
  const source = cachingSecretSource(webhookSecretJson(...secrets));
  return { ...source, verifier: new WebhookVerifier(source.source) };
}

const failureOf = (check: WebhookCheck) => (check.kind === 'rejected' ? check.failure : check.kind);

describe('WebhookVerifier', () => {
  it('accepts a delivery signed with the signing secret, and gives its webhook-id', async () => {
    // Prepare
    const secret = signingSecret();
    const { verifier } = verifierOf(secret);
    const headers = signedHeaders(secret, BODY, { id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' });

    // Act
    const check = await verifier.verify(headers, BODY);

    // Assess
    expect(check).toEqual({ kind: 'verified', webhookId: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W' });
  });

  it('refuses a tampered body as a bad signature', async () => {
    // Prepare
    const secret = signingSecret();
    const { verifier } = verifierOf(secret);
    const headers = signedHeaders(secret, BODY);

    // Act
    const check = await verifier.verify(headers, BODY.replace('unmute', 'mute  '));

    // Assess
    expect(check).toMatchObject({
      kind: 'rejected',
      failure: 'bad_signature',
      webhookId: headers['webhook-id'],
    });
  });

  it('refuses a body signed with another secret', async () => {
    // Prepare
    const { verifier } = verifierOf(signingSecret());

    // Act
    const check = await verifier.verify(signedHeaders(signingSecret(), BODY), BODY);

    // Assess
    expect(failureOf(check)).toBe('bad_signature');
  });

  it('refuses a changed webhook-id or webhook-timestamp: both are signed', async () => {
    // Prepare
    const secret = signingSecret();
    const { verifier } = verifierOf(secret);
    const headers = signedHeaders(secret, BODY, { id: 'msg_1' });

    // Act
    const otherId = await verifier.verify({ ...headers, 'webhook-id': 'msg_2' }, BODY);
    const otherTime = await verifier.verify(
      { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) },
      BODY,
    );

    // Assess
    expect([failureOf(otherId), failureOf(otherTime)]).toEqual(['bad_signature', 'bad_signature']);
  });

  it('accepts either secret of a rotation (old and new listed), and refuses one removed from the list', async () => {
    // Prepare
    const [old, next] = [signingSecret(), signingSecret()];
    const { verifier, set, expire } = verifierOf(old, next);

    // Act
    const byOld = await verifier.verify(signedHeaders(old, BODY), BODY);
    const byNew = await verifier.verify(signedHeaders(next, BODY), BODY);
    set(webhookSecretJson(next));
    expire();
    const byRemoved = await verifier.verify(signedHeaders(old, BODY), BODY);
    const byKept = await verifier.verify(signedHeaders(next, BODY), BODY);

    // Assess
    expect([byOld.kind, byNew.kind]).toEqual(['verified', 'verified']);
    expect(failureOf(byRemoved)).toBe('bad_signature');
    expect(byKept.kind).toBe('verified');
  });

  it('accepts a signature header with several signatures when one of them matches (a sender rotating)', async () => {
    // Prepare
    const [mine, other] = [signingSecret(), signingSecret()];
    const { verifier } = verifierOf(mine);
    const good = signedHeaders(mine, BODY, { id: 'msg_1' });
    const stale = signedHeaders(other, BODY, { id: 'msg_1' });

    // Act
    const check = await verifier.verify(
      {
        ...good,
        'webhook-signature': `${stale['webhook-signature']} ${good['webhook-signature']}`,
      },
      BODY,
    );

    // Assess
    expect(check.kind).toBe('verified');
  });

  it('refuses a signature of another scheme version (only v1 is known)', async () => {
    // Prepare
    const secret = signingSecret();
    const { verifier } = verifierOf(secret);
    const headers = signedHeaders(secret, BODY);

    // Act
    const check = await verifier.verify(
      { ...headers, 'webhook-signature': headers['webhook-signature'].replace(/^v1,/, 'v2,') },
      BODY,
    );

    // Assess
    expect(failureOf(check)).toBe('bad_signature');
  });

  it.each([
    ['6 minutes old', -6 * MINUTE, 'timestamp_too_old', /more than 5 minutes in the past/],
    ['6 minutes in the future', 6 * MINUTE, 'timestamp_too_new', /more than 5 minutes in the future/],
  ])('refuses a timestamp %s, even with a good signature', async (_, offsetMs, failure, message) => {
    // Prepare
    const secret = signingSecret();
    const { verifier, reads } = verifierOf(secret);

    // Act
    const check = await verifier.verify(
      signedHeaders(secret, BODY, { at: new Date(Date.now() + offsetMs) }),
      BODY,
    );

    // Assess: refused before the secret is even read.
    expect(check).toMatchObject({ kind: 'rejected', failure, message: expect.stringMatching(message) });
    expect(reads).toEqual([]);
  });

  it.each([
    ['4 minutes old', -4 * MINUTE],
    ['4 minutes in the future', 4 * MINUTE],
  ])('accepts a timestamp %s (within the 5-minute tolerance)', async (_, offsetMs) => {
    // Prepare
    const secret = signingSecret();
    const { verifier } = verifierOf(secret);

    // Act
    const check = await verifier.verify(
      signedHeaders(secret, BODY, { at: new Date(Date.now() + offsetMs) }),
      BODY,
    );

    // Assess
    expect(check.kind).toBe('verified');
  });

  it.each(['soon', '1.5', '-1', '+1700000000', '1700000000abc'])(
    'refuses webhook-timestamp %p, not whole seconds since the epoch',
    async (timestamp) => {
      // Prepare
      const secret = signingSecret();
      const { verifier } = verifierOf(secret);

      // Act
      const check = await verifier.verify(
        { ...signedHeaders(secret, BODY), 'webhook-timestamp': timestamp },
        BODY,
      );

      // Assess
      expect(check).toMatchObject({
        kind: 'rejected',
        failure: 'invalid_timestamp',
        message: 'webhook-timestamp must be the signing time in whole seconds since 1970-01-01T00:00:00Z',
      });
    },
  );

  it.each(WEBHOOK_HEADERS)('refuses a request without %s, naming it', async (name) => {
    // Prepare
    const secret = signingSecret();
    const { verifier, reads } = verifierOf(secret);
    const headers: Partial<SignedHeaders> = signedHeaders(secret, BODY);
    delete headers[name];

    // Act
    const check = await verifier.verify(headers, BODY);
    const empty = await verifier.verify({ ...signedHeaders(secret, BODY), [name]: '' }, BODY);

    // Assess
    expect(check).toMatchObject({
      kind: 'rejected',
      failure: 'missing_headers',
      message: expect.stringMatching(new RegExp(`^missing webhook header ${name}: `)),
    });
    expect(failureOf(empty)).toBe('missing_headers');
    expect(reads).toEqual([]);
  });

  it('names every missing header at once', async () => {
    // Prepare
    const { verifier } = verifierOf(signingSecret());

    // Act
    const check = await verifier.verify({}, BODY);

    // Assess
    expect(check).toEqual({
      kind: 'rejected',
      failure: 'missing_headers',
      message:
        'missing webhook headers webhook-id, webhook-timestamp, webhook-signature: sign each request with webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks)',
      webhookId: undefined,
    });
  });

  it('never puts a signature or a secret in what it answers', async () => {
    // Prepare
    const secret = signingSecret();
    const other = signingSecret();
    const { verifier } = verifierOf(secret);
    const good = signedHeaders(secret, BODY);
    const wrong = signedHeaders(other, BODY);

    // Act
    const checks = await Promise.all([
      verifier.verify({ ...good, 'webhook-signature': wrong['webhook-signature'] }, BODY),
      verifier.verify(wrong, BODY),
      verifier.verify(good, `${BODY} `),
    ]);

    // Assess: neither the signature sent, nor the expected one, nor either key.
    const answers = JSON.stringify(checks);
    for (const value of [good['webhook-signature'], wrong['webhook-signature'], secret, other]) {
      expect(answers).not.toContain(value.slice(6));
    }
    expect(checks.map(failureOf)).toEqual(['bad_signature', 'bad_signature', 'bad_signature']);
  });

  it('verifies the bytes of a base64 body, as received', async () => {
    // Prepare
    const secret = signingSecret();
    const { verifier } = verifierOf(secret);
    const bytes = Buffer.from('{"groupId":"@TGS#2CLUZEAEJ","account":"bøb","action":"unmute"}', 'utf8');

    // Act
    const check = await verifier.verify(signedHeaders(secret, bytes), bytes);

    // Assess
    expect(check.kind).toBe('verified');
  });

  it('re-reads the secret once when no cached signing secret matches, picking up a secret just added', async () => {
    // Prepare: the cache still has the old value when the sender switches to the new secret.
    const [old, next] = [signingSecret(), signingSecret()];
    const { verifier, set, reads } = verifierOf(old);
    await verifier.verify(signedHeaders(old, BODY), BODY);
    set(webhookSecretJson(old, next));

    // Act
    const check = await verifier.verify(signedHeaders(next, BODY), BODY);

    // Assess
    expect(check.kind).toBe('verified');
    expect(reads).toEqual(['cached', 'cached', 'forced']);
  });

  it('forces at most one re-read per interval, shared by concurrent requests, so bad signatures cannot flood Secrets Manager', async () => {
    // Prepare
    const source = cachingSecretSource(webhookSecretJson(signingSecret()));
    const verifier = new WebhookVerifier(source.source, { refreshIntervalMs: 60_000 });
    const forged = () => signedHeaders(signingSecret(), BODY);

    // Act
    const checks = await Promise.all(Array.from({ length: 5 }, () => verifier.verify(forged(), BODY)));
    const later = await verifier.verify(forged(), BODY);

    // Assess
    expect([...checks, later].map(failureOf)).toEqual(Array(6).fill('bad_signature'));
    expect(source.reads.filter((read) => read === 'forced')).toEqual(['forced']);
  });

  it('forces a re-read again once the interval has passed', async () => {
    // Prepare
    const source = cachingSecretSource(webhookSecretJson(signingSecret()));
    const verifier = new WebhookVerifier(source.source, { refreshIntervalMs: 0 });

    // Act
    await verifier.verify(signedHeaders(signingSecret(), BODY), BODY);
    await verifier.verify(signedHeaders(signingSecret(), BODY), BODY);

    // Assess
    expect(source.reads.filter((read) => read === 'forced')).toHaveLength(2);
  });

  it('answers unavailable, not rejected, when the secret cannot be read', async () => {
    // Prepare
    const secret = signingSecret();
    const { verifier, fail } = verifierOf(secret);
    fail(true);

    // Act
    const check = await verifier.verify(signedHeaders(secret, BODY), BODY);

    // Assess
    expect(check.kind).toBe('unavailable');
    expect(check.kind === 'unavailable' && check.error).toBeInstanceOf(CredentialsError);
  });

  it('answers unavailable when the re-read after a mismatch fails', async () => {
    // Prepare
    const secret = signingSecret();
    const { verifier, fail } = verifierOf(secret);
    await verifier.verify(signedHeaders(secret, BODY), BODY);
    fail(true);

    // Act
    const check = await verifier.verify(signedHeaders(signingSecret(), BODY), BODY);

    // Assess
    expect(check.kind).toBe('unavailable');
  });

  it('answers unavailable when the secret is malformed, and checks again on the next request', async () => {
    // Prepare
    const secret = signingSecret();
    const source = cachingSecretSource('{"signingSecrets": "whsec_x"}');
    const verifier = new WebhookVerifier(source.source);

    // Act
    const broken = await verifier.verify(signedHeaders(secret, BODY), BODY);
    source.set(webhookSecretJson(secret));
    source.expire();
    const fixed = await verifier.verify(signedHeaders(secret, BODY), BODY);

    // Assess
    expect(broken).toEqual({
      kind: 'unavailable',
      error: new CredentialsError(
        `secret 'bridge/webhook' is malformed: it must be a JSON object with signingSecrets, an array of 1 to 10 "whsec_<base64>" strings`,
      ),
    });
    expect(fixed.kind).toBe('verified');
  });
});

describe('parseSigningSecrets', () => {
  const key = signingSecret();

  it.each([
    ['not JSON', `{"signingSecrets": ["${key}"]`, "secret 'w' is not JSON"],
    ['an array', `["${key}"]`, 'it must be a JSON object with signingSecrets'],
    ['no signingSecrets', `{"secrets": ["${key}"]}`, 'it must be a JSON object with signingSecrets'],
    ['an empty list', '{"signingSecrets": []}', 'an array of 1 to 10'],
    ['eleven secrets', webhookSecretJson(...Array(11).fill(key)), 'an array of 1 to 10'],
    [
      'a secret without whsec_',
      webhookSecretJson(key, key.slice(6)),
      'signingSecrets[1] must be "whsec_" followed by base64',
    ],
    ['a number', '{"signingSecrets": [1]}', 'signingSecrets[0] must be "whsec_" followed by base64'],
    [
      'a short key',
      webhookSecretJson('whsec_dGVzdA=='),
      'signingSecrets[0] must hold at least 24 bytes of key',
    ],
  ])('refuses %s, naming the rule and never a value', (_, value, rule) => {
    // Act
    const parsed = parseSigningSecrets(value, "'w'");

    // Assess
    expect(parsed).toBeInstanceOf(CredentialsError);
    const message = parsed instanceof CredentialsError ? parsed.message : '';
    expect(message).toContain(rule);
    expect(message).not.toContain(key.slice(6, 20));
  });

  it('takes the key bytes of each signing secret (base64 after whsec_), ignoring other keys', () => {
    // Prepare
    const other = signingSecret();

    // Act
    const parsed = parseSigningSecrets(
      JSON.stringify({ signingSecrets: [key, other], note: 'rotated 2026-01' }),
      "'w'",
    );

    // Assess
    expect(Array.isArray(parsed) && parsed.map((bytes) => bytes.toString('base64'))).toEqual([
      key.slice(6),
      other.slice(6),
    ]);
  });
});

describe('webhookHeadersOf', () => {
  it('finds the webhook headers whatever the case of their names, and nothing else', () => {
    expect(
      webhookHeadersOf({
        'Webhook-Id': 'msg_1',
        'WEBHOOK-TIMESTAMP': '1700000000',
        'webhook-signature': 'v1,abc',
        'Content-Type': 'application/json',
      }),
    ).toEqual({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc' });
    expect(webhookHeadersOf(null)).toEqual({});
  });
});

/**
 * What a rejection costs: with the API public (webhook mode), every forged request is checked, so what
 * can be refused without an HMAC is, and each distinct signing secret is hashed at most once per request
 * (Node's native HMAC; the `standardwebhooks` package's pure-JavaScript one is not used to verify).
 */
describe('WebhookVerifier, the cost of a check', () => {
  /** Every HMAC the verifier computes goes through `createHmac`; its calls give the keys it was keyed with. */
  let createHmac: jest.SpyInstance;
  /** The package's signing (its `verify` signs to compare): a call would be a pure-JavaScript HMAC. */
  let packageSign: jest.SpyInstance;
  const keysHashed = () =>
    createHmac.mock.calls.map(([, key]) => Buffer.from(key as Buffer).toString('base64'));
  const BIG_BODY = JSON.stringify({
    groupId: '@TGS#2CLUZEAEJ',
    account: 'bob',
    action: 'mute',
    durationSeconds: 600,
    reason: 'x'.repeat(256 * 1024 - 100),
  });
  /** A well-formed signature no signing secret gives: `v1,` and 32 random bytes in base64. */
  const forgedSignature = () => `v1,${randomBytes(32).toString('base64')}`;

  /** Spies on both HMACs once a test has prepared its requests (the package signs them). */
  const countHashes = () => {
    createHmac = jest.spyOn(crypto, 'createHmac');
    packageSign = jest.spyOn(Webhook.prototype, 'sign');
  };

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('hashes each of 10 signing secrets once to refuse a forged 256 KiB request, and only the secret the forced re-read adds after them', async () => {
    // Prepare: the cache holds 10 secrets; the re-read the mismatch forces finds 9 of them and a new one.
    const first = signingSecret();
    const secrets = [first, ...Array.from({ length: 9 }, () => signingSecret())];
    const added = signingSecret();
    const { verifier, set, reads } = verifierOf(...secrets);
    const headers = {
      ...signedHeaders(signingSecret(), BIG_BODY),
      'webhook-signature': forgedSignature(),
    };
    await verifier.verify(signedHeaders(first, BODY), BODY);
    set(webhookSecretJson(...secrets.slice(1), added));
    countHashes();

    // Act
    const check = await verifier.verify(headers, BIG_BODY);

    // Assess
    expect(failureOf(check)).toBe('bad_signature');
    expect(reads).toEqual(['cached', 'cached', 'forced']);
    expect(keysHashed()).toHaveLength(11);
    expect(new Set(keysHashed())).toEqual(new Set([...secrets, added].map((secret) => secret.slice(6))));
    expect(packageSign).not.toHaveBeenCalled();
  });

  it('hashes a secret the re-read adds once, and verifies a request it signed, without hashing the others again', async () => {
    // Prepare
    const first = signingSecret();
    const secrets = [first, ...Array.from({ length: 9 }, () => signingSecret())];
    const added = signingSecret();
    const { verifier, set } = verifierOf(...secrets);
    await verifier.verify(signedHeaders(first, BODY), BODY);
    set(webhookSecretJson(...secrets.slice(1), added));
    const headers = signedHeaders(added, BIG_BODY);
    countHashes();

    // Act
    const check = await verifier.verify(headers, BIG_BODY);

    // Assess
    expect(check.kind).toBe('verified');
    expect(keysHashed()).toHaveLength(11);
    expect(keysHashed().at(-1)).toBe(added.slice(6));
    expect(packageSign).not.toHaveBeenCalled();
  });

  it('hashes a secret listed twice once, and stops at the first secret that matches', async () => {
    // Prepare
    const [first, second] = [signingSecret(), signingSecret()];
    const { verifier } = verifierOf(first, first, second);
    const byFirst = signedHeaders(first, BODY);
    const forged = { ...signedHeaders(second, BODY), 'webhook-signature': forgedSignature() };
    countHashes();

    // Act
    const verified = await verifier.verify(byFirst, BODY);
    const hashedToVerify = keysHashed().length;
    const refused = await verifier.verify(forged, BODY);

    // Assess: one HMAC to verify; the forged request hashes both distinct keys, once each.
    expect([verified.kind, failureOf(refused)]).toEqual(['verified', 'bad_signature']);
    expect(hashedToVerify).toBe(1);
    expect(keysHashed().slice(1)).toEqual([first.slice(6), second.slice(6)]);
  });

  it.each([
    ['no webhook-id', { 'webhook-id': undefined }, 'missing_headers'],
    ['an empty webhook-signature', { 'webhook-signature': '' }, 'missing_headers'],
    ['a timestamp that is not whole seconds', { 'webhook-timestamp': '17e8' }, 'invalid_timestamp'],
    [
      'a timestamp 6 minutes old',
      { 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 360) },
      'timestamp_too_old',
    ],
    [
      'a timestamp 6 minutes ahead',
      { 'webhook-timestamp': String(Math.floor(Date.now() / 1000) + 360) },
      'timestamp_too_new',
    ],
    [
      'a v2 signature only',
      { 'webhook-signature': `v2,${randomBytes(32).toString('base64')}` },
      'bad_signature',
    ],
    [
      'a v1 signature of 31 bytes',
      { 'webhook-signature': `v1,${randomBytes(31).toString('base64')}` },
      'bad_signature',
    ],
    [
      'a v1 signature of 33 bytes',
      { 'webhook-signature': `v1,${randomBytes(33).toString('base64')}` },
      'bad_signature',
    ],
    [
      'a v1 signature without its padding',
      { 'webhook-signature': `v1,${randomBytes(32).toString('base64').slice(0, -1)}` },
      'bad_signature',
    ],
    [
      'a v1 signature in base64url',
      { 'webhook-signature': 'v1,__________________________________________8=' },
      'bad_signature',
    ],
    [
      'a v1 signature with trailing bits set (not canonical)',
      { 'webhook-signature': `v1,${'A'.repeat(42)}B=` },
      'bad_signature',
    ],
    [
      'a v1 signature followed by more',
      { 'webhook-signature': `v1,${randomBytes(32).toString('base64')},v1` },
      'bad_signature',
    ],
    ['no signature, only junk', { 'webhook-signature': 'v1, v1,= , ,,' }, 'bad_signature'],
  ])('refuses a request with %s before reading the secret, hashing nothing', async (_, change, failure) => {
    // Prepare: a 256 KiB body, 10 secrets.
    const secrets = Array.from({ length: 10 }, () => signingSecret());
    const { verifier, reads } = verifierOf(...secrets);
    const headers: Record<string, string | undefined> = {
      ...signedHeaders(signingSecret(), BIG_BODY),
      ...change,
    };
    countHashes();

    // Act
    const check = await verifier.verify(headers, BIG_BODY);

    // Assess
    expect(failureOf(check)).toBe(failure);
    expect(reads).toEqual([]);
    expect(createHmac).not.toHaveBeenCalled();
    expect(packageSign).not.toHaveBeenCalled();
  });

  it('still hashes a request whose header mixes junk with one well-formed v1 signature, and verifies it', async () => {
    // Prepare
    const secret = signingSecret();
    const { verifier } = verifierOf(secret);
    const good = signedHeaders(secret, BODY);
    countHashes();

    // Act
    const check = await verifier.verify(
      { ...good, 'webhook-signature': `v2,abc v1,short ${good['webhook-signature']} v1,` },
      BODY,
    );

    // Assess
    expect(check.kind).toBe('verified');
    expect(createHmac).toHaveBeenCalledTimes(1);
  });
});

/**
 * The `standardwebhooks` package as an independent implementation of the scheme: what its signer signs
 * verifies here, and on the same requests (good and tampered) our verdict is its `verify`'s.
 */
describe('WebhookVerifier against the standardwebhooks package', () => {
  const secret = signingSecret();
  const otherSecret = signingSecret();
  const now = () => new Date();
  const bodies: [string, string | Buffer][] = [
    ['a JSON body', BODY],
    [
      'a body with non-ASCII text',
      '{"groupId":"@TGS#2CLUZEAEJ","account":"bøb","action":"set_name_card","nameCard":"小明 🚫"}',
    ],
    ['the bytes of a base64 body', Buffer.from('{"account":"bøb","action":"unmute"}', 'utf8')],
    ['a 256 KiB body', `{"reason":"${'é'.repeat(128 * 1024)}"}`],
    ['an empty body', ''],
  ];

  /** The package's own verdict on a request, with the signing secret the bridge holds. */
  const packageVerdict = (headers: SignedHeaders, body: string | Buffer): 'verified' | 'rejected' => {
    try {
      new Webhook(secret).verify(body, headers, { jsonParse: false });
      return 'verified';
    } catch {
      return 'rejected';
    }
  };

  it.each(bodies)('verifies %s as the package signs it', async (_, body) => {
    // Prepare
    const { verifier } = verifierOf(secret);
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, now(), body),
    };

    // Act
    const check = await verifier.verify(headers, body);

    // Assess
    expect(check).toEqual({ kind: 'verified', webhookId: id });
  });

  it.each(bodies)('gives the package’s verdict on %s, signed, tampered and forged', async (_, body) => {
    // Prepare
    const { verifier } = verifierOf(secret);
    const good = signedHeaders(secret, body, { id: 'msg_1' });
    const altered = typeof body === 'string' ? `${body} ` : Buffer.concat([body, Buffer.from(' ')]);
    const cases: [SignedHeaders, string | Buffer][] = [
      [good, body],
      [good, altered],
      [{ ...good, 'webhook-id': 'msg_2' }, body],
      [{ ...good, 'webhook-timestamp': String(Number(good['webhook-timestamp']) - 1) }, body],
      [signedHeaders(otherSecret, body, { id: 'msg_1' }), body],
      [
        {
          ...good,
          'webhook-signature': `${signedHeaders(otherSecret, body, { id: 'msg_1' })['webhook-signature']} ${good['webhook-signature']}`,
        },
        body,
      ],
      [{ ...good, 'webhook-signature': good['webhook-signature'].replace('v1,', 'v1a,') }, body],
    ];

    // Act
    const ours = await Promise.all(cases.map(([headers, sent]) => verifier.verify(headers, sent)));

    // Assess
    expect(ours.map((check) => check.kind)).toEqual(
      cases.map(([headers, sent]) => packageVerdict(headers, sent)),
    );
    expect(ours.map((check) => check.kind)).toEqual([
      'verified',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'verified',
      'rejected',
    ]);
  });
});
