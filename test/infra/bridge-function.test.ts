import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BridgeFunction } from '../../infra/constructs/bridge-function.ts';
import { acknowledgments, type CfnResourceJson, onlyResource } from './helpers.ts';

const FIXTURE = join(__dirname, 'fixtures', 'handler.ts');

/** One app, bundled once, with a function on the defaults and one whose caller overrides them. */
let app: App;
let stack: Stack;
let template: Template;
let withDefaults: CfnResourceJson;
let overridden: CfnResourceJson;

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  stack = new Stack(app, 'ConstructTest');
  new BridgeFunction(stack, 'Defaults', { entry: FIXTURE, functionName: 'defaults' });
  new BridgeFunction(stack, 'Overridden', {
    entry: FIXTURE,
    functionName: 'overridden',
    runtime: Runtime.NODEJS_24_X,
    timeout: Duration.seconds(20),
    memorySize: 1_024,
    environment: { GREETING: 'hello', NODE_OPTIONS: '--enable-source-maps --no-warnings' },
    bundling: { minify: false, banner: '/* caller banner */' },
    logGroup: new LogGroup(stack, 'CallerLogs', { retention: RetentionDays.ONE_DAY }),
    role: new Role(stack, 'CallerRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
  });
  template = Template.fromStack(stack);
  withDefaults = onlyResource(template, 'AWS::Lambda::Function', { FunctionName: 'defaults' }).resource;
  overridden = onlyResource(template, 'AWS::Lambda::Function', { FunctionName: 'overridden' }).resource;
});

const bundleOf = (fn: CfnResourceJson): string => {
  const assetPath = (fn as unknown as { Metadata: Record<string, string> }).Metadata['aws:asset:path'] ?? '';
  return readFileSync(join(app.outdir, assetPath, 'index.mjs'), 'utf8');
};

describe('BridgeFunction', () => {
  it('applies the shared defaults', () => {
    // Assess
    expect(withDefaults.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: 10,
      MemorySize: 256,
      Handler: 'index.handler',
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/defaults',
      RetentionInDays: 30,
    });
    expect(bundleOf(withDefaults)).toMatch(/^import \{ createRequire \} from 'module';/);
  });

  it('lets every caller prop win over the defaults, merging environment and bundling', () => {
    // Assess
    expect(overridden.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 20,
      MemorySize: 1_024,
      Environment: { Variables: { GREETING: 'hello', NODE_OPTIONS: '--enable-source-maps --no-warnings' } },
      LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/^CallerLogs/) } },
      Role: { 'Fn::GetAtt': [expect.stringMatching(/^CallerRole/), 'Arn'] },
    });
    const code = bundleOf(overridden);
    expect(code.startsWith('/* caller banner */')).toBe(true);
    expect(code).toContain('statusCode: 204'); // not minified
    expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true); // default kept
  });

  it("creates no log group or role when the caller brings them, and leaves the caller's role alone", () => {
    // Assess
    template.resourceCountIs('AWS::Logs::LogGroup', 2); // the defaults' own, and CallerLogs
    template.resourceCountIs('AWS::IAM::Role', 2); // the defaults' own, and CallerRole
  });

  it('acknowledges the runtime rule only for the default runtime', () => {
    // Act
    const reasons = acknowledgments(stack).get('AwsSolutions-L1') ?? [];

    // Assess
    expect(reasons).toHaveLength(1);
  });
});
