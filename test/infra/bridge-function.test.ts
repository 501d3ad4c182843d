import childProcess from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { esbuildTarget, STACK_CHOICES } from '../../infra/config.ts';
import { BridgeFunction, LAMBDA_RUNTIMES } from '../../infra/constructs/bridge-function.ts';
import { acknowledgments, type CfnResourceJson, onlyResource } from './helpers.ts';

const FIXTURE = join(__dirname, 'fixtures', 'handler.ts');

/**
 * One app, bundled once, with a function on the defaults, one on the other runtime `nodeRuntime` allows,
 * and one whose caller overrides every default (with a runtime the bridge is not tested on).
 */
let app: App;
let stack: Stack;
let template: Template;
let withDefaults: CfnResourceJson;
let onNode22: CfnResourceJson;
let overridden: CfnResourceJson;
/** The `--target` of each esbuild run, in the order the functions were made (each bundles when made). */
let esbuildTargets: string[];

beforeAll(() => {
  const spawnSync = jest.spyOn(childProcess, 'spawnSync');
  app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  stack = new Stack(app, 'ConstructTest');
  new BridgeFunction(stack, 'Defaults', { entry: FIXTURE, functionName: 'defaults' });
  new BridgeFunction(stack, 'Node22', {
    entry: FIXTURE,
    functionName: 'node22',
    runtime: LAMBDA_RUNTIMES['nodejs22.x'],
  });
  const overriddenFunction = new BridgeFunction(stack, 'Overridden', {
    entry: FIXTURE,
    functionName: 'overridden',
    runtime: Runtime.NODEJS_20_X,
    timeout: Duration.seconds(20),
    memorySize: 1_024,
    environment: { GREETING: 'hello', NODE_OPTIONS: '--enable-source-maps --no-warnings' },
    bundling: { minify: false, banner: '/* caller banner */' },
    logGroup: new LogGroup(stack, 'CallerLogs', { retention: RetentionDays.ONE_DAY }),
    role: new Role(stack, 'CallerRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
  });
  // Node.js 20 only shows that a caller's runtime wins; nothing is deployed, so CloudFormation's
  // warning that the runtime is deprecated would only be noise in the test output.
  Validations.of(overriddenFunction).acknowledge({
    id: 'CloudFormation-Validate::W2531',
    reason: 'a test of a caller-chosen runtime; never deployed',
  });
  template = Template.fromStack(stack);
  // Local bundling runs `npx --no-install esbuild --bundle <entry> --target=... ...`.
  esbuildTargets = spawnSync.mock.calls.flatMap(([, args = []]) =>
    args.includes('--bundle') ? args.filter((arg) => arg.startsWith('--target=')) : [],
  );
  spawnSync.mockRestore();
  withDefaults = onlyResource(template, 'AWS::Lambda::Function', { FunctionName: 'defaults' }).resource;
  onNode22 = onlyResource(template, 'AWS::Lambda::Function', { FunctionName: 'node22' }).resource;
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
      Runtime: 'nodejs24.x',
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
      Runtime: 'nodejs20.x',
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

  it('runs on the Lambda runtime of each nodeRuntime value', () => {
    // Assess
    expect(Object.keys(LAMBDA_RUNTIMES)).toEqual(STACK_CHOICES.nodeRuntime.values);
    for (const [name, runtime] of Object.entries(LAMBDA_RUNTIMES)) expect(runtime.name).toBe(name);
    expect(withDefaults.Properties.Runtime).toBe(STACK_CHOICES.nodeRuntime.default);
    expect(onNode22.Properties.Runtime).toBe('nodejs22.x');
  });

  it("gives esbuild the runtime's Node as its target", () => {
    // Assess: Defaults, Node22, Overridden, in the order they were made.
    expect(esbuildTargets).toEqual(['--target=node24', '--target=node22', '--target=node20']);
    expect(esbuildTarget('nodejs24.x')).toBe('node24');
    expect(esbuildTarget('nodejs22.x')).toBe('node22');
  });

  it("creates no log group or role when the caller brings them, and leaves the caller's role alone", () => {
    // Assess
    template.resourceCountIs('AWS::Logs::LogGroup', 3); // the defaults' and Node22's own, and CallerLogs
    template.resourceCountIs('AWS::IAM::Role', 3); // the defaults' and Node22's own, and CallerRole
  });

  it('acknowledges the runtime rule only for the runtimes the bridge is tested on', () => {
    // Act
    const reasons = acknowledgments(stack).get('AwsSolutions-L1') ?? [];

    // Assess: Defaults (nodejs24.x) and Node22, not Overridden (nodejs20.x).
    expect(reasons).toHaveLength(2);
  });
});
