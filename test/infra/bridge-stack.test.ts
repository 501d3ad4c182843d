import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { loadConsumerConfig, loadIngestConfig, loadStatusConfig, SETTINGS } from '#shared/settings';
import { QUEUE_RETENTION_SECONDS, TENCENT_RATE_LIMIT } from '../../infra/config.ts';
import {
  acknowledgments,
  type CfnResourceJson,
  nagFindings,
  onlyResource,
  roleStatements,
  type SynthesizedBridge,
  synthBridge,
} from './helpers.ts';

/** The bridge as a plain `npx cdk synth` builds it: the committed cdk.json context, bundled. */
let bridge: SynthesizedBridge;
let template: Template;
let ingest: { logicalId: string; resource: CfnResourceJson };
let consumer: { logicalId: string; resource: CfnResourceJson };
let status: { logicalId: string; resource: CfnResourceJson };
let queueId: string;
let dlqId: string;
let tableId: string;

beforeAll(() => {
  bridge = synthBridge({}, { bundle: true });
  template = bridge.template;
  ingest = onlyResource(template, 'AWS::Lambda::Function', {
    FunctionName: 'moderation-bridge-dev-singapore-ingest',
  });
  consumer = onlyResource(template, 'AWS::Lambda::Function', {
    FunctionName: 'moderation-bridge-dev-singapore-consumer',
  });
  status = onlyResource(template, 'AWS::Lambda::Function', {
    FunctionName: 'moderation-bridge-dev-singapore-status',
  });
  tableId = onlyResource(template, 'AWS::DynamoDB::Table').logicalId;
  queueId = onlyResource(template, 'AWS::SQS::Queue', {
    QueueName: 'moderation-bridge-dev-singapore-events.fifo',
  }).logicalId;
  dlqId = onlyResource(template, 'AWS::SQS::Queue', {
    QueueName: 'moderation-bridge-dev-singapore-events-dlq.fifo',
  }).logicalId;
});

const roleOf = (fn: { resource: CfnResourceJson }): string =>
  (fn.resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const variablesOf = (fn: { resource: CfnResourceJson }): Record<string, unknown> =>
  (fn.resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const functionNamed = (name: string): { resource: CfnResourceJson } =>
  ({ ingest, consumer, status })[name as 'ingest' | 'consumer' | 'status'];
/** Every option that adds resources, in apiKey mode. */
const ALL_OPTIONS_API_KEY = {
  apiAuth: 'apiKey',
  alarmEmail: 'oncall@example.com',
  outcomeEvents: true,
  outcomeBusName: 'moderation',
};
/** Every option that adds resources, in webhook mode. */
const ALL_OPTIONS_WEBHOOK = { apiAuth: 'webhook', waf: true, apiGatewayCloudWatchRole: false };
/** What the stack sets from resources; any value stands in for a reference resolved at deploy time. */
const CONSUMER_REQUIRED_ENV = {
  QUEUE_URL: 'q',
  DLQ_URL: 'd',
  IM_ENDPOINT: 'https://adminapisgp.im.qcloud.com',
  IM_SECRET_ID: 's',
  LEDGER_TABLE: 't',
};

describe('stack', () => {
  it('carries the stage and Tencent region in its name', () => {
    // Assess
    expect(bridge.stack.stackName).toBe('ModerationBridge-dev-singapore');
  });

  it('references the Tencent secret and never creates one', () => {
    // Assess
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(variablesOf(consumer).IM_SECRET_ID).toBe('moderation-bridge/dev/singapore');
  });

  it('outputs the endpoint URL and the queues the dead-letter command needs', () => {
    // Assess
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'EventsUrl',
        'QueueUrl',
        'QueueArn',
        'DlqUrl',
        'DlqArn',
        'LedgerTable',
        'AlarmTopicArn',
      ]),
    );
    expect(outputs.LedgerTable?.Value).toEqual({ Ref: tableId });
    expect(JSON.stringify(outputs.EventsUrl?.Value)).toMatch(/\/v1\/events"/);
    expect(outputs.QueueUrl?.Value).toEqual({ Ref: queueId });
    expect(outputs.DlqUrl?.Value).toEqual({ Ref: dlqId });
    expect(outputs.DlqArn?.Value).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
  });
});

describe('functions', () => {
  it.each(['ingest', 'consumer', 'status'])('runs %s on Node.js 24 on arm64 with X-Ray tracing', (name) => {
    // Prepare
    const fn = functionNamed(name);

    // Assess
    expect(fn.resource.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
    expect(variablesOf(fn).NODE_OPTIONS).toBe('--enable-source-maps');
  });

  // A construct that brings a function of its own (log retention, S3 auto-delete, a custom resource's
  // provider) would add one here, on a runtime CDK chooses: the count and the runtimes would say so.
  it.each([
    ['the defaults', {}, 'nodejs24.x'],
    ['apiKey mode with outcome events and an alarm e-mail', ALL_OPTIONS_API_KEY, 'nodejs24.x'],
    ['webhook mode with WAF, no API Gateway role', ALL_OPTIONS_WEBHOOK, 'nodejs24.x'],
    ['-c nodeRuntime=nodejs22.x', { nodeRuntime: 'nodejs22.x' }, 'nodejs22.x'],
  ])('has only its three functions, all on the chosen runtime, with %s', (_, context, runtime) => {
    // Act
    const synthesized = Object.keys(context).length === 0 ? template : synthBridge(context).template;
    const functions = Object.values(synthesized.findResources('AWS::Lambda::Function')) as CfnResourceJson[];
    const customResources = Object.values(synthesized.toJSON().Resources as Record<string, CfnResourceJson>)
      .map((resource) => resource.Type)
      .filter((type) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource');

    // Assess
    expect(functions.map((fn) => fn.Properties.Runtime)).toEqual([runtime, runtime, runtime]);
    expect(customResources).toEqual([]);
  });

  it.each(['ingest', 'consumer', 'status'])('sends %s logs to its own log group with a retention', (name) => {
    // Prepare
    const fn = functionNamed(name);
    const logGroupId = (fn.resource.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;

    // Assess
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: `/aws/lambda/moderation-bridge-dev-singapore-${name}`,
        RetentionInDays: 30,
      },
    });
  });

  it.each(['ingest', 'consumer', 'status'])(
    'bundles %s as minified ESM with a source map and the AWS SDK inside',
    (name) => {
      // Prepare
      const fn = functionNamed(name);
      const assetPath = (fn.resource as unknown as { Metadata: Record<string, string> }).Metadata[
        'aws:asset:path'
      ];
      expect(assetPath).toBeDefined();
      const dir = join(bridge.app.outdir, assetPath ?? '');

      // Act
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');

      // Assess
      expect(
        code.startsWith(
          "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        ),
      ).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(code.length / code.split('\n').length).toBeGreaterThan(2_000); // minified: long lines
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
    },
  );

  it('gives ingest the main queue, the ledger and its retention, the body size bound and the Powertools names', () => {
    // Assess
    expect(variablesOf(ingest)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      QUEUE_URL: { Ref: queueId },
      LEDGER_TABLE: { Ref: tableId },
      LEDGER_RETENTION_DAYS: '14',
      MAX_BODY_BYTES: '1048576',
      POWERTOOLS_SERVICE_NAME: 'moderation-bridge-dev-singapore',
      POWERTOOLS_METRICS_NAMESPACE: 'ModerationBridge',
    });
  });

  it('gives the consumer its queues, the ledger, the region endpoint and the secret, no outcome bus and no tunable the context did not set', () => {
    // Assess: the ledger's retention is always set, so that both writers of the ledger agree on it.
    expect(variablesOf(consumer)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      QUEUE_URL: { Ref: queueId },
      DLQ_URL: { Ref: dlqId },
      IM_ENDPOINT: 'https://adminapisgp.im.qcloud.com',
      IM_BACKUP_ENDPOINT: 'https://adminapisgp.my-imcloud.com',
      IM_SECRET_ID: 'moderation-bridge/dev/singapore',
      LEDGER_TABLE: { Ref: tableId },
      LEDGER_RETENTION_DAYS: '14',
      CONSUMER_MAX_CONCURRENCY: '2',
      POWERTOOLS_SERVICE_NAME: 'moderation-bridge-dev-singapore',
      POWERTOOLS_METRICS_NAMESPACE: 'ModerationBridge',
    });
  });

  it('gives the status function the ledger only', () => {
    // Assess
    expect(variablesOf(status)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      LEDGER_TABLE: { Ref: tableId },
      POWERTOOLS_SERVICE_NAME: 'moderation-bridge-dev-singapore',
      POWERTOOLS_METRICS_NAMESPACE: 'ModerationBridge',
    });
    expect(status.resource.Properties.Handler).toBe('index.handler');
  });

  it('sets environments the functions own configuration loaders accept', () => {
    // Prepare: references are resolved at deploy time; any name stands in for them.
    const resolved = (fn: { resource: CfnResourceJson }) =>
      Object.fromEntries(
        Object.entries(variablesOf(fn)).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : `https://sqs.example/${key}.fifo`,
        ]),
      );

    // Act
    const ingestConfig = loadIngestConfig(resolved(ingest));
    const consumerConfig = loadConsumerConfig(resolved(consumer));
    const statusConfig = loadStatusConfig(resolved(status));

    // Assess
    expect(ingestConfig.ledgerRetentionDays).toBe(14);
    expect(consumerConfig).toMatchObject({ ledgerRetentionDays: 14, outcomeBus: undefined });
    expect(statusConfig.ledgerTable).toBe('https://sqs.example/LEDGER_TABLE.fifo');
  });
});

describe('queues', () => {
  it('makes both queues FIFO, deduplicated by the senders ids, encrypted at rest', () => {
    // Assess
    for (const id of [queueId, dlqId]) {
      expect(template.toJSON().Resources[id].Properties).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        SqsManagedSseEnabled: true,
      });
    }
  });

  it("deduplicates an eventId within its member's message group only, in high-throughput mode", () => {
    // Assess: the same eventId for another member is another event, never a duplicate.
    expect(template.toJSON().Resources[queueId].Properties).toMatchObject({
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
  });

  it.each(['queue', 'dead-letter queue'])('denies any request to the %s made without TLS', (which) => {
    // Prepare
    const id = which === 'queue' ? queueId : dlqId;

    // Assess
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it("sets the main queue's visibility timeout to six times the consumer's timeout", () => {
    // Prepare
    const timeout = consumer.resource.Properties.Timeout as number;
    const visibility = template.toJSON().Resources[queueId].Properties.VisibilityTimeout as number;

    // Assess
    expect(timeout).toBe(30);
    expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
  });

  it("redrives to the dead-letter queue only after more receives than the consumer's attempts", () => {
    // Prepare
    const { RedrivePolicy } = template.toJSON().Resources[queueId].Properties as {
      RedrivePolicy: { deadLetterTargetArn: unknown; maxReceiveCount: number };
    };
    const { maxAttempts, ambiguousMaxAttempts } = loadConsumerConfig(CONSUMER_REQUIRED_ENV);

    // Assess
    expect(RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
    expect(RedrivePolicy.maxReceiveCount).toBeGreaterThan(Math.max(maxAttempts, ambiguousMaxAttempts));
  });

  it('keeps dead letters for 14 days', () => {
    // Assess
    expect(template.toJSON().Resources[dlqId].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });
});

describe('consumer event source', () => {
  it("reports partial batch failures and stays under Tencent's 200 calls per second", () => {
    // Prepare
    const mapping = onlyResource(template, 'AWS::Lambda::EventSourceMapping').resource.Properties as {
      BatchSize: number;
      ScalingConfig: { MaximumConcurrency: number };
    };

    // Assess
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: consumer.logicalId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(mapping.BatchSize).toBeLessThanOrEqual(10);
    // The consumer divides its Tencent call rate among this many concurrent invocations.
    const variables = variablesOf(consumer);
    expect(variables.CONSUMER_MAX_CONCURRENCY).toBe(String(mapping.ScalingConfig.MaximumConcurrency));
    const paced = loadConsumerConfig({
      ...(variables as Record<string, string>),
      QUEUE_URL: 'https://sqs.example/q.fifo',
      DLQ_URL: 'https://sqs.example/dlq.fifo',
      LEDGER_TABLE: 'ledger',
    });
    expect(paced.consumerMaxConcurrency).toBe(mapping.ScalingConfig.MaximumConcurrency);
    expect(paced.tencentCallsPerSecond).toBeLessThan(TENCENT_RATE_LIMIT);
  });
});

describe('least privilege', () => {
  const logsAndTracing = (logGroupId: string) => [
    {
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
    },
    { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '*' },
  ];
  const logGroupOf = (fn: { resource: CfnResourceJson }): string =>
    (fn.resource.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;

  const ledgerArn = () => ({ 'Fn::GetAtt': [tableId, 'Arn'] });

  it('lets ingest only send to the main queue and put, update and get ledger items', () => {
    // Assess
    expect(roleStatements(template, roleOf(ingest))).toEqual([
      ...logsAndTracing(logGroupOf(ingest)),
      { actions: ['sqs:SendMessage'], resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      {
        actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resource: ledgerArn(),
      },
    ]);
  });

  it('lets the status function only get ledger items', () => {
    // Assess
    expect(roleStatements(template, roleOf(status))).toEqual([
      ...logsAndTracing(logGroupOf(status)),
      { actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'], resource: ledgerArn() },
    ]);
  });

  it('lets the consumer poll, change visibility and send on the main queue, send to the DLQ, read its one secret, and update, get and batch-write ledger items', () => {
    // Assess
    expect(roleStatements(template, roleOf(consumer))).toEqual([
      ...logsAndTracing(logGroupOf(consumer)),
      {
        actions: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      },
      {
        actions: ['sqs:SendMessage'],
        resource: [{ 'Fn::GetAtt': [dlqId, 'Arn'] }, { 'Fn::GetAtt': [queueId, 'Arn'] }],
      },
      {
        actions: ['secretsmanager:GetSecretValue'],
        resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':secretsmanager:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':secret:moderation-bridge/dev/singapore-??????',
            ],
          ],
        },
      },
      {
        actions: [
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:GetItem',
          'dynamodb:UpdateItem',
        ],
        resource: ledgerArn(),
      },
    ]);
  });

  it('attaches no managed policy to the function roles', () => {
    // Assess
    for (const fn of [ingest, consumer, status]) {
      expect(template.toJSON().Resources[roleOf(fn)].Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('API', () => {
  it('routes POST /v1/events to ingest through a regional REST API', () => {
    // Prepare
    const v1 = onlyResource(template, 'AWS::ApiGateway::Resource', { PathPart: 'v1' });
    const events = onlyResource(template, 'AWS::ApiGateway::Resource', { PathPart: 'events' });

    // Assess
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'moderation-bridge-dev-singapore',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    expect(events.resource.Properties.ParentId).toEqual({ Ref: v1.logicalId });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: events.logicalId },
      Integration: {
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [ingest.logicalId, 'Arn'] }])],
        }),
      },
    });
  });

  it('routes GET /v1/events/{eventId} to the status function', () => {
    // Prepare
    const events = onlyResource(template, 'AWS::ApiGateway::Resource', { PathPart: 'events' });
    const eventId = onlyResource(template, 'AWS::ApiGateway::Resource', { PathPart: '{eventId}' });

    // Assess
    expect(eventId.resource.Properties.ParentId).toEqual({ Ref: events.logicalId });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      ResourceId: { Ref: eventId.logicalId },
      RequestParameters: { 'method.request.path.eventId': true },
      Integration: {
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [status.logicalId, 'Arn'] }])],
        }),
      },
    });
  });

  it('has these two methods and no other', () => {
    // Prepare
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as CfnResourceJson[];

    // Assess
    expect(methods.map((method) => method.Properties.HttpMethod).sort()).toEqual(['GET', 'POST']);
  });

  it('requires IAM (SigV4) authorization on both methods by default, without API keys', () => {
    // Prepare
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as CfnResourceJson[];

    // Assess
    for (const method of methods) {
      expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(method.Properties.ApiKeyRequired).toBeUndefined();
    }
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
  });

  it('throttles the stage and logs errors without request data', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        },
      ],
    });
  });

  it('writes JSON access logs to a log group with a retention', () => {
    // Prepare
    const stage = onlyResource(template, 'AWS::ApiGateway::Stage').resource.Properties as {
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    };

    // Act
    const format = JSON.parse(stage.AccessLogSetting.Format) as Record<string, string>;

    // Assess
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      integrationLatency: '$context.integrationLatency',
      sourceIp: '$context.identity.sourceIp',
    });
    const logGroupId = stage.AccessLogSetting.DestinationArn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[logGroupId].Properties).toMatchObject({
      LogGroupName: '/aws/apigateway/moderation-bridge-dev-singapore/access',
      RetentionInDays: 30,
    });
  });

  it('bounds the request body in the ingest function, as API Gateway cannot lower its 10 MB limit', () => {
    // Assess
    expect(Number(variablesOf(ingest).MAX_BODY_BYTES)).toBe(1_048_576);
  });

  it('lets only this API stage invoke ingest and the status function, each on its route, and not the console test invoke', () => {
    // Prepare
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as CfnResourceJson[];
    const sourceOf = (fn: { logicalId: string }): string[] =>
      permissions
        .filter((permission) => JSON.stringify(permission.Properties.FunctionName).includes(fn.logicalId))
        .map((permission) => JSON.stringify(permission.Properties.SourceArn));

    // Assess
    expect(permissions).toHaveLength(2);
    expect(sourceOf(ingest)).toEqual([expect.stringContaining('/POST/v1/events"')]);
    expect(sourceOf(status)).toEqual([expect.stringContaining('/GET/v1/events/*"')]);
    for (const permission of permissions) {
      expect(JSON.stringify(permission.Properties.SourceArn)).not.toContain('test-invoke-stage');
    }
  });
});

describe('alarms and dashboard', () => {
  let topicId: string;
  beforeAll(() => {
    topicId = onlyResource(template, 'AWS::SNS::Topic').logicalId;
  });

  const alarmNamed = (suffix: string): Record<string, unknown> =>
    onlyResource(template, 'AWS::CloudWatch::Alarm', {
      AlarmName: `moderation-bridge-dev-singapore-${suffix}`,
    }).resource.Properties;

  it('notifies one SNS topic of every alarm and of its recovery', () => {
    // Prepare
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as CfnResourceJson[];

    // Assess
    expect(alarms).toHaveLength(11);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
        TreatMissingData: 'notBreaching',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('alarms on any message in the dead-letter queue, visible or held by a reader', () => {
    // Prepare
    const metric = (id: string, name: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SQS',
          MetricName: name,
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
        },
        Period: 60,
        Stat: 'Maximum',
      },
      ReturnData: false,
    });

    // Assess
    expect(alarmNamed('DeadLetterQueueNotEmpty')).toMatchObject({
      Threshold: 1,
      Metrics: expect.arrayContaining([
        expect.objectContaining({ Expression: 'visible + inFlight', ReturnData: true }),
        expect.objectContaining(metric('visible', 'ApproximateNumberOfMessagesVisible')),
        expect.objectContaining(metric('inFlight', 'ApproximateNumberOfMessagesNotVisible')),
      ]),
    });
  });

  it('alarms when the oldest message on the main queue is over the threshold', () => {
    // Assess
    expect(alarmNamed('QueueOldestMessageAge')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 600,
    });
  });

  it.each([
    ['IngestErrors', 'Errors', 'ingest'],
    ['IngestThrottles', 'Throttles', 'ingest'],
    ['ConsumerErrors', 'Errors', 'consumer'],
    ['ConsumerThrottles', 'Throttles', 'consumer'],
  ])('alarms %s on the function metric', (suffix, metricName, fn) => {
    // Assess
    expect(alarmNamed(suffix)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: fn === 'ingest' ? ingest.logicalId : consumer.logicalId } },
      ],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('alarms on any order conflict: a newer decision recorded while an older event was applied', () => {
    // Assess
    expect(alarmNamed('OrderConflicts')).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 1,
      Metrics: [
        expect.objectContaining({
          MetricStat: {
            Metric: {
              Namespace: 'ModerationBridge',
              MetricName: 'OrderConflicts',
              Dimensions: [{ Name: 'service', Value: 'moderation-bridge-dev-singapore' }],
            },
            Period: 300,
            Stat: 'Sum',
          },
        }),
      ],
    });
  });

  it('alarms within a minute when the consumer cannot read the secret or Tencent refuses it', () => {
    // Assess
    const alarm = alarmNamed('CredentialsFault');
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1 });
    const metrics = alarm.Metrics as {
      Id: string;
      MetricStat?: { Metric: { MetricName: string }; Period: number };
    }[];
    expect(
      metrics.flatMap((metric) =>
        metric.MetricStat ? [[metric.MetricStat.Metric.MetricName, metric.MetricStat.Period]] : [],
      ),
    ).toEqual([
      ['CredentialsInvalid', 60],
      ['CredentialsUnavailable', 60],
    ]);
  });

  it("alarms on ledger errors: the functions' LedgerErrors and the table's throttles and system errors", () => {
    // Prepare
    const alarm = alarmNamed('LedgerErrors');
    const metrics = alarm.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] };
        Period: number;
        Stat: string;
      };
    }[];
    const stats = metrics.flatMap(({ Id, MetricStat }) =>
      MetricStat === undefined
        ? []
        : [
            {
              id: Id,
              metric: `${MetricStat.Metric.Namespace} ${MetricStat.Metric.MetricName}`,
              dimensions: Object.fromEntries(MetricStat.Metric.Dimensions.map((d) => [d.Name, d.Value])),
              period: MetricStat.Period,
              stat: MetricStat.Stat,
            },
          ],
    );
    const table = { TableName: { Ref: tableId } };
    const [expression] = metrics.filter((metric) => metric.Expression !== undefined);

    // Assess
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1 });
    expect(stats).toEqual(
      [
        ['functions', 'ModerationBridge LedgerErrors', { service: 'moderation-bridge-dev-singapore' }],
        ['readThrottles', 'AWS/DynamoDB ReadThrottleEvents', table],
        ['writeThrottles', 'AWS/DynamoDB WriteThrottleEvents', table],
        ...['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem'].map((operation) => [
          `systemErrors${operation}`,
          'AWS/DynamoDB SystemErrors',
          { ...table, Operation: operation },
        ]),
      ].map(([id, metric, dimensions]) => ({ id, metric, dimensions, period: 300, stat: 'Sum' })),
    );
    // Every term counts even when the others have no data point (FILL), and the sum is what alarms.
    expect(expression?.Expression).toBe(stats.map(({ id }) => `FILL(${id}, 0)`).join(' + '));
  });

  it('alarms on any consumer call that could connect to no Tencent endpoint, main or backup', () => {
    // Assess
    expect(alarmNamed('TencentUnreachable')).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 1,
      Metrics: [
        expect.objectContaining({
          MetricStat: {
            Metric: {
              Namespace: 'ModerationBridge',
              MetricName: 'TencentUnreachable',
              Dimensions: [{ Name: 'service', Value: 'moderation-bridge-dev-singapore' }],
            },
            Period: 300,
            Stat: 'Sum',
          },
        }),
      ],
    });
  });

  it('counts a credential fault even when only one of its two metrics has data', () => {
    // Assess
    const metrics = alarmNamed('CredentialsFault').Metrics as { Expression?: string }[];
    expect(metrics.find((metric) => metric.Expression !== undefined)?.Expression).toBe(
      'FILL(invalid, 0) + FILL(unavailable, 0)',
    );
  });

  it('has no outcome-event alarm while outcome events are off', () => {
    // Assess
    expect(
      template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmName: 'moderation-bridge-dev-singapore-OutcomeEventsFailed' },
      }),
    ).toEqual({});
  });

  it('alarms on API 5xx responses', () => {
    // Assess
    expect(alarmNamed('Api5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [{ Name: 'ApiName', Value: 'moderation-bridge-dev-singapore' }],
      Threshold: 1,
    });
  });

  it('enforces TLS on the alarm topic', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('charts ingest rate, queue depth and age, consumer outcomes, Tencent reach and latency and the ledger', () => {
    // Prepare
    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard', {
      DashboardName: 'moderation-bridge-dev-singapore',
    });
    const {
      'Fn::Join': [, parts],
    } = dashboard.resource.Properties.DashboardBody as {
      'Fn::Join': [string, unknown[]];
    };

    // Act: references (queue names, function names, region) become placeholders, the rest is JSON.
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'REF')).join('')) as {
      widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
    };
    const metricsOf = (title: string): unknown[][] =>
      body.widgets.find((widget) => widget.properties.title === title)?.properties.metrics ?? [];
    const emf = (name: string, stat: string) => [
      'ModerationBridge',
      name,
      'service',
      'moderation-bridge-dev-singapore',
      expect.objectContaining({ stat }),
    ];

    // Assess
    expect(metricsOf('Ingest rate (events per minute)')).toEqual([
      emf('EventsAccepted', 'Sum'),
      emf('EventsRejected', 'Sum'),
      emf('EventsDuplicate', 'Sum'),
    ]);
    expect(metricsOf('Queue depth').map((metric) => metric.slice(0, 2))).toEqual([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
      ['AWS/SQS', 'ApproximateNumberOfMessagesNotVisible'],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ]);
    expect(metricsOf('Age of oldest message (s)').map((metric) => metric[1])).toEqual([
      'ApproximateAgeOfOldestMessage',
    ]);
    expect(metricsOf('Consumer outcomes (events per minute)')).toEqual([
      emf('EventsApplied', 'Sum'),
      emf('EventsRetried', 'Sum'),
      emf('EventsDeadLettered', 'Sum'),
      emf('EventsExpired', 'Sum'),
      emf('EventsHeld', 'Sum'),
      emf('EventsSuperseded', 'Sum'),
    ]);
    expect(metricsOf('Tencent reach: backup-domain failover (calls per minute)')).toEqual([
      emf('TencentFailover', 'Sum'),
      emf('TencentUnreachable', 'Sum'),
    ]);
    expect(metricsOf('The ledger as the authority (per minute)')).toEqual([
      emf('EventsFinishedBefore', 'Sum'),
      emf('LedgerTransitionsRefused', 'Sum'),
      emf('DeadLettersReturned', 'Sum'),
      emf('OrderConflicts', 'Sum'),
    ]);
    expect(metricsOf('Tencent latency (ms)')).toEqual([
      emf('TencentLatency', 'p50'),
      emf('TencentLatency', 'p90'),
      emf('TencentLatency', 'p99'),
    ]);
    const operations = ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem'];
    expect(metricsOf('Ledger latency, average (ms)')).toEqual(
      operations.map((operation) => [
        'AWS/DynamoDB',
        'SuccessfulRequestLatency',
        'Operation',
        operation,
        'TableName',
        'REF',
        // A dashboard's default statistic is the average, so the body leaves `stat` out.
        { label: `${operation} Average`, period: 60 },
      ]),
    );
    expect(metricsOf('Ledger errors (per minute)').map((metric) => metric.slice(0, 2))).toEqual([
      ['ModerationBridge', 'LedgerErrors'],
      ['AWS/DynamoDB', 'ReadThrottleEvents'],
      ['AWS/DynamoDB', 'WriteThrottleEvents'],
      ...operations.map(() => ['AWS/DynamoDB', 'SystemErrors']),
      ['ModerationBridge', 'OutcomeEventsFailed'],
    ]);
    expect(metricsOf('Function duration p99 (ms)')).toHaveLength(3);
    expect(metricsOf('Dead-lettered by Tencent error code (or kind)')).toEqual([
      [
        {
          expression:
            'SEARCH(\'{ModerationBridge,errorCode,service} MetricName="EventsDeadLettered" service="moderation-bridge-dev-singapore"\', \'Sum\', 300)',
        },
      ],
    ]);
  });
});

describe('event ledger', () => {
  let table: {
    logicalId: string;
    resource: CfnResourceJson & { DeletionPolicy?: string; UpdateReplacePolicy?: string };
  };
  beforeAll(() => {
    table = onlyResource(template, 'AWS::DynamoDB::Table') as typeof table;
  });

  it('keys the table by the eventId string, named after the stage and region', () => {
    // Assess
    expect(table.resource.Properties).toMatchObject({
      TableName: 'moderation-bridge-dev-singapore-ledger',
      KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'eventId', AttributeType: 'S' }],
    });
    expect(table.resource.Properties.GlobalSecondaryIndexes).toBeUndefined();
    expect(table.resource.Properties.StreamSpecification).toBeUndefined();
  });

  it('is on demand, with point-in-time recovery, encrypted with the AWS managed key, expiring items on expiresAt', () => {
    // Assess
    expect(table.resource.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(table.resource.Properties.ProvisionedThroughput).toBeUndefined();
    expect(
      (table.resource.Properties.SSESpecification as Record<string, unknown>).KMSMasterKeyId,
    ).toBeUndefined();
  });

  it('is retained when the stack is deleted or the table replaced: it holds the audit trail', () => {
    // Assess
    expect(table.resource.DeletionPolicy).toBe('Retain');
    expect(table.resource.UpdateReplacePolicy).toBe('Retain');
  });

  it('keeps items at least as long as the queue keeps an event, so that a resend is always recognised', () => {
    // Assess
    expect(SETTINGS.ingest.ledgerRetentionDays.min * 86_400).toBeGreaterThanOrEqual(QUEUE_RETENTION_SECONDS);
    expect(SETTINGS.consumer.ledgerRetentionDays).toBe(SETTINGS.ingest.ledgerRetentionDays);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged', () => {
    // Assess
    expect(nagFindings(bridge.stack)).toEqual([]);
  });

  it('acknowledges only the reviewed rules, each with its reason', () => {
    // Act
    const acknowledged = acknowledgments(bridge.stack);

    // Assess
    expect([...acknowledged.keys()].sort()).toEqual([
      'AwsSolutions-APIG2',
      'AwsSolutions-APIG3',
      'AwsSolutions-COG4',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      'AwsSolutions-SNS2',
    ]);
    for (const reasons of acknowledged.values()) {
      for (const reason of reasons) expect(reason.length).toBeGreaterThan(60);
    }
  });
});

describe('outcome events', () => {
  const consumerOf = (synthesized: Template) =>
    onlyResource(synthesized, 'AWS::Lambda::Function', {
      FunctionName: 'moderation-bridge-dev-singapore-consumer',
    });
  const putEventsStatements = (synthesized: Template) =>
    roleStatements(synthesized, roleOf(consumerOf(synthesized))).filter((statement) =>
      statement.actions.some((action) => action.startsWith('events:')),
    );
  const busArn = (name: string) => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:event-bus/${name}`,
      ],
    ],
  });

  it('are off by default: no OUTCOME_BUS and no events permission', () => {
    // Assess
    expect(variablesOf(consumer).OUTCOME_BUS).toBeUndefined();
    expect(putEventsStatements(template)).toEqual([]);
  });

  it.each([
    [{ outcomeEvents: 'true' }, 'default'],
    [{ outcomeEvents: true, outcomeBusName: 'moderation-outcomes' }, 'moderation-outcomes'],
  ])(
    'with %j, publish on the %s bus: OUTCOME_BUS set, events:PutEvents on that bus only, an alarm on failures',
    (context, bus) => {
      // Act
      const { template: synthesized, stack } = synthBridge(context);

      // Assess
      expect(variablesOf(consumerOf(synthesized)).OUTCOME_BUS).toBe(bus);
      expect(putEventsStatements(synthesized)).toEqual([
        { actions: ['events:PutEvents'], resource: busArn(bus) },
      ]);
      expect(
        onlyResource(synthesized, 'AWS::CloudWatch::Alarm', {
          AlarmName: 'moderation-bridge-dev-singapore-OutcomeEventsFailed',
        }).resource.Properties,
      ).toMatchObject({
        Namespace: 'ModerationBridge',
        MetricName: 'OutcomeEventsFailed',
        Dimensions: [{ Name: 'service', Value: 'moderation-bridge-dev-singapore' }],
        Statistic: 'Sum',
        Threshold: 1,
      });
      synthesized.resourceCountIs('AWS::CloudWatch::Alarm', 12);
      expect(nagFindings(stack)).toEqual([]);
    },
  );

  it('take the bus name without outcomeEvents, and publish nothing', () => {
    // Act
    const { template: synthesized } = synthBridge({ outcomeBusName: 'moderation-outcomes' });

    // Assess
    expect(variablesOf(consumerOf(synthesized)).OUTCOME_BUS).toBeUndefined();
    expect(putEventsStatements(synthesized)).toEqual([]);
  });
});
