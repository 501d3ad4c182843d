/**
 * The local Secrets Manager endpoint against the real `@aws-sdk/client-secrets-manager`.
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startAwsJsonServer } from '../../local/aws-json-server.ts';
import { LocalSecrets, type LocalSecretsServer, startLocalSecrets } from '../../local/secrets/index.ts';
import { LocalSqs } from '../../local/sqs/index.ts';

const region = 'eu-central-1';
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const adminSecret = JSON.stringify({ sdkAppId: 1400000000, identifier: 'administrator', key: 'k1' });

let local: LocalSecretsServer;
let client: SecretsManagerClient;

/** Runs `body` with environment variables set, restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

beforeAll(async () => {
  local = await startLocalSecrets({ port: 0, region, secrets: { 'bridge/tencent-admin': adminSecret } });
  client = new SecretsManagerClient({ endpoint: local.endpoint, region, credentials });
});

afterAll(async () => {
  client.destroy();
  await local.close();
});

describe('local Secrets Manager', () => {
  it('returns a secret by name with its ARN, version and stages', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const out = await client.send(new GetSecretValueCommand({ SecretId: 'bridge/tencent-admin' }));

    // Assess
    expect(out.SecretString).toBe(adminSecret);
    expect(out.Name).toBe('bridge/tencent-admin');
    expect(out.ARN).toMatch(
      /^arn:aws:secretsmanager:eu-central-1:000000000000:secret:bridge\/tencent-admin-\w{6}$/,
    );
    expect(out.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.VersionStages).toEqual(['AWSCURRENT']);
    expect(out.CreatedDate).toBeInstanceOf(Date);
    expect(out.CreatedDate?.getTime()).toBeLessThanOrEqual(before);
  });

  it('finds a secret by full and partial ARN', async () => {
    // Prepare
    const arn = local.store.secretArn('bridge/tencent-admin') ?? '';

    // Act
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const byPartialArn = await client.send(new GetSecretValueCommand({ SecretId: arn.slice(0, -7) }));

    // Assess
    expect(byArn.SecretString).toBe(adminSecret);
    expect(byPartialArn.ARN).toBe(arn);
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    // Prepare
    const request = new GetSecretValueCommand({ SecretId: 'bridge/missing' });

    // Act
    const getting = client.send(request);

    // Assess
    await expect(getting).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(getting).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('serves a rotated value as AWSCURRENT and keeps the old one as AWSPREVIOUS', async () => {
    // Prepare
    local.setSecret('rotating', 'v1');

    // Act
    local.setSecret('rotating', 'v2');
    await client.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'v3' }));
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'rotating' }));
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'rotating', VersionStage: 'AWSPREVIOUS' }),
    );
    const byVersion = await client.send(
      new GetSecretValueCommand({ SecretId: 'rotating', VersionId: previous.VersionId }),
    );

    // Assess
    expect(current.SecretString).toBe('v3');
    expect(previous.SecretString).toBe('v2');
    expect(previous.VersionStages).toEqual(['AWSPREVIOUS']);
    expect(byVersion.SecretString).toBe('v2');
  });

  it('is reached through AWS_ENDPOINT_URL_SECRETS_MANAGER when the client has no endpoint', async () => {
    // Prepare
    const out = await withEnv({ AWS_ENDPOINT_URL_SECRETS_MANAGER: local.endpoint }, async () => {
      const fromEnv = new SecretsManagerClient({ region, credentials });

      // Act
      try {
        return await fromEnv.send(new GetSecretValueCommand({ SecretId: 'bridge/tencent-admin' }));
      } finally {
        fromEnv.destroy();
      }
    });

    // Assess
    expect(out.SecretString).toBe(adminSecret);
  });

  it('shares one server with the local queue service behind a single AWS_ENDPOINT_URL', async () => {
    // Prepare
    const sqs = new LocalSqs({ region });
    const secrets = new LocalSecrets({ region, secrets: { shared: 's' } });
    const server = await startAwsJsonServer({ services: [sqs.service, secrets.service] });
    const url = sqs.createQueue('shared');

    try {
      // Act
      const [secret] = await withEnv({ AWS_ENDPOINT_URL: server.endpoint }, async () => {
        const secretsClient = new SecretsManagerClient({ region, credentials });
        const sqsClient = new SQSClient({ region, credentials });
        try {
          return await Promise.all([
            secretsClient.send(new GetSecretValueCommand({ SecretId: 'shared' })),
            sqsClient.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'm' })),
          ]);
        } finally {
          secretsClient.destroy();
          sqsClient.destroy();
        }
      });

      // Assess
      expect(secret.SecretString).toBe('s');
      expect(sqs.inspect('shared').visible).toBe(1);
    } finally {
      await server.close();
    }
  });
});
