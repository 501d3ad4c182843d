import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { type ConsumerDeps, processBatch, type QueueRecord } from '#shared/consumer';
import { acceptEvents, type QueueEntry } from '#shared/ingest';
import type { PublicLedgerItem } from '#shared/ledger';
import type { DeadLetterReason } from '#shared/queue';
import { MemoryLedgerStore } from '../../tools/memory-ledger';
import { MemoryTencent } from '../../tools/memory-tencent';
import { consumerSettings } from './consumer-settings';

/**
 * The bridge in memory: the real ingest and consumer on an in-memory ledger and Tencent
 * (`MemoryTencent`), with a clock the test moves, and what the consumer dead-letters and publishes.
 */
export function bridge() {
  let nowMs = Date.parse('2026-12-01T10:00:00.000Z');
  const now = () => nowMs;
  const ledger = new MemoryLedgerStore();
  const tencent = new MemoryTencent(now);
  const enqueued: QueueEntry[] = [];
  const deadLetters: { messageId: string; reason: DeadLetterReason; deduplicationId: string }[] = [];
  const published: PublicLedgerItem[] = [];
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
  const counted = new Map<string, number>();
  const addMetric = metrics.addMetric.bind(metrics);
  metrics.addMetric = (name, unit, value) => {
    counted.set(name, (counted.get(name) ?? 0) + value);
    return addMetric(name, unit, value);
  };
  const deps: ConsumerDeps = {
    api: tencent,
    pacer: { acquire: async () => true, backOff: () => {} },
    ledger,
    outcomes: {
      publish: async (items) => {
        published.push(...items);
      },
    },
    credentials: {
      current: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'sig' }),
      renew: async () => ({ sdkAppId: 1, identifier: 'admin', userSig: 'sig' }),
    },
    queue: {
      changeVisibility: async () => {},
      sendToDeadLetter: async (record, reason, deduplicationId) => {
        deadLetters.push({ messageId: record.messageId, reason, deduplicationId });
      },
    },
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics,
    settings: consumerSettings(),
    now,
    random: () => 0,
  };
  let messages = 0;
  return {
    ledger,
    tencent,
    deadLetters,
    published,
    counted,
    deps,
    /** Moves the clock on. */
    advance: (ms: number) => {
      nowMs += ms;
    },
    /** Accepts one request (an event, or several) through the real ingest; returns its queue entries. */
    accept: async (...events: Record<string, unknown>[]): Promise<QueueEntry[]> => {
      const before = enqueued.length;
      const body = events.length === 1 ? events[0] : { events };
      await acceptEvents(
        {
          body: JSON.stringify(body),
          isBase64Encoded: false,
          contentType: 'application/json',
          contentEncoding: undefined,
        },
        {
          queue: {
            maxBatchSize: 10,
            maxBatchBytes: 262_144,
            send: async (entries) => {
              enqueued.push(...entries);
              return { refused: [] };
            },
          },
          ledger,
          ledgerRetentionDays: 14,
          logger: new Logger({ logLevel: 'SILENT' }),
          maxBodyBytes: 262_144,
          now: () => new Date(nowMs),
        },
      );
      nowMs += 1;
      return enqueued.slice(before);
    },
    /** A delivery of an entry (a new message id each time: a copy is another SQS message). */
    delivery: (entry: QueueEntry, extra: Partial<QueueRecord> = {}): QueueRecord => {
      messages++;
      return {
        messageId: `m${messages}`,
        receiptHandle: `rh${messages}`,
        body: entry.body,
        messageGroupId: entry.messageGroupId,
        receiveCount: 1,
        ...extra,
      };
    },
    consume: (records: QueueRecord[]) => processBatch(records, deps, { remainingTimeMs: () => 30_000 }),
  };
}
