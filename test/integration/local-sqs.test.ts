/**
 * The local queue service against the real `@aws-sdk/client-sqs`: protocol, FIFO semantics,
 * visibility, redrive, attributes and their MD5s, batches, long polling and errors.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  type Message,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { type LocalSqsServer, md5OfAttributes, startLocalSqs } from '../../local/sqs/index.ts';

const region = 'eu-central-1';
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

let local: LocalSqsServer;
let sqs: SQSClient;
let counter = 0;

/** A queue name no other test uses. */
function uniqueName(prefix: string, fifo = true): string {
  counter += 1;
  return `${prefix}-${counter}${fifo ? '.fifo' : ''}`;
}

async function receive(
  queueUrl: string,
  max = 10,
  extra: { VisibilityTimeout?: number } = {},
): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      ...extra,
    }),
  );
  return out.Messages ?? [];
}

async function send(
  queueUrl: string,
  body: string,
  groupId: string,
  dedupId = body.replace(/\W/g, '-'),
): Promise<string> {
  const out = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: groupId,
      MessageDeduplicationId: dedupId,
    }),
  );
  return out.MessageId ?? '';
}

async function deleteAll(queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (const message of messages) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  }
}

beforeAll(async () => {
  local = await startLocalSqs({ port: 0, region });
  sqs = new SQSClient({ endpoint: local.endpoint, region, credentials });
});

afterAll(async () => {
  sqs.destroy();
  await local.close();
});

describe('message attribute MD5', () => {
  it('matches the digests SQS computes', () => {
    // Prepare: Amazon's samples and one more vector computed by another implementation
    const strings = {
      test_attribute_name_2: { DataType: 'String', StringValue: 'test_attribute_value_2' },
      test_attribute_name_1: { DataType: 'String', StringValue: 'test_attribute_value_1' },
    };
    const binary = {
      test_attribute_name: { DataType: 'Binary', BinaryValue: Buffer.from('test_attribute_value') },
    };
    const mixed = {
      ordinal: { DataType: 'Number', StringValue: '1' },
      category: { DataType: 'String', StringValue: 'test' },
    };

    // Act
    const digests = [
      md5OfAttributes(strings),
      md5OfAttributes(binary),
      md5OfAttributes(mixed),
      md5OfAttributes({}),
    ];

    // Assess
    expect(digests).toEqual([
      'd53f3b558fe951154770f25cb63dbba9',
      '23f6bd27ea87aab7dfeadcc9aebee495',
      'd21ae90c49061e927f57df5f5d72be1f',
      undefined,
    ]);
  });
});

describe('queues', () => {
  it('creates a FIFO queue with a redrive policy and reports its attributes', async () => {
    // Prepare
    const dlqName = uniqueName('attrs-dlq');
    const name = uniqueName('attrs');
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: dlqName, Attributes: { FifoQueue: 'true' } }),
    );
    const redrive = JSON.stringify({ deadLetterTargetArn: local.queueArn(dlqName), maxReceiveCount: '3' });

    // Act
    const created = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { FifoQueue: 'true', VisibilityTimeout: '7', RedrivePolicy: redrive },
      }),
    );
    const again = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', VisibilityTimeout: '7' } }),
    );
    const byName = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['All'] }),
    );
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'attrs' }));

    // Assess
    expect(dlq.QueueUrl).toBe(`${local.endpoint}/000000000000/${dlqName}`);
    expect(created.QueueUrl).toBe(local.queueUrl(name));
    expect(again.QueueUrl).toBe(created.QueueUrl);
    expect(byName.QueueUrl).toBe(created.QueueUrl);
    expect(Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:${region}:000000000000:${name}`,
      FifoQueue: 'true',
      VisibilityTimeout: '7',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: local.queueArn(dlqName),
      maxReceiveCount: 3,
    });
    expect(listed.QueueUrls).toEqual(expect.arrayContaining([created.QueueUrl, dlq.QueueUrl]));
  });

  it('answers an unknown queue with the QueueDoesNotExist exception', async () => {
    // Prepare
    const missing = local.queueUrl('no-such-queue.fifo');

    // Act
    const sending = sqs.send(
      new SendMessageCommand({ QueueUrl: missing, MessageBody: 'x', MessageGroupId: 'g' }),
    );
    const lookingUp = sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' }));

    // Assess
    await expect(sending).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(sending).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(lookingUp).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  it('refuses to recreate a queue with different attributes', async () => {
    // Prepare
    const name = uniqueName('exists', false);
    local.createQueue(name, { visibilityTimeoutSeconds: 5 });

    // Act
    const recreating = sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '6' } }),
    );

    // Assess
    await expect(recreating).rejects.toMatchObject({ name: 'QueueNameExists' });
  });

  it('is reached through AWS_ENDPOINT_URL_SQS when the client has no endpoint', async () => {
    // Prepare
    const name = uniqueName('env');
    local.createQueue(name);
    const saved = process.env.AWS_ENDPOINT_URL_SQS;
    process.env.AWS_ENDPOINT_URL_SQS = local.endpoint;
    const fromEnv = new SQSClient({ region, credentials });

    try {
      // Act
      const { QueueUrl } = await fromEnv.send(new GetQueueUrlCommand({ QueueName: name }));
      await fromEnv.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'via env',
          MessageGroupId: 'g',
          MessageDeduplicationId: '1',
        }),
      );

      // Assess
      expect(QueueUrl).toBe(local.queueUrl(name));
      expect(local.inspect(name).messages.map((m) => m.body)).toEqual(['via env']);
    } finally {
      fromEnv.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
      else process.env.AWS_ENDPOINT_URL_SQS = saved;
    }
  });
});

describe('FIFO', () => {
  it('keeps order within a group and serves several groups in one receive', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('order'));
    for (const [body, group] of [
      ['a1', 'A'],
      ['b1', 'B'],
      ['a2', 'A'],
      ['b2', 'B'],
      ['a3', 'A'],
      ['c1', 'C'],
    ] as const) {
      await send(url, body, group);
    }

    // Act
    const messages = await receive(url, 10);

    // Assess
    const bodiesOf = (group: string): string[] =>
      messages.filter((m) => m.Attributes?.MessageGroupId === group).map((m) => m.Body ?? '');
    expect(messages).toHaveLength(6);
    expect(bodiesOf('A')).toEqual(['a1', 'a2', 'a3']);
    expect(bodiesOf('B')).toEqual(['b1', 'b2']);
    expect(bodiesOf('C')).toEqual(['c1']);
    const sequence = messages.map((m) => BigInt(m.Attributes?.SequenceNumber ?? '0'));
    const aSequence = messages
      .filter((m) => m.Attributes?.MessageGroupId === 'A')
      .map((m) => m.Attributes?.SequenceNumber);
    expect(aSequence).toEqual([...aSequence].sort());
    expect(sequence.every((n) => n > 0n)).toBe(true);
  });

  it('holds back a group while any of its messages is in flight', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('blocking'));
    await send(url, 'a1', 'A');
    await send(url, 'a2', 'A');
    await send(url, 'b1', 'B');
    const [first] = await receive(url, 1);

    // Act
    const whileA1InFlight = await receive(url, 10);
    await deleteAll(url, first ? [first] : []);
    const afterDelete = await receive(url, 10);

    // Assess
    expect(first?.Body).toBe('a1');
    expect(whileA1InFlight.map((m) => m.Body)).toEqual(['b1']);
    expect(afterDelete.map((m) => m.Body)).toEqual(['a2']);
  });

  it('accepts a duplicate inside the window without enqueueing it again', async () => {
    // Prepare
    const name = uniqueName('dedup');
    const url = local.createQueue(name);
    const contentName = uniqueName('content-dedup');
    const contentUrl = local.createQueue(contentName, { contentBasedDeduplication: true });

    // Act
    const firstId = await send(url, 'first body', 'g', 'same-id');
    const secondId = await send(url, 'another body', 'g', 'same-id');
    const contentIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const out = await sqs.send(
        new SendMessageCommand({ QueueUrl: contentUrl, MessageBody: 'same', MessageGroupId: 'g' }),
      );
      contentIds.push(out.MessageId ?? '');
    }

    // Assess
    expect(secondId).toBe(firstId);
    expect(local.inspect(name).messages.map((m) => m.body)).toEqual(['first body']);
    expect(contentIds[1]).toBe(contentIds[0]);
    expect(local.inspect(contentName).visible).toBe(1);
  });

  it('requires a MessageGroupId', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('group-required'));

    // Act
    const sending = sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: '1' }),
    );

    // Assess
    await expect(sending).rejects.toMatchObject({
      name: 'MissingParameter',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(sending).rejects.toBeInstanceOf(SQSServiceException);
  });

  it('refuses to delete with a receipt handle whose visibility expired', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('expired-handle'));
    await send(url, 'm', 'g');
    const [message] = await receive(url, 1);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );

    // Act
    const deleting = sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message?.ReceiptHandle }),
    );

    // Assess
    await expect(deleting).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringContaining('The receipt handle has expired'),
    });
  });

  it('keeps per-group order with concurrent consumers over a thousand messages', async () => {
    // Prepare
    const name = uniqueName('concurrent');
    const url = local.createQueue(name);
    const groups = 20;
    const perGroup = 50;
    for (let n = 0; n < perGroup; n++) {
      const entries = Array.from({ length: groups }, (_, g) => ({
        Id: `g${g}`,
        MessageBody: `${g}:${n}`,
        MessageGroupId: `group-${g}`,
        MessageDeduplicationId: `${g}-${n}`,
      }));
      for (let i = 0; i < entries.length; i += 10) {
        await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries.slice(i, i + 10) }));
      }
    }
    const seen = new Map<number, number[]>();
    let processed = 0;

    // Act
    const consumer = async (): Promise<void> => {
      while (processed < groups * perGroup) {
        const messages = await receive(url, 10);
        for (const message of messages) {
          const [g = -1, n = -1] = (message.Body ?? '').split(':').map(Number);
          seen.set(g, [...(seen.get(g) ?? []), n]);
          processed += 1;
        }
        if (messages.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        } else {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    };
    await Promise.all([consumer(), consumer(), consumer(), consumer(), consumer()]);

    // Assess
    const inOrder = Array.from({ length: perGroup }, (_, n) => n);
    expect(seen.size).toBe(groups);
    for (const received of seen.values()) expect(received).toEqual(inOrder);
    expect(local.inspect(name)).toMatchObject({ visible: 0, inflight: 0 });
  });
});

describe('visibility, receive counts and redrive', () => {
  let clock = Date.parse('2030-01-01T00:00:00Z');
  let timed: LocalSqsServer;
  let timedSqs: SQSClient;

  beforeAll(async () => {
    timed = await startLocalSqs({ now: () => clock, region });
    timedSqs = new SQSClient({ endpoint: timed.endpoint, region, credentials });
  });

  afterAll(async () => {
    timedSqs.destroy();
    await timed.close();
  });

  it('makes a message visible again when its visibility timeout passes, counting receives', async () => {
    // Prepare
    const url = timed.createQueue(uniqueName('visibility'), { visibilityTimeoutSeconds: 30 });
    await timedSqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'm',
        MessageGroupId: 'g',
        MessageDeduplicationId: '1',
      }),
    );
    const receiveAll = async (): Promise<Message[]> =>
      (
        await timedSqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        )
      ).Messages ?? [];
    const first = await receiveAll();

    // Act
    clock += 29_000;
    const before = await receiveAll();
    clock += 1_000;
    const after = await receiveAll();

    // Assess
    expect(first.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1']);
    expect(before).toEqual([]);
    expect(after.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2']);
    expect(after[0]?.ReceiptHandle).not.toBe(first[0]?.ReceiptHandle);
  });

  it('extends visibility with ChangeMessageVisibility and ends it with 0', async () => {
    // Prepare
    const name = uniqueName('change-visibility');
    const url = timed.createQueue(name, { visibilityTimeoutSeconds: 10 });
    await timedSqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'm',
        MessageGroupId: 'g',
        MessageDeduplicationId: '1',
      }),
    );
    const [message] = (await timedSqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? [];

    // Act
    await timedSqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 60,
      }),
    );
    clock += 30_000;
    const whileExtended = timed.inspect(name);
    const [again] = (await timedSqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? [];
    await timedSqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const afterZero = timed.inspect(name);

    // Assess
    expect(whileExtended).toMatchObject({ visible: 0, inflight: 1 });
    expect(again).toBeUndefined();
    expect(afterZero).toMatchObject({ visible: 1, inflight: 0 });
  });

  it('delays delivery by DelaySeconds on a standard queue', async () => {
    // Prepare
    const name = uniqueName('delay', false);
    const url = timed.createQueue(name);

    // Act
    await timedSqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 5 }));
    const { Attributes } = await timedSqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const early = (await timedSqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? [];
    clock += 5_000;
    const onTime = (await timedSqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? [];

    // Assess
    expect(Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: '1' });
    expect(early).toEqual([]);
    expect(onTime.map((m) => m.Body)).toEqual(['later']);
  });

  it('forgets a deduplication id after five minutes', async () => {
    // Prepare
    const name = uniqueName('dedup-window');
    const url = timed.createQueue(name);
    const sendIt = async (): Promise<string | undefined> =>
      (
        await timedSqs.send(
          new SendMessageCommand({
            QueueUrl: url,
            MessageBody: 'm',
            MessageGroupId: 'g',
            MessageDeduplicationId: 'd',
          }),
        )
      ).MessageId;

    // Act
    const first = await sendIt();
    clock += 299_000;
    const inside = await sendIt();
    clock += 1_000;
    const outside = await sendIt();

    // Assess
    expect(inside).toBe(first);
    expect(outside).not.toBe(first);
    expect(timed.inspect(name).visible).toBe(2);
  });

  it('moves a message to the dead-letter queue on the receive after maxReceiveCount, keeping its fields', async () => {
    // Prepare
    const dlqName = uniqueName('redrive-dlq');
    timed.createQueue(dlqName);
    const name = uniqueName('redrive');
    const url = timed.createQueue(name, { deadLetter: { queueName: dlqName, maxReceiveCount: 2 } });
    await timedSqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'poison',
        MessageGroupId: 'member-1',
        MessageDeduplicationId: 'p',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'mute' } },
      }),
    );
    await timedSqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'next',
        MessageGroupId: 'member-1',
        MessageDeduplicationId: 'n',
      }),
    );
    const receiveOne = async (): Promise<Message | undefined> =>
      (await timedSqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages?.[0];

    // Act
    const attempts = [await receiveOne(), await receiveOne()];
    const third = await receiveOne();
    const dlq = (
      await timedSqs.send(
        new ReceiveMessageCommand({
          QueueUrl: timed.queueUrl(dlqName),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      )
    ).Messages?.[0];

    // Assess
    expect(attempts.map((m) => m?.Body)).toEqual(['poison', 'poison']);
    expect(third?.Body).toBe('next');
    expect(dlq).toMatchObject({
      MessageId: attempts[0]?.MessageId,
      Body: 'poison',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'mute' } },
      Attributes: {
        MessageGroupId: 'member-1',
        MessageDeduplicationId: 'p',
        DeadLetterQueueSourceArn: timed.queueArn(name),
      },
    });
  });

  it('moves dead-lettered messages back to their source with StartMessageMoveTask', async () => {
    // Prepare
    const dlqName = uniqueName('move-dlq');
    timed.createQueue(dlqName);
    const name = uniqueName('move');
    const url = timed.createQueue(name, { deadLetter: { queueName: dlqName, maxReceiveCount: 1 } });
    await timedSqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'm',
        MessageGroupId: 'g',
        MessageDeduplicationId: '1',
      }),
    );
    await timedSqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    await timedSqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    const dead = timed.inspect(dlqName).visible;

    // Act
    await timedSqs.send(new StartMessageMoveTaskCommand({ SourceArn: timed.queueArn(dlqName) }));
    const tasks = await timedSqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: timed.queueArn(dlqName) }),
    );

    // Assess
    expect(dead).toBe(1);
    expect(timed.inspect(dlqName).visible).toBe(0);
    expect(timed.inspect(name).messages).toMatchObject([{ body: 'm', receiveCount: 0, groupId: 'g' }]);
    expect(tasks.Results).toMatchObject([{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 1 }]);
  });
});

describe('attributes and batches', () => {
  it('round-trips String, Number and Binary attributes with the MD5s SQS sends', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('attributes'));
    const attributes = {
      action: { DataType: 'String', StringValue: 'mute' },
      seconds: { DataType: 'Number', StringValue: '600' },
      'count.int': { DataType: 'Number.int', StringValue: '-3' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
      greeting: { DataType: 'String', StringValue: 'grüße ✓' },
    };

    // Act
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'with attributes ✓',
        MessageGroupId: 'g',
        MessageDeduplicationId: '1',
        MessageAttributes: attributes,
      }),
    );
    const [received] = await receive(url);

    // Assess
    const expectedMd5 = md5OfAttributes({
      ...attributes,
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    });
    expect(sent.MD5OfMessageAttributes).toBe(expectedMd5);
    expect(received?.MD5OfMessageAttributes).toBe(expectedMd5);
    expect(received?.Body).toBe('with attributes ✓');
    expect(received?.MessageAttributes).toEqual({
      ...attributes,
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    });
  });

  it('returns only the attributes asked for, with the MD5 of those', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('attribute-subset'));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'b',
        MessageGroupId: 'g',
        MessageDeduplicationId: '1',
        MessageAttributes: {
          'bridge.kind': { DataType: 'String', StringValue: 'k' },
          'bridge.code': { DataType: 'Number', StringValue: '10010' },
          other: { DataType: 'String', StringValue: 'o' },
        },
      }),
    );

    // Act
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['bridge.*'] }),
    );

    // Assess
    const [message] = out.Messages ?? [];
    expect(Object.keys(message?.MessageAttributes ?? {}).sort()).toEqual(['bridge.code', 'bridge.kind']);
    expect(message?.MD5OfMessageAttributes).toBe(
      md5OfAttributes({
        'bridge.kind': { DataType: 'String', StringValue: 'k' },
        'bridge.code': { DataType: 'Number', StringValue: '10010' },
      }),
    );
    expect(message?.Attributes).toBeUndefined();
  });

  it('reports each failed entry of SendMessageBatch and enqueues the rest', async () => {
    // Prepare
    const name = uniqueName('send-batch');
    const url = local.createQueue(name);

    // Act
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'ok-1', MessageBody: 'one', MessageGroupId: 'g', MessageDeduplicationId: '1' },
          { Id: 'no-group', MessageBody: 'two', MessageDeduplicationId: '2' },
          { Id: 'ok-3', MessageBody: 'three', MessageGroupId: 'g', MessageDeduplicationId: '3' },
          { Id: 'bad-char', MessageBody: 'nul \u0000', MessageGroupId: 'g', MessageDeduplicationId: '4' },
        ],
      }),
    );

    // Assess
    expect(out.Successful?.map((e) => e.Id)).toEqual(['ok-1', 'ok-3']);
    expect(out.Successful?.every((e) => e.SequenceNumber !== undefined && e.MessageId !== undefined)).toBe(
      true,
    );
    expect(out.Failed).toEqual([
      { Id: 'no-group', SenderFault: true, Code: 'MissingParameter', Message: expect.any(String) },
      { Id: 'bad-char', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.any(String) },
    ]);
    expect(local.inspect(name).messages.map((m) => m.body)).toEqual(['one', 'three']);
  });

  it('rejects a whole batch of more than ten entries', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('too-many'));
    const entries = Array.from({ length: 11 }, (_, i) => ({
      Id: `e${i}`,
      MessageBody: 'x',
      MessageGroupId: 'g',
      MessageDeduplicationId: String(i),
    }));

    // Act
    const sending = sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
  });

  it('deletes with DeleteMessageBatch and reports a bad receipt handle per entry', async () => {
    // Prepare
    const name = uniqueName('delete-batch', false);
    const url = local.createQueue(name);
    for (const body of ['a', 'b', 'c'])
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const messages = await receive(url, 10);

    // Act
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'first', ReceiptHandle: messages[0]?.ReceiptHandle },
          { Id: 'second', ReceiptHandle: messages[1]?.ReceiptHandle },
          { Id: 'bogus', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );

    // Assess
    expect(messages).toHaveLength(3);
    expect(out.Successful).toEqual([{ Id: 'first' }, { Id: 'second' }]);
    expect(out.Failed).toEqual([
      { Id: 'bogus', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: expect.any(String) },
    ]);
    expect(local.inspect(name)).toMatchObject({ visible: 0, inflight: 1 });
  });

  it('answers a malformed receipt handle with ReceiptHandleIsInvalid', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('bad-handle', false));

    // Act
    const deleting = sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' }));

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });
});

describe('long polling', () => {
  it('wakes a waiting receive as soon as a message arrives', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('long-poll'));
    const started = Date.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));

    // Act
    await new Promise((resolve) => setTimeout(resolve, 100));
    await send(url, 'wake up', 'g');
    const out = await polling;

    // Assess
    expect(out.Messages?.map((m) => m.Body)).toEqual(['wake up']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('wakes a waiting receive when an in-flight message becomes visible again', async () => {
    // Prepare
    const url = local.createQueue(uniqueName('long-poll-expiry'));
    await send(url, 'retry me', 'g');
    await receive(url, 1, { VisibilityTimeout: 1 });
    const started = Date.now();

    // Act
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10, MessageSystemAttributeNames: ['All'] }),
    );

    // Assess
    expect(out.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['retry me', '2'],
    ]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('ends pending long polls when the service closes', async () => {
    // Prepare
    const other = await startLocalSqs();
    const url = other.createQueue('idle');
    const client = new SQSClient({ endpoint: other.endpoint, region, credentials });
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    while (other.inspect('idle').waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();

    // Act
    await other.close();
    const out = await polling;
    client.destroy();

    // Assess
    expect(out.Messages ?? []).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
