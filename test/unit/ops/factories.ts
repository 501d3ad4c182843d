import type { Message } from '@aws-sdk/client-sqs';
import type { LedgerItem } from '#shared/ledger';
import { type DeadLetterReason, toDeadLetterAttributes } from '#shared/queue';

/** Queue URLs and ARNs of the tests; nothing reaches them, the SQS client is mocked. */
export const QUEUES = {
  queueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/moderation-bridge-dev-frankfurt-events.fifo',
  queueArn: 'arn:aws:sqs:eu-central-1:123456789012:moderation-bridge-dev-frankfurt-events.fifo',
  deadLetterQueueUrl:
    'https://sqs.eu-central-1.amazonaws.com/123456789012/moderation-bridge-dev-frankfurt-events-dlq.fifo',
  deadLetterQueueArn: 'arn:aws:sqs:eu-central-1:123456789012:moderation-bridge-dev-frankfurt-events-dlq.fifo',
} as const;

/** What a dead letter in a test is made of. */
export interface DeadLetterMessageFields {
  messageId: string;
  eventId?: string;
  groupId?: string;
  /** The consumer's reason; `null` for a message SQS's redrive policy moved. */
  reason?: Omit<DeadLetterReason, 'eventId'> | null;
  /** Extra message attributes, kept by a redrive. */
  extraAttributes?: Message['MessageAttributes'];
  body?: string;
  sentTimestamp?: number;
}

/** A received dead-letter message, as `ReceiveMessage` returns it with all attributes. */
export function deadLetterMessage(fields: DeadLetterMessageFields): Message {
  const eventId = fields.eventId ?? `evt-${fields.messageId}`;
  const groupId = fields.groupId ?? '@TGS#2CLUZEAEJ';
  const reason =
    fields.reason === null
      ? undefined
      : (fields.reason ?? {
          kind: 'tencent_permanent' as const,
          errorCode: 10007,
          errorInfo: 'no permission to modify this member',
          attempts: 1,
          deadLetteredAt: new Date('2025-11-20T10:00:00.000Z'),
        });
  return {
    MessageId: fields.messageId,
    ReceiptHandle: `receipt-${fields.messageId}`,
    Body:
      fields.body ??
      JSON.stringify({
        v: 1,
        eventId,
        groupId,
        account: 'user_42',
        action: 'mute',
        durationSeconds: 600,
        occurredAt: '2025-11-20T09:59:58.000Z',
        receivedAt: '2025-11-20T09:59:59.000Z',
        muteUntil: '2025-11-20T10:09:58.000Z',
      }),
    Attributes: {
      MessageGroupId: groupId,
      MessageDeduplicationId: eventId,
      SentTimestamp: String(fields.sentTimestamp ?? Date.parse('2025-11-20T10:00:01.000Z')),
      ApproximateReceiveCount: '1',
      ...(reason === undefined ? { DeadLetterQueueSourceArn: QUEUES.queueArn } : {}),
    },
    MessageAttributes: {
      ...(reason === undefined ? {} : toDeadLetterAttributes({ ...reason, eventId })),
      ...fields.extraAttributes,
    },
  };
}

/** The ledger table of the tests; nothing reaches it, the document client is mocked. */
export const LEDGER_TABLE = 'moderation-bridge-dev-frankfurt-ledger';

/** A dead-lettered event's ledger item, as `BatchGetItem` returns it (three attempts, then 10007). */
export function ledgerItem(eventId: string, fields: Partial<LedgerItem> = {}): LedgerItem {
  return {
    eventId,
    status: 'dead_lettered',
    groupId: '@TGS#2CLUZEAEJ',
    account: 'user_42',
    action: 'mute',
    acceptedAt: '2025-11-20T09:59:59.000Z',
    updatedAt: '2025-11-20T10:00:00.000Z',
    attempts: 3,
    lastError: { code: 10007, info: 'no permission to modify this member', at: '2025-11-20T10:00:00.000Z' },
    deadLetteredAt: '2025-11-20T10:00:00.000Z',
    history: [
      { at: '2025-11-20T09:59:59.100Z', outcome: 'queued' },
      { at: '2025-11-20T09:59:59.500Z', outcome: 'retrying', attempt: 1, code: 10002, info: 'busy', ms: 40 },
      { at: '2025-11-20T10:00:00.000Z', outcome: 'dead_lettered', attempt: 3, code: 10007, ms: 35 },
    ],
    fingerprint: 'fp',
    expiresAt: 1_764_842_400,
    ...fields,
  };
}
