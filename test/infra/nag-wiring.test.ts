import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { addBridgeStack } from '../../infra/bridge-app.ts';
import { CDK_JSON_CONTEXT } from './helpers.ts';

describe('cdk-nag wiring', () => {
  it('fails the synth itself on an unacknowledged AwsSolutions finding', () => {
    // Prepare: the app as `cdk synth` builds it, plus a queue with no dead-letter queue and no TLS policy.
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = addBridgeStack(app);
    new Queue(stack, 'UncheckedQueue');

    // Act
    const act = () => app.synth();

    // Assess
    expect(act).toThrow(/AwsSolutions-SQS/);
  });
});
