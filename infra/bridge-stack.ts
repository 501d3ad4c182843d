import { ArnFormat, CfnOutput, Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { NAME_SETTINGS, SETTINGS, URL_SETTINGS } from '#shared/settings';
import type { BridgeConfig } from './config.ts';
import { BridgeFunction, LAMBDA_RUNTIMES } from './constructs/bridge-function.ts';
import { BridgeMonitoring } from './constructs/bridge-monitoring.ts';
import { EventLedger, LEDGER_ACTIONS } from './constructs/event-ledger.ts';
import { EventQueues } from './constructs/event-queues.ts';
import { IngestApi } from './constructs/ingest-api.ts';
import { FUNCTION_ENTRIES } from './paths.ts';

/** Namespace of the functions' Powertools metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'ModerationBridge';

/** Properties of {@link BridgeStack}. */
export interface BridgeStackProps extends StackProps {
  /** The validated deployment settings, from {@link loadBridgeConfig}. */
  readonly config: BridgeConfig;
}

/**
 * The whole bridge for one Tencent region: API -> ingest -> SQS FIFO -> consumer -> Tencent, with the
 * event ledger that records what became of each event (read by `GET /v1/events/{eventId}`), the
 * dead-letter queue, alarms and dashboard. Every physical name carries the stage and the Tencent region, so
 * several stacks can share an account and an AWS region.
 */
export class BridgeStack extends Stack {
  /** Validates events and sends them to the main queue. */
  readonly ingest: BridgeFunction;
  /** Applies queued events with Tencent's REST API. */
  readonly consumer: BridgeFunction;
  /** Answers `GET /v1/events/{eventId}` from the ledger. */
  readonly status: BridgeFunction;
  /** The FIFO event queue and its dead-letter queue. */
  readonly queues: EventQueues;
  /** The event ledger's DynamoDB table. */
  readonly ledger: EventLedger;
  /** `POST /v1/events` and `GET /v1/events/{eventId}`. */
  readonly api: IngestApi;
  /** Alarms, their SNS topic and the dashboard. */
  readonly monitoring: BridgeMonitoring;

  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { settings } = config;
    const prefix = config.resourcePrefix;
    const logGroupRetention = settings.logRetentionDays as RetentionDays;
    Tags.of(this).add('project', 'moderation-bridge');
    Tags.of(this).add('stage', config.stage);
    Tags.of(this).add('im-region', config.imRegion);

    const consumerTimeout = Duration.seconds(settings.consumerTimeoutSeconds);
    this.queues = new EventQueues(this, 'Events', {
      namePrefix: `${prefix}-events`,
      consumerTimeout,
      maxReceiveCount: settings.maxReceiveCount,
    });
    const { queue, deadLetterQueue } = this.queues;
    this.ledger = new EventLedger(this, 'Ledger', {
      tableName: `${prefix}-ledger`,
      ...(settings.ledgerWarmWritesPerSecond === 0
        ? {}
        : { warmWritesPerSecond: settings.ledgerWarmWritesPerSecond }),
    });
    const { table } = this.ledger;

    // Secrets are referenced by name, never created here. Secrets Manager appends six random characters
    // to a secret's ARN, hence the `-??????`. They must be encrypted with the AWS managed key (the default).
    const secretArnOf = (name: string): string =>
      this.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${name}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const webhookMode = config.apiAuth === 'webhook';

    // `nodeRuntime`: the same runtime, and so the same esbuild target, for all three functions.
    const runtime = LAMBDA_RUNTIMES[config.stackChoices.nodeRuntime];
    const powertools = {
      POWERTOOLS_SERVICE_NAME: prefix,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };
    // Both writers set the same expiry: `ledgerRetentionDays` is one context key for both rows.
    const ledgerEnvironment = {
      LEDGER_TABLE: table.tableName,
      [SETTINGS.ingest.ledgerRetentionDays.env]: String(settings.ledgerRetentionDays),
    };

    this.ingest = new BridgeFunction(this, 'Ingest', {
      functionName: `${prefix}-ingest`,
      runtime,
      description: 'POST /v1/events: validates moderation events and enqueues them on the FIFO queue',
      entry: FUNCTION_ENTRIES.ingest,
      logGroupRetention,
      environment: {
        ...powertools,
        QUEUE_URL: queue.queueUrl,
        [SETTINGS.ingest.maxBodyBytes.env]: String(settings.maxBodyBytes),
        ...ledgerEnvironment,
        // Set only in webhook mode: it turns the signature check on.
        ...(webhookMode
          ? {
              [NAME_SETTINGS.ingest.webhookSecretName.env]: config.webhookSecretName,
              [SETTINGS.ingest.secretMaxAgeSeconds.env]: String(settings.secretMaxAgeSeconds),
            }
          : {}),
      },
    });
    if (webhookMode) {
      // The webhook secret only: the ingest never reads the Tencent credentials.
      this.ingest.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [secretArnOf(config.webhookSecretName)],
        }),
      );
    }
    // SendMessageBatch is authorised by sqs:SendMessage; nothing else (not even GetQueueAttributes).
    this.ingest.addToRolePolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
    );
    this.ledger.allow(this.ingest, LEDGER_ACTIONS.ingest);

    this.consumer = new BridgeFunction(this, 'Consumer', {
      functionName: `${prefix}-consumer`,
      runtime,
      description: `Applies queued moderation events with Tencent Cloud Chat modify_group_member_info (${config.imRegion})`,
      entry: FUNCTION_ENTRIES.consumer,
      timeout: consumerTimeout,
      logGroupRetention,
      environment: {
        ...powertools,
        QUEUE_URL: queue.queueUrl,
        DLQ_URL: deadLetterQueue.queueUrl,
        IM_ENDPOINT: config.imEndpoint,
        ...(config.imBackupEndpoint === undefined
          ? {}
          : { [URL_SETTINGS.consumer.imBackupEndpoint.env]: config.imBackupEndpoint }),
        IM_SECRET_ID: config.imSecretName,
        // No context key of its own: it must equal the event source's maximum concurrency, which divides
        // the Tencent call rate among the invocations running at once.
        [SETTINGS.consumer.consumerMaxConcurrency.env]: String(settings.maxConcurrency),
        ...config.consumerTunableEnvironment,
        ...ledgerEnvironment,
        ...(config.outcomeBus === undefined ? {} : { OUTCOME_BUS: config.outcomeBus }),
      },
    });
    // The event source grants what polling needs on the main queue: ReceiveMessage, DeleteMessage,
    // GetQueueAttributes, GetQueueUrl and ChangeMessageVisibility (which the consumer's backoff also uses).
    this.consumer.addEventSource(
      new SqsEventSource(queue, {
        batchSize: settings.batchSize,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    // Dead letters; and on the main queue, a message moved from a message group it no longer belongs in
    // to its current one (shared/consumer/relane.ts).
    this.consumer.addToRolePolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [deadLetterQueue.queueArn, queue.queueArn],
      }),
    );
    this.consumer.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnOf(config.imSecretName)],
      }),
    );
    this.ledger.allow(this.consumer, LEDGER_ACTIONS.consumer);
    if (config.outcomeBus !== undefined) {
      // On that bus only, in this account and region.
      this.consumer.addToRolePolicy(
        new PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [
            this.formatArn({ service: 'events', resource: 'event-bus', resourceName: config.outcomeBus }),
          ],
        }),
      );
    }

    this.status = new BridgeFunction(this, 'Status', {
      functionName: `${prefix}-status`,
      runtime,
      description: 'GET /v1/events/{eventId}: what became of an event, read from the event ledger',
      entry: FUNCTION_ENTRIES.status,
      logGroupRetention,
      environment: { ...powertools, LEDGER_TABLE: table.tableName },
    });
    this.ledger.allow(this.status, LEDGER_ACTIONS.status);

    this.api = new IngestApi(this, 'Api', {
      name: prefix,
      stageName: config.stage,
      handler: this.ingest,
      statusHandler: this.status,
      authMode: config.apiAuth,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
      quotaPerDay: settings.apiKeyQuotaPerDay,
      logRetention: logGroupRetention,
      createCloudWatchRole: config.apiGatewayCloudWatchRole,
      ...(config.waf ? { waf: { ratePer5Min: settings.wafRatePer5Min } } : {}),
    });

    this.monitoring = new BridgeMonitoring(this, 'Monitoring', {
      namePrefix: prefix,
      api: this.api.api,
      ingest: this.ingest,
      consumer: this.consumer,
      status: this.status,
      ledger: this.ledger,
      outcomeEvents: config.outcomeBus !== undefined,
      queue,
      deadLetterQueue,
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: prefix,
      queueAgeThreshold: Duration.seconds(settings.queueAgeAlarmSeconds),
      ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
    });

    const output = (id: string, value: string, description: string): void => {
      new CfnOutput(this, id, { value, description });
    };
    output('EventsUrl', this.api.eventsUrl, 'POST moderation events here; GET <url>/<eventId> for one');
    output('QueueUrl', queue.queueUrl, 'Main FIFO queue (QUEUE_URL of npm run dlq)');
    output('QueueArn', queue.queueArn, 'Main FIFO queue ARN (QUEUE_ARN of npm run dlq)');
    output('DlqUrl', deadLetterQueue.queueUrl, 'Dead-letter FIFO queue (DLQ_URL of npm run dlq)');
    output('DlqArn', deadLetterQueue.queueArn, 'Dead-letter FIFO queue ARN (DLQ_ARN of npm run dlq)');
    output('LedgerTable', table.tableName, 'Event ledger table (LEDGER_TABLE of npm run dlq)');
    output('AlarmTopicArn', this.monitoring.topic.topicArn, 'SNS topic every alarm notifies');
    output('ImEndpoint', config.imEndpoint, 'Tencent REST API base URL the consumer calls');
    if (config.imBackupEndpoint !== undefined) {
      output('ImBackupEndpoint', config.imBackupEndpoint, 'Tencent backup domain the consumer fails over to');
    }
    output('ImSecretName', config.imSecretName, 'Secrets Manager secret the consumer reads');
    if (webhookMode) {
      output(
        'WebhookSecretName',
        config.webhookSecretName,
        'Secrets Manager secret of the webhook signing secrets the ingest reads',
      );
    }
    if (this.api.apiKeyId !== undefined) {
      output('ApiKeyId', this.api.apiKeyId, 'aws apigateway get-api-key --include-value --api-key <id>');
    }
  }
}
