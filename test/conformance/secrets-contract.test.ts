/**
 * The Secrets Manager behaviours the bridge relies on (the consumer reads its Tencent credentials with
 * GetSecretValue through Powertools' provider; a rotation is a new AWSCURRENT version; the local stack
 * creates its secret, or puts a new value when it exists), each test body run against our stand-in
 * (`local/secrets`) and against moto's server, through the real `@aws-sdk/client-secrets-manager`.
 */
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { secretsManagerSource } from '#shared/aws';
import { CredentialsError } from '#shared/errors';
import {
  CREDENTIALS,
  type KnownGap,
  REGION,
  startTarget,
  TARGET_NAMES,
  type Target,
} from './helpers/targets.ts';

/** Where an implementation departs from AWS's documentation, for a behaviour these tests check. */
const KNOWN_GAPS = {
  notFoundStatus: {
    target: 'moto',
    does: 'answers ResourceNotFoundException with HTTP 404 (the SDK still maps it to the same exception)',
    awsDoc:
      'Secrets Manager API Reference, GetSecretValue, Errors ' +
      '(https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html): ' +
      '"ResourceNotFoundException: Secrets Manager can\'t find the resource that you asked for. HTTP Status Code: 400"',
  },
} as const satisfies Record<string, KnownGap>;

const adminSecret = JSON.stringify({ sdkAppId: 1400000000, identifier: 'administrator', secretKey: 'k1' });

describe.each(TARGET_NAMES)('Secrets Manager, as the bridge uses it, on %s', (name) => {
  let target: Target;
  let client: SecretsManagerClient;
  let counter = 0;

  beforeAll(async () => {
    target = await startTarget(name);
    client = new SecretsManagerClient({
      endpoint: target.endpoint,
      region: REGION,
      credentials: CREDENTIALS,
    });
  });

  afterAll(async () => {
    client?.destroy();
    await target?.close();
  });

  /** Creates a secret no other test uses; returns its name and ARN. */
  async function createSecret(value: string): Promise<{ secretName: string; arn: string }> {
    counter += 1;
    const secretName = `bridge/tencent-admin-${counter}`;
    const out = await client.send(new CreateSecretCommand({ Name: secretName, SecretString: value }));
    return { secretName, arn: out.ARN ?? '' };
  }

  it('returns a secret by name and by ARN, with its version and the AWSCURRENT stage', async () => {
    // Prepare
    const { secretName, arn } = await createSecret(adminSecret);

    // Act
    const byName = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));

    // Assess
    expect(arn).toMatch(
      new RegExp(
        `^arn:aws:secretsmanager:${REGION}:\\d{12}:secret:${secretName.replace('/', '\\/')}-\\w{6}$`,
      ),
    );
    expect(byName).toMatchObject({ Name: secretName, ARN: arn, SecretString: adminSecret });
    expect(byName.VersionId).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(byName.VersionStages).toEqual(['AWSCURRENT']);
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(byArn.SecretString).toBe(adminSecret);
  });

  it('answers an unknown secret with ResourceNotFoundException, a client fault', async () => {
    // Prepare
    const request = new GetSecretValueCommand({ SecretId: 'bridge/no-such-secret' });

    // Act
    const getting = client.send(request);

    // Assess
    await expect(getting).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(getting).rejects.toMatchObject({
      $fault: 'client',
      $metadata: { httpStatusCode: KNOWN_GAPS.notFoundStatus.target === name ? 404 : 400 },
      message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('serves a rotated value as AWSCURRENT and the one before as AWSPREVIOUS', async () => {
    // Prepare
    const { secretName } = await createSecret('v1');

    // Act
    await client.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: 'v2' }));
    const current = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: secretName, VersionStage: 'AWSPREVIOUS' }),
    );
    const byVersion = await client.send(
      new GetSecretValueCommand({ SecretId: secretName, VersionId: previous.VersionId }),
    );
    const noSuchStage = client.send(
      new GetSecretValueCommand({ SecretId: secretName, VersionStage: 'AWSPENDING' }),
    );

    // Assess
    expect(current.SecretString).toBe('v2');
    expect(current.VersionStages).toEqual(['AWSCURRENT']);
    expect(previous.SecretString).toBe('v1');
    expect(previous.VersionStages).toEqual(['AWSPREVIOUS']);
    expect(byVersion.SecretString).toBe('v1');
    await expect(noSuchStage).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses to create a secret that exists with ResourceExistsException', async () => {
    // Prepare: the local stack then puts its value as a new version instead.
    const { secretName } = await createSecret('v1');

    // Act
    const creating = client.send(new CreateSecretCommand({ Name: secretName, SecretString: 'v2' }));

    // Assess
    await expect(creating).rejects.toBeInstanceOf(ResourceExistsException);
  });

  it("feeds the consumer's secret source: the value, a new one after rotation, CredentialsError when missing", async () => {
    // Prepare: the consumer's own adapter, over Powertools' SecretsProvider.
    const { secretName } = await createSecret(adminSecret);
    const source = secretsManagerSource(client, secretName, 0);
    const missing = secretsManagerSource(client, 'bridge/never-created', 0);

    // Act
    const first = await source.get({ forceFetch: false });
    await client.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: 'rotated' }));
    const afterRotation = await source.get({ forceFetch: true });
    const failing = missing.get({ forceFetch: true });

    // Assess
    expect(first).toBe(adminSecret);
    expect(afterRotation).toBe('rotated');
    await expect(failing).rejects.toBeInstanceOf(CredentialsError);
    await expect(failing).rejects.toMatchObject({
      retryable: true,
      cause: expect.objectContaining({ cause: expect.any(ResourceNotFoundException) }),
    });
  });
});
