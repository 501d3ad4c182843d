/**
 * `npm start -- --aws-endpoint URL`: the local stack against an external emulator (moto here) instead
 * of the in-process stand-ins. It creates its queues and secret there, says so, and the printed curl
 * example works through them.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { npmStartOnFreePorts, waitForOutput } from '../helpers/child-process.ts';
import { type Moto, startMoto } from './helpers/tools.ts';

const ROOT = join(__dirname, '..', '..');
let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.close();
});

/** The environment of a newcomer's shell: none of the test setup's function settings. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'IM_ENDPOINT',
    'IM_BACKUP_ENDPOINT',
    'QUEUE_URL',
    'DLQ_URL',
    'IM_SECRET_ID',
    'AWS_ENDPOINT_URL',
  ])
    delete env[name];
  return env;
}

it('creates the queues and the secret at the endpoint, names it, and applies the printed curl example', async () => {
  // Prepare
  const child = spawn(process.execPath, npmStartOnFreePorts('--aws-endpoint', moto.endpoint), {
    cwd: ROOT,
    env: { ...childEnv(), POWERTOOLS_LOG_LEVEL: 'INFO' },
  });
  const client = {
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
  const sqs = new SQSClient(client);
  const secrets = new SecretsManagerClient(client);
  try {
    const output = await waitForOutput(child, /Ctrl-C stops it/);
    const url = /curl -sS -X POST (\S+)/.exec(output)?.[1];
    const body = /-d '([^']+)'/.exec(output)?.[1];
    const membersUrl = /curl -sS (http:\S+\/members)/.exec(output)?.[1];
    const queueUrl = /SQS +(\S+)/.exec(output)?.[1];
    if (!url || !body || !membersUrl || !queueUrl) throw new Error(`no curl example in: ${output}`);

    // Act
    const applied = waitForOutput(child, /"message":"event applied"/);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await applied;
    const members = (await (await fetch(membersUrl)).json()) as { account: string; nameCard: string }[];
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['FifoQueue', 'RedrivePolicy'] }),
    );
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: 'bridge/tencent-admin' }));
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [exitCode] = await exited;

    // Assess
    expect(output).toContain(
      `AWS        ${moto.endpoint} (external: the queues and the secret were created there)`,
    );
    expect(queueUrl.startsWith(`${moto.endpoint}/`)).toBe(true);
    expect(attributes.Attributes?.FifoQueue).toBe('true');
    expect(attributes.Attributes?.RedrivePolicy).toContain('bridge-events-dlq.fifo');
    expect(JSON.parse(secret.SecretString ?? '{}')).toMatchObject({ identifier: 'administrator' });
    expect(response.status).toBe(202);
    const { account, nameCard } = JSON.parse(body) as { account: string; nameCard: string };
    expect(members.find((member) => member.account === account)?.nameCard).toBe(nameCard);
    expect(exitCode).toBe(0);
  } finally {
    sqs.destroy();
    secrets.destroy();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
