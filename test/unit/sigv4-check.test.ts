import { BridgeClient } from '../../client/index.ts';
import { authorizerOf, curlAuth, describeLocalAuth } from '../../local/api-auth.ts';
import { type ArrivedRequest, checkSigV4 } from '../../local/sigv4-check.ts';

const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1' };
const NOW = new Date('2026-01-31T12:00:00Z');
const URL_ = 'http://127.0.0.1:3000/v1/events';

/** The request the client sends, as the local API receives it (names lower-cased, host added by fetch). */
async function signedByClient(
  options: { secretAccessKey?: string; region?: string; at?: Date; body?: string; path?: string } = {},
): Promise<ArrivedRequest> {
  let arrived: ArrivedRequest | undefined;
  const client = new BridgeClient({
    url: URL_,
    auth: {
      kind: 'iam',
      region: options.region ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: options.secretAccessKey ?? 'local' },
    },
    now: () => (options.at ?? NOW).getTime(),
    randomId: () => 'e1',
    fetch: async (input, init) => {
      const url = new URL(String(input));
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      const body = typeof init?.body === 'string' ? init.body : '';
      arrived = {
        method: init?.method ?? 'GET',
        target: `${url.pathname}${url.search}`,
        headers: { ...headers, host: url.host, 'content-length': String(Buffer.byteLength(body)) },
        body: Buffer.from(body),
      };
      return new Response(JSON.stringify({ accepted: [{ eventId: 'e1' }] }), { status: 202 });
    },
  });
  await client.send({ groupId: 'g', account: 'bob', action: 'unmute' });
  if (arrived === undefined) throw new Error('nothing was sent');
  return arrived;
}

describe('checkSigV4', () => {
  it("takes AWS's own test vector (get-vanilla), signed by another implementation than ours", async () => {
    // Prepare: the AWS Signature Version 4 test suite's `get-vanilla` request and signature.
    const request: ArrivedRequest = {
      method: 'GET',
      target: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: Buffer.alloc(0),
    };
    const expected = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      service: 'service',
    };

    // Act
    const good = await checkSigV4(request, expected, new Date('2015-08-30T12:36:00Z'));
    const tampered = await checkSigV4(
      {
        ...request,
        headers: {
          ...request.headers,
          authorization: request.headers.authorization?.replace('5fa0', '5fa1') ?? '',
        },
      },
      expected,
      new Date('2015-08-30T12:36:00Z'),
    );

    // Assess
    expect(good).toBeUndefined();
    expect(tampered).toMatchObject({ errorType: 'InvalidSignatureException' });
  });

  it("takes the client's signature with the local credentials", async () => {
    expect(await checkSigV4(await signedByClient(), LOCAL, NOW)).toBeUndefined();
  });

  it('refuses another secret, showing the canonical request and string to sign as API Gateway does', async () => {
    // Act
    const refusal = await checkSigV4(await signedByClient({ secretAccessKey: 'wrong' }), LOCAL, NOW);

    // Assess
    expect(refusal?.errorType).toBe('InvalidSignatureException');
    expect(refusal?.message).toMatch(
      /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.\n\nThe Canonical String for this request should have been\n'POST\n\/v1\/events\n\ncontent-type:application\/json\nhost:127\.0\.0\.1:3000\n/,
    );
    expect(refusal?.message).toContain(
      "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20260131T120000Z\n20260131/us-east-1/execute-api/aws4_request\n",
    );
    expect(refusal?.message).not.toContain('wrong');
  });

  it('refuses a body, a signed header or a path changed after signing', async () => {
    // Prepare
    const request = await signedByClient();
    const otherBody = Buffer.from(request.body.toString('utf8').replace('unmute', 'mute'));

    // Act
    const body = await checkSigV4({ ...request, body: otherBody }, LOCAL, NOW);
    const header = await checkSigV4(
      { ...request, headers: { ...request.headers, 'content-type': 'text/plain' } },
      LOCAL,
      NOW,
    );
    const path = await checkSigV4({ ...request, target: '/v1/events/x' }, LOCAL, NOW);
    const unsignedHeader = await checkSigV4(
      { ...request, headers: { ...request.headers, 'user-agent': 'other' } },
      LOCAL,
      NOW,
    );

    // Assess
    expect(body).toEqual({
      errorType: 'InvalidSignatureException',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
    expect(header?.errorType).toBe('InvalidSignatureException');
    expect(path?.errorType).toBe('InvalidSignatureException');
    expect(unsignedHeader).toBeUndefined();
  });

  it('refuses a request without a signature, another key, region or an old or future date', async () => {
    // Prepare
    const request = await signedByClient();
    const { authorization: _dropped, ...unsigned } = request.headers;

    // Act
    const missing = await checkSigV4({ ...request, headers: unsigned }, LOCAL, NOW);
    const otherKey = await checkSigV4(request, { ...LOCAL, accessKeyId: 'other' }, NOW);
    const otherRegion = await checkSigV4(await signedByClient({ region: 'eu-west-1' }), LOCAL, NOW);
    const old = await checkSigV4(await signedByClient({ at: new Date('2026-01-31T11:54:59Z') }), LOCAL, NOW);
    const future = await checkSigV4(
      await signedByClient({ at: new Date('2026-01-31T12:05:01Z') }),
      LOCAL,
      NOW,
    );
    const withinSkew = await checkSigV4(
      await signedByClient({ at: new Date('2026-01-31T11:55:01Z') }),
      LOCAL,
      NOW,
    );
    const incomplete = await checkSigV4(
      {
        ...request,
        headers: {
          ...request.headers,
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20260131/us-east-1/execute-api/aws4_request',
        },
      },
      LOCAL,
      NOW,
    );

    // Assess
    expect(missing).toEqual({
      errorType: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
    expect(otherKey).toEqual({
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    expect(otherRegion).toEqual({
      errorType: 'InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    });
    expect(old).toEqual({
      errorType: 'InvalidSignatureException',
      message:
        'Signature expired: 20260131T115459Z is now earlier than 20260131T115500Z (20260131T120000Z - 5 min.)',
    });
    expect(future).toEqual({
      errorType: 'InvalidSignatureException',
      message:
        'Signature not yet current: 20260131T120501Z is still later than 20260131T120500Z (20260131T120000Z + 5 min.)',
    });
    expect(withinSkew).toBeUndefined();
    expect(incomplete).toEqual({
      errorType: 'IncompleteSignatureException',
      message:
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
    });
  });
});

describe('the local API modes', () => {
  const request: ArrivedRequest = {
    method: 'GET',
    target: '/v1/events/e1',
    headers: {},
    body: Buffer.alloc(0),
  };

  it('apiKey refuses a missing or wrong key as API Gateway does, and takes the right one', async () => {
    // Prepare
    const authorize = authorizerOf({ mode: 'apiKey', apiKey: 'the-key' });

    // Act
    const missing = await authorize?.(request);
    const wrong = await authorize?.({ ...request, headers: { 'x-api-key': 'the-kez' } });
    const right = await authorize?.({ ...request, headers: { 'x-api-key': 'the-key' } });

    // Assess
    expect(missing).toEqual({ statusCode: 403, errorType: 'ForbiddenException', message: 'Forbidden' });
    expect(wrong).toEqual(missing);
    expect(right).toBeUndefined();
  });

  it('iam answers a refusal with 403; none checks nothing', async () => {
    // Act
    const iam = await authorizerOf({ mode: 'iam', credentials: LOCAL }, () => NOW)?.(request);

    // Assess
    expect(iam).toEqual({
      statusCode: 403,
      errorType: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
    expect(authorizerOf({ mode: 'none' })).toBeUndefined();
  });

  it('webhook lets every POST through to the ingest (which verifies its signature) and checks SigV4 on GET', async () => {
    // Prepare
    const authorize = authorizerOf({ mode: 'webhook', credentials: LOCAL }, () => NOW);
    const get: ArrivedRequest = { ...request, method: 'GET', target: '/v1/events/e1', body: Buffer.alloc(0) };

    // Act
    const post = await authorize?.({ ...request, method: 'POST' });
    const unsignedGet = await authorize?.(get);

    // Assess
    expect(post).toBeUndefined();
    expect(unsignedGet).toMatchObject({ statusCode: 403, message: 'Missing Authentication Token' });
    expect(curlAuth({ mode: 'webhook', credentials: LOCAL })).toContain(
      "--aws-sigv4 'aws:amz:us-east-1:execute-api'",
    );
  });

  it('prints how to call each mode', () => {
    // Act
    const iam = describeLocalAuth({ mode: 'iam', credentials: LOCAL }, URL_).join('\n');
    const apiKey = describeLocalAuth({ mode: 'apiKey', apiKey: 'k1' }, URL_).join('\n');

    // Assess
    expect(iam).toContain(`AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1`);
    expect(iam).toContain(`--url ${URL_} --auth iam`);
    expect(apiKey).toContain(`BRIDGE_API_KEY=k1 npm run send -- mute`);
    expect(curlAuth({ mode: 'iam', credentials: LOCAL })).toBe(
      " --aws-sigv4 'aws:amz:us-east-1:execute-api' --user 'local:local'",
    );
    expect(curlAuth({ mode: 'none' })).toBe('');
  });
});
