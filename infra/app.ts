import { App } from 'aws-cdk-lib';
import { addBridgeStack } from './bridge-app.ts';
import { ContextError } from './config.ts';

/** The CDK app (`cdk.json`): one bridge stack, for the stage and Tencent region the context names. */
const app = new App();
try {
  addBridgeStack(app);
} catch (error) {
  if (!(error instanceof ContextError)) throw error;
  // A short message instead of a stack trace: it lists what to fix and the valid values.
  console.error(error.message);
  process.exit(1);
}
