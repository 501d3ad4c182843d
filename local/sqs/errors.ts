/**
 * The SQS errors the local queue service answers with. Each pairs the JSON error shape name (which
 * `@aws-sdk/client-sqs` turns into an exception class such as `QueueDoesNotExist`) with the legacy
 * query-protocol code SQS sends in `x-amzn-query-error` (which the SDK reads first).
 */
import { AwsServiceError } from '../aws-json-server.ts';

/** Error shape name → query code, as `@aws-sdk/client-sqs` models them. */
const QUERY_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

/** HTTP status of codes that are not 400. */
const STATUS: Readonly<Record<string, number>> = {
  ReceiptHandleIsInvalid: 404,
  ResourceNotFoundException: 404,
};

/** Codes SQS answers with; the first group are modeled exceptions in `@aws-sdk/client-sqs`. */
export type SqsErrorCode =
  | 'QueueDoesNotExist'
  | 'QueueNameExists'
  | 'BatchEntryIdsNotDistinct'
  | 'EmptyBatchRequest'
  | 'InvalidBatchEntryId'
  | 'TooManyEntriesInBatchRequest'
  | 'BatchRequestTooLong'
  | 'MessageNotInflight'
  | 'UnsupportedOperation'
  | 'ReceiptHandleIsInvalid'
  | 'ResourceNotFoundException'
  | 'InvalidAttributeName'
  | 'InvalidAttributeValue'
  | 'InvalidMessageContents'
  | 'InvalidParameterValue'
  | 'MissingParameter';

/** An SQS error for the client: `code` is the shape name, the query code is looked up. */
export function sqsError(code: SqsErrorCode, message: string): AwsServiceError {
  const statusCode = STATUS[code] ?? 400;
  const queryCode = QUERY_CODES[code] ?? code;
  return new AwsServiceError(code, message, { statusCode, queryCode });
}

/** The error of a request whose queue does not exist, worded as SQS words it. */
export function queueDoesNotExist(): AwsServiceError {
  return sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
}
