import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { type ILogGroupRef, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { NODE_RUNTIMES, type NodeRuntime, STACK_CHOICES } from '../config.ts';
import { LOCK_FILE, REPO_ROOT } from '../paths.ts';

/** The Lambda runtime of each `nodeRuntime` value (`STACK_CHOICES` in `infra/config.ts`). */
export const LAMBDA_RUNTIMES: Readonly<Record<NodeRuntime, Runtime>> = {
  'nodejs24.x': Runtime.NODEJS_24_X,
  'nodejs22.x': Runtime.NODEJS_22_X,
};

/**
 * Bundling every function shares. ESM output (tree-shaken, top-level await) with the `require` shim
 * that CommonJS dependencies bundled into ESM need, such as `tls-sig-api-v2` requiring `crypto`.
 * No `target`: `NodejsFunction` then takes esbuild's target from the runtime (`node24` for `nodejs24.x`).
 */
export const DEFAULT_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  minify: true,
  // Minifying renames classes; the error hierarchy relies on `new.target.name` in logs and metrics.
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  // The AWS SDK v3 is bundled rather than taken from the runtime: the bundle then runs the exact client
  // versions of package-lock.json that the tests ran, and tree shaking keeps it small.
  externalModules: [],
  // The local esbuild (a dev dependency) bundles; no Docker needed, so synth works on any machine.
  forceDockerBundling: false,
};

/** Properties of a {@link BridgeFunction}: any `NodejsFunctionProps`, plus its log group settings. */
export interface BridgeFunctionProps extends NodejsFunctionProps {
  /** The Lambda entry file, exporting `handler`. */
  readonly entry: string;
  /**
   * How long the function's log group keeps events. Ignored when `logGroup` is given.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logGroupRetention?: RetentionDays;
  /**
   * What happens to the log group when the stack is deleted. Ignored when `logGroup` is given.
   * `DESTROY`, so that a stage can be deleted and deployed again under the same function name.
   * @default RemovalPolicy.DESTROY
   */
  readonly logGroupRemovalPolicy?: RemovalPolicy;
}

/**
 * A `NodejsFunction` with the bridge's defaults; every default yields to what the caller passes:
 * - `runtime` Node.js 24 (the default of `nodeRuntime`), `architecture` arm64, `tracing` active (X-Ray),
 *   `timeout` 10 s, `memorySize` 256 MB;
 * - `projectRoot` the repository root and `depsLockFilePath` its `package-lock.json`;
 * - `bundling` {@link DEFAULT_BUNDLING}, merged key by key with the caller's `bundling`;
 * - `environment` `NODE_OPTIONS=--enable-source-maps`, merged with the caller's `environment`;
 * - `logGroup` a new log group (named `/aws/lambda/<functionName>` when a name is given) with retention set;
 * - `role` a new role that may only write to that log group (no managed policy); grants add the rest.
 */
export class BridgeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    const { logGroupRetention, logGroupRemovalPolicy, ...functionProps } = props;
    const logGroup: ILogGroupRef =
      props.logGroup ??
      new LogGroup(scope, `${id}LogGroup`, {
        ...(props.functionName === undefined ? {} : { logGroupName: `/aws/lambda/${props.functionName}` }),
        retention: logGroupRetention ?? RetentionDays.ONE_MONTH,
        removalPolicy: logGroupRemovalPolicy ?? RemovalPolicy.DESTROY,
      });
    const role: IRole =
      props.role ??
      new Role(scope, `${id}Role`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${id}: writes its own logs; every other permission is a grant`,
      });
    if (role instanceof Role) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupRef.logGroupArn],
        }),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions, so their resource is *.',
      });
    }

    super(scope, id, {
      runtime: LAMBDA_RUNTIMES[STACK_CHOICES.nodeRuntime.default],
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      timeout: Duration.seconds(10),
      memorySize: 256,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      ...functionProps,
      bundling: { ...DEFAULT_BUNDLING, ...props.bundling },
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      logGroup,
      role,
    });
    // Pinned rather than `Runtime.NODEJS_LATEST`: that one follows aws-cdk-lib, so a CDK upgrade would move
    // the functions to a runtime nothing has tested them on.
    if ((NODE_RUNTIMES as readonly string[]).includes(this.runtime.name)) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to a runtime the bridge is tested on (nodeRuntime: nodejs24.x, the default, or nodejs22.x; CI runs the tests on Node.js 24), with the esbuild target following it; a newer runtime is a deliberate, tested change (a value of nodeRuntime), not a side effect of a CDK upgrade.',
      });
    }
  }
}
