/**
 * Request shapes of the SQS operations the local queue service answers, as the SDK serializes them
 * in the JSON protocol (member names as in the API reference; integers as JSON numbers; blobs as
 * base64 strings). Unknown members are ignored, as SQS ignores them.
 */
import { z } from 'zod';
import type { AwsServiceError, JsonObject } from '../aws-json-server.ts';
import { sqsError } from './errors.ts';

const int = z.number().int();
const stringList = z.array(z.string());

/** A message attribute value as sent. */
export const attributeValueInput = z.object({
  DataType: z.string(),
  StringValue: z.string().optional(),
  BinaryValue: z.string().optional(),
  StringListValues: stringList.optional(),
  BinaryListValues: stringList.optional(),
});
export type AttributeValueInput = z.infer<typeof attributeValueInput>;

const attributeMap = z.record(z.string(), attributeValueInput);

/** The members of one message to send, shared by `SendMessage` and `SendMessageBatch` entries. */
export const messageInput = z.object({
  MessageBody: z.string(),
  DelaySeconds: int.optional(),
  MessageAttributes: attributeMap.optional(),
  MessageSystemAttributes: attributeMap.optional(),
  MessageDeduplicationId: z.string().optional(),
  MessageGroupId: z.string().optional(),
});
export type MessageInput = z.infer<typeof messageInput>;

const queueUrl = z.object({ QueueUrl: z.string() });
const batchEntries = z.object({ QueueUrl: z.string(), Entries: z.array(z.unknown()) });

/** Schemas by operation name. */
export const inputs = {
  CreateQueue: z.object({
    QueueName: z.string(),
    Attributes: z.record(z.string(), z.string()).optional(),
    tags: z.record(z.string(), z.string()).optional(),
  }),
  GetQueueUrl: z.object({ QueueName: z.string(), QueueOwnerAWSAccountId: z.string().optional() }),
  GetQueueAttributes: queueUrl.extend({ AttributeNames: stringList.optional() }),
  SetQueueAttributes: queueUrl.extend({ Attributes: z.record(z.string(), z.string()) }),
  DeleteQueue: queueUrl,
  PurgeQueue: queueUrl,
  ListQueues: z.object({
    QueueNamePrefix: z.string().optional(),
    NextToken: z.string().optional(),
    MaxResults: int.optional(),
  }),
  ListDeadLetterSourceQueues: queueUrl.extend({
    NextToken: z.string().optional(),
    MaxResults: int.optional(),
  }),
  SendMessage: queueUrl.extend(messageInput.shape),
  SendMessageBatch: batchEntries,
  ReceiveMessage: queueUrl.extend({
    AttributeNames: stringList.optional(),
    MessageSystemAttributeNames: stringList.optional(),
    MessageAttributeNames: stringList.optional(),
    MaxNumberOfMessages: int.optional(),
    VisibilityTimeout: int.optional(),
    WaitTimeSeconds: int.optional(),
    ReceiveRequestAttemptId: z.string().optional(),
  }),
  DeleteMessage: queueUrl.extend({ ReceiptHandle: z.string() }),
  DeleteMessageBatch: batchEntries,
  ChangeMessageVisibility: queueUrl.extend({ ReceiptHandle: z.string(), VisibilityTimeout: int }),
  ChangeMessageVisibilityBatch: batchEntries,
  StartMessageMoveTask: z.object({
    SourceArn: z.string(),
    DestinationArn: z.string().optional(),
    MaxNumberOfMessagesPerSecond: int.optional(),
  }),
  ListMessageMoveTasks: z.object({ SourceArn: z.string(), MaxResults: int.optional() }),
  CancelMessageMoveTask: z.object({ TaskHandle: z.string() }),
} as const;

/** One entry of `SendMessageBatch`. */
export const sendBatchEntry = messageInput.extend({ Id: z.string() });
/** One entry of `DeleteMessageBatch`. */
export const deleteBatchEntry = z.object({ Id: z.string(), ReceiptHandle: z.string() });
/** One entry of `ChangeMessageVisibilityBatch`. */
export const changeVisibilityBatchEntry = z.object({
  Id: z.string(),
  ReceiptHandle: z.string(),
  VisibilityTimeout: int.optional(),
});

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Parses `input` with `schema`, or returns the error SQS would answer: `MissingParameter` for an
 * absent required member, `InvalidParameterValue` for a value of the wrong type.
 */
export function parseInput<T>(
  schema: z.ZodType<T>,
  input: JsonObject | unknown,
): { ok: true; value: T } | { ok: false; error: AwsServiceError } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const name = issue?.path.map(String).join('.') ?? '';
  if (issue && valueAt(input, issue.path) === undefined) {
    return {
      ok: false,
      error: sqsError('MissingParameter', `The request must contain the parameter ${name}.`),
    };
  }
  return { ok: false, error: sqsError('InvalidParameterValue', `Value for parameter ${name} is invalid.`) };
}
