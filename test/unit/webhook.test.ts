import { CredentialsError } from '#shared/errors';
import {
  parseSigningSecrets,
  WEBHOOK_HEADERS,
  type WebhookCheck,
  WebhookVerifier,
  webhookHeadersOf,
} from '#shared/webhook';
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

  it('takes one Webhook per signing secret, ignoring other keys', () => {
    // Act
    const parsed = parseSigningSecrets(
      JSON.stringify({ signingSecrets: [key, signingSecret()], note: 'rotated 2026-01' }),
      "'w'",
    );

    // Assess
    expect(Array.isArray(parsed) && parsed.length).toBe(2);
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
