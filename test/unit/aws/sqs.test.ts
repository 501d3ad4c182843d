import { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { SqsConsumerQueue } from '#shared/aws';
import type { VisibilityChange } from '#shared/consumer';
import { BridgeError, VisibilityChangeError } from '#shared/errors';

const sqs = mockClient(SQSClient);

beforeEach(() => {
  sqs.reset();
});

const queue = () =>
  new SqsConsumerQueue(
    new SQSClient({ region: 'eu-west-1' }),
    'https://sqs.example/main',
    'https://sqs.example/dlq',
  );

/** A receipt handle: a capability to change or delete the message, so it stays out of errors and logs. */
const handleOf = (messageId: string) => `AQEB-secret-receipt-handle-of-${messageId}`;

const changes = (count: number): VisibilityChange[] =>
  Array.from({ length: count }, (_, i) => ({
    messageId: `m${i}`,
    receiptHandle: handleOf(`m${i}`),
    seconds: 30,
  }));

describe('SqsConsumerQueue.changeVisibility', () => {
  it('changes visibility ten messages per call and resolves when SQS takes every entry', async () => {
    // Prepare
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await queue().changeVisibility(changes(12));

    // Assess
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 2);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[1]?.args[0].input.Entries).toEqual([
      { Id: 'v0', ReceiptHandle: handleOf('m10'), VisibilityTimeout: 30 },
      { Id: 'v1', ReceiptHandle: handleOf('m11'), VisibilityTimeout: 30 },
    ]);
  });

  it('throws a VisibilityChangeError naming each refused message by id and code, never its receipt handle', async () => {
    // Prepare: SQS's own text quotes the receipt handle it refused.
    sqs
      .on(ChangeMessageVisibilityBatchCommand)
      .resolvesOnce({
        Failed: [
          {
            Id: 'v3',
            Code: 'ReceiptHandleIsInvalid',
            SenderFault: true,
            Message: `The receipt handle ${handleOf('m3')} is not valid`,
          },
        ],
      })
      .resolvesOnce({
        Failed: [{ Id: 'v1', Code: 'MessageNotInflight', SenderFault: true, Message: handleOf('m11') }],
      });

    // Act
    const error = await queue()
      .changeVisibility(changes(12))
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

    // Assess: both calls were made; the error says which messages, and nothing that could act on them.
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 2);
    expect(error).toBeInstanceOf(VisibilityChangeError);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({
      name: 'VisibilityChangeError',
      message: 'visibility not changed for m3: ReceiptHandleIsInvalid, m11: MessageNotInflight',
      failures: [
        { messageId: 'm3', code: 'ReceiptHandleIsInvalid' },
        { messageId: 'm11', code: 'MessageNotInflight' },
      ],
    });
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(
      'secret-receipt-handle',
    );
  });
});
