import { Duration } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_RETENTION_SECONDS } from '../config.ts';

/** Properties of {@link EventQueues}. */
export interface EventQueuesProps {
  /** Prefix of the queue names; `.fifo` and `-dlq.fifo` are appended. */
  readonly namePrefix: string;
  /** The consumer function's timeout; the main queue's visibility timeout is six times it (AWS's advice). */
  readonly consumerTimeout: Duration;
  /** Receives after which SQS itself moves a message to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /**
   * How long the main queue keeps an event the consumer has not finished. The stack's `maxReceiveCount`
   * arithmetic assumes the default.
   * @default Duration.seconds(QUEUE_RETENTION_SECONDS), 14 days
   */
  readonly retentionPeriod?: Duration;
}

/**
 * The FIFO event queue and its FIFO dead-letter queue. Both are encrypted at rest with SQS-managed keys
 * (no KMS grants for the functions to carry) and deny any request made without TLS. Deduplication is by
 * the `MessageDeduplicationId` the senders set, never by content. On the main queue that id is the event
 * id, and it is deduplicated within its message group (one member) only: an eventId is unique per
 * member, so the same id sent for another member is another event, never a duplicate. That is SQS's
 * high-throughput FIFO mode, whose throughput limit is per message group as well.
 */
export class EventQueues extends Construct {
  /** The queue the ingest function sends to and the consumer reads. */
  readonly queue: Queue;
  /** Where the consumer (and, as a safety net, SQS's redrive policy) puts events that cannot be applied. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: EventQueuesProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${props.namePrefix}-dlq.fifo`,
      fifo: true,
      contentBasedDeduplication: false,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.queue = new Queue(this, 'Queue', {
      queueName: `${props.namePrefix}.fifo`,
      fifo: true,
      contentBasedDeduplication: false,
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // SQS's longest: retries with backoff (and the events held behind them) must never outlive it.
      retentionPeriod: props.retentionPeriod ?? Duration.seconds(QUEUE_RETENTION_SECONDS),
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
