import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  DynamoLedgerStore,
  EventBridgeOutcomePublisher,
  SqsConsumerQueue,
  secretsManagerSource,
} from '#shared/aws';
import {
  type ConsumerDeps,
  consumerSettingsOf,
  processBatch,
  type QueueRecord,
  RateLimiter,
} from '#shared/consumer';
import { fromDeadLetterAttributes } from '#shared/queue';
import { loadConsumerConfig } from '#shared/settings';
import { CredentialStore, failoverReporter, HttpTencentApi } from '#shared/tencent';

// Cold start: configuration is read and checked once; clients, the secret cache and the HTTP
// connections to Tencent live as long as the container.
const config = loadConsumerConfig();
const logger = new Logger();
// Powertools' own warnings (e.g. no metrics in an invocation) go through the structured logger.
const metrics = new Metrics({ logger });
const deps: ConsumerDeps = {
  api: new HttpTencentApi({
    endpoint: config.imEndpoint,
    ...(config.imBackupEndpoint === undefined ? {} : { backupEndpoint: config.imBackupEndpoint }),
    timeoutMs: config.tencentTimeoutMs,
    onFailover: failoverReporter(logger, metrics),
  }),
  ledger: new DynamoLedgerStore(new DynamoDBClient({}), config.ledgerTable),
  ...(config.outcomeBus === undefined
    ? {}
    : { outcomes: new EventBridgeOutcomePublisher(new EventBridgeClient({}), config.outcomeBus) }),
  // This container's share of the deployment's call rate.
  pacer: new RateLimiter({ callsPerSecond: config.tencentCallsPerSecond / config.consumerMaxConcurrency }),
  credentials: new CredentialStore(
    secretsManagerSource(new SecretsManagerClient({}), config.secretId, config.secretMaxAgeSeconds),
    { userSigTtlSeconds: config.userSigTtlSeconds },
  ),
  queue: new SqsConsumerQueue(new SQSClient({}), config.queueUrl, config.deadLetterQueueUrl),
  logger,
  metrics,
  settings: consumerSettingsOf(config),
};

const toQueueRecord = (record: SQSRecord): QueueRecord => ({
  messageId: record.messageId,
  receiptHandle: record.receiptHandle,
  body: record.body,
  messageGroupId: record.attributes.MessageGroupId,
  receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
  deadLetterReason: fromDeadLetterAttributes(
    Object.fromEntries(
      Object.entries(record.messageAttributes ?? {}).map(([name, value]) => [
        name,
        { StringValue: value.stringValue, DataType: value.dataType },
      ]),
    ),
  ),
});

/** SQS event source: applies each record to Tencent and reports the ones to retry. */
async function consume(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const result = await processBatch(event.Records.map(toQueueRecord), deps, {
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
  return { batchItemFailures: result.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = middy(consume).use(injectLambdaContext(logger)).use(logMetrics(metrics));
