import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { localContext } from './api-gateway.ts';

/** A Lambda handler of SQS events with partial batch responses. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** What one invocation did. */
export interface InvocationSummary {
  records: number;
  failed: number;
  ms: number;
  /** Set when the handler threw: then nothing was deleted, as in Lambda. */
  error?: unknown;
}

/** Options of {@link startEventSource}. */
export interface EventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  /** Records per invocation. @default 10 */
  batchSize?: number;
  /** Invocations at once (the event source's maximum concurrency). @default 5 */
  maxConcurrency?: number;
  /** The function's timeout, as the handler's context reports it. @default 30000 */
  functionTimeoutMs?: number;
  onInvoke?: (summary: InvocationSummary) => void;
}

/** A running event source. */
export interface EventSource {
  /** Stops receiving and waits for the invocations in progress to finish. */
  stop(): Promise<void>;
}

/**
 * A development stand-in for Lambda's SQS event source mapping with `ReportBatchItemFailures`:
 * `maxConcurrency` pollers receive batches, invoke the handler, and delete the records that did not
 * fail. A handler that throws fails the whole batch: nothing is deleted and SQS redelivers it.
 */
export async function startEventSource(options: EventSourceOptions): Promise<EventSource> {
  const { sqs, queueUrl, handler } = options;
  const batchSize = options.batchSize ?? 10;
  const functionTimeoutMs = options.functionTimeoutMs ?? 30_000;
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = attributes.Attributes?.QueueArn ?? queueUrl;
  const region = queueArn.split(':')[3] ?? 'local';
  const abort = new AbortController();

  const poll = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      let messages: Message[];
      try {
        const output = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = output.Messages ?? [];
      } catch (error) {
        if (abort.signal.aborted) return;
        options.onInvoke?.({ records: 0, failed: 0, ms: 0, error });
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (messages.length === 0) continue;
      try {
        await invoke(messages.map((message) => toRecord(message, queueArn, region)));
      } catch (error) {
        // Whatever was not deleted comes back after its visibility timeout; the poller goes on.
        options.onInvoke?.({ records: messages.length, failed: messages.length, ms: 0, error });
      }
    }
  };

  const invoke = async (records: SQSRecord[]): Promise<void> => {
    const started = performance.now();
    let response: SQSBatchResponse;
    try {
      response = await handler(
        { Records: records },
        localContext('consumer', randomUUID(), functionTimeoutMs),
      );
    } catch (error) {
      options.onInvoke?.({
        records: records.length,
        failed: records.length,
        ms: performance.now() - started,
        error,
      });
      return;
    }
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const done = records.filter((record) => !failed.has(record.messageId));
    if (done.length > 0) {
      const output = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((record, index) => ({ Id: `d${index}`, ReceiptHandle: record.receiptHandle })),
        }),
      );
      if (output.Failed && output.Failed.length > 0) {
        const codes = output.Failed.map((failure) => failure.Code ?? 'unknown').join(', ');
        throw new Error(
          `${output.Failed.length} processed message(s) not deleted (${codes}); they will come back`,
        );
      }
    }
    options.onInvoke?.({ records: records.length, failed: failed.size, ms: performance.now() - started });
  };

  const pollers = Array.from({ length: options.maxConcurrency ?? 5 }, poll);
  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(pollers);
    },
  };
}

/** The record Lambda's event source would build from a received message. */
function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(system.MessageGroupId === undefined ? {} : { MessageGroupId: system.MessageGroupId }),
      ...(system.MessageDeduplicationId === undefined
        ? {}
        : { MessageDeduplicationId: system.MessageDeduplicationId }),
      ...(system.SequenceNumber === undefined ? {} : { SequenceNumber: system.SequenceNumber }),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
