import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { IM_REGIONS, type ImRegion } from '../../infra/config.ts';
import { REPO_ROOT } from '../../infra/paths.ts';
import { type CfnResourceJson, nagFindings, onlyResource, synthBridge } from './helpers.ts';

/** The domains of `docs/tencent.md#region-domains`, written out again so that a typo in the code shows. */
const EXPECTED_DOMAINS: Record<ImRegion, string> = {
  china: 'console.tim.qq.com',
  singapore: 'adminapisgp.im.qcloud.com',
  seoul: 'adminapikr.im.qcloud.com',
  tokyo: 'adminapijpn.im.qcloud.com',
  frankfurt: 'adminapiger.im.qcloud.com',
  'silicon-valley': 'adminapiusa.im.qcloud.com',
  jakarta: 'adminapiidn.im.qcloud.com',
};

/** The backup domains of `docs/tencent.md#region-domains`, written out again; none is documented for Tokyo. */
const EXPECTED_BACKUP_DOMAINS: Record<ImRegion, string | undefined> = {
  china: 'adminapi.my-imcloud.com',
  singapore: 'adminapisgp.my-imcloud.com',
  seoul: 'adminapikr.my-imcloud.com',
  tokyo: undefined,
  frankfurt: 'adminapiger.my-imcloud.com',
  'silicon-valley': 'adminapiusa.my-imcloud.com',
  jakarta: 'adminapiidn.my-imcloud.com',
};

const consumerVariables = (template: Template): Record<string, unknown> =>
  (
    onlyResource(template, 'AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('modify_group_member_info'),
    }).resource.Properties.Environment as { Variables: Record<string, unknown> }
  ).Variables;

describe.each(IM_REGIONS)('imRegion=%s', (imRegion) => {
  let template: Template;
  let stackName: string;
  beforeAll(() => {
    const synthesized = synthBridge({ imRegion });
    template = synthesized.template;
    stackName = synthesized.stack.stackName;
  });

  it("points the consumer at the region's domain over https", () => {
    // Assess
    expect(consumerVariables(template).IM_ENDPOINT).toBe(`https://${EXPECTED_DOMAINS[imRegion]}`);
  });

  it("gives the consumer the region's backup domain to fail over to, or none for Tokyo", () => {
    // Prepare
    const domain = EXPECTED_BACKUP_DOMAINS[imRegion];

    // Assess
    expect(consumerVariables(template).IM_BACKUP_ENDPOINT).toBe(
      domain === undefined ? undefined : `https://${domain}`,
    );
  });

  it('names the stack and the secret after the region', () => {
    // Assess
    expect(stackName).toBe(`ModerationBridge-dev-${imRegion}`);
    expect(consumerVariables(template).IM_SECRET_ID).toBe(`moderation-bridge/dev/${imRegion}`);
  });
});

describe('a second stage and region beside the first', () => {
  it('gives every named resource its own stage and region, so both fit in one account', () => {
    // Prepare
    const first = synthBridge({}).template.toJSON();

    // Act
    const second = synthBridge({ stage: 'prod', imRegion: 'frankfurt' }).template.toJSON();

    // Assess
    const names = (template: Record<string, unknown>): string[] =>
      Object.values(template.Resources as Record<string, CfnResourceJson>).flatMap((resource) =>
        ['QueueName', 'FunctionName', 'LogGroupName', 'Name', 'TopicName', 'AlarmName', 'DashboardName']
          .map((key) => resource.Properties?.[key])
          .filter((name): name is string => typeof name === 'string'),
      );
    const firstNames = names(first);
    const secondNames = names(second);
    expect(secondNames.length).toBeGreaterThan(15);
    for (const name of secondNames) expect(name).toContain('prod-frankfurt');
    expect(secondNames.filter((name) => firstNames.includes(name))).toEqual([]);
  });
});

describe('awsRegion', () => {
  it('pins the stack to an AWS region, for example next to the Tencent data centre', () => {
    // Act
    const { stack, template } = synthBridge({ imRegion: 'tokyo', awsRegion: 'ap-northeast-1' });

    // Assess
    expect(stack.region).toBe('ap-northeast-1');
    expect(JSON.stringify(template.toJSON().Outputs.EventsUrl)).toContain('.execute-api.ap-northeast-1.');
  });
});

describe('imEndpoint', () => {
  it('overrides the region domain, for example with a backup domain', () => {
    // Act
    const { template } = synthBridge({
      imRegion: 'jakarta',
      imEndpoint: 'https://adminapiidn.my-imcloud.com/',
    });

    // Assess
    expect(consumerVariables(template).IM_ENDPOINT).toBe('https://adminapiidn.my-imcloud.com');
    expect(consumerVariables(template)).not.toHaveProperty('IM_BACKUP_ENDPOINT');
  });
});

describe('imBackupEndpoint', () => {
  it('-c imBackupEndpoint=none leaves the consumer without a backup: no failover', () => {
    // Act
    const { template } = synthBridge({ imRegion: 'singapore', imBackupEndpoint: 'none' });

    // Assess
    expect(consumerVariables(template)).not.toHaveProperty('IM_BACKUP_ENDPOINT');
    expect(template.toJSON().Outputs).not.toHaveProperty('ImBackupEndpoint');
  });

  it('sets the backup explicitly, also for Tokyo, and outputs it', () => {
    // Act
    const { template } = synthBridge({
      imRegion: 'tokyo',
      imBackupEndpoint: 'https://adminapijpn.my-imcloud.com',
    });

    // Assess
    expect(consumerVariables(template).IM_BACKUP_ENDPOINT).toBe('https://adminapijpn.my-imcloud.com');
    expect(template.toJSON().Outputs.ImBackupEndpoint.Value).toBe('https://adminapijpn.my-imcloud.com');
  });
});

describe('a bad region', () => {
  it('stops the synth in the CDK app, naming the valid regions', () => {
    // Act
    const result = synthBridgeThrows({ imRegion: 'mumbai' });

    // Assess
    expect(result).toMatch(
      /imRegion must be one of china, singapore, seoul, tokyo, frankfurt, silicon-valley, jakarta; got 'mumbai'/,
    );
  });

  it('makes `cdk synth` (infra/app.ts) exit non-zero with that message and no stack trace', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'bridge-synth-'));

    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'infra', 'app.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ imRegion: 'mumbai', stage: 'dev' }),
      },
      encoding: 'utf8',
      timeout: 30_000,
    });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "imRegion must be one of china, singapore, seoul, tokyo, frankfurt, silicon-valley, jakarta; got 'mumbai'",
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('API-key mode with an alarm e-mail and tuned consumer', () => {
  let template: Template;
  let findings: string[];
  beforeAll(() => {
    const synthesized = synthBridge({
      apiAuth: 'apiKey',
      apiRateLimit: 20,
      apiBurstLimit: 40,
      apiKeyQuotaPerDay: 500_000,
      alarmEmail: 'oncall@example.com',
      maxAttempts: '6',
      backoffMaxSeconds: '600',
      batchSize: 4,
      maxConcurrency: 3,
      tencentCallsPerSecond: 150,
      groupConcurrency: 5,
      consumerTimeoutSeconds: 60,
      queueAgeAlarmSeconds: 300,
      apiGatewayCloudWatchRole: 'false',
      logRetentionDays: 90,
      ledgerRetentionDays: 30,
    });
    template = synthesized.template;
    findings = nagFindings(synthesized.stack);
  });

  it.each(['POST', 'GET'])('requires an API key on %s instead of IAM', (httpMethod) => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: httpMethod,
      AuthorizationType: 'NONE',
      ApiKeyRequired: true,
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    expect(Object.keys(template.toJSON().Outputs)).toContain('ApiKeyId');
  });

  it('throttles and caps the key with a usage plan on the stage', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 20, BurstLimit: 40 },
      Quota: { Limit: 500_000, Period: 'DAY' },
      ApiStages: [Match.objectLike({ Stage: { Ref: Match.anyValue() } })],
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })],
    });
  });

  it('subscribes the e-mail address to the alarm topic', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('passes only the tunables that were set, and derives the queue settings from them', () => {
    // Prepare
    const variables = consumerVariables(template);
    const queue = onlyResource(template, 'AWS::SQS::Queue', {
      QueueName: 'moderation-bridge-dev-singapore-events.fifo',
    }).resource.Properties as { VisibilityTimeout: number; RedrivePolicy: { maxReceiveCount: number } };

    // Assess
    expect(variables).toMatchObject({
      MAX_ATTEMPTS: '6',
      BACKOFF_MAX_SECONDS: '600',
      GROUP_CONCURRENCY: '5',
    });
    expect(
      Object.keys(variables).filter((key) =>
        /^(TENCENT_TIMEOUT|AMBIGUOUS|BACKOFF_BASE|SECRET|USERSIG|TIME)_/.test(key),
      ),
    ).toEqual([]);
    expect(queue.VisibilityTimeout).toBe(360);
    // 6 attempts x 4 + 430 receives of a 14-day hold + 4.
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(458);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 4,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 300,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('gives both writers of the ledger the same retention, the one the context sets', () => {
    // Prepare
    const retentionOf = (name: string): unknown =>
      (
        onlyResource(template, 'AWS::Lambda::Function', {
          FunctionName: `moderation-bridge-dev-singapore-${name}`,
        }).resource.Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables.LEDGER_RETENTION_DAYS;

    // Assess
    expect(retentionOf('ingest')).toBe('30');
    expect(retentionOf('consumer')).toBe('30');
    expect(retentionOf('status')).toBeUndefined();
  });

  it('leaves the account-level API Gateway logging role alone when told to', () => {
    // Assess
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    // Assess
    expect(findings).toEqual([]);
  });
});

/** Synthesizes and returns the error message (fails the test if the synth succeeds). */
function synthBridgeThrows(context: Record<string, unknown>): string {
  try {
    synthBridge(context);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('synth succeeded');
}
