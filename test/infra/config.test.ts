import {
  type ConsumerConfig,
  type IntegerSetting,
  loadConsumerConfig,
  loadIngestConfig,
  SETTINGS,
} from '#shared/settings';
import {
  CONTEXT_KEYS,
  type ConsumerTunable,
  ContextError,
  IM_REGION_BACKUP_DOMAINS,
  IM_REGION_DOMAINS,
  IM_REGIONS,
  loadBridgeConfig,
  NODE_RUNTIMES,
  STACK_CHOICES,
  TENCENT_RATE_LIMIT,
} from '../../infra/config.ts';
import { readDoc, sectionOf } from '../helpers/docs';
import { CDK_JSON_CONTEXT, onlyResource, synthBridge } from './helpers.ts';

/** A context source over a plain object, as `app.node` would present `-c` values and `cdk.json`. */
const contextOf = (values: Record<string, unknown>) => ({
  tryGetContext: (key: string): unknown => values[key],
  getAllContext: (): Record<string, unknown> => values,
});

/** Loads a config and returns the problems it was rejected with, or none. */
const tryLoad = (values: Record<string, unknown>): readonly string[] => {
  try {
    loadBridgeConfig(contextOf(values));
    return [];
  } catch (error) {
    if (error instanceof ContextError) return error.problems;
    throw error;
  }
};

/** Loads a config and returns the problems it was rejected with (fails the test if it was accepted). */
const problemsOf = (values: Record<string, unknown>): readonly string[] => {
  const problems = tryLoad(values);
  if (problems.length === 0) throw new Error(`context was accepted: ${JSON.stringify(values)}`);
  return problems;
};

/** The consumer's required settings, which the stack sets from resources rather than the context. */
const CONSUMER_BASE_ENV = {
  QUEUE_URL: 'https://sqs.example/q.fifo',
  DLQ_URL: 'https://sqs.example/dlq.fifo',
  IM_ENDPOINT: 'https://adminapisgp.im.qcloud.com',
  IM_SECRET_ID: 'secret',
  LEDGER_TABLE: 'ledger',
};

/** Every consumer setting with a context key: `[context key, variable, config field, row]`. */
const consumerTunables = Object.entries(SETTINGS.consumer).flatMap(
  ([field, row]: [string, IntegerSetting]) =>
    row.context === null
      ? []
      : [[row.context as ConsumerTunable, row.env, field as keyof ConsumerConfig, row] as const],
);

describe('loadBridgeConfig', () => {
  it('accepts the committed cdk.json context and resolves the defaults', () => {
    // Act
    const config = loadBridgeConfig(contextOf(CDK_JSON_CONTEXT));

    // Assess
    expect(config).toMatchObject({
      stage: 'dev',
      imRegion: 'singapore',
      imEndpoint: 'https://adminapisgp.im.qcloud.com',
      imBackupEndpoint: 'https://adminapisgp.my-imcloud.com',
      imSecretName: 'moderation-bridge/dev/singapore',
      apiAuth: 'iam',
      alarmEmail: undefined,
      awsRegion: undefined,
      apiGatewayCloudWatchRole: true,
      outcomeBus: undefined,
      stackName: 'ModerationBridge-dev-singapore',
      resourcePrefix: 'moderation-bridge-dev-singapore',
      consumerTunableEnvironment: {},
    });
    // 10 attempts x 10 per batch + 430 receives of a 14-day hold + 10 (see receivesNeeded).
    expect(config.settings).toMatchObject({
      batchSize: 10,
      maxConcurrency: 2,
      maxReceiveCount: 540,
      ledgerRetentionDays: 14,
    });
  });

  it.each([
    [{ outcomeEvents: 'true' }, 'default'],
    [{ outcomeEvents: true, outcomeBusName: 'moderation-outcomes' }, 'moderation-outcomes'],
    [{ outcomeEvents: 'false', outcomeBusName: 'moderation-outcomes' }, undefined],
    [{}, undefined],
  ])('with %j publishes outcome events on %s', (context, bus) => {
    // Act
    const config = loadBridgeConfig(contextOf(context));

    // Assess
    expect(config.outcomeBus).toBe(bus);
  });

  it('refuses an outcomeEvents that is not a boolean and an outcomeBusName that is not a bus name', () => {
    // Act
    const problems = problemsOf({
      outcomeEvents: 'yes',
      outcomeBusName: 'arn:aws:events:eu-central-1:123456789012:event-bus/x',
    });

    // Assess
    expect(problems).toEqual([
      'outcomeEvents must be one of true, false; got "yes"',
      "outcomeBusName must be the name (not the ARN) of an event bus in the stack's account and region: 1 to 256 letters, digits and ._-/; got 'arn:aws:events:eu-central-1:123456789012:event-bus/x'",
    ]);
  });

  it('refuses a ledger retention shorter than the 14 days the queue keeps an event, once for both functions', () => {
    // Act
    const problems = problemsOf({ ledgerRetentionDays: 13 });
    const longer = loadBridgeConfig(contextOf({ ledgerRetentionDays: '90' }));

    // Assess
    expect(problems).toEqual(['ledgerRetentionDays must be an integer from 14 to 3650; got 13']);
    expect(longer.settings.ledgerRetentionDays).toBe(90);
    expect(longer.tunables.ledgerRetentionDays).toBe(90);
  });

  it('lists each valid key once when it reports an unknown one', () => {
    // Act
    const [problem = ''] = problemsOf({ outcomeEvent: true });

    // Assess
    expect(problem).toMatch(/^unknown context key 'outcomeEvent'; valid keys are /);
    expect(problem.match(/ledgerRetentionDays/g)).toHaveLength(1);
    expect(problem).toContain('outcomeEvents, outcomeBusName');
  });

  it.each(consumerTunables)(
    'passes -c %s to the consumer as %s, which the consumer reads into %s',
    (key, env, field, row) => {
      // Prepare: a valid value other than the default, which the consumer would get anyway.
      const value = row.default === row.max ? row.default - 1 : row.default + 1;

      // Act
      const config = loadBridgeConfig(contextOf({ [key]: String(value) }));
      const consumer = loadConsumerConfig({ ...CONSUMER_BASE_ENV, ...config.consumerTunableEnvironment });

      // Assess
      expect(config.consumerTunableEnvironment).toEqual({ [env]: String(value) });
      expect(config.tunables[key]).toBe(value);
      expect(consumer[field]).toBe(value);
    },
  );

  it('refuses a function setting outside its range, naming the key and the range', () => {
    // Act
    const problems = problemsOf({ maxAttempts: 0, timeoutSettleSeconds: '901', maxBodyBytes: 512 });

    // Assess
    expect(problems).toEqual([
      'maxAttempts must be an integer from 1 to 100; got 0',
      'timeoutSettleSeconds must be an integer from 0 to 900; got "901"',
      'maxBodyBytes must be an integer from 1024 to 10485760; got 512',
    ]);
  });

  it('has no context key for CONSUMER_MAX_CONCURRENCY, which follows maxConcurrency', () => {
    // Act
    const problems = problemsOf({ consumerMaxConcurrency: 3 });
    const config = loadBridgeConfig(contextOf({ maxConcurrency: 3 }));

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^unknown context key 'consumerMaxConcurrency'/)]);
    expect(config.settings.maxConcurrency).toBe(3);
    expect(config.consumerTunableEnvironment).toEqual({});
  });

  it("sets -c values in the synthesized functions' environments, where the functions' loaders read them", () => {
    // Act
    const { template } = synthBridge({
      maxAttempts: '6',
      holdMaxSeconds: '1800',
      maxConcurrency: '3',
      maxBodyBytes: '65536',
    });
    const environmentOf = (functionName: string): Record<string, string> => {
      const fn = onlyResource(template, 'AWS::Lambda::Function', { FunctionName: functionName });
      const { Variables } = fn.resource.Properties.Environment as { Variables: Record<string, unknown> };
      // Queue URLs are references to resolve at deploy time: any URL stands in for them.
      return Object.fromEntries(
        Object.entries(Variables).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : `https://sqs.example/${name}.fifo`,
        ]),
      );
    };
    const consumer = loadConsumerConfig(environmentOf('moderation-bridge-dev-singapore-consumer'));
    const ingest = loadIngestConfig(environmentOf('moderation-bridge-dev-singapore-ingest'));

    // Assess
    expect(consumer).toMatchObject({
      maxAttempts: 6,
      holdMaxSeconds: 1_800,
      consumerMaxConcurrency: 3,
      backoffMaxSeconds: 900,
    });
    expect(ingest.maxBodyBytes).toBe(65_536);
  });

  it.each(['modify_group_member_info', 'forbid_send_msg'] as const)(
    'passes -c muteApi=%s to the consumer as MUTE_API, which the consumer reads',
    (muteApi) => {
      // Act
      const config = loadBridgeConfig(contextOf({ muteApi }));
      const consumer = loadConsumerConfig({ ...CONSUMER_BASE_ENV, ...config.consumerTunableEnvironment });

      // Assess
      expect(config.consumerTunableEnvironment).toEqual({ MUTE_API: muteApi });
      expect(config.choices.muteApi).toBe(muteApi);
      expect(consumer.muteApi).toBe(muteApi);
    },
  );

  it('defaults muteApi to modify_group_member_info and leaves MUTE_API out of the environment', () => {
    // Act
    const config = loadBridgeConfig(contextOf({}));

    // Assess
    expect(config.choices).toEqual({ muteApi: 'modify_group_member_info' });
    expect(config.consumerTunableEnvironment).toEqual({});
  });

  it.each(['forbid', 'ForbidSendMsg', 42])('refuses muteApi %j, listing the valid values', (muteApi) => {
    // Act
    const problems = problemsOf({ muteApi });

    // Assess
    expect(problems).toEqual([
      `muteApi must be one of modify_group_member_info, forbid_send_msg; got '${muteApi}'`,
    ]);
  });

  it('defaults nodeRuntime to nodejs24.x', () => {
    // Act
    const config = loadBridgeConfig(contextOf(CDK_JSON_CONTEXT));

    // Assess
    expect(config.stackChoices).toEqual({ nodeRuntime: 'nodejs24.x' });
    expect(STACK_CHOICES.nodeRuntime.values).toContain(STACK_CHOICES.nodeRuntime.default);
  });

  it.each(NODE_RUNTIMES)('takes -c nodeRuntime=%s, and no function setting from it', (nodeRuntime) => {
    // Act
    const config = loadBridgeConfig(contextOf({ nodeRuntime }));

    // Assess
    expect(config.stackChoices.nodeRuntime).toBe(nodeRuntime);
    expect(config.consumerTunableEnvironment).toEqual({});
  });

  it.each(['nodejs20.x', 'nodejs26.x', 'node24', 'NODEJS_24_X', 24])(
    'refuses nodeRuntime %j, listing the valid values',
    (nodeRuntime) => {
      // Act
      const problems = problemsOf({ nodeRuntime });

      // Assess
      expect(problems).toEqual([`nodeRuntime must be one of nodejs24.x, nodejs22.x; got '${nodeRuntime}'`]);
    },
  );

  it('puts MUTE_API into the synthesized consumer environment, where the consumer reads it', () => {
    // Act
    const { template } = synthBridge({ muteApi: 'forbid_send_msg' });
    const fn = onlyResource(template, 'AWS::Lambda::Function', {
      FunctionName: 'moderation-bridge-dev-singapore-consumer',
    });
    const { Variables } = fn.resource.Properties.Environment as { Variables: Record<string, unknown> };
    const env = Object.fromEntries(
      Object.entries(Variables).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : `https://sqs.example/${name}.fifo`,
      ]),
    );

    // Assess
    expect(Variables.MUTE_API).toBe('forbid_send_msg');
    expect(loadConsumerConfig(env).muteApi).toBe('forbid_send_msg');
  });

  it('puts only the tunables the context sets into the consumer environment, as strings', () => {
    // Act
    const config = loadBridgeConfig(contextOf({ maxAttempts: '6', backoffMaxSeconds: 600 }));

    // Assess
    expect(config.consumerTunableEnvironment).toEqual({ MAX_ATTEMPTS: '6', BACKOFF_MAX_SECONDS: '600' });
    expect(config.tunables.maxAttempts).toBe(6);
    // 6 attempts x 10 + 430 + 10.
    expect(config.settings.maxReceiveCount).toBe(500);
  });

  it('reads -c values, which arrive as strings, like the typed values of cdk.json', () => {
    // Act
    const fromCli = loadBridgeConfig(
      contextOf({ batchSize: '4', apiGatewayCloudWatchRole: 'false', logRetentionDays: '90' }),
    );
    const fromJson = loadBridgeConfig(
      contextOf({ batchSize: 4, apiGatewayCloudWatchRole: false, logRetentionDays: 90 }),
    );

    // Assess
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.settings.batchSize).toBe(4);
    expect(fromCli.apiGatewayCloudWatchRole).toBe(false);
  });

  it.each(IM_REGIONS)('maps imRegion %s to the https base URL of its domain', (imRegion) => {
    // Act
    const config = loadBridgeConfig(contextOf({ imRegion }));

    // Assess
    expect(config.imEndpoint).toBe(`https://${IM_REGION_DOMAINS[imRegion]}`);
    expect(config.stackName).toBe(`ModerationBridge-dev-${imRegion}`);
    expect(config.imSecretName).toBe(`moderation-bridge/dev/${imRegion}`);
  });

  it('rejects an unknown region with the list of valid regions', () => {
    // Act
    const problems = problemsOf({ imRegion: 'mumbai' });

    // Assess
    expect(problems).toEqual([
      "imRegion must be one of china, singapore, seoul, tokyo, frankfurt, silicon-valley, jakarta; got 'mumbai'",
    ]);
  });

  it('lets imEndpoint override the region, without a trailing slash', () => {
    // Act
    const config = loadBridgeConfig(
      contextOf({ imRegion: 'singapore', imEndpoint: 'https://adminapisgp.my-imcloud.com/' }),
    );

    // Assess
    expect(config.imEndpoint).toBe('https://adminapisgp.my-imcloud.com');
  });

  it.each([
    ['http://adminapisgp.im.qcloud.com', 'https base URL'],
    ['https://adminapisgp.im.qcloud.com/?x=1', 'https base URL'],
    ['https://adminapisgp.my-imcloud.com/v4/', 'without credentials, path, query or fragment'],
    ['https://adminapisgp.im.qcloud.com?', 'imEndpoint must be an https base URL'],
    ['https://adminapisgp.im.qcloud.com/#', 'imEndpoint must be an https base URL'],
    ['adminapisgp.im.qcloud.com', 'absolute https URL'],
  ])('rejects imEndpoint %s', (imEndpoint, expected) => {
    // Act
    const problems = problemsOf({ imEndpoint });

    // Assess
    expect(problems).toEqual([expect.stringContaining(expected)]);
  });

  describe('imBackupEndpoint', () => {
    it.each(IM_REGIONS)("defaults to imRegion %s's documented backup domain (none for Tokyo)", (imRegion) => {
      // Act
      const config = loadBridgeConfig(contextOf({ imRegion }));

      // Assess
      const domain = IM_REGION_BACKUP_DOMAINS[imRegion];
      expect(config.imBackupEndpoint).toBe(domain === undefined ? undefined : `https://${domain}`);
    });

    it('is none with -c imBackupEndpoint=none, which turns failover off', () => {
      expect(loadBridgeConfig(contextOf({ imBackupEndpoint: 'none' })).imBackupEndpoint).toBeUndefined();
    });

    it('takes an explicit https base URL, without a trailing slash, also for Tokyo', () => {
      // Act
      const config = loadBridgeConfig(
        contextOf({ imRegion: 'tokyo', imBackupEndpoint: 'https://adminapijpn.my-imcloud.com/' }),
      );

      // Assess
      expect(config.imBackupEndpoint).toBe('https://adminapijpn.my-imcloud.com');
    });

    it('defaults to none when imEndpoint already is the region backup domain', () => {
      // Act
      const config = loadBridgeConfig(
        contextOf({ imRegion: 'singapore', imEndpoint: 'https://adminapisgp.my-imcloud.com' }),
      );

      // Assess
      expect(config.imBackupEndpoint).toBeUndefined();
    });

    it('must differ from imEndpoint when set', () => {
      // Act
      const problems = problemsOf({
        imEndpoint: 'https://adminapisgp.im.qcloud.com',
        imBackupEndpoint: 'https://adminapisgp.im.qcloud.com/',
      });

      // Assess
      expect(problems).toEqual([
        "imBackupEndpoint must differ from imEndpoint (or be 'none' for no failover); got 'https://adminapisgp.im.qcloud.com'",
      ]);
    });

    it.each([
      'http://adminapisgp.my-imcloud.com',
      'https://adminapisgp.my-imcloud.com/?x=1',
      'https://adminapisgp.my-imcloud.com/v4/',
      'https://user:pw@adminapisgp.my-imcloud.com',
      'adminapisgp.my-imcloud.com',
      'off',
    ])('rejects %s with the rule imEndpoint is checked by', (value) => {
      // Act
      const backup = problemsOf({ imBackupEndpoint: value });
      const main = problemsOf({ imEndpoint: value });

      // Assess: the same rule, under its own key.
      expect(backup).toHaveLength(1);
      expect(backup).toEqual(
        main.map((problem) =>
          problem
            .replace(/^imEndpoint/, 'imBackupEndpoint')
            .replace('https://adminapisgp.im.qcloud.com', 'https://adminapisgp.my-imcloud.com'),
        ),
      );
    });
  });

  it('names every bad value in one message', () => {
    // Act
    const problems = problemsOf({
      stage: 'Prod!',
      apiAuth: 'basic',
      batchSize: 11,
      alarmEmail: 'ops',
      logRetentionDays: 31,
    });

    // Assess
    expect(problems).toEqual([
      "stage must be 1 to 12 lower-case letters or digits, starting with a letter; got 'Prod!'",
      "apiAuth must be one of iam, apiKey, webhook; got 'basic'",
      "alarmEmail must be an e-mail address; got 'ops'",
      'batchSize must be an integer from 1 to 10; got 11',
      'logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got 31',
    ]);
  });

  it('throws a ContextError whose message lists the problems', () => {
    // Act & Assess
    expect(() => loadBridgeConfig(contextOf({ imRegion: 'mars' }))).toThrow(
      /Invalid CDK context:\n {2}- imRegion must be one of china, singapore, seoul, tokyo, frankfurt, silicon-valley, jakarta; got 'mars'/,
    );
  });

  it('reports a misspelt key instead of silently using a default', () => {
    // Act
    const problems = problemsOf({
      imregion: 'tokyo',
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:flag': true,
      'acknowledged-issue-numbers': [32775],
    });

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^unknown context key 'imregion'; valid keys are stage, imRegion, /),
    ]);
  });

  it('rejects numbers that are not plain integers', () => {
    // Act
    const problems = problemsOf({ batchSize: '5.5', maxConcurrency: 'ten', queueAgeAlarmSeconds: true });

    // Assess
    expect(problems).toEqual([
      'batchSize must be an integer from 1 to 10; got "5.5"',
      'maxConcurrency must be an integer from 2 to 1000; got "ten"',
      'queueAgeAlarmSeconds must be an integer from 60 to 1209600; got true',
    ]);
  });

  it('refuses retry settings that could outlive the queue retention', () => {
    // Act
    const problems = problemsOf({ maxAttempts: 20, backoffMaxSeconds: 43_200 });

    // Assess
    expect(problems).toEqual([
      expect.stringContaining('maxAttempts x backoffMaxSeconds (864000 s) must be at most 7 days'),
    ]);
  });

  it('keeps SQS redrive a safety net: maxReceiveCount must allow for retries and a 14-day hold', () => {
    // Act
    const tooLow = problemsOf({ maxAttempts: 12, maxReceiveCount: 12 });
    const tooMany = problemsOf({ maxAttempts: 12, holdMaxSeconds: 600 });
    const longerHolds = loadBridgeConfig(contextOf({ holdMaxSeconds: 43_200 }));

    // Assess
    expect(tooLow).toEqual([expect.stringContaining('maxReceiveCount (12) must be at least 560')]);
    expect(tooMany).toEqual([expect.stringContaining('must be at most 1000')]);
    // 100 + 10 + a hold growing to 12 hours: the first receive, 15 steps (52,420 s at their
    // shortest), then one per 34,560 s: 49.
    expect(longerHolds.settings.maxReceiveCount).toBe(159);
  });

  it('pre-warms the ledger table for raids only when ledgerWarmWritesPerSecond asks, from 4,000 on', () => {
    // Act
    const warmed = onlyResource(
      synthBridge({ ledgerWarmWritesPerSecond: '20000' }).template,
      'AWS::DynamoDB::Table',
    );
    const plain = onlyResource(synthBridge({}).template, 'AWS::DynamoDB::Table');
    const tooLow = problemsOf({ ledgerWarmWritesPerSecond: 1_000 });
    const tooHigh = problemsOf({ ledgerWarmWritesPerSecond: 40_001 });

    // Assess
    expect(warmed.resource.Properties.WarmThroughput).toEqual({ WriteUnitsPerSecond: 20_000 });
    expect(plain.resource.Properties.WarmThroughput).toBeUndefined();
    expect(tooLow).toEqual([
      'ledgerWarmWritesPerSecond (1000) must be 0 (not pre-warmed) or at least 4000, what a new on-demand table starts with',
    ]);
    expect(tooHigh).toEqual(['ledgerWarmWritesPerSecond must be an integer from 0 to 40000; got 40001']);
  });

  it('rejects a consumer timeout too short for one Tencent call', () => {
    // Act
    const problems = problemsOf({ consumerTimeoutSeconds: 5, tencentTimeoutMs: 4_000 });

    // Assess
    expect(problems).toEqual([expect.stringContaining('consumerTimeoutSeconds (5) must be at least twice')]);
  });

  it("rejects a Tencent call rate above Tencent's 200 calls per second", () => {
    // Act
    const problems = problemsOf({ tencentCallsPerSecond: TENCENT_RATE_LIMIT + 1 });

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^tencentCallsPerSecond \(201\) must not exceed 200, Tencent's limit/),
    ]);
  });

  it('rejects more concurrent consumers than calls per second to share among them', () => {
    // Act
    const problems = problemsOf({ tencentCallsPerSecond: 10, maxConcurrency: 11 });

    // Assess
    expect(problems).toEqual([
      'maxConcurrency (11) must not exceed tencentCallsPerSecond (10): each consumer invocation paces itself to tencentCallsPerSecond / maxConcurrency calls per second',
    ]);
  });
});

describe('the Context keys of docs/deploying.md', () => {
  const table = sectionOf(readDoc('docs/deploying.md'), '## Context keys');
  const rowOf = (key: string): string =>
    table.split('\n').find((line) => line.startsWith(`| \`${key}\` |`)) ?? '';
  const settings = readDoc('docs/settings.md');

  it.each(Object.entries(STACK_CHOICES))(
    'lists the stack choice %s with its default and every valid value',
    (key, row) => {
      // Act
      const line = rowOf(key);

      // Assess
      expect(line.startsWith(`| \`${key}\` | \`${row.default}\` | `)).toBe(true);
      for (const value of row.values) expect(line).toContain(`\`${value}\``);
    },
  );

  it.each(CONTEXT_KEYS)('names %s in the Context keys table or as a context key of Settings', (key) => {
    // Assess
    const named =
      rowOf(key) !== '' || new RegExp(`\\| \`[A-Z_]+\` \\| [a-z ]+ \\| [^|]*\`${key}\``).test(settings);
    expect(named).toBe(true);
  });
});
