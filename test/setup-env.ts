/**
 * Runs before every test file: a complete, offline environment for the functions' cold-start
 * configuration. Nothing here reaches AWS: SDK calls are mocked or go to servers on 127.0.0.1.
 */
const defaults: Record<string, string> = {
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'test-access-key',
  AWS_SECRET_ACCESS_KEY: 'test-secret-key',
  AWS_EC2_METADATA_DISABLED: 'true',
  QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/bridge-events.fifo',
  DLQ_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/bridge-events-dlq.fifo',
  IM_ENDPOINT: 'http://127.0.0.1:9',
  IM_SECRET_ID: 'bridge/tencent-admin',
  LEDGER_TABLE: 'bridge-ledger',
  POWERTOOLS_SERVICE_NAME: 'moderation-bridge-test',
  POWERTOOLS_METRICS_NAMESPACE: 'ModerationBridgeTest',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

for (const [key, value] of Object.entries(defaults)) {
  process.env[key] ??= value;
}
