/**
 * Local queue service: a development stand-in for Amazon SQS, for local runs and tests only.
 *
 * No library speaks SQS's current JSON protocol without Docker or a JVM; that is why this is ours.
 * It keeps everything in memory, listens on 127.0.0.1 only, ignores SigV4 signatures, and is tested
 * against `@aws-sdk/client-sqs` itself (`test/integration/local-sqs.test.ts`). Point the SDK at it
 * with `AWS_ENDPOINT_URL_SQS=<endpoint>` (or `AWS_ENDPOINT_URL`), and use the queue URLs it hands
 * out: the SDK sends each request to the host of its `QueueUrl` unless a client `endpoint` is set.
 *
 * Covered: CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes, SetQueueAttributes,
 * DeleteQueue, PurgeQueue, ListDeadLetterSourceQueues, SendMessage, SendMessageBatch,
 * ReceiveMessage (long polling included), DeleteMessage, DeleteMessageBatch,
 * ChangeMessageVisibility, ChangeMessageVisibilityBatch, StartMessageMoveTask and
 * ListMessageMoveTasks (a dead-letter queue redrive, done at once). FIFO queues keep order per
 * message group, hold back a group while any of its messages is in flight, and deduplicate for
 * 5 minutes; visibility timeouts, receive counts and the redrive policy behave as in SQS; MD5s of
 * bodies and attributes are SQS's own, so the SDK's checksum validation passes.
 *
 * Not covered: retention (messages never expire), ReceiveRequestAttemptId, throughput limits,
 * PurgeQueue's 60-second lock, tags, permissions, KMS, and the 12-hour cap on total visibility.
 */
import { type AwsRequestLog, startAwsJsonServer } from '../aws-json-server.ts';
import { type LocalQueueOptions, LocalSqs, type LocalSqsOptions, type QueueSnapshot } from './local-sqs.ts';

export type { InspectedMessage, LocalQueueOptions, LocalSqsOptions, QueueSnapshot } from './local-sqs.ts';
export { LocalSqs } from './local-sqs.ts';
export type { AttributeValue } from './md5.ts';
export { md5OfAttributes, md5OfBody } from './md5.ts';

/** Options of {@link startLocalSqs}. */
export interface StartLocalSqsOptions extends LocalSqsOptions {
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** Queues to create at start, by name (created in this order, so list a dead-letter queue first). */
  queues?: Readonly<Record<string, LocalQueueOptions>>;
  /** Called after each answered HTTP request. */
  onRequest?: (entry: AwsRequestLog) => void;
}

/** A running local queue service. */
export interface LocalSqsServer {
  /** Base URL, e.g. `http://127.0.0.1:4566`: the SDK's `endpoint` or `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint: string;
  /** The port it listens on. */
  readonly port: number;
  /** The in-memory service, for anything not wrapped below. */
  readonly sqs: LocalSqs;
  /** Creates a queue (or returns the URL of an identical one); returns its URL. */
  createQueue(name: string, options?: LocalQueueOptions): string;
  /** URL of a queue by name. */
  queueUrl(name: string): string;
  /** ARN of a queue by name. */
  queueArn(name: string): string;
  /** Counts and messages of a queue. */
  inspect(name: string): QueueSnapshot;
  /** Answers pending long polls, closes connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts the local queue service on 127.0.0.1.
 *
 * @example
 * ```ts
 * const local = await startLocalSqs({
 *   queues: {
 *     'events-dlq.fifo': {},
 *     'events.fifo': { deadLetter: { queueName: 'events-dlq.fifo', maxReceiveCount: 5 } },
 *   },
 * });
 * process.env.AWS_ENDPOINT_URL_SQS = local.endpoint;
 * process.env.QUEUE_URL = local.queueUrl('events.fifo');
 * // ... new SQSClient({}) now talks to it
 * await local.close();
 * ```
 */
export async function startLocalSqs(options: StartLocalSqsOptions = {}): Promise<LocalSqsServer> {
  const sqs = new LocalSqs(options);
  const server = await startAwsJsonServer({
    services: [sqs.service],
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
  });
  for (const [name, queueOptions] of Object.entries(options.queues ?? {})) {
    sqs.createQueue(name, queueOptions);
  }
  return {
    endpoint: server.endpoint,
    port: server.port,
    sqs,
    createQueue: (name, queueOptions) => sqs.createQueue(name, queueOptions),
    queueUrl: (name) => sqs.queueUrl(name),
    queueArn: (name) => sqs.queueArn(name),
    inspect: (name) => sqs.inspect(name),
    close: () => server.close(),
  };
}
