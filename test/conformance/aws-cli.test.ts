/**
 * Our local SQS driven by a second, independent client: the AWS CLI v1 (Python, botocore), not the
 * JavaScript SDK the stand-in was written with. Dummy credentials and region come from the environment;
 * no AWS configuration file is read.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalSqsServer, startLocalSqs } from '../../local/sqs/index.ts';

const run = promisify(execFile);
const REGION = 'eu-central-1';

let local: LocalSqsServer;
let home: string;

beforeAll(async () => {
  local = await startLocalSqs({ region: REGION });
  home = mkdtempSync(join(tmpdir(), 'aws-cli-'));
});

afterAll(async () => {
  await local?.close();
  rmSync(home, { recursive: true, force: true });
});

/**
 * Runs `aws sqs <args> --endpoint-url <local> --output json` (asynchronously: the stand-in answers
 * from this process) and parses what it prints.
 */
async function aws(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    'aws',
    ['sqs', ...args, '--endpoint-url', local.endpoint, '--output', 'json'],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        AWS_ACCESS_KEY_ID: 'cli',
        AWS_SECRET_ACCESS_KEY: 'cli',
        AWS_DEFAULT_REGION: REGION,
        AWS_PAGER: '',
        AWS_CONFIG_FILE: join(home, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      timeout: 60_000,
    },
  );
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
}

interface CliMessage {
  MessageId: string;
  ReceiptHandle: string;
  Body: string;
  MD5OfBody: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

async function receive(queueUrl: string, max: number): Promise<CliMessage[]> {
  const out = await aws(
    'receive-message',
    '--queue-url',
    queueUrl,
    '--max-number-of-messages',
    String(max),
    '--attribute-names',
    'All',
    '--message-attribute-names',
    'All',
  );
  return (out.Messages as CliMessage[] | undefined) ?? [];
}

it('sends, receives, changes visibility and deletes FIFO messages as the bridge does', async () => {
  // Prepare: the main queue's attributes, created through the CLI too.
  const created = await aws(
    'create-queue',
    '--queue-name',
    'cli-events.fifo',
    '--attributes',
    'FifoQueue=true,ContentBasedDeduplication=false,DeduplicationScope=messageGroup,FifoThroughputLimit=perMessageGroupId,VisibilityTimeout=60',
  );
  const queueUrl = String(created.QueueUrl);
  const sent: Record<string, unknown>[] = [];
  for (const [body, group, dedup] of [
    ['{"n":1}', 'member-a', 'event-1'],
    ['{"n":2}', 'member-a', 'event-2'],
    ['{"n":3}', 'member-b', 'event-1'],
  ] as const) {
    sent.push(
      await aws(
        'send-message',
        '--queue-url',
        queueUrl,
        '--message-body',
        body,
        '--message-group-id',
        group,
        '--message-deduplication-id',
        dedup,
        '--message-attributes',
        '{"kind":{"DataType":"String","StringValue":"set_name_card"}}',
      ),
    );
  }

  // Act: the head of the first member's group; then only the other member's event, the first member's
  // group being held while its head is in flight; the head again once its visibility is ended; after
  // its delete, the first member's next event.
  const [head] = await receive(queueUrl, 1);
  const whileHeld = await receive(queueUrl, 10);
  await aws(
    'change-message-visibility',
    '--queue-url',
    queueUrl,
    '--receipt-handle',
    head?.ReceiptHandle ?? '',
    '--visibility-timeout',
    '0',
  );
  const [redelivered] = await receive(queueUrl, 1);
  await aws('delete-message', '--queue-url', queueUrl, '--receipt-handle', redelivered?.ReceiptHandle ?? '');
  const next = await receive(queueUrl, 10);
  const counts = await aws(
    'get-queue-attributes',
    '--queue-url',
    queueUrl,
    '--attribute-names',
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
  );

  // Assess
  expect(created.QueueUrl).toBe(local.queueUrl('cli-events.fifo'));
  expect(
    sent.every((out) => typeof out.MessageId === 'string' && typeof out.SequenceNumber === 'string'),
  ).toBe(true);
  expect(sent[0]?.MD5OfMessageBody).toBe(createHash('md5').update('{"n":1}').digest('hex'));
  expect(whileHeld.map((m) => m.Body)).toEqual(['{"n":3}']);
  expect(head).toMatchObject({
    Body: '{"n":1}',
    Attributes: {
      MessageGroupId: 'member-a',
      MessageDeduplicationId: 'event-1',
      ApproximateReceiveCount: '1',
    },
    MessageAttributes: { kind: { DataType: 'String', StringValue: 'set_name_card' } },
  });
  expect(redelivered).toMatchObject({ Body: '{"n":1}', Attributes: { ApproximateReceiveCount: '2' } });
  expect(redelivered?.ReceiptHandle).not.toBe(head?.ReceiptHandle);
  expect(next.map((m) => m.Body)).toEqual(['{"n":2}']);
  expect(counts.Attributes).toEqual({
    ApproximateNumberOfMessages: '0',
    ApproximateNumberOfMessagesNotVisible: '2',
  });
}, 120_000);

it('reports an unknown queue and a bad receipt handle with exit status 255 and the codes SQS uses', async () => {
  // Prepare
  const queueUrl = local.createQueue('cli-errors.fifo');

  // Act
  const missing = await aws(
    'send-message',
    '--queue-url',
    local.queueUrl('missing.fifo'),
    '--message-body',
    'x',
  ).then(
    () => 'succeeded',
    (error: unknown) => error,
  );
  const badHandle = await aws(
    'delete-message',
    '--queue-url',
    queueUrl,
    '--receipt-handle',
    'not-a-handle',
  ).then(
    () => 'succeeded',
    (error: unknown) => error,
  );

  // Assess
  expect(missing).toMatchObject({
    code: 255,
    stderr: expect.stringContaining('(AWS.SimpleQueueService.NonExistentQueue)'),
  });
  expect(badHandle).toMatchObject({ code: 255, stderr: expect.stringContaining('(ReceiptHandleIsInvalid)') });
}, 60_000);
