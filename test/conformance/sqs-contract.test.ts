/**
 * The SQS behaviours the bridge relies on, each test body run against our stand-in (`local/sqs`) and
 * against moto's server, through the real `@aws-sdk/client-sqs`, in real time. Where an implementation
 * departs from AWS's documentation, the test names the page that settles it (`KNOWN_GAPS`) and asserts
 * what that implementation does where that can be asserted, so that the list stays true: a gap that moto
 * closes fails here.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  CREDENTIALS,
  type KnownGap,
  REGION,
  sleep,
  startTarget,
  TARGET_NAMES,
  type Target,
  type TargetName,
} from './helpers/targets.ts';

/** Where an implementation departs from AWS's documentation, for a behaviour these tests check. */
const KNOWN_GAPS = {
  deduplicationScope: {
    target: 'moto',
    does:
      'deduplicates across the whole queue even when DeduplicationScope is messageGroup: the same ' +
      'MessageDeduplicationId in another message group is dropped',
    awsDoc:
      'SQS Developer Guide, "High throughput for FIFO queues" ' +
      '(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/high-throughput-fifo.html) ' +
      'and CreateQueue, DeduplicationScope: "Specifies whether message deduplication occurs at the ' +
      'message group or queue level. Valid values are messageGroup and queue."',
  },
  deduplicationAfterDelete: {
    target: 'moto',
    does:
      'forgets a MessageDeduplicationId as soon as its message is deleted: a resend within 5 minutes is ' +
      'enqueued again',
    awsDoc:
      'SQS Developer Guide, "Using the message deduplication ID" ' +
      '(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html): ' +
      '"If a message with a particular message deduplication ID is sent successfully, any messages sent ' +
      "with the same message deduplication ID are accepted successfully but aren't delivered during the " +
      '5-minute deduplication interval."',
  },
  deadLetterSourceArn: {
    target: 'moto',
    does: 'does not return DeadLetterQueueSourceArn for a message its redrive policy moved',
    awsDoc:
      'ReceiveMessage, MessageSystemAttributeNames ' +
      '(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html): ' +
      '"DeadLetterQueueSourceArn – Returns the source queue ARN from which a message was moved to a ' +
      'dead-letter queue."',
  },
  sequenceNumber: {
    target: 'moto',
    does: 'gives each FIFO message a random SequenceNumber, which does not grow within a message group',
    awsDoc:
      'SendMessage, SequenceNumber ' +
      '(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html): ' +
      '"The large, non-consecutive number that Amazon SQS assigns to each message. ... SequenceNumber ' +
      'continues to increase for a particular MessageGroupId." (The bridge orders by receive order, ' +
      'never by this number.)',
  },
  concurrentLongPolls: {
    target: 'moto',
    does:
      'hands the messages of one group to concurrent long polls at once: each poll that was waiting ' +
      "before they arrived takes the next one, so consumers process one member's events in parallel",
    awsDoc:
      'SQS Developer Guide, "FIFO queue delivery logic" ' +
      '(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html): ' +
      'you cannot receive additional messages from the same message group ID in subsequent requests ' +
      'unless the received ones are deleted or become visible again; and "Using the message group ID" ' +
      '(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagegroupid-property.html): ' +
      '"no two messages from the same group are processed simultaneously."',
  },
  deduplicationIdCharacters: {
    target: 'moto',
    does: 'accepts a MessageDeduplicationId with characters SQS refuses, such as a space',
    awsDoc:
      'SendMessage, MessageDeduplicationId ' +
      '(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html): ' +
      '"MessageDeduplicationId can contain alphanumeric characters (a-z, A-Z, 0-9) and punctuation ' +
      '(!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~)." (An eventId, the bridge\'s deduplication id, allows fewer.)',
  },
  expiredReceiptHandle: {
    target: 'moto',
    does:
      'deletes a FIFO message with a receipt handle of an earlier receive, even while another consumer ' +
      'holds the message (which releases its message group early)',
    awsDoc:
      'AWS Knowledge Center, "Why do I get a ReceiptHandleIsInvalid or InvalidParameterValue error when I ' +
      'delete messages from my Amazon SQS queue?" (https://repost.aws/knowledge-center/sqs-receipt-handle-error): ' +
      'an expired receipt handle gets "InvalidParameterValue ... Reason: The receipt handle has expired."; ' +
      'only standard queues may accept an older handle',
  },
  redeliveryOrderAfterExpiry: {
    target: 'moto',
    does:
      'when two or more messages of one group, received together, become visible again (their ' +
      'visibility timeout ended: a consumer that crashed; or was changed: several retries in one batch), ' +
      'serves the group again from the last of them: the earlier ones come after the rest of the group, ' +
      'out of order',
    awsDoc:
      'SQS Developer Guide, "FIFO queue message ordering" ' +
      '(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html): ' +
      'messages of a message group are received in the order they were sent; a message that becomes ' +
      'visible again is received again before the later messages of its group',
  },
} as const satisfies Record<string, KnownGap>;

type GapId = keyof typeof KNOWN_GAPS;

const hasGap = (target: TargetName, gap: GapId): boolean => KNOWN_GAPS[gap].target === target;

describe.each(TARGET_NAMES)('SQS, as the bridge uses it, on %s', (name) => {
  let target: Target;
  let sqs: SQSClient;
  let counter = 0;

  beforeAll(async () => {
    target = await startTarget(name);
    sqs = new SQSClient({ endpoint: target.endpoint, region: REGION, credentials: CREDENTIALS });
  });

  afterAll(async () => {
    sqs?.destroy();
    await target?.close();
  });

  /** A FIFO queue no other test uses, with the main queue's attributes unless overridden. */
  async function fifoQueue(prefix: string, attributes: Record<string, string> = {}): Promise<string> {
    counter += 1;
    const out = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${counter}.fifo`,
        Attributes: {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'false',
          DeduplicationScope: 'messageGroup',
          FifoThroughputLimit: 'perMessageGroupId',
          VisibilityTimeout: '30',
          ...attributes,
        },
      }),
    );
    if (out.QueueUrl === undefined) throw new Error('CreateQueue returned no QueueUrl');
    return out.QueueUrl;
  }

  async function queueArn(url: string): Promise<string> {
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return out.Attributes?.QueueArn ?? '';
  }

  async function send(
    url: string,
    body: string,
    groupId: string,
    dedupId = body,
    attributes?: Record<string, MessageAttributeValue>,
  ): Promise<void> {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageGroupId: groupId,
        MessageDeduplicationId: dedupId,
        ...(attributes === undefined ? {} : { MessageAttributes: attributes }),
      }),
    );
  }

  /** Receives as the bridge's event source does: up to 10, every system and message attribute. */
  async function receive(url: string, extra: { VisibilityTimeout?: number; max?: number } = {}) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: extra.max ?? 10,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        ...(extra.VisibilityTimeout === undefined ? {} : { VisibilityTimeout: extra.VisibilityTimeout }),
      }),
    );
    return out.Messages ?? [];
  }

  const bodies = (messages: readonly Message[]) => messages.map((message) => message.Body);

  async function remove(url: string, message: Message | undefined): Promise<void> {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message?.ReceiptHandle }));
  }

  async function counts(url: string) {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: Number(out.Attributes?.ApproximateNumberOfMessages),
      inflight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
      delayed: Number(out.Attributes?.ApproximateNumberOfMessagesDelayed),
    };
  }

  describe('queues', () => {
    it('keeps the attributes the main queue is created with', async () => {
      // Prepare
      const dlq = await fifoQueue('attributes-dlq');
      const dlqArn = await queueArn(dlq);

      // Act
      const url = await fifoQueue('attributes', {
        VisibilityTimeout: '180',
        MessageRetentionPeriod: '1209600',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 540 }),
      });
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
      );

      // Assess
      expect(Attributes).toMatchObject({
        FifoQueue: 'true',
        ContentBasedDeduplication: 'false',
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
        VisibilityTimeout: '180',
        MessageRetentionPeriod: '1209600',
      });
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlqArn,
        maxReceiveCount: 540,
      });
    });
  });

  describe('FIFO message groups', () => {
    it('keeps order within a group and serves several groups in one receive', async () => {
      // Prepare
      const url = await fifoQueue('order');
      for (const [body, group] of [
        ['a1', 'A'],
        ['b1', 'B'],
        ['a2', 'A'],
        ['b2', 'B'],
        ['a3', 'A'],
      ] as const) {
        await send(url, body, group);
      }

      // Act
      const messages = await receive(url);

      // Assess
      const ofGroup = (group: string) =>
        bodies(messages.filter((message) => message.Attributes?.MessageGroupId === group));
      expect(messages).toHaveLength(5);
      expect(ofGroup('A')).toEqual(['a1', 'a2', 'a3']);
      expect(ofGroup('B')).toEqual(['b1', 'b2']);
      const sequence = messages
        .filter((message) => message.Attributes?.MessageGroupId === 'A')
        .map((message) => BigInt(message.Attributes?.SequenceNumber ?? '0'));
      const ascending = [...sequence].sort((x, y) => (x < y ? -1 : 1));
      if (!hasGap(name, 'sequenceNumber')) expect(sequence).toEqual(ascending);
    });

    it('holds back a group while one of its messages is in flight, and releases it on delete', async () => {
      // Prepare
      const url = await fifoQueue('blocking');
      await send(url, 'a1', 'A');
      await send(url, 'a2', 'A');
      await send(url, 'b1', 'B');
      const [first] = await receive(url, { max: 1 });

      // Act
      const whileInFlight = await receive(url);
      await remove(url, first);
      const afterDelete = await receive(url);

      // Assess
      expect(first?.Body).toBe('a1');
      expect(bodies(whileInFlight)).toEqual(['b1']);
      expect(bodies(afterDelete)).toEqual(['a2']);
    });

    it('redelivers the first message of a group, not the next, when its visibility ends', async () => {
      // Prepare
      const url = await fifoQueue('redeliver');
      await send(url, 'a1', 'A');
      await send(url, 'a2', 'A');
      const first = await receive(url, { VisibilityTimeout: 1, max: 1 });

      // Act
      const blocked = await receive(url);
      await sleep(1_500);
      const again = await receive(url, { max: 1 });

      // Assess
      expect(bodies(first)).toEqual(['a1']);
      expect(blocked).toEqual([]);
      expect(again.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['a1', '2']]);
      expect(again[0]?.ReceiptHandle).not.toBe(first[0]?.ReceiptHandle);
      expect(again[0]?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
        first[0]?.Attributes?.ApproximateFirstReceiveTimestamp,
      );
    });
  });

  describe('FIFO order after a crash or retries', () => {
    it('redelivers a group from its first message when several received together time out', async () => {
      // Prepare: a consumer receives three messages of one group and crashes (nothing deleted).
      const url = await fifoQueue('crash-order');
      for (const body of ['a1', 'a2', 'a3', 'a4', 'a5']) await send(url, body, 'A');
      const first = await receive(url, { VisibilityTimeout: 1, max: 3 });

      // Act
      await sleep(1_500);
      const again = await receive(url);

      // Assess
      expect(bodies(first)).toEqual(['a1', 'a2', 'a3']);
      if (hasGap(name, 'redeliveryOrderAfterExpiry')) expect(bodies(again)).toEqual(['a3', 'a4', 'a5']);
      else expect(bodies(again)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    });

    it('redelivers a group from its first retried message when two of one receive are retried', async () => {
      // Prepare: of four messages received together, the first and the third fail and are retried in
      // 1 s; the other two are done.
      const url = await fifoQueue('retry-order');
      for (const body of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']) await send(url, body, 'A');
      const first = await receive(url, { max: 4 });
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: [0, 2].map((i) => ({
            Id: `v${i}`,
            ReceiptHandle: first[i]?.ReceiptHandle,
            VisibilityTimeout: 1,
          })),
        }),
      );
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: [1, 3].map((i) => ({ Id: `d${i}`, ReceiptHandle: first[i]?.ReceiptHandle })),
        }),
      );

      // Act
      await sleep(1_500);
      const again = await receive(url);

      // Assess
      if (hasGap(name, 'redeliveryOrderAfterExpiry')) expect(bodies(again)).toEqual(['a3', 'a5', 'a6']);
      else expect(bodies(again)).toEqual(['a1', 'a3', 'a5', 'a6']);
    });
  });

  describe('visibility and receive counts', () => {
    it('hides a message for the time ChangeMessageVisibility gives it, and shows it again at 0', async () => {
      // Prepare
      const url = await fifoQueue('change-visibility', { VisibilityTimeout: '1' });
      await send(url, 'm', 'g');
      const [message] = await receive(url);

      // Act
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 60,
        }),
      );
      await sleep(1_500);
      const whileExtended = await receive(url);
      const inflight = await counts(url);
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
      const afterZero = await receive(url);

      // Assess
      expect(whileExtended).toEqual([]);
      expect(inflight).toEqual({ visible: 0, inflight: 1, delayed: 0 });
      expect(afterZero.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['m', '2']]);
    });

    it('changes visibility in a batch and reports a bad receipt handle per entry', async () => {
      // Prepare: the consumer's backoff hides failed records with ChangeMessageVisibilityBatch.
      const url = await fifoQueue('visibility-batch');
      await send(url, 'a', 'A');
      await send(url, 'b', 'B');
      const messages = await receive(url);

      // Act
      const out = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: [
            ...messages.map((m, i) => ({
              Id: `v${i}`,
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
            { Id: 'bogus', ReceiptHandle: 'not-a-receipt-handle', VisibilityTimeout: 0 },
          ],
        }),
      );
      const again = await receive(url);

      // Assess
      expect(out.Successful?.map((entry) => entry.Id).sort()).toEqual(['v0', 'v1']);
      expect(out.Failed).toEqual([
        expect.objectContaining({ Id: 'bogus', SenderFault: true, Code: 'ReceiptHandleIsInvalid' }),
      ]);
      expect(bodies(again).sort()).toEqual(['a', 'b']);
    });

    it('deletes in a batch and reports a bad receipt handle per entry', async () => {
      // Prepare: the event source deletes what the consumer did not report as failed.
      const url = await fifoQueue('delete-batch');
      await send(url, 'a', 'A');
      await send(url, 'b', 'B');
      const messages = await receive(url);

      // Act
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            ...messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
            { Id: 'bogus', ReceiptHandle: 'not-a-receipt-handle' },
          ],
        }),
      );

      // Assess
      expect(out.Successful?.map((entry) => entry.Id).sort()).toEqual(['d0', 'd1']);
      expect(out.Failed).toEqual([
        expect.objectContaining({ Id: 'bogus', SenderFault: true, Code: 'ReceiptHandleIsInvalid' }),
      ]);
      expect(await counts(url)).toEqual({ visible: 0, inflight: 0, delayed: 0 });
    });
  });

  describe('receipt handles and long polling', () => {
    it('refuses a delete with the receipt handle of an earlier receive', async () => {
      // Prepare: an invocation outlived the visibility timeout and another one received the message.
      const url = await fifoQueue('expired-handle', { VisibilityTimeout: '1' });
      await send(url, 'm', 'g');
      const [first] = await receive(url);
      await sleep(1_500);
      const [second] = await receive(url, { VisibilityTimeout: 30 });

      // Act
      const deleting = sqs.send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }),
      );

      // Assess
      expect(second?.Body).toBe('m');
      if (hasGap(name, 'expiredReceiptHandle')) {
        await expect(deleting).resolves.toBeDefined();
        expect(await counts(url)).toEqual({ visible: 0, inflight: 0, delayed: 0 });
      } else {
        await expect(deleting).rejects.toMatchObject({
          name: 'InvalidParameterValue',
          message: expect.stringContaining('The receipt handle has expired'),
        });
        expect(await counts(url)).toEqual({ visible: 0, inflight: 1, delayed: 0 });
      }
    });

    it('gives a group that arrives during several long polls to one of them only', async () => {
      // Prepare: the event source's pollers wait on an empty queue when a member's events come in.
      const url = await fifoQueue('concurrent-polls');
      const polls = Array.from({ length: 3 }, () =>
        sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 1,
            VisibilityTimeout: 30,
            WaitTimeSeconds: 3,
          }),
        ),
      );
      await sleep(300);

      // Act
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: ['x1', 'x2', 'x3'].map((body) => ({
            Id: body,
            MessageBody: body,
            MessageGroupId: 'X',
            MessageDeduplicationId: body,
          })),
        }),
      );
      const received = (await Promise.all(polls)).flatMap((out) => bodies(out.Messages ?? []));

      // Assess
      if (hasGap(name, 'concurrentLongPolls')) expect(received.length).toBeGreaterThan(1);
      else expect(received).toEqual(['x1']);
    });

    it('answers a waiting receive as soon as a message arrives', async () => {
      // Prepare: the event source long-polls.
      const url = await fifoQueue('long-poll');
      const started = Date.now();
      const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));

      // Act
      await sleep(300);
      await send(url, 'wake-up', 'g');
      const out = await polling;

      // Assess
      expect(bodies(out.Messages ?? [])).toEqual(['wake-up']);
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  describe('redrive to the dead-letter queue', () => {
    it('moves a message on the receive after maxReceiveCount, keeping its body, attributes and group', async () => {
      // Prepare
      const dlq = await fifoQueue('dlq', { DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' });
      const url = await fifoQueue('redrive', {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await queueArn(dlq), maxReceiveCount: 2 }),
      });
      await send(url, 'poison', 'member-1', 'p', { kind: { DataType: 'String', StringValue: 'mute' } });
      await send(url, 'next', 'member-1', 'n');

      // Act
      const attempts = [
        ...(await receive(url, { VisibilityTimeout: 0, max: 1 })),
        ...(await receive(url, { VisibilityTimeout: 0, max: 1 })),
      ];
      const third = await receive(url, { max: 1 });
      const [dead] = await receive(dlq);

      // Assess
      expect(attempts.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
        ['poison', '1'],
        ['poison', '2'],
      ]);
      expect(bodies(third)).toEqual(['next']);
      expect(dead).toMatchObject({
        MessageId: attempts[0]?.MessageId,
        Body: 'poison',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'mute' } },
        Attributes: { MessageGroupId: 'member-1', MessageDeduplicationId: 'p' },
      });
      if (hasGap(name, 'deadLetterSourceArn')) {
        expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBeUndefined();
      } else {
        expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe(await queueArn(url));
      }
    });

    it('takes the consumer dead letters: a send with String and Number attributes and their MD5', async () => {
      // Prepare: what SqsConsumerQueue.sendToDeadLetter sends (the SDK checks the MD5s it gets back).
      const dlq = await fifoQueue('consumer-dlq', {
        DeduplicationScope: 'queue',
        FifoThroughputLimit: 'perQueue',
      });
      const attributes = {
        'bridge.errorKind': { DataType: 'String', StringValue: 'tencent_permanent' },
        'bridge.errorCode': { DataType: 'Number', StringValue: '10010' },
        'bridge.errorMessage': { DataType: 'String', StringValue: 'group not found ✓' },
      };

      // Act
      await send(dlq, '{"eventId":"e1"}', 'member-1', 'message-id-1', attributes);
      await send(dlq, '{"eventId":"e1"}', 'member-1', 'message-id-1', attributes);
      const messages = await receive(dlq);

      // Assess
      expect(messages).toHaveLength(1);
      expect(messages[0]?.MessageAttributes).toEqual(attributes);
    });
  });

  describe('deduplication', () => {
    it('drops a resend of the same id in the same group within the window', async () => {
      // Prepare
      const url = await fifoQueue('dedup');

      // Act
      await send(url, 'first', 'A', 'event-1');
      await send(url, 'again', 'A', 'event-1');

      // Assess
      expect(bodies(await receive(url))).toEqual(['first']);
    });

    it('still drops the resend after the first was received and deleted', async () => {
      // Prepare: ingest answers 503 and the client resends after the consumer already applied the event.
      const url = await fifoQueue('dedup-deleted');
      await send(url, 'first', 'A', 'event-1');
      await remove(url, (await receive(url))[0]);

      // Act
      await send(url, 'resent', 'A', 'event-1');
      const after = await receive(url);

      // Assess
      if (hasGap(name, 'deduplicationAfterDelete')) expect(bodies(after)).toEqual(['resent']);
      else expect(after).toEqual([]);
    });

    it('with DeduplicationScope messageGroup, keeps the same id in another group', async () => {
      // Prepare: an eventId is unique per member; the main queue deduplicates within a member's group.
      const url = await fifoQueue('dedup-scope');

      // Act
      await send(url, 'for A', 'A', 'event-1');
      await send(url, 'for B', 'B', 'event-1');
      const messages = await receive(url);

      // Assess
      if (hasGap(name, 'deduplicationScope')) expect(bodies(messages)).toEqual(['for A']);
      else expect(bodies(messages).sort()).toEqual(['for A', 'for B']);
    });

    it('refuses a deduplication id with a character outside alphanumerics and punctuation', async () => {
      // Prepare
      const url = await fifoQueue('dedup-characters');

      // Act
      const sending = send(url, 'x', 'A', 'event 1');

      // Assess
      if (hasGap(name, 'deduplicationIdCharacters')) await expect(sending).resolves.toBeUndefined();
      else await expect(sending).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    });

    it('with DeduplicationScope queue, drops the same id in another group', async () => {
      // Prepare
      const url = await fifoQueue('dedup-queue-scope', {
        DeduplicationScope: 'queue',
        FifoThroughputLimit: 'perQueue',
      });

      // Act
      await send(url, 'for A', 'A', 'event-1');
      await send(url, 'for B', 'B', 'event-1');

      // Assess
      expect(bodies(await receive(url))).toEqual(['for A']);
    });
  });

  describe('batch errors', () => {
    it('sends a batch of ten and reports each entry', async () => {
      // Prepare: what SqsEventQueue.send sends for one request of ten events.
      const url = await fifoQueue('send-batch');
      const entries = Array.from({ length: 10 }, (_, i) => ({
        Id: `e${i}`,
        MessageBody: `event ${i}`,
        MessageGroupId: `member-${i % 3}`,
        MessageDeduplicationId: `event-${i}`,
      }));

      // Act
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));

      // Assess
      expect(out.Failed ?? []).toEqual([]);
      expect(out.Successful?.map((entry) => entry.Id)).toEqual(entries.map((entry) => entry.Id));
      expect(out.Successful?.every((entry) => /^\d+$/.test(entry.SequenceNumber ?? ''))).toBe(true);
      expect(await counts(url)).toEqual({ visible: 10, inflight: 0, delayed: 0 });
    });

    it('refuses a batch of more than ten entries as a whole', async () => {
      // Prepare
      const url = await fifoQueue('too-many');
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
      expect(await counts(url)).toEqual({ visible: 0, inflight: 0, delayed: 0 });
    });

    it('refuses a batch whose entry ids repeat as a whole', async () => {
      // Prepare
      const url = await fifoQueue('same-ids');
      const entry = { Id: 'e0', MessageBody: 'x', MessageGroupId: 'g' };

      // Act
      const sending = sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { ...entry, MessageDeduplicationId: '1' },
            { ...entry, MessageDeduplicationId: '2' },
          ],
        }),
      );

      // Assess
      await expect(sending).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
    });
  });
});
