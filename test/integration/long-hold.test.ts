import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsConsumerQueue } from '#shared/aws';
import { processBatch, type QueueRecord, receivesNeeded } from '#shared/consumer';
import { messageGroupOfEvent, toQueueMessage } from '#shared/queue';
import type { TencentAnswer, TencentCall } from '#shared/tencent';
import { type LocalSqsServer, startLocalSqs } from '../../local/sqs/index';
import { MemoryLedgerStore } from '../../tools/memory-ledger';
import { consumerSettings } from '../helpers/consumer-settings';
import { moderationEvent } from '../helpers/factories';

/**
 * A wrong secret for 14 days, the queue's whole retention, on a simulated clock: the local SQS and the
 * consumer share it, so two weeks of receives run in a second. Tencent answers 70009 (signature check
 * failed) until the secret is fixed an hour before the end. Nothing may be dead-lettered, by the
 * consumer or by SQS's own redrive, and each held member is called at most once per hold interval.
 */

const DAY = 86_400;
const RETENTION_SECONDS = 14 * DAY;
const BATCH_SIZE = 10;
const settings = consumerSettings();
const MAX_RECEIVE_COUNT = receivesNeeded({
  ...settings,
  batchSize: BATCH_SIZE,
  retentionSeconds: RETENTION_SECONDS,
});
const MEMBERS = ['alice', 'bob', 'carol'];
const EVENTS_PER_MEMBER = 4;

const start = Date.parse('2026-12-01T00:00:00Z');
let clock = start;
let local: LocalSqsServer;
let sqs: SQSClient;

beforeAll(async () => {
  local = await startLocalSqs({
    now: () => clock,
    queues: {
      'hold-dlq.fifo': {},
      'hold.fifo': {
        visibilityTimeoutSeconds: 180,
        deadLetter: { queueName: 'hold-dlq.fifo', maxReceiveCount: MAX_RECEIVE_COUNT },
      },
    },
  });
  sqs = new SQSClient({
    endpoint: local.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  sqs.destroy();
  await local.close();
});

it('holds events through a 14-day credential fault: no dead letter, one call per member per interval', async () => {
  // Prepare: four name cards per member on the queue.
  const queueUrl = local.queueUrl('hold.fifo');
  const fixedAt = start + (RETENTION_SECONDS - 3_600) * 1000;
  const calls: { account: string; nameCard: string; at: number }[] = [];
  const visibleAt = new Map<string, number>();
  const entries = MEMBERS.flatMap((account) =>
    Array.from({ length: EVENTS_PER_MEMBER }, (_, n) => {
      const event = moderationEvent({ account, action: 'set_name_card', nameCard: `${account}-${n}` });
      return {
        Id: `${account}${n}`,
        // Accepted one after the other: a millisecond apart.
        MessageBody: JSON.stringify(toQueueMessage(event, new Date(clock + n))),
        MessageGroupId: messageGroupOfEvent(event),
        MessageDeduplicationId: event.eventId,
      };
    }),
  );
  for (let i = 0; i < entries.length; i += 10) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries.slice(i, i + 10) }));
  }
  const queue = new SqsConsumerQueue(sqs, queueUrl, local.queueUrl('hold-dlq.fifo'));
  const deps = {
    api: {
      call: async (request: TencentCall): Promise<TencentAnswer> => {
        if (request.api !== 'modify_group_member_info') throw new Error('this run sends no forbid_send_msg');
        const body = request.body;
        calls.push({ account: body.Member_Account, nameCard: body.NameCard ?? '', at: clock });
        if (clock < fixedAt) {
          return { kind: 'refused', code: 70009, info: 'signature verification failed', body: {} };
        }
        return { kind: 'ok', body: {} };
      },
    },
    pacer: { acquire: async () => true, backOff: () => undefined },
    ledger: new MemoryLedgerStore(),
    credentials: {
      current: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'eJ-wrong' }),
      renew: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'eJ-wrong' }),
    },
    queue: {
      changeVisibility: async (changes: Parameters<SqsConsumerQueue['changeVisibility']>[0]) => {
        for (const change of changes) visibleAt.set(change.messageId, clock + change.seconds * 1000);
        await queue.changeVisibility(changes);
      },
      sendToDeadLetter: (
        record: QueueRecord,
        reason: Parameters<SqsConsumerQueue['sendToDeadLetter']>[1],
        deduplicationId: string,
      ) => queue.sendToDeadLetter(record, reason, deduplicationId),
    },
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({
      namespace: 'Test',
      serviceName: 'test',
      logger: new Logger({ logLevel: 'SILENT' }),
    }),
    settings,
    now: () => clock,
  };
  let highestReceiveCount = 0;

  // Act: receive, process and jump the clock to the next visible message, as an event source would.
  let receives = 0;
  while (local.inspect('hold.fifo').messages.length > 0 && clock < start + 15 * DAY * 1000) {
    const output = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: BATCH_SIZE,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const records: QueueRecord[] = (output.Messages ?? []).map((message) => ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      messageGroupId: message.Attributes?.MessageGroupId,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1'),
    }));
    if (records.length > 0) {
      receives++;
      highestReceiveCount = Math.max(highestReceiveCount, ...records.map((record) => record.receiveCount));
      const result = await processBatch(records, deps, { remainingTimeMs: () => 30_000 });
      const failed = new Set(result.failedMessageIds);
      const done = records.filter((record) => !failed.has(record.messageId));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((record, i) => ({ Id: `d${i}`, ReceiptHandle: record.receiptHandle })),
          }),
        );
      }
      for (const record of done) visibleAt.delete(record.messageId);
    }
    // Records released at once are already visible (behind their member's head); the next to come
    // back is the earliest one still hidden.
    const next = Math.min(...[...visibleAt.values()].filter((at) => at > clock));
    clock = Number.isFinite(next) ? next : clock + 1000;
  }

  // Assess: nothing dead-lettered by the consumer or by SQS; the queue drained; far from the redrive.
  expect(local.inspect('hold-dlq.fifo').messages).toEqual([]);
  expect(local.inspect('hold.fifo').messages).toEqual([]);
  expect(highestReceiveCount).toBeLessThan(MAX_RECEIVE_COUNT);

  // Assess: once fixed, every member's events applied in order.
  for (const account of MEMBERS) {
    const applied = calls
      .filter((call) => call.account === account && call.at >= fixedAt)
      .map((c) => c.nameCard);
    expect(applied).toEqual(Array.from({ length: EVENTS_PER_MEMBER }, (_, n) => `${account}-${n}`));
  }

  // Assess: while held, each member was called at most once per hold interval (80 to 100% of an hour
  // once the delays have grown), so about 24 times a day.
  for (const account of MEMBERS) {
    const held = calls.filter((call) => call.account === account && call.at < fixedAt);
    const lateGaps = held
      .slice(1)
      .map((call, i) => call.at - (held[i]?.at ?? 0))
      .filter((_, i) => (held[i]?.at ?? 0) > start + DAY * 1000);
    expect(Math.min(...lateGaps)).toBeGreaterThanOrEqual(2_880_000);
    expect(held.length).toBeLessThanOrEqual(Math.ceil((14 * DAY) / 2_880) + 12);
  }
  process.stdout.write(
    `\nlong hold: ${receives} receives over 14 days, ${calls.length} Tencent calls, highest receive count ${highestReceiveCount} of ${MAX_RECEIVE_COUNT}\n`,
  );
}, 60_000);
