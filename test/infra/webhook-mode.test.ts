/**
 * Webhook mode (`-c apiAuth=webhook`) and the web ACL (on by default in webhook mode, `-c waf=false`
 * to opt out with a synth warning; `-c waf=true` in the other modes): the settings, and the template
 * each gives.
 */
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { loadIngestConfig } from '#shared/settings';
import { API_AUTH_MODES, ContextError, loadBridgeConfig } from '../../infra/config.ts';
import { WEBHOOK_WITHOUT_WAF_WARNING } from '../../infra/constructs/ingest-api.ts';
import {
  acknowledgments,
  type CfnResourceJson,
  nagFindings,
  onlyResource,
  roleStatements,
  type SynthesizedBridge,
  synthBridge,
} from './helpers.ts';

/** The problems a context is refused with (none when it is accepted). */
const problemsOf = (values: Record<string, unknown>): readonly string[] => {
  try {
    loadBridgeConfig({ tryGetContext: (key) => values[key], getAllContext: () => values });
    return [];
  } catch (error) {
    if (error instanceof ContextError) return error.problems;
    throw error;
  }
};
const configOf = (values: Record<string, unknown>) =>
  loadBridgeConfig({ tryGetContext: (key) => values[key], getAllContext: () => values });

/** The ARN pattern of a secret named `name`, as the stack grants it. */
const secretArn = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${name}-??????`,
    ],
  ],
});

const functionNamed = (template: Template, name: string) =>
  onlyResource(template, 'AWS::Lambda::Function', {
    FunctionName: `moderation-bridge-dev-singapore-${name}`,
  });
const roleOf = (fn: { resource: CfnResourceJson }): string =>
  (fn.resource.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const variablesOf = (fn: { resource: CfnResourceJson }): Record<string, unknown> =>
  (fn.resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const methodsOf = (template: Template) =>
  Object.fromEntries(
    (Object.values(template.findResources('AWS::ApiGateway::Method')) as CfnResourceJson[]).map((method) => [
      method.Properties.HttpMethod,
      method.Properties,
    ]),
  );

describe('webhook settings', () => {
  it('accepts apiAuth=webhook, and derives the webhook secret name from the stage and region, below the Tencent secret', () => {
    // Act
    const config = configOf({ apiAuth: 'webhook', stage: 'prod', imRegion: 'tokyo' });

    // Assess
    expect(config).toMatchObject({
      apiAuth: 'webhook',
      imSecretName: 'moderation-bridge/prod/tokyo',
      webhookSecretName: 'moderation-bridge/prod/tokyo/webhook',
    });
    expect(config.settings.wafRatePer5Min).toBe(3_000);
  });

  it.each([
    ['webhook', true],
    ['iam', false],
    ['apiKey', false],
  ])('defaults waf in %s mode to %p (on where the API is public)', (apiAuth, waf) => {
    expect(configOf({ apiAuth }).waf).toBe(waf);
  });

  it.each(API_AUTH_MODES)('takes waf=false and waf=true from the context in %s mode', (apiAuth) => {
    expect([configOf({ apiAuth, waf: 'false' }).waf, configOf({ apiAuth, waf: true }).waf]).toEqual([
      false,
      true,
    ]);
  });

  it('leaves waf off without apiAuth (the cdk.json default, iam)', () => {
    expect(configOf({}).waf).toBe(false);
  });

  it('takes webhookSecretName, waf and wafRatePer5Min from the context, as -c strings or cdk.json values', () => {
    // Act
    const config = configOf({
      apiAuth: 'webhook',
      webhookSecretName: 'partners/moderation-saas',
      waf: 'true',
      wafRatePer5Min: '500',
    });

    // Assess
    expect(config).toMatchObject({ webhookSecretName: 'partners/moderation-saas', waf: true });
    expect(config.settings.wafRatePer5Min).toBe(500);
    expect(configOf({ waf: true }).waf).toBe(true);
  });

  it('refuses a bad secret name, a waf that is not a boolean and a rate outside what AWS WAF takes', () => {
    // Act
    const problems = problemsOf({ webhookSecretName: 'no spaces', waf: 'yes', wafRatePer5Min: 9 });
    const tooHigh = problemsOf({ wafRatePer5Min: '2000000001' });

    // Assess
    expect(problems).toEqual([
      "webhookSecretName must be a Secrets Manager secret name (letters, digits and /_+=.@-); got 'no spaces'",
      'waf must be one of true, false; got "yes"',
      'wafRatePer5Min must be an integer from 10 to 2000000000; got 9',
    ]);
    expect(tooHigh).toEqual(['wafRatePer5Min must be an integer from 10 to 2000000000; got "2000000001"']);
  });
});

describe('webhook mode', () => {
  let bridge: SynthesizedBridge;
  let template: Template;

  beforeAll(() => {
    bridge = synthBridge({ apiAuth: 'webhook' });
    template = bridge.template;
  });

  it('has no IAM or API-key check on POST /v1/events; the status GET stays IAM', () => {
    // Act
    const methods = methodsOf(template);

    // Assess
    expect(methods.POST?.AuthorizationType).toBe('NONE');
    expect(methods.POST?.ApiKeyRequired).toBeUndefined();
    expect(methods.GET?.AuthorizationType).toBe('AWS_IAM');
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
  });

  it('turns the signature check on in the ingest, with an environment its loader accepts', () => {
    // Prepare
    const variables = variablesOf(functionNamed(template, 'ingest'));

    // Act
    const config = loadIngestConfig({ ...variables, QUEUE_URL: 'q', LEDGER_TABLE: 't' } as Record<
      string,
      string
    >);

    // Assess
    expect(variables).toMatchObject({
      WEBHOOK_SECRET_NAME: 'moderation-bridge/dev/singapore/webhook',
      SECRET_MAX_AGE_SECONDS: '300',
    });
    expect(config).toMatchObject({
      webhookSecretName: 'moderation-bridge/dev/singapore/webhook',
      secretMaxAgeSeconds: 300,
    });
    expect(variablesOf(functionNamed(template, 'consumer')).WEBHOOK_SECRET_NAME).toBeUndefined();
  });

  it('lets the ingest read the webhook secret and no other; the consumer still reads only the Tencent secret', () => {
    // Act
    const ingest = roleStatements(template, roleOf(functionNamed(template, 'ingest')));
    const consumer = roleStatements(template, roleOf(functionNamed(template, 'consumer')));
    const secretReads = (statements: typeof ingest) =>
      statements.filter((statement) =>
        statement.actions.some((action) => action.startsWith('secretsmanager:')),
      );

    // Assess
    expect(secretReads(ingest)).toEqual([
      {
        actions: ['secretsmanager:GetSecretValue'],
        resource: secretArn('moderation-bridge/dev/singapore/webhook'),
      },
    ]);
    expect(secretReads(consumer)).toEqual([
      { actions: ['secretsmanager:GetSecretValue'], resource: secretArn('moderation-bridge/dev/singapore') },
    ]);
  });

  it('outputs the webhook secret name', () => {
    template.hasOutput('WebhookSecretName', { Value: 'moderation-bridge/dev/singapore/webhook' });
  });

  it('attaches the web ACL by default, with the default rate, and warns of nothing', () => {
    // Prepare
    const rules = onlyResource(template, 'AWS::WAFv2::WebACL').resource.Properties.Rules as {
      Statement: { RateBasedStatement?: { Limit: number } };
    }[];

    // Assess
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    expect(rules[0]?.Statement.RateBasedStatement?.Limit).toBe(3_000);
    expect(Annotations.fromStack(bridge.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('passes cdk-nag, acknowledging the open POST with its reason, and not the WAF rule', () => {
    // Act
    const acknowledged = acknowledgments(bridge.stack);

    // Assess
    expect(nagFindings(bridge.stack)).toEqual([]);
    expect(acknowledged.get('AwsSolutions-APIG4')).toEqual([
      expect.stringContaining(
        'the ingest function verifies the Standard Webhooks signature of every request',
      ),
    ]);
    expect(acknowledged.has('AwsSolutions-APIG3')).toBe(false);
  });
});

describe('webhook mode with waf=false', () => {
  let bridge: SynthesizedBridge;

  beforeAll(() => {
    bridge = synthBridge({ apiAuth: 'webhook', waf: 'false' });
  });

  it('attaches no web ACL', () => {
    bridge.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    bridge.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  it('warns in the synth output, on the API stage, that the public endpoint has no per-IP rate limit', () => {
    // Act
    const warnings = Annotations.fromStack(bridge.stack).findWarning('*', Match.anyValue());

    // Assess: the CLI prints it with the id that acknowledges it.
    expect(
      warnings.map((warning) =>
        String(warning.entry.data).endsWith(`[ack: Annotation::${WEBHOOK_WITHOUT_WAF_WARNING}]`),
      ),
    ).toEqual([true]);
    expect(warnings).toEqual([
      expect.objectContaining({
        id: '/ModerationBridge-dev-singapore/Api/Api/DeploymentStage.dev',
        entry: expect.objectContaining({
          data: expect.stringMatching(
            /^The public webhook endpoint POST \/v1\/events has no per-IP rate limit \(waf=false\): .* Deploy without -c waf=false /,
          ),
        }),
      }),
    ]);
  });

  it('passes cdk-nag, acknowledging the missing WAF with the opt-out as its reason', () => {
    // Act
    const acknowledged = acknowledgments(bridge.stack);

    // Assess
    expect(nagFindings(bridge.stack)).toEqual([]);
    expect(acknowledged.get('AwsSolutions-APIG3')).toEqual([
      expect.stringContaining('waf=false, against the webhook-mode default'),
    ]);
  });
});

describe('no warning without webhook mode', () => {
  it.each(['iam', 'apiKey'])('warns of nothing in %s mode without a web ACL (the default)', (apiAuth) => {
    // Act
    const bridge = synthBridge({ apiAuth });

    // Assess
    bridge.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(Annotations.fromStack(bridge.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('waf=true', () => {
  let bridge: SynthesizedBridge;
  let template: Template;

  beforeAll(() => {
    bridge = synthBridge({ apiAuth: 'webhook', waf: 'true', wafRatePer5Min: '1200' });
    template = bridge.template;
  });

  it('attaches a regional web ACL to the API stage', () => {
    // Prepare
    const acl = onlyResource(template, 'AWS::WAFv2::WebACL');
    const stage = onlyResource(template, 'AWS::ApiGateway::Stage');
    const association = onlyResource(template, 'AWS::WAFv2::WebACLAssociation');

    // Assess
    expect(acl.resource.Properties).toMatchObject({
      Name: 'moderation-bridge-dev-singapore-api',
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
    });
    expect(association.resource.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [acl.logicalId, 'Arn'] });
    expect(JSON.stringify(association.resource.Properties.ResourceArn)).toContain(
      `"Ref":"${stage.logicalId}"`,
    );
  });

  it('blocks an IP address above wafRatePer5Min requests in 5 minutes, then applies the AWS common rule set', () => {
    // Prepare
    const rules = onlyResource(template, 'AWS::WAFv2::WebACL').resource.Properties.Rules as Record<
      string,
      unknown
    >[];

    // Assess
    expect(rules).toMatchObject([
      {
        Name: 'RatePerIp',
        Priority: 0,
        Action: { Block: {} },
        Statement: { RateBasedStatement: { Limit: 1200, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } },
      },
      {
        Name: 'AWSManagedRulesCommonRuleSet',
        Priority: 1,
        OverrideAction: { None: {} },
        Statement: {
          ManagedRuleGroupStatement: {
            VendorName: 'AWS',
            Name: 'AWSManagedRulesCommonRuleSet',
            // A batch of events is over 8 KB: the function bounds the body itself.
            RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
          },
        },
      },
    ]);
  });

  it('passes cdk-nag without acknowledging the WAF rule', () => {
    expect(nagFindings(bridge.stack)).toEqual([]);
    expect(acknowledgments(bridge.stack).has('AwsSolutions-APIG3')).toBe(false);
  });

  it('takes the default rate, and works in the other auth modes too', () => {
    // Act
    const iam = synthBridge({ waf: true }).template;
    const rules = onlyResource(iam, 'AWS::WAFv2::WebACL').resource.Properties.Rules as {
      Statement: { RateBasedStatement?: { Limit: number } };
    }[];

    // Assess
    expect(rules[0]?.Statement.RateBasedStatement?.Limit).toBe(3_000);
    expect(methodsOf(iam).POST?.AuthorizationType).toBe('AWS_IAM');
    iam.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});
