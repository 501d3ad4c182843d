/**
 * The whole bridge on one machine, in one process: the real handlers, with the real AWS SDK clients
 * talking HTTP to local stand-ins on 127.0.0.1 (through the SDK's `AWS_ENDPOINT_URL_*` settings),
 * and the Tencent Chat simulator unless `imEndpoint` points elsewhere. The simulator listens twice, for
 * Tencent's main domain and for the backup domain the consumer fails over to (`IM_BACKUP_ENDPOINT`).
 *
 * The handlers read their configuration once, when first imported, as in Lambda; so one process
 * runs one local stack (each jest test file has its own module registry, hence its own stack).
 */

import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LedgerItem } from '#shared/ledger';
import { URL_SETTINGS } from '#shared/settings';
import { loadBridgeConfig, QUEUE_RETENTION_SECONDS } from '../infra/config.ts';
import { authorizerOf, type LocalApiAuth, type LocalAuthChoice } from './api-auth.ts';
import { type LocalApi, startLocalApi } from './api-gateway.ts';
import {
  type EventSource,
  type InvocationSummary,
  type SqsHandler,
  startEventSource,
} from './event-source.ts';
import {
  type LocalBusEvent,
  type LocalEventBridgeServer,
  startLocalEventBridge,
} from './eventbridge/index.ts';
import { startLocalLedger } from './ledger.ts';
import { type LocalSecretsServer, startLocalSecrets } from './secrets/index.ts';
import {
  DEFAULT_ADMIN,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from './simulator/index.ts';
import { type LocalSqsServer, startLocalSqs } from './sqs/index.ts';

/** Names of the local queues, secret, ledger table and outcome-event bus. */
export const LOCAL_NAMES = {
  queue: 'bridge-events.fifo',
  deadLetterQueue: 'bridge-events-dlq.fifo',
  secret: 'bridge/tencent-admin',
  webhookSecret: 'bridge/webhook',
  ledgerTable: 'bridge-ledger',
  outcomeBus: 'bridge-local-bus',
} as const;

/**
 * The AWS credentials the local stack sets for its functions (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`),
 * and that its API checks SigV4 signatures against in `iam` mode, in {@link LOCAL_REGION}.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** The local stack's AWS region (`AWS_REGION`). */
export const LOCAL_REGION = 'us-east-1';

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Port of the HTTP API on 127.0.0.1. @default 0 (a free port) */
  apiPort?: number;
  /**
   * How the API authenticates callers (`local/api-auth.ts`): `iam` checks SigV4 signatures made with
   * {@link LOCAL_CREDENTIALS}, `apiKey` the `x-api-key` header. @default { mode: 'none' }
   */
  apiAuth?: LocalAuthChoice;
  /**
   * A Tencent REST API base URL to drive instead of the simulator (a real app's region domain).
   * @default the simulator's URL
   */
  imEndpoint?: string;
  /**
   * The backup domain calls fail over to (`IM_BACKUP_ENDPOINT`), e.g. `https://adminapisgp.my-imcloud.com`
   * with `imEndpoint`; `none`: no failover. @default the simulator's backup listener; none with `imEndpoint`
   */
  imBackupEndpoint?: string;
  /** The credentials secret's JSON. @default the simulator's development app and key */
  secretString?: string;
  /**
   * The webhook signing secrets' JSON (`{"signingSecrets": ["whsec_...", ...]}`): given, it is stored as
   * the secret {@link LOCAL_NAMES}`.webhookSecret` and the ingest runs in webhook mode
   * (`WEBHOOK_SECRET_NAME`), verifying every request's signature, as with `apiAuth=webhook`.
   * @default none: no signature is checked
   */
  webhookSecretString?: string;
  /**
   * An external SQS and Secrets Manager (an emulator such as moto or LocalStack) to use instead of the
   * in-process stand-ins: the queues and the secret are created there, with the SDK, as the local ones
   * would be. Then `sqs` and `secrets` of the running stack are undefined.
   * @default the in-process stand-ins
   */
  awsEndpoint?: string;
  /** Simulator settings (groups, faults, rate limit, the backup listener's port); ignored with `imEndpoint`. */
  simulator?: Partial<SimulatorOptions>;
  /** Extra settings for the functions, e.g. `{ MAX_ATTEMPTS: '5', BACKOFF_BASE_SECONDS: '1' }`. */
  functionEnv?: Readonly<Record<string, string>>;
  /** The event source: records per invocation, invocations at once, function timeout. */
  consumer?: { batchSize?: number; maxConcurrency?: number; functionTimeoutMs?: number };
  /** The main queue: visibility timeout and the redrive policy's `maxReceiveCount`. @default 30 s, and the CDK stack's default `maxReceiveCount` */
  queue?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number };
  /** Wraps the consumer handler, e.g. to inject a crash in a test. */
  wrapConsumer?: (handler: SqsHandler) => SqsHandler;
  onInvoke?: (summary: InvocationSummary) => void;
  onRequest?: (line: { method: string; path: string; statusCode: number; ms: number }) => void;
  /** Called with each outcome event the consumer publishes (`OUTCOME_BUS`, on the local EventBridge). */
  onOutcome?: (event: LocalBusEvent) => void;
}

/** A local stack whose queues and secret live at an external endpoint ({@link LocalStackOptions.awsEndpoint}). */
export interface ExternalAwsStack extends Omit<LocalStack, 'sqs' | 'secrets'> {
  /** The SQS and Secrets Manager endpoint the functions use. */
  awsEndpoint: string;
  sqs: undefined;
  secrets: undefined;
}

/** A running local stack. */
export interface LocalStack {
  /** Base URL of the HTTP API: POST `${apiUrl}/v1/events`. */
  apiUrl: string;
  /** How the API authenticates callers. */
  apiAuth: LocalApiAuth;
  /** The Tencent endpoint the consumer calls. */
  imEndpoint: string;
  /** The backup endpoint it fails over to (the simulator's backup listener), if any. */
  imBackupEndpoint: string | undefined;
  /** The simulator, unless `imEndpoint` was given. */
  simulator: RunningSimulator | undefined;
  /** The local queue service (inspect queues with `sqs.inspect(LOCAL_NAMES.queue)`). */
  sqs: LocalSqsServer;
  secrets: LocalSecretsServer;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /**
   * The event ledger's table: dynalite in this process, or at `awsEndpoint` when one is given. `endpoint`
   * is the functions' `AWS_ENDPOINT_URL_DYNAMODB`, `tableName` their `LEDGER_TABLE`.
   */
  ledger: { endpoint: string; tableName: string; operations(): Readonly<Record<string, number>> };
  /** An event's ledger item, read consistently; `undefined` when the ledger has none. */
  ledgerItem(eventId: string): Promise<LedgerItem | undefined>;
  /** The local EventBridge the consumer publishes outcome events to (`bus.setFault` makes puts fail). */
  eventBridge: LocalEventBridgeServer;
  /** Every outcome event published so far, oldest first. */
  outcomeEvents: readonly LocalBusEvent[];
  /** Stops taking requests, lets in-flight invocations finish, then stops every service. */
  close(): Promise<void>;
}

let started = false;

const REGION = LOCAL_REGION;

/** Starts the local stack. Call it once per process (see the module comment). */
export function startLocalStack(
  options?: LocalStackOptions & { awsEndpoint?: undefined },
): Promise<LocalStack>;
export function startLocalStack(
  options: LocalStackOptions & { awsEndpoint: string },
): Promise<ExternalAwsStack>;
export function startLocalStack(options?: LocalStackOptions): Promise<LocalStack | ExternalAwsStack>;
export async function startLocalStack(
  options: LocalStackOptions = {},
): Promise<LocalStack | ExternalAwsStack> {
  if (started)
    throw new Error('startLocalStack runs once per process: the handlers read their settings once');
  started = true;

  const simulator =
    options.imEndpoint === undefined
      ? await startSimulator({
          sdkAppId: DEFAULT_SDK_APP_ID,
          secretKey: DEFAULT_SECRET_KEY,
          admins: [DEFAULT_ADMIN],
          backup: { port: 0 },
          ...options.simulator,
        })
      : undefined;
  const imEndpoint = options.imEndpoint ?? simulator?.url ?? '';
  const imBackupEndpoint =
    options.imBackupEndpoint === URL_SETTINGS.consumer.imBackupEndpoint.off
      ? undefined
      : (options.imBackupEndpoint ?? (options.imEndpoint === undefined ? simulator?.backupUrl : undefined));
  const secretString =
    options.secretString ??
    JSON.stringify({
      sdkAppId: DEFAULT_SDK_APP_ID,
      identifier: DEFAULT_ADMIN,
      secretKey: DEFAULT_SECRET_KEY,
    });
  const secretStrings: Record<string, string> = {
    [LOCAL_NAMES.secret]: secretString,
    ...(options.webhookSecretString === undefined
      ? {}
      : { [LOCAL_NAMES.webhookSecret]: options.webhookSecretString }),
  };
  const visibilityTimeoutSeconds = options.queue?.visibilityTimeoutSeconds ?? 30;
  const maxReceiveCount =
    options.queue?.maxReceiveCount ??
    loadBridgeConfig({ tryGetContext: () => undefined }).settings.maxReceiveCount;

  let aws: {
    sqsEndpoint: string;
    secretsEndpoint: string;
    queueUrl: string;
    deadLetterQueueUrl: string;
    close(): Promise<void>;
  } & ({ sqs: LocalSqsServer; secrets: LocalSecretsServer } | { sqs: undefined; secrets: undefined });
  if (options.awsEndpoint === undefined) {
    const sqs = await startLocalSqs({
      region: REGION,
      queues: {
        [LOCAL_NAMES.deadLetterQueue]: {},
        [LOCAL_NAMES.queue]: {
          visibilityTimeoutSeconds,
          // As the CDK stack's main queue (infra/constructs/event-queues.ts): an eventId is deduplicated
          // within its member's message group only, and each group has its own throughput.
          attributes: { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' },
          deadLetter: { queueName: LOCAL_NAMES.deadLetterQueue, maxReceiveCount },
        },
      },
    });
    const secrets = await startLocalSecrets({ region: REGION, secrets: secretStrings });
    aws = {
      sqs,
      secrets,
      sqsEndpoint: sqs.endpoint,
      secretsEndpoint: secrets.endpoint,
      queueUrl: sqs.queueUrl(LOCAL_NAMES.queue),
      deadLetterQueueUrl: sqs.queueUrl(LOCAL_NAMES.deadLetterQueue),
      close: async () => {
        await Promise.all([sqs.close(), secrets.close()]);
      },
    };
  } else {
    const created = await createAtEndpoint(options.awsEndpoint, {
      visibilityTimeoutSeconds,
      maxReceiveCount,
      secretStrings,
    });
    aws = {
      sqs: undefined,
      secrets: undefined,
      sqsEndpoint: options.awsEndpoint,
      secretsEndpoint: options.awsEndpoint,
      ...created,
      close: async () => undefined,
    };
  }
  const { queueUrl, deadLetterQueueUrl } = aws;
  // The ledger's table lives where the queues do; outcome events always go to the local EventBridge.
  const ledger = await startLocalLedger({
    tableName: LOCAL_NAMES.ledgerTable,
    region: REGION,
    ...(options.awsEndpoint === undefined ? {} : { endpoint: options.awsEndpoint }),
  });
  const eventBridge = await startLocalEventBridge(
    options.onOutcome === undefined ? {} : { onEvent: options.onOutcome },
  );

  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // The local credentials have no session token: a caller's own must not be sent with them.
    AWS_SESSION_TOKEN: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SQS: aws.sqsEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.secretsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: ledger.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
    LEDGER_TABLE: ledger.tableName,
    OUTCOME_BUS: LOCAL_NAMES.outcomeBus,
    QUEUE_URL: queueUrl,
    DLQ_URL: deadLetterQueueUrl,
    IM_ENDPOINT: imEndpoint,
    // Empty: no failover.
    IM_BACKUP_ENDPOINT: imBackupEndpoint ?? '',
    IM_SECRET_ID: LOCAL_NAMES.secret,
    ...(options.webhookSecretString === undefined ? {} : { WEBHOOK_SECRET_NAME: LOCAL_NAMES.webhookSecret }),
    POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? 'moderation-bridge-local',
    POWERTOOLS_METRICS_NAMESPACE: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ModerationBridgeLocal',
    // All local pollers share one consumer module, as invocations of one container would: it gets
    // the whole call rate.
    CONSUMER_MAX_CONCURRENCY: '1',
    ...options.functionEnv,
  });

  const ingest = await import('../functions/ingest.ts');
  const consumer = await import('../functions/consumer.ts');
  const status = await import('../functions/status.ts');
  const consumerHandler: SqsHandler = (event: SQSEvent, context): Promise<SQSBatchResponse> =>
    consumer.handler(event, context);

  const choice = options.apiAuth ?? { mode: 'none' };
  const apiAuth: LocalApiAuth =
    choice.mode === 'iam' || choice.mode === 'webhook'
      ? { mode: choice.mode, credentials: { ...LOCAL_CREDENTIALS, region: REGION } }
      : choice;
  const authorize = authorizerOf(apiAuth);
  const api: LocalApi = await startLocalApi({
    handler: (event, context) => ingest.handler(event, context),
    statusHandler: (event, context) => status.handler(event, context),
    ...(options.apiPort === undefined ? {} : { port: options.apiPort }),
    ...(authorize === undefined ? {} : { authorize }),
    ...(apiAuth.mode === 'none' ? {} : { openApiAuth: apiAuth.mode }),
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
  });
  const eventSource: EventSource = await startEventSource({
    sqs: new SQSClient({}),
    queueUrl,
    handler: options.wrapConsumer ? options.wrapConsumer(consumerHandler) : consumerHandler,
    batchSize: options.consumer?.batchSize ?? 10,
    maxConcurrency: options.consumer?.maxConcurrency ?? 5,
    functionTimeoutMs: options.consumer?.functionTimeoutMs ?? 30_000,
    ...(options.onInvoke === undefined ? {} : { onInvoke: options.onInvoke }),
  });

  const common = {
    apiUrl: api.url,
    apiAuth,
    imEndpoint,
    imBackupEndpoint,
    simulator,
    queueUrl,
    deadLetterQueueUrl,
    ledger: { endpoint: ledger.endpoint, tableName: ledger.tableName, operations: () => ledger.operations() },
    ledgerItem: (eventId: string) => ledger.item(eventId),
    eventBridge,
    outcomeEvents: eventBridge.bus.events,
    async close() {
      await api.close();
      await eventSource.stop();
      await Promise.all([aws.close(), simulator?.close(), ledger.close(), eventBridge.close()]);
    },
  };
  return aws.sqs === undefined
    ? { ...common, awsEndpoint: options.awsEndpoint ?? '', sqs: undefined, secrets: undefined }
    : { ...common, sqs: aws.sqs, secrets: aws.secrets };
}

/**
 * Creates the queues and the secrets at an external endpoint, with the attributes the CDK stack gives
 * them (infra/constructs/event-queues.ts), but the visibility timeout and `maxReceiveCount` of the
 * options; an existing secret gets the value as a new version.
 */
async function createAtEndpoint(
  endpoint: string,
  settings: {
    visibilityTimeoutSeconds: number;
    maxReceiveCount: number;
    secretStrings: Readonly<Record<string, string>>;
  },
): Promise<{ queueUrl: string; deadLetterQueueUrl: string }> {
  const client = {
    endpoint,
    region: REGION,
    credentials: LOCAL_CREDENTIALS,
  };
  const sqs = new SQSClient(client);
  const secrets = new SecretsManagerClient(client);
  try {
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: LOCAL_NAMES.deadLetterQueue,
        Attributes: {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'false',
          MessageRetentionPeriod: String(QUEUE_RETENTION_SECONDS),
          SqsManagedSseEnabled: 'true',
        },
      }),
    );
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: LOCAL_NAMES.queue,
        Attributes: {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'false',
          DeduplicationScope: 'messageGroup',
          FifoThroughputLimit: 'perMessageGroupId',
          MessageRetentionPeriod: String(QUEUE_RETENTION_SECONDS),
          SqsManagedSseEnabled: 'true',
          VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn,
            maxReceiveCount: settings.maxReceiveCount,
          }),
        },
      }),
    );
    if (queue.QueueUrl === undefined || dlq.QueueUrl === undefined || dlqArn === undefined)
      throw new Error(`${endpoint} created the queues but returned no URL or ARN`);
    for (const [name, value] of Object.entries(settings.secretStrings)) {
      try {
        await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      } catch (error) {
        if (!(error instanceof ResourceExistsException)) throw error;
        await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      }
    }
    return { queueUrl: queue.QueueUrl, deadLetterQueueUrl: dlq.QueueUrl };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`could not create the queues and the secret at ${endpoint}: ${reason}`, { cause: error });
  } finally {
    sqs.destroy();
    secrets.destroy();
  }
}
