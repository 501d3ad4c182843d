import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { LedgerStore, PublicLedgerItem } from '../ledger/index.ts';
import type { DeadLetterReason } from '../queue/index.ts';
import type { MuteApi } from '../settings/index.ts';
import type { TencentApi } from '../tencent/index.ts';
import type { RetryPolicySettings } from './policy.ts';
import type { CallPacer, CredentialProvider } from './step.ts';

/** A message as the consumer receives it; the handler maps the Lambda event to these. */
export interface QueueRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The FIFO message group; undefined on a standard queue (each record is then its own group). */
  messageGroupId: string | undefined;
  /** Delivery attempts so far, this one included (SQS's `ApproximateReceiveCount`). */
  receiveCount: number;
  /**
   * The dead-letter reason the message carries, when it has the consumer's dead-letter attributes:
   * it is a dead letter moved back to the main queue as it was (an SQS move task), not by the redrive
   * command, which sends letters back without them.
   */
  deadLetterReason?: DeadLetterReason | undefined;
}

/** A visibility change for one message. */
export interface VisibilityChange {
  messageId: string;
  receiptHandle: string;
  /** Seconds until the message may be received again. */
  seconds: number;
}

/** The queue operations the consumer needs. */
export interface ConsumerQueue {
  /** Sets the visibility of several messages of the main queue. */
  changeVisibility(changes: readonly VisibilityChange[]): Promise<void>;
  /**
   * Sends a message to the dead-letter queue, body unchanged, with its reason. A repeated send with the
   * same `deduplicationId` (see `deadLetterIdOf`) is dropped within SQS's 5-minute window.
   */
  sendToDeadLetter(record: QueueRecord, reason: DeadLetterReason, deduplicationId: string): Promise<void>;
  /**
   * Sends a message back to the main queue, body unchanged, in another message group (`relane.ts`). A
   * queue without it (the tests' fakes) leaves such messages in their group.
   */
  resend?(record: QueueRecord, messageGroupId: string, deduplicationId: string): Promise<void>;
}

/** The consumer's tunables (`consumerSettingsOf` makes them from the consumer's configuration). */
export interface ConsumerSettings extends RetryPolicySettings {
  groupConcurrency: number;
  tencentTimeoutMs: number;
  timeReserveMs: number;
  /** Days a ledger item is kept after its last change. */
  ledgerRetentionDays: number;
  /** The API of mutes and unmutes (`MUTE_API`). @default 'modify_group_member_info' */
  muteApi?: MuteApi;
}

/** Publishes outcome events (EventBridge `PutEvents`). */
export interface OutcomePublisher {
  /** Publishes one event per item; throws when any could not be published. */
  publish(items: readonly PublicLedgerItem[]): Promise<void>;
}

/** What the consumer works with. */
export interface ConsumerDeps {
  api: TencentApi;
  pacer: CallPacer;
  /** The event ledger: exact attempt counts, and every outcome recorded before a message is acknowledged. */
  ledger: LedgerStore;
  /** Where terminal outcomes are published; none: no outcome events. */
  outcomes?: OutcomePublisher;
  credentials: CredentialProvider;
  queue: ConsumerQueue;
  logger: Logger;
  metrics: Metrics;
  settings: ConsumerSettings;
  /** The clock, in epoch milliseconds. */
  now?: () => number;
  /** Random numbers in [0, 1), for backoff jitter. */
  random?: () => number;
}

/** The records to report as failed (`batchItemFailures`); all others are done and may be deleted. */
export interface BatchResult {
  failedMessageIds: string[];
}
