/**
 * Local Secrets Manager: a development stand-in for AWS Secrets Manager's `GetSecretValue` (plus
 * `CreateSecret` and `PutSecretValue`, to rotate a value through the API), in memory, on 127.0.0.1.
 *
 * It speaks AWS JSON 1.1 (`X-Amz-Target: secretsmanager.<Operation>`) through the shared plumbing of
 * `local/aws-json-server.ts`, ignores SigV4 signatures, and is tested against
 * `@aws-sdk/client-secrets-manager` (`test/integration/local-secrets.test.ts`). Point the SDK at it
 * with `AWS_ENDPOINT_URL_SECRETS_MANAGER=<endpoint>` (or `AWS_ENDPOINT_URL`). A secret is found by
 * name or by ARN (`arn:aws:secretsmanager:<region>:000000000000:secret:<name>-<6 chars>`); each
 * value set makes a new version labelled `AWSCURRENT`, the one before becomes `AWSPREVIOUS`.
 * Binary secrets, resource policies, rotation lambdas and deletion are not covered.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  type AwsJsonService,
  type AwsRequestLog,
  AwsServiceError,
  type JsonObject,
  startAwsJsonServer,
} from '../aws-json-server.ts';

interface SecretVersion {
  versionId: string;
  value: string;
  createdAt: number;
  stages: Set<string>;
}

interface Secret {
  name: string;
  arn: string;
  createdAt: number;
  versions: SecretVersion[];
}

/** Options of {@link LocalSecrets}. */
export interface LocalSecretsOptions {
  /** Secret strings by name, created at start. */
  secrets?: Readonly<Record<string, string>>;
  /** Region in secret ARNs. @default 'us-east-1' */
  region?: string;
  /** Clock in epoch milliseconds, for `CreatedDate`. @default Date.now */
  now?: () => number;
}

const getSecretValueInput = z.object({
  SecretId: z.string(),
  VersionId: z.string().optional(),
  VersionStage: z.string().optional(),
});
const createSecretInput = z.object({ Name: z.string(), SecretString: z.string().optional() });
const putSecretValueInput = z.object({ SecretId: z.string(), SecretString: z.string().optional() });

function parse<T>(schema: z.ZodType<T>, input: JsonObject): T {
  const result = schema.safeParse(input);
  if (!result.success) {
    const name = result.error.issues[0]?.path.map(String).join('.') ?? 'request';
    throw new AwsServiceError('InvalidParameterException', `Invalid or missing parameter ${name}.`);
  }
  return result.data;
}

function notFound(message = "Secrets Manager can't find the specified secret."): AwsServiceError {
  return new AwsServiceError('ResourceNotFoundException', message);
}

/** The in-memory secret store behind the local Secrets Manager endpoint. */
export class LocalSecrets {
  /** The Secrets Manager service to mount on an `aws-json-server.ts` server. */
  readonly service: AwsJsonService;
  private readonly secrets = new Map<string, Secret>();
  private readonly region: string;
  private readonly now: () => number;

  constructor(options: LocalSecretsOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.now = options.now ?? Date.now;
    for (const [name, value] of Object.entries(options.secrets ?? {})) this.setSecret(name, value);
    this.service = {
      targetPrefix: 'secretsmanager',
      jsonVersion: '1.1',
      errorNamespace: 'com.amazonaws.secretsmanager',
      queryCompatible: false,
      handle: (operation, input) => this.handle(operation, input),
    };
  }

  /** Sets a secret's string, creating the secret or adding a new `AWSCURRENT` version; returns its ARN. */
  setSecret(name: string, value: string): string {
    let secret = this.secrets.get(name);
    if (!secret) {
      const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
      secret = {
        name,
        arn: `arn:aws:secretsmanager:${this.region}:000000000000:secret:${name}-${suffix}`,
        createdAt: this.now(),
        versions: [],
      };
      this.secrets.set(name, secret);
    }
    for (const version of secret.versions) {
      version.stages.delete('AWSPREVIOUS');
      if (version.stages.delete('AWSCURRENT')) version.stages.add('AWSPREVIOUS');
    }
    secret.versions.push({
      versionId: randomUUID(),
      value,
      createdAt: this.now(),
      stages: new Set(['AWSCURRENT']),
    });
    return secret.arn;
  }

  /** ARN of a secret by name, or `undefined`. */
  secretArn(name: string): string | undefined {
    return this.secrets.get(name)?.arn;
  }

  private find(secretId: string): Secret {
    const byName = this.secrets.get(secretId);
    if (byName) return byName;
    for (const secret of this.secrets.values()) {
      // The full ARN, or the ARN without the random suffix (a partial ARN, as Secrets Manager allows).
      if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
    }
    throw notFound();
  }

  private handle(operation: string, input: JsonObject): JsonObject {
    switch (operation) {
      case 'GetSecretValue': {
        const request = parse(getSecretValueInput, input);
        const secret = this.find(request.SecretId);
        const stage = request.VersionStage ?? (request.VersionId === undefined ? 'AWSCURRENT' : undefined);
        const version = secret.versions.find(
          (v) =>
            (request.VersionId === undefined || v.versionId === request.VersionId) &&
            (stage === undefined || v.stages.has(stage)),
        );
        if (!version) {
          throw notFound(
            request.VersionId === undefined
              ? `Secrets Manager can't find the specified secret value for staging label: ${stage ?? ''}`
              : `Secrets Manager can't find the specified secret value for VersionId: ${request.VersionId}`,
          );
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: version.versionId,
          SecretString: version.value,
          VersionStages: [...version.stages],
          CreatedDate: version.createdAt / 1000,
        };
      }
      case 'CreateSecret': {
        const { Name, SecretString } = parse(createSecretInput, input);
        if (this.secrets.has(Name)) {
          throw new AwsServiceError(
            'ResourceExistsException',
            `The operation failed because the secret ${Name} already exists.`,
          );
        }
        const arn = this.setSecret(Name, SecretString ?? '');
        return this.versionAnswer(this.find(arn));
      }
      case 'PutSecretValue': {
        const { SecretId, SecretString } = parse(putSecretValueInput, input);
        const secret = this.find(SecretId);
        this.setSecret(secret.name, SecretString ?? '');
        return { ...this.versionAnswer(secret), VersionStages: ['AWSCURRENT'] };
      }
      default:
        throw new AwsServiceError(
          'UnknownOperationException',
          `The local Secrets Manager does not implement ${operation}.`,
        );
    }
  }

  private versionAnswer(secret: Secret): JsonObject {
    const current = secret.versions.at(-1);
    return { ARN: secret.arn, Name: secret.name, VersionId: current?.versionId ?? '' };
  }
}

/** Options of {@link startLocalSecrets}. */
export interface StartLocalSecretsOptions extends LocalSecretsOptions {
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** Called after each answered HTTP request. */
  onRequest?: (entry: AwsRequestLog) => void;
}

/** A running local Secrets Manager endpoint. */
export interface LocalSecretsServer {
  /** Base URL: the SDK's `endpoint` or `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  /** The port it listens on. */
  readonly port: number;
  /** The in-memory store. */
  readonly store: LocalSecrets;
  /** Sets a secret's string (new `AWSCURRENT` version); returns the secret's ARN. */
  setSecret(name: string, value: string): string;
  /** Closes connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a local Secrets Manager endpoint on 127.0.0.1.
 *
 * @example
 * ```ts
 * const secrets = await startLocalSecrets({
 *   secrets: { 'bridge/tencent-admin': JSON.stringify({ sdkAppId: 1400000000, key: 'k', identifier: 'admin' }) },
 * });
 * process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.endpoint;
 * ```
 */
export async function startLocalSecrets(options: StartLocalSecretsOptions = {}): Promise<LocalSecretsServer> {
  const store = new LocalSecrets(options);
  const server = await startAwsJsonServer({
    services: [store.service],
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
  });
  return {
    endpoint: server.endpoint,
    port: server.port,
    store,
    setSecret: (name, value) => store.setSecret(name, value),
    close: () => server.close(),
  };
}
