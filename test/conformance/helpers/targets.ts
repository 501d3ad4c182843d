/**
 * The two implementations a contract test runs against: our in-process stand-ins (`local/sqs`,
 * `local/secrets`) and moto's server. Both are reached the same way, through the AWS SDK at an endpoint.
 */

import { startAwsJsonServer } from '../../../local/aws-json-server.ts';
import { LocalSecrets } from '../../../local/secrets/index.ts';
import { LocalSqs } from '../../../local/sqs/index.ts';
import { startMoto } from './tools.ts';

/** Which implementation a contract test runs against. */
export type TargetName = 'local' | 'moto';

/** Both, in the order the contract tests run them. */
export const TARGET_NAMES: readonly TargetName[] = ['local', 'moto'];

/** A running implementation of SQS and Secrets Manager behind one endpoint. */
export interface Target {
  readonly name: TargetName;
  readonly endpoint: string;
  close(): Promise<void>;
}

export const REGION = 'eu-central-1';
export const CREDENTIALS = { accessKeyId: 'conformance', secretAccessKey: 'conformance' };

/** Starts one implementation: our stand-ins on one local server, or a fresh moto_server. */
export async function startTarget(name: TargetName): Promise<Target> {
  if (name === 'moto') {
    const moto = await startMoto();
    return { name, endpoint: moto.endpoint, close: () => moto.close() };
  }
  const sqs = new LocalSqs({ region: REGION });
  const secrets = new LocalSecrets({ region: REGION });
  const server = await startAwsJsonServer({ services: [sqs.service, secrets.service] });
  return { name, endpoint: server.endpoint, close: () => server.close() };
}

/** A documented behaviour an implementation gets wrong, and the AWS documentation that settles it. */
export interface KnownGap {
  readonly target: TargetName;
  /** What the implementation does instead. */
  readonly does: string;
  /** The AWS documentation page, and the sentence of it, that says what SQS or Secrets Manager does. */
  readonly awsDoc: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
