/**
 * The local queue service's operations: the SQS JSON 1.0 API over the queues of `queue.ts`.
 * {@link LocalSqs} is usable without HTTP (tests may call `createQueue` and `inspect`); its
 * `service` is mounted on an `aws-json-server.ts` server by `startLocalSqs` in `index.ts`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  type AwsJsonService,
  type AwsRequestContext,
  AwsServiceError,
  type JsonObject,
  type JsonValue,
} from '../aws-json-server.ts';
import { queueDoesNotExist, sqsError } from './errors.ts';
import {
  type AttributeValueInput,
  changeVisibilityBatchEntry,
  deleteBatchEntry,
  inputs,
  type MessageInput,
  parseInput,
  sendBatchEntry,
} from './input.ts';
import { type AttributeValue, md5OfAttributes, md5OfBody } from './md5.ts';
import { Queue, type QueueSettings, type StoredMessage, type Waiter } from './queue.ts';

/** Options of {@link LocalSqs}. */
export interface LocalSqsOptions {
  /** Region in queue ARNs. @default 'us-east-1' */
  region?: string;
  /** Account id in queue URLs and ARNs. @default '000000000000' */
  accountId?: string;
  /** Clock in epoch milliseconds, for timestamps, visibility and deduplication. @default Date.now */
  now?: () => number;
  /** Receives one line per notable event (queue created, message moved to a dead-letter queue). */
  onLog?: (line: string) => void;
}

/** Settings of a queue made with {@link LocalSqs.createQueue}. */
export interface LocalQueueOptions {
  /** A FIFO queue. @default true when the name ends with `.fifo` */
  fifo?: boolean;
  /** Default visibility timeout, in seconds. @default 30 */
  visibilityTimeoutSeconds?: number;
  /** Deduplicate by a SHA-256 of the body when a send gives no deduplication id (FIFO only). @default false */
  contentBasedDeduplication?: boolean;
  /** Redrive policy: after `maxReceiveCount` receives a message moves to this (existing) queue. */
  deadLetter?: { queueName: string; maxReceiveCount: number };
  /** Default delivery delay, in seconds. @default 0 */
  delaySeconds?: number;
  /** Default long-poll wait of ReceiveMessage, in seconds. @default 0 */
  receiveMessageWaitTimeSeconds?: number;
  /** Further raw SQS attributes, e.g. `{ MaximumMessageSize: '262144' }`. */
  attributes?: Record<string, string>;
}

/** One message as {@link LocalSqs.inspect} shows it. */
export interface InspectedMessage {
  messageId: string;
  body: string;
  state: 'visible' | 'inflight' | 'delayed';
  receiveCount: number;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  /** Epoch ms of the first send. */
  sentAt: number;
  /** ARN of the queue it was dead-lettered from, for a message in a dead-letter queue. */
  deadLetterSourceArn?: string;
  /** Message attributes; `Binary` values as bytes. */
  attributes: Record<string, AttributeValue>;
}

/** A queue's state as {@link LocalSqs.inspect} shows it. */
export interface QueueSnapshot {
  name: string;
  url: string;
  arn: string;
  fifo: boolean;
  /** Messages that a receive could return (`ApproximateNumberOfMessages`). */
  visible: number;
  /** Messages received and not yet deleted or visible again (`ApproximateNumberOfMessagesNotVisible`). */
  inflight: number;
  /** Messages waiting out a delivery delay (`ApproximateNumberOfMessagesDelayed`). */
  delayed: number;
  /** ReceiveMessage long polls waiting on this queue. */
  waiting: number;
  /** Every message, by group and in order within a group (FIFO), else in send order. */
  messages: InspectedMessage[];
}

interface MoveTask {
  handle: string;
  status: 'COMPLETED';
  sourceArn: string;
  destinationArn: string | undefined;
  moved: number;
  startedAt: number;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_ID = /^[\x21-\x7E]{1,128}$/;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const ATTRIBUTE_TYPE = /^(String|Number|Binary)(\.[^\s]+)?$/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
// Characters SQS accepts in a body or attribute: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const MAX_BATCH_BYTES = 1_048_576;

const SYSTEM_ATTRIBUTE_NAMES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
] as const;

const PASSTHROUGH_ATTRIBUTES = new Set([
  'Policy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'FifoThroughputLimit',
]);

const QUEUE_ATTRIBUTE_NAMES = new Set([
  'All',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  ...PASSTHROUGH_ATTRIBUTES,
]);

const DEFAULT_SETTINGS: QueueSettings = {
  visibilityTimeoutSeconds: 30,
  delaySeconds: 0,
  maximumMessageSize: 1_048_576,
  messageRetentionPeriodSeconds: 345_600,
  receiveMessageWaitTimeSeconds: 0,
  contentBasedDeduplication: false,
  deduplicationScope: 'queue',
  redrive: undefined,
  passthrough: {},
};

function invalid(message: string): AwsServiceError {
  return sqsError('InvalidParameterValue', message);
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = parseInput(schema, input);
  if (!result.ok) throw result.error;
  return result.value;
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(
      `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}.`,
    );
  }
  return value;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * A development stand-in for Amazon SQS, in memory. See `index.ts` for what it covers and where it
 * differs from SQS.
 */
export class LocalSqs {
  /** The SQS service to mount on an `aws-json-server.ts` server. */
  readonly service: AwsJsonService;
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly queues = new Map<string, Queue>();
  private readonly moveTasks: MoveTask[] = [];
  private baseUrl = 'http://127.0.0.1';
  private sequence = 10_000_000_000_000_000_000n;
  private closed = false;

  constructor(options: LocalSqsOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.now = options.now ?? Date.now;
    this.log = options.onLog ?? (() => {});
    this.service = {
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      errorNamespace: 'com.amazonaws.sqs',
      queryCompatible: true,
      attach: (endpoint) => {
        this.baseUrl = endpoint;
      },
      handle: (operation, input, context) => this.handle(operation, input, context),
      close: () => this.close(),
    };
  }

  /** Base URL of the server it is mounted on. */
  get endpoint(): string {
    return this.baseUrl;
  }

  /** URL of a queue, `http://127.0.0.1:PORT/000000000000/<name>`. */
  queueUrl(name: string): string {
    return `${this.baseUrl}/${this.accountId}/${name}`;
  }

  /** ARN of a queue, `arn:aws:sqs:<region>:000000000000:<name>`. */
  queueArn(name: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${name}`;
  }

  /**
   * Creates a queue (or returns the URL of an identical one), as CreateQueue does.
   *
   * @example
   * ```ts
   * sqs.createQueue('events-dlq.fifo');
   * const url = sqs.createQueue('events.fifo', {
   *   visibilityTimeoutSeconds: 30,
   *   deadLetter: { queueName: 'events-dlq.fifo', maxReceiveCount: 5 },
   * });
   * ```
   */
  createQueue(name: string, options: LocalQueueOptions = {}): string {
    const attributes: Record<string, string> = { ...options.attributes };
    if (options.fifo ?? name.endsWith('.fifo')) attributes.FifoQueue = 'true';
    if (options.visibilityTimeoutSeconds !== undefined) {
      attributes.VisibilityTimeout = String(options.visibilityTimeoutSeconds);
    }
    if (options.contentBasedDeduplication !== undefined) {
      attributes.ContentBasedDeduplication = String(options.contentBasedDeduplication);
    }
    if (options.delaySeconds !== undefined) attributes.DelaySeconds = String(options.delaySeconds);
    if (options.receiveMessageWaitTimeSeconds !== undefined) {
      attributes.ReceiveMessageWaitTimeSeconds = String(options.receiveMessageWaitTimeSeconds);
    }
    if (options.deadLetter) {
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: this.queueArn(options.deadLetter.queueName),
        maxReceiveCount: options.deadLetter.maxReceiveCount,
      });
    }
    return this.doCreateQueue(name, attributes);
  }

  /** A queue's counts and messages; throws if there is no such queue. */
  inspect(name: string): QueueSnapshot {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue named ${name}`);
    const stats = queue.stats();
    return {
      name,
      url: this.queueUrl(name),
      arn: queue.arn,
      fifo: queue.fifo,
      ...stats,
      messages: queue.list().map((m) => ({
        messageId: m.messageId,
        body: m.body,
        state: m.state === 'gone' ? 'visible' : m.state,
        receiveCount: m.receiveCount,
        sentAt: m.sentAt,
        attributes: { ...m.attributes },
        ...(m.groupId === undefined ? {} : { groupId: m.groupId }),
        ...(m.deduplicationId === undefined ? {} : { deduplicationId: m.deduplicationId }),
        ...(m.sequenceNumber === undefined ? {} : { sequenceNumber: m.sequenceNumber }),
        ...(m.deadLetterSourceArn === undefined ? {} : { deadLetterSourceArn: m.deadLetterSourceArn }),
      })),
    };
  }

  /** Answers pending long polls with no messages; later polls return at once. */
  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) queue.close();
  }

  // ---- dispatch ---------------------------------------------------------------------------

  private handle(
    operation: string,
    input: JsonObject,
    context: AwsRequestContext,
  ): JsonObject | Promise<JsonObject> {
    switch (operation) {
      case 'CreateQueue': {
        const { QueueName, Attributes } = parse(inputs.CreateQueue, input);
        return { QueueUrl: this.doCreateQueue(QueueName, Attributes ?? {}) };
      }
      case 'GetQueueUrl': {
        const { QueueName } = parse(inputs.GetQueueUrl, input);
        if (!this.queues.has(QueueName)) throw queueDoesNotExist();
        return { QueueUrl: this.queueUrl(QueueName) };
      }
      case 'ListQueues':
        return this.listQueues(parse(inputs.ListQueues, input));
      case 'GetQueueAttributes': {
        const { QueueUrl, AttributeNames } = parse(inputs.GetQueueAttributes, input);
        return { Attributes: this.queueAttributes(this.queueFor(QueueUrl), AttributeNames ?? []) };
      }
      case 'SetQueueAttributes': {
        const { QueueUrl, Attributes } = parse(inputs.SetQueueAttributes, input);
        const queue = this.queueFor(QueueUrl);
        queue.settings = this.settingsFrom(Attributes, queue.fifo, queue.settings, false);
        queue.lastModifiedAt = this.now();
        return {};
      }
      case 'DeleteQueue': {
        const queue = this.queueFor(parse(inputs.DeleteQueue, input).QueueUrl);
        queue.close();
        queue.purge();
        this.queues.delete(queue.name);
        return {};
      }
      case 'PurgeQueue':
        this.queueFor(parse(inputs.PurgeQueue, input).QueueUrl).purge();
        return {};
      case 'ListDeadLetterSourceQueues': {
        const queue = this.queueFor(parse(inputs.ListDeadLetterSourceQueues, input).QueueUrl);
        const sources = [...this.queues.values()].filter(
          (q) => q.settings.redrive?.deadLetterTargetArn === queue.arn,
        );
        return { queueUrls: sources.map((q) => this.queueUrl(q.name)) };
      }
      case 'SendMessage': {
        const request = parse(inputs.SendMessage, input);
        return this.sendOne(this.queueFor(request.QueueUrl), request);
      }
      case 'SendMessageBatch':
        return this.sendBatch(parse(inputs.SendMessageBatch, input));
      case 'ReceiveMessage':
        return this.receiveMessage(parse(inputs.ReceiveMessage, input), context);
      case 'DeleteMessage': {
        const { QueueUrl, ReceiptHandle } = parse(inputs.DeleteMessage, input);
        this.deleteOne(this.queueFor(QueueUrl), ReceiptHandle, false);
        return {};
      }
      case 'DeleteMessageBatch':
        return this.deleteBatch(parse(inputs.DeleteMessageBatch, input));
      case 'ChangeMessageVisibility': {
        const { QueueUrl, ReceiptHandle, VisibilityTimeout } = parse(inputs.ChangeMessageVisibility, input);
        this.changeVisibilityOne(this.queueFor(QueueUrl), ReceiptHandle, VisibilityTimeout, false);
        return {};
      }
      case 'ChangeMessageVisibilityBatch':
        return this.changeVisibilityBatch(parse(inputs.ChangeMessageVisibilityBatch, input));
      case 'StartMessageMoveTask':
        return this.startMessageMoveTask(parse(inputs.StartMessageMoveTask, input));
      case 'ListMessageMoveTasks':
        return this.listMessageMoveTasks(parse(inputs.ListMessageMoveTasks, input));
      default:
        throw sqsError('UnsupportedOperation', `The local queue service does not implement ${operation}.`);
    }
  }

  // ---- queues -----------------------------------------------------------------------------

  private queueFor(queueUrl: string): Queue {
    const name = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
    const queue = this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  private queueByArn(arn: string): Queue | undefined {
    const name = arn.slice(arn.lastIndexOf(':') + 1);
    const queue = this.queues.get(name);
    return queue?.arn === arn ? queue : undefined;
  }

  private doCreateQueue(name: string, attributes: Readonly<Record<string, string>>): string {
    const fifo = attributes.FifoQueue === 'true';
    if (
      attributes.FifoQueue !== undefined &&
      attributes.FifoQueue !== 'true' &&
      attributes.FifoQueue !== 'false'
    ) {
      throw sqsError('InvalidAttributeValue', 'Invalid value for the parameter FifoQueue.');
    }
    if (fifo ? !FIFO_QUEUE_NAME.test(name) : !QUEUE_NAME.test(name)) {
      throw invalid(
        fifo
          ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
          : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const existing = this.queues.get(name);
    if (existing) {
      for (const [key, value] of Object.entries(attributes)) {
        if (existing.createdWith[key] !== value) {
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${key}`,
          );
        }
      }
      return this.queueUrl(name);
    }
    const settings = this.settingsFrom(attributes, fifo, DEFAULT_SETTINGS, true);
    const queue = new Queue(
      name,
      this.queueArn(name),
      fifo,
      settings,
      { ...attributes },
      this.now(),
      this.now,
    );
    this.queues.set(name, queue);
    this.log(`created queue ${name}${fifo ? ' (FIFO)' : ''}`);
    return this.queueUrl(name);
  }

  private settingsFrom(
    attributes: Readonly<Record<string, string>>,
    fifo: boolean,
    base: QueueSettings,
    creating: boolean,
  ): QueueSettings {
    const settings: QueueSettings = { ...base, passthrough: { ...base.passthrough } };
    const integer = (key: string, min: number, max: number, value: string): number => {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < min || n > max) {
        throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${key}.`);
      }
      return n;
    };
    const boolean = (key: string, value: string): boolean => {
      if (value !== 'true' && value !== 'false') {
        throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${key}.`);
      }
      return value === 'true';
    };
    for (const [key, value] of Object.entries(attributes)) {
      switch (key) {
        case 'VisibilityTimeout':
          settings.visibilityTimeoutSeconds = integer(key, 0, 43_200, value);
          break;
        case 'DelaySeconds':
          settings.delaySeconds = integer(key, 0, 900, value);
          break;
        case 'MaximumMessageSize':
          settings.maximumMessageSize = integer(key, 1_024, 1_048_576, value);
          break;
        case 'MessageRetentionPeriod':
          settings.messageRetentionPeriodSeconds = integer(key, 60, 1_209_600, value);
          break;
        case 'ReceiveMessageWaitTimeSeconds':
          settings.receiveMessageWaitTimeSeconds = integer(key, 0, 20, value);
          break;
        case 'RedrivePolicy':
          settings.redrive = value === '' ? undefined : this.redrivePolicy(value, fifo);
          break;
        case 'FifoQueue':
          if (!creating) throw sqsError('InvalidAttributeName', 'FifoQueue cannot be changed.');
          break;
        case 'ContentBasedDeduplication':
          if (!fifo) throw sqsError('InvalidAttributeName', `Unknown Attribute ${key}.`);
          settings.contentBasedDeduplication = boolean(key, value);
          break;
        case 'DeduplicationScope':
          if (!fifo || (value !== 'queue' && value !== 'messageGroup')) {
            throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${key}.`);
          }
          settings.deduplicationScope = value;
          break;
        default:
          if (!PASSTHROUGH_ATTRIBUTES.has(key))
            throw sqsError('InvalidAttributeName', `Unknown Attribute ${key}.`);
          settings.passthrough[key] = value;
      }
    }
    return settings;
  }

  private redrivePolicy(value: string, fifo: boolean): NonNullable<QueueSettings['redrive']> {
    let policy: unknown;
    try {
      policy = JSON.parse(value);
    } catch {
      throw sqsError(
        'InvalidAttributeValue',
        'Invalid value for the parameter RedrivePolicy. Reason: not JSON.',
      );
    }
    const target =
      typeof policy === 'object' && policy !== null && 'deadLetterTargetArn' in policy
        ? policy.deadLetterTargetArn
        : undefined;
    const count =
      typeof policy === 'object' && policy !== null && 'maxReceiveCount' in policy
        ? Number(policy.maxReceiveCount)
        : NaN;
    if (typeof target !== 'string' || !Number.isInteger(count) || count < 1 || count > 1_000) {
      throw sqsError(
        'InvalidAttributeValue',
        'Value for parameter RedrivePolicy is invalid. Reason: Redrive policy needs deadLetterTargetArn and maxReceiveCount from 1 to 1000.',
      );
    }
    const dlq = this.queueByArn(target);
    if (!dlq) {
      throw sqsError(
        'InvalidAttributeValue',
        'Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.',
      );
    }
    if (dlq.fifo !== fifo) {
      throw sqsError(
        'InvalidAttributeValue',
        'Value for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be of the same type as the source queue.',
      );
    }
    return { deadLetterTargetArn: target, maxReceiveCount: count };
  }

  private queueAttributes(queue: Queue, requested: readonly string[]): Record<string, string> {
    for (const name of requested) {
      if (!QUEUE_ATTRIBUTE_NAMES.has(name))
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    const stats = queue.stats();
    const s = queue.settings;
    const all: Record<string, string | undefined> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(stats.visible),
      ApproximateNumberOfMessagesNotVisible: String(stats.inflight),
      ApproximateNumberOfMessagesDelayed: String(stats.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      VisibilityTimeout: String(s.visibilityTimeoutSeconds),
      MaximumMessageSize: String(s.maximumMessageSize),
      MessageRetentionPeriod: String(s.messageRetentionPeriodSeconds),
      DelaySeconds: String(s.delaySeconds),
      ReceiveMessageWaitTimeSeconds: String(s.receiveMessageWaitTimeSeconds),
      RedrivePolicy: s.redrive ? JSON.stringify(s.redrive) : undefined,
      SqsManagedSseEnabled: 'false',
      ...s.passthrough,
      ...(queue.fifo
        ? {
            FifoQueue: 'true',
            ContentBasedDeduplication: String(s.contentBasedDeduplication),
            DeduplicationScope: s.deduplicationScope,
            FifoThroughputLimit: s.passthrough.FifoThroughputLimit ?? 'perQueue',
          }
        : {}),
    };
    const wanted = requested.includes('All') ? Object.keys(all) : requested;
    const out: Record<string, string> = {};
    for (const name of wanted) {
      const value = all[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  private listQueues(request: z.infer<typeof inputs.ListQueues>): JsonObject {
    const max =
      request.MaxResults === undefined ? undefined : checkRange('MaxResults', request.MaxResults, 1, 1_000);
    const names = [...this.queues.keys()].filter((n) => n.startsWith(request.QueueNamePrefix ?? '')).sort();
    const start = request.NextToken ? Number(request.NextToken) : 0;
    if (!Number.isInteger(start) || start < 0) throw invalid('Invalid NextToken value.');
    const end = max === undefined ? names.length : Math.min(names.length, start + max);
    const page = names.slice(start, end).map((n) => this.queueUrl(n));
    const out: JsonObject = {};
    if (page.length > 0) out.QueueUrls = page;
    if (max !== undefined && end < names.length) out.NextToken = String(end);
    return out;
  }

  // ---- send -------------------------------------------------------------------------------

  private nextSequenceNumber(): string {
    this.sequence += 1n;
    return this.sequence.toString().padStart(20, '0');
  }

  private attributeValues(
    input: Readonly<Record<string, AttributeValueInput>> | undefined,
    kind: 'user' | 'system',
  ): { values: Record<string, AttributeValue>; size: number } {
    const values: Record<string, AttributeValue> = {};
    let size = 0;
    const entries = Object.entries(input ?? {});
    if (entries.length > 10) {
      throw invalid(`Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`);
    }
    for (const [name, value] of entries) {
      if (kind === 'system' && name !== 'AWSTraceHeader') {
        throw invalid(`Message system attribute name '${name}' is invalid.`);
      }
      if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
        throw invalid(`Message (${kind}) attribute name '${name}' is invalid.`);
      }
      if (!ATTRIBUTE_TYPE.test(value.DataType)) {
        throw invalid(
          `The type of message (${kind}) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
        );
      }
      if ((value.StringListValues?.length ?? 0) > 0 || (value.BinaryListValues?.length ?? 0) > 0) {
        throw invalid(`Message (${kind}) attribute '${name}': list values are not supported.`);
      }
      size += bytes(name) + bytes(value.DataType);
      if (value.DataType.startsWith('Binary')) {
        const data = Buffer.from(value.BinaryValue ?? '', 'base64');
        if (data.length === 0) {
          throw invalid(
            `Message (${kind}) attribute '${name}' must contain a non-empty value of type 'Binary'.`,
          );
        }
        values[name] = { DataType: value.DataType, BinaryValue: new Uint8Array(data) };
        size += data.length;
      } else {
        const text = value.StringValue;
        const base = value.DataType.startsWith('Number') ? 'Number' : 'String';
        if (!text) {
          throw invalid(
            `Message (${kind}) attribute '${name}' must contain a non-empty value of type '${base}'.`,
          );
        }
        if (base === 'Number' && !NUMBER.test(text)) {
          throw invalid(`Can't cast the value of message (${kind}) attribute '${name}' to a number.`);
        }
        if (INVALID_CHARACTER.test(text)) {
          throw sqsError(
            'InvalidMessageContents',
            `Message (${kind}) attribute '${name}' contains invalid characters.`,
          );
        }
        values[name] = { DataType: value.DataType, StringValue: text };
        size += bytes(text);
      }
    }
    return { values, size };
  }

  private sendOne(queue: Queue, request: MessageInput): JsonObject {
    const body = request.MessageBody;
    if (body === '')
      throw sqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    const invalidChar = INVALID_CHARACTER.exec(body);
    if (invalidChar) {
      const code = invalidChar[0].codePointAt(0) ?? 0;
      throw sqsError(
        'InvalidMessageContents',
        `Invalid binary character '#x${code.toString(16).toUpperCase()}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
      );
    }
    const user = this.attributeValues(request.MessageAttributes, 'user');
    const system = this.attributeValues(request.MessageSystemAttributes, 'system');
    const size = bytes(body) + user.size;
    if (size > queue.settings.maximumMessageSize) {
      throw invalid(
        `One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.maximumMessageSize} bytes.`,
      );
    }
    const md5s: JsonObject = { MD5OfMessageBody: md5OfBody(body) };
    const md5OfUser = md5OfAttributes(user.values);
    if (md5OfUser) md5s.MD5OfMessageAttributes = md5OfUser;
    const md5OfSystem = md5OfAttributes(system.values);
    if (md5OfSystem) md5s.MD5OfMessageSystemAttributes = md5OfSystem;

    const groupId = request.MessageGroupId;
    if (groupId !== undefined && !FIFO_ID.test(groupId)) {
      throw invalid(
        `Value ${groupId} for parameter MessageGroupId is invalid. Reason: Invalid characters or length.`,
      );
    }
    if (!queue.fifo) {
      if (request.MessageDeduplicationId !== undefined) {
        throw invalid(
          'Value for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.',
        );
      }
      const delay = checkRange('DelaySeconds', request.DelaySeconds ?? queue.settings.delaySeconds, 0, 900);
      const message = queue.enqueue(
        {
          messageId: randomUUID(),
          body,
          md5OfBody: md5OfBody(body),
          attributes: user.values,
          systemAttributes: system.values,
          groupId,
          deduplicationId: undefined,
          sequenceNumber: undefined,
          sentAt: this.now(),
          deadLetterSourceArn: undefined,
        },
        delay,
      );
      return { MessageId: message.messageId, ...md5s };
    }

    if (groupId === undefined) {
      throw sqsError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
    }
    if (request.DelaySeconds !== undefined && request.DelaySeconds !== 0) {
      throw invalid(
        `Value ${request.DelaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    }
    let deduplicationId = request.MessageDeduplicationId;
    if (deduplicationId === undefined) {
      if (!queue.settings.contentBasedDeduplication) {
        throw invalid(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      deduplicationId = createHash('sha256').update(body, 'utf8').digest('hex');
    } else if (!FIFO_ID.test(deduplicationId)) {
      throw invalid(
        `Value ${deduplicationId} for parameter MessageDeduplicationId is invalid. Reason: Invalid characters or length.`,
      );
    }
    const key =
      queue.settings.deduplicationScope === 'messageGroup'
        ? `${groupId}\u0000${deduplicationId}`
        : deduplicationId;
    const duplicate = queue.findDuplicate(key);
    if (duplicate) {
      return {
        MessageId: duplicate.messageId,
        ...md5s,
        ...(duplicate.sequenceNumber === undefined ? {} : { SequenceNumber: duplicate.sequenceNumber }),
      };
    }
    const sequenceNumber = this.nextSequenceNumber();
    const message = queue.enqueue(
      {
        messageId: randomUUID(),
        body,
        md5OfBody: md5OfBody(body),
        attributes: user.values,
        systemAttributes: system.values,
        groupId,
        deduplicationId,
        sequenceNumber,
        sentAt: this.now(),
        deadLetterSourceArn: undefined,
      },
      queue.settings.delaySeconds,
    );
    queue.rememberSend(key, { messageId: message.messageId, sequenceNumber });
    return { MessageId: message.messageId, ...md5s, SequenceNumber: sequenceNumber };
  }

  /** Checks a batch's envelope as SQS does before looking at any entry. */
  private checkBatch(entries: readonly unknown[], entryName: string): { Id: string }[] {
    if (entries.length === 0) {
      throw sqsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
    }
    if (entries.length > 10) {
      throw sqsError(
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      );
    }
    const seen = new Set<string>();
    return entries.map((entry) => {
      const id =
        typeof entry === 'object' && entry !== null && 'Id' in entry && typeof entry.Id === 'string'
          ? entry.Id
          : undefined;
      if (id === undefined)
        throw sqsError('MissingParameter', `The request must contain the parameter ${entryName}.Id.`);
      if (!BATCH_ENTRY_ID.test(id)) {
        throw sqsError(
          'InvalidBatchEntryId',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        );
      }
      if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
      seen.add(id);
      return { Id: id };
    });
  }

  /** Runs each entry, collecting per-entry failures as SQS reports them. */
  private batch(
    entries: readonly unknown[],
    entryName: string,
    run: (entry: unknown, id: string) => JsonObject,
  ): JsonObject {
    const ids = this.checkBatch(entries, entryName);
    const successful: JsonValue[] = [];
    const failed: JsonValue[] = [];
    entries.forEach((entry, index) => {
      const id = ids[index]?.Id ?? '';
      try {
        successful.push({ Id: id, ...run(entry, id) });
      } catch (error) {
        if (!(error instanceof AwsServiceError)) throw error;
        failed.push({
          Id: id,
          SenderFault: error.statusCode < 500,
          Code: error.queryCode,
          Message: error.message,
        });
      }
    });
    return { Successful: successful, Failed: failed };
  }

  private sendBatch(request: z.infer<typeof inputs.SendMessageBatch>): JsonObject {
    const queue = this.queueFor(request.QueueUrl);
    this.checkBatch(request.Entries, 'SendMessageBatchRequestEntry');
    let total = 0;
    for (const entry of request.Entries) {
      const body =
        typeof entry === 'object' && entry !== null && 'MessageBody' in entry ? entry.MessageBody : '';
      total += typeof body === 'string' ? bytes(body) : 0;
    }
    if (total > MAX_BATCH_BYTES) {
      throw sqsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
      );
    }
    return this.batch(request.Entries, 'SendMessageBatchRequestEntry', (entry) =>
      this.sendOne(queue, parse(sendBatchEntry, entry)),
    );
  }

  // ---- receive ----------------------------------------------------------------------------

  private async receiveMessage(
    request: z.infer<typeof inputs.ReceiveMessage>,
    context: AwsRequestContext,
  ): Promise<JsonObject> {
    const queue = this.queueFor(request.QueueUrl);
    const max = request.MaxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw invalid(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    }
    const visibility = checkRange(
      'VisibilityTimeout',
      request.VisibilityTimeout ?? queue.settings.visibilityTimeoutSeconds,
      0,
      43_200,
    );
    const wait = checkRange(
      'WaitTimeSeconds',
      request.WaitTimeSeconds ?? queue.settings.receiveMessageWaitTimeSeconds,
      0,
      20,
    );
    const systemNames = new Set([
      ...(request.AttributeNames ?? []),
      ...(request.MessageSystemAttributeNames ?? []),
    ]);
    const attributeNames = request.MessageAttributeNames ?? [];
    const receive = (): StoredMessage[] =>
      queue.receive(max, visibility, (message) => this.moveToDeadLetterQueue(queue, message));

    let messages = receive();
    if (messages.length === 0 && wait > 0 && !this.closed && !context.signal.aborted) {
      messages = await new Promise<StoredMessage[]>((resolve) => {
        let done = false;
        const finish = (got: StoredMessage[]): void => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          context.signal.removeEventListener('abort', onAbort);
          queue.removeWaiter(waiter);
          resolve(got);
        };
        const onAbort = (): void => finish([]);
        const waiter: Waiter = {
          take: () => {
            const got = receive();
            if (got.length === 0) return false;
            finish(got);
            return true;
          },
          cancel: () => finish([]),
        };
        const timer = setTimeout(() => finish([]), wait * 1000);
        context.signal.addEventListener('abort', onAbort, { once: true });
        queue.addWaiter(waiter);
      });
    }
    return { Messages: messages.map((m) => this.render(queue, m, systemNames, attributeNames)) };
  }

  private render(
    queue: Queue,
    message: StoredMessage,
    systemNames: ReadonlySet<string>,
    attributeNames: readonly string[],
  ): JsonObject {
    const out: JsonObject = {
      MessageId: message.messageId,
      ReceiptHandle: Buffer.from(`${queue.name}/${message.messageId}/${message.receiptGeneration}`).toString(
        'base64',
      ),
      MD5OfBody: message.md5OfBody,
      Body: message.body,
    };
    if (systemNames.size > 0) {
      const all = systemNames.has('All');
      const system: Record<string, string | undefined> = {
        SenderId: this.accountId,
        SentTimestamp: String(message.sentAt),
        ApproximateReceiveCount: String(message.receiveCount),
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
        SequenceNumber: message.sequenceNumber,
        MessageDeduplicationId: message.deduplicationId,
        MessageGroupId: message.groupId,
        AWSTraceHeader: message.systemAttributes.AWSTraceHeader?.StringValue,
        DeadLetterQueueSourceArn: message.deadLetterSourceArn,
      };
      const attributes: JsonObject = {};
      for (const name of SYSTEM_ATTRIBUTE_NAMES) {
        const value = system[name];
        if (value !== undefined && (all || systemNames.has(name))) attributes[name] = value;
      }
      out.Attributes = attributes;
    }
    if (attributeNames.length > 0) {
      const selected: Record<string, AttributeValue> = {};
      for (const [name, value] of Object.entries(message.attributes)) {
        const wanted = attributeNames.some(
          (pattern) =>
            pattern === 'All' ||
            pattern === '.*' ||
            pattern === name ||
            (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
        );
        if (wanted) selected[name] = value;
      }
      const md5 = md5OfAttributes(selected);
      if (md5) {
        const rendered: JsonObject = {};
        for (const [name, value] of Object.entries(selected)) {
          rendered[name] =
            value.BinaryValue === undefined
              ? { DataType: value.DataType, StringValue: value.StringValue ?? '' }
              : { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue).toString('base64') };
        }
        out.MessageAttributes = rendered;
        out.MD5OfMessageAttributes = md5;
      }
    }
    return out;
  }

  private moveToDeadLetterQueue(source: Queue, message: StoredMessage): void {
    const target = source.settings.redrive?.deadLetterTargetArn;
    const dlq = target === undefined ? undefined : this.queueByArn(target);
    if (!dlq) {
      this.log(
        `dropped message ${message.messageId} of ${source.name}: its dead-letter queue no longer exists`,
      );
      return;
    }
    dlq.enqueue(
      {
        messageId: message.messageId,
        body: message.body,
        md5OfBody: message.md5OfBody,
        attributes: message.attributes,
        systemAttributes: message.systemAttributes,
        groupId: message.groupId,
        deduplicationId: message.deduplicationId,
        sequenceNumber: dlq.fifo ? this.nextSequenceNumber() : undefined,
        sentAt: message.sentAt,
        deadLetterSourceArn: source.arn,
        receiveCount: message.receiveCount,
        ...(message.firstReceivedAt === undefined ? {} : { firstReceivedAt: message.firstReceivedAt }),
      },
      0,
    );
    this.log(
      `moved message ${message.messageId} from ${source.name} to ${dlq.name} after ${message.receiveCount} receives`,
    );
  }

  // ---- delete and visibility --------------------------------------------------------------

  private findByReceipt(
    queue: Queue,
    receiptHandle: string,
  ): { message: StoredMessage | undefined; generation: number } {
    const decoded = Buffer.from(receiptHandle, 'base64').toString('utf8');
    const [name, messageId, generation] = decoded.split('/');
    const gen = Number(generation);
    if (name !== queue.name || messageId === undefined || !Number.isInteger(gen) || gen < 1) {
      throw sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    }
    return { message: queue.messages.get(messageId), generation: gen };
  }

  private expired(receiptHandle: string, batch: boolean): AwsServiceError {
    return batch
      ? sqsError('ReceiptHandleIsInvalid', 'The receipt handle has expired')
      : invalid(
          `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
        );
  }

  private deleteOne(queue: Queue, receiptHandle: string, batch: boolean): void {
    const { message, generation } = this.findByReceipt(queue, receiptHandle);
    if (!message) return; // already deleted (or moved): SQS answers success
    const current = generation === message.receiptGeneration && message.state === 'inflight';
    if (!current) {
      // FIFO refuses an expired handle; a standard queue accepts it but ignores a stale one.
      if (queue.fifo) throw this.expired(receiptHandle, batch);
      if (generation !== message.receiptGeneration) return;
    }
    queue.remove(message);
  }

  private deleteBatch(request: z.infer<typeof inputs.DeleteMessageBatch>): JsonObject {
    const queue = this.queueFor(request.QueueUrl);
    return this.batch(request.Entries, 'DeleteMessageBatchRequestEntry', (entry) => {
      this.deleteOne(queue, parse(deleteBatchEntry, entry).ReceiptHandle, true);
      return {};
    });
  }

  private changeVisibilityOne(queue: Queue, receiptHandle: string, seconds: number, batch: boolean): void {
    checkRange('VisibilityTimeout', seconds, 0, 43_200);
    const { message, generation } = this.findByReceipt(queue, receiptHandle);
    if (!message) {
      throw invalid(
        `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    if (generation !== message.receiptGeneration) throw this.expired(receiptHandle, batch);
    if (message.state !== 'inflight') {
      throw sqsError(
        'MessageNotInflight',
        'Message does not exist or is not available for visibility timeout change.',
      );
    }
    queue.changeVisibility(message, seconds);
  }

  private changeVisibilityBatch(request: z.infer<typeof inputs.ChangeMessageVisibilityBatch>): JsonObject {
    const queue = this.queueFor(request.QueueUrl);
    return this.batch(request.Entries, 'ChangeMessageVisibilityBatchRequestEntry', (entry) => {
      const { ReceiptHandle, VisibilityTimeout } = parse(changeVisibilityBatchEntry, entry);
      if (VisibilityTimeout === undefined) {
        throw sqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
      }
      this.changeVisibilityOne(queue, ReceiptHandle, VisibilityTimeout, true);
      return {};
    });
  }

  // ---- dead-letter queue redrive ----------------------------------------------------------

  private startMessageMoveTask(request: z.infer<typeof inputs.StartMessageMoveTask>): JsonObject {
    const source = this.queueByArn(request.SourceArn);
    if (!source) {
      throw sqsError(
        'ResourceNotFoundException',
        'The resource that you specified for the SourceArn parameter does not exist.',
      );
    }
    const isDlq = [...this.queues.values()].some(
      (q) => q.settings.redrive?.deadLetterTargetArn === source.arn,
    );
    if (!isDlq) throw invalid('Source queue must be configured as a Dead Letter Queue.');
    const destination =
      request.DestinationArn === undefined ? undefined : this.queueByArn(request.DestinationArn);
    if (request.DestinationArn !== undefined && !destination) {
      throw sqsError(
        'ResourceNotFoundException',
        'The resource that you specified for the DestinationArn parameter does not exist.',
      );
    }
    let moved = 0;
    for (const message of source.list()) {
      if (message.state !== 'visible') continue;
      const target =
        destination ??
        (message.deadLetterSourceArn === undefined
          ? undefined
          : this.queueByArn(message.deadLetterSourceArn));
      if (!target || target.fifo !== source.fifo) continue;
      source.remove(message);
      target.enqueue(
        {
          messageId: message.messageId,
          body: message.body,
          md5OfBody: message.md5OfBody,
          attributes: message.attributes,
          systemAttributes: message.systemAttributes,
          groupId: message.groupId,
          deduplicationId: message.deduplicationId,
          sequenceNumber: target.fifo ? this.nextSequenceNumber() : undefined,
          sentAt: message.sentAt,
          deadLetterSourceArn: undefined,
        },
        0,
      );
      moved += 1;
    }
    const task: MoveTask = {
      handle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn: source.arn })).toString('base64'),
      status: 'COMPLETED',
      sourceArn: source.arn,
      destinationArn: request.DestinationArn,
      moved,
      startedAt: this.now(),
    };
    this.moveTasks.unshift(task);
    this.log(`moved ${moved} messages out of ${source.name}`);
    return { TaskHandle: task.handle };
  }

  private listMessageMoveTasks(request: z.infer<typeof inputs.ListMessageMoveTasks>): JsonObject {
    if (!this.queueByArn(request.SourceArn)) {
      throw sqsError(
        'ResourceNotFoundException',
        'The resource that you specified for the SourceArn parameter does not exist.',
      );
    }
    const max = checkRange('MaxResults', request.MaxResults ?? 1, 1, 10);
    const results = this.moveTasks
      .filter((t) => t.sourceArn === request.SourceArn)
      .slice(0, max)
      .map((t) => ({
        Status: t.status,
        SourceArn: t.sourceArn,
        ...(t.destinationArn === undefined ? {} : { DestinationArn: t.destinationArn }),
        ApproximateNumberOfMessagesMoved: t.moved,
        ApproximateNumberOfMessagesToMove: t.moved,
        StartedTimestamp: t.startedAt,
      }));
    return { Results: results };
  }
}
