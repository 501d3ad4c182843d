import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoLedgerStore, SqsEventQueue, secretsManagerSource } from '#shared/aws';
import { BridgeError, CredentialsError, LedgerUnavailableError, ValidationError } from '#shared/errors';
import { errorResponse, jsonResponse, WebhookVerifier, webhookHeadersOf } from '#shared/http';
import { acceptEvents } from '#shared/ingest';
import { BRIDGE_METRICS } from '#shared/metrics';
import { loadIngestConfig } from '#shared/settings';

// Cold start: configuration is read and checked once; clients live as long as the container.
const config = loadIngestConfig();
const logger = new Logger();
// Powertools' own warnings (e.g. no metrics in an invocation) go through the structured logger.
const metrics = new Metrics({ logger });
const queue = new SqsEventQueue(new SQSClient({}), config.queueUrl);
const ledger = new DynamoLedgerStore(new DynamoDBClient({}), config.ledgerTable);
// Webhook mode: the signing secrets, cached as long as the container lives (up to their max age).
const webhook =
  config.webhookSecretName === undefined
    ? undefined
    : new WebhookVerifier(
        secretsManagerSource(
          new SecretsManagerClient({}),
          config.webhookSecretName,
          config.secretMaxAgeSeconds,
        ),
      );
const names = BRIDGE_METRICS.ingest;

const headerValue = (headers: APIGatewayProxyEvent['headers'], name: string): string | undefined =>
  Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];

/** Issues a rejection's log line lists; the body and the full answer are never logged (either may be 256 KiB). */
const LOGGED_ISSUES = 5;

/** Longest `webhook-id` a log line quotes: the header is the sender's, and may be long. */
const LOGGED_WEBHOOK_ID_CHARS = 200;

/**
 * What a log line says about a rejected request: its size and why, and its `webhook-id` in webhook
 * mode; never its content, nor its signature.
 */
function rejection(event: APIGatewayProxyEvent, statusCode: number, error: unknown): Record<string, unknown> {
  const webhookId = webhook === undefined ? undefined : headerValue(event.headers, 'webhook-id');
  const received = {
    statusCode,
    bodyChars: event.body?.length ?? 0,
    isBase64Encoded: event.isBase64Encoded,
    ...(webhookId === undefined ? {} : { webhookId: webhookId.slice(0, LOGGED_WEBHOOK_ID_CHARS) }),
  };
  if (error instanceof ValidationError) {
    return { ...received, issueCount: error.issues.length, issues: error.issues.slice(0, LOGGED_ISSUES) };
  }
  return { ...received, reason: error instanceof Error ? error.message : String(error) };
}

/** `POST /v1/events`: validates moderation events and enqueues them (202), or says what is wrong. */
async function ingest(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  try {
    const result = await acceptEvents(
      {
        body: event.body,
        isBase64Encoded: event.isBase64Encoded,
        contentType: headerValue(event.headers, 'content-type'),
        contentEncoding: headerValue(event.headers, 'content-encoding'),
        webhook: webhookHeadersOf(event.headers),
      },
      {
        queue,
        ledger,
        ledgerRetentionDays: config.ledgerRetentionDays,
        logger,
        maxBodyBytes: config.maxBodyBytes,
        ...(webhook === undefined ? {} : { webhook }),
        onTransitionRefused: () => metrics.addMetric(names.transitionsRefused, MetricUnit.Count, 1),
      },
    );
    const duplicates = result.accepted.filter((item) => 'duplicate' in item).length;
    metrics.addMetric(names.accepted, MetricUnit.Count, result.accepted.length - duplicates);
    if (duplicates > 0) metrics.addMetric(names.duplicates, MetricUnit.Count, duplicates);
    return jsonResponse(202, result);
  } catch (error) {
    const response = errorResponse(error, context.awsRequestId);
    if (response.statusCode < 500) {
      metrics.addMetric(names.rejected, MetricUnit.Count, 1);
      logger.info('request rejected', rejection(event, response.statusCode, error));
    } else if (error instanceof LedgerUnavailableError) {
      metrics.addMetric(names.ledgerErrors, MetricUnit.Count, 1);
      logger.error('ledger unavailable; nothing enqueued', { error: error.message });
    } else if (error instanceof CredentialsError) {
      // The message names the secret and what is wrong with it, never a value.
      logger.error('webhook signing secrets unavailable; nothing enqueued', {
        error: error.message,
        webhookId: headerValue(event.headers, 'webhook-id')?.slice(0, LOGGED_WEBHOOK_ID_CHARS),
      });
    } else if (!(error instanceof BridgeError)) {
      logger.error('unexpected error', error instanceof Error ? error : String(error));
    }
    return response;
  }
}

export const handler = middy(ingest).use(injectLambdaContext(logger)).use(logMetrics(metrics));
