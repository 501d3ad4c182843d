import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { loadConsumerConfig } from '#shared/config';
import { TENCENT_RATE_LIMIT } from '../../infra/config.ts';
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
let queueId: string;
let dlqId: string;

beforeAll(() => {
  bridge = synthBridge({}, { bundle: true });
  template = bridge.template;
  ingest = onlyResource(template, 'AWS::Lambda::Function', {
    FunctionName: 'moderation-bridge-dev-singapore-ingest',
  });
  consumer = onlyResource(template, 'AWS::Lambda::Function', {
    FunctionName: 'moderation-bridge-dev-singapore-consumer',
  });
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
      expect.arrayContaining(['EventsUrl', 'QueueUrl', 'QueueArn', 'DlqUrl', 'DlqArn', 'AlarmTopicArn']),
    );
    expect(JSON.stringify(outputs.EventsUrl?.Value)).toMatch(/\/v1\/events"/);
    expect(outputs.QueueUrl?.Value).toEqual({ Ref: queueId });
    expect(outputs.DlqUrl?.Value).toEqual({ Ref: dlqId });
    expect(outputs.DlqArn?.Value).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
  });
});

describe('functions', () => {
  it.each(['ingest', 'consumer'])('runs %s on Node.js 22 on arm64 with X-Ray tracing', (name) => {
    // Prepare
    const fn = name === 'ingest' ? ingest : consumer;

    // Assess
    expect(fn.resource.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
    expect(variablesOf(fn).NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it.each(['ingest', 'consumer'])('sends %s logs to its own log group with a retention', (name) => {
    // Prepare
    const fn = name === 'ingest' ? ingest : consumer;
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

  it.each(['ingest', 'consumer'])(
    'bundles %s as minified ESM with a source map and the AWS SDK inside',
    (name) => {
      // Prepare
      const fn = name === 'ingest' ? ingest : consumer;
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

  it('gives ingest the main queue, the body size bound and the Powertools names', () => {
    // Assess
    expect(variablesOf(ingest)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      QUEUE_URL: { Ref: queueId },
      MAX_BODY_BYTES: '262144',
      POWERTOOLS_SERVICE_NAME: 'moderation-bridge-dev-singapore',
      POWERTOOLS_METRICS_NAMESPACE: 'ModerationBridge',
    });
  });

  it('gives the consumer its queues, the region endpoint and the secret, and no tunable the context did not set', () => {
    // Assess
    expect(variablesOf(consumer)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      QUEUE_URL: { Ref: queueId },
      DLQ_URL: { Ref: dlqId },
      IM_ENDPOINT: 'https://adminapisgp.im.qcloud.com',
      IM_SECRET_ID: 'moderation-bridge/dev/singapore',
      CONSUMER_MAX_CONCURRENCY: '2',
      POWERTOOLS_SERVICE_NAME: 'moderation-bridge-dev-singapore',
      POWERTOOLS_METRICS_NAMESPACE: 'ModerationBridge',
    });
  });

  it("sets an environment the consumer's own configuration loader accepts", () => {
    // Prepare
    const env = Object.fromEntries(
      Object.entries(variablesOf(consumer)).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : `https://sqs.example/${key}.fifo`,
      ]),
    );

    // Act & Assess
    expect(() => loadConsumerConfig(env)).not.toThrow();
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
    const { maxAttempts, ambiguousMaxAttempts } = loadConsumerConfig({
      QUEUE_URL: 'q',
      DLQ_URL: 'd',
      IM_ENDPOINT: 'https://adminapisgp.im.qcloud.com',
      IM_SECRET_ID: 's',
    });

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

  it('lets ingest only send to the main queue', () => {
    // Assess
    expect(roleStatements(template, roleOf(ingest))).toEqual([
      ...logsAndTracing(logGroupOf(ingest)),
      { actions: ['sqs:SendMessage'], resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    ]);
  });

  it('lets the consumer poll and change visibility on the main queue, send to the DLQ and read its one secret', () => {
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
      { actions: ['sqs:SendMessage'], resource: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
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
    ]);
  });

  it('attaches no managed policy to the function roles', () => {
    // Assess
    for (const fn of [ingest, consumer]) {
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
    template.resourceCountIs('AWS::ApiGateway::Method', 1);
  });

  it('requires IAM (SigV4) authorization by default, without API keys', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      AuthorizationType: 'AWS_IAM',
      ApiKeyRequired: Match.absent(),
    });
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
    expect(Number(variablesOf(ingest).MAX_BODY_BYTES)).toBe(262_144);
  });

  it('lets only this API stage invoke ingest, and not the console test invoke', () => {
    // Assess
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as CfnResourceJson[];
    expect(permissions).toHaveLength(1);
    expect(JSON.stringify(permissions[0]?.Properties.SourceArn)).toContain('/POST/v1/events');
    expect(JSON.stringify(permissions[0]?.Properties.SourceArn)).not.toContain('test-invoke-stage');
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
    expect(alarms).toHaveLength(8);
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

  it('charts ingest rate, queue depth and age, consumer outcomes and Tencent latency', () => {
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
    ]);
    expect(metricsOf('Tencent latency (ms)')).toEqual([
      emf('TencentLatency', 'p50'),
      emf('TencentLatency', 'p90'),
      emf('TencentLatency', 'p99'),
    ]);
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
