import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BridgeStack } from './bridge-stack.ts';
import { loadBridgeConfig } from './config.ts';

/**
 * Adds the bridge stack that the app's context describes, with the cdk-nag AwsSolutions checks, so that
 * `cdk synth` and the tests build exactly the same thing.
 *
 * The stack is environment-agnostic unless the CLI knows an account and region (`CDK_DEFAULT_*`, set from
 * the caller's profile) or the context sets `awsRegion`; so a plain `cdk synth` needs no credentials.
 *
 * @throws {@link ContextError} when the context is invalid.
 */
export function addBridgeStack(app: App): BridgeStack {
  const config = loadBridgeConfig(app.node);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = config.awsRegion ?? process.env.CDK_DEFAULT_REGION;
  const stack = new BridgeStack(app, config.stackName, {
    config,
    description: `Moderation bridge (${config.stage}) to Tencent Cloud Chat ${config.imRegion}: API -> SQS FIFO -> Lambda -> ${config.imEndpoint}`,
    ...(account === undefined && region === undefined ? {} : { env: { account, region } }),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
