import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { OutcomePublisher } from '../consumer/index.ts';
import { OutcomePublishError } from '../errors/index.ts';
import type { PublicLedgerItem } from '../ledger/index.ts';

/** PutEvents takes at most ten entries per call. */
const PUT_EVENTS_LIMIT = 10;

/** The `source` of every outcome event. */
export const OUTCOME_SOURCE = 'moderation-bridge';

/** The `detail-type` of each terminal status's outcome event. */
export const OUTCOME_DETAIL_TYPES = {
  applied: 'Moderation Event Applied',
  dead_lettered: 'Moderation Event Dead-Lettered',
  expired: 'Moderation Event Expired',
  superseded: 'Moderation Event Superseded',
} as const;

/** Outcome events on an EventBridge bus: `detail` is the ledger item without its history. */
export class EventBridgeOutcomePublisher implements OutcomePublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  /**
   * Publishes one outcome event per item, ten per call.
   * @throws {@link OutcomePublishError} when EventBridge refused any event of a call; later calls are not made
   */
  async publish(items: readonly PublicLedgerItem[]): Promise<void> {
    for (let start = 0; start < items.length; start += PUT_EVENTS_LIMIT) {
      const chunk = items.slice(start, start + PUT_EVENTS_LIMIT);
      const output = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((item) => {
            const { history: _history, ...detail } = item;
            return {
              EventBusName: this.busName,
              Source: OUTCOME_SOURCE,
              DetailType:
                OUTCOME_DETAIL_TYPES[item.status as keyof typeof OUTCOME_DETAIL_TYPES] ??
                'Moderation Event Updated',
              Detail: JSON.stringify(detail),
              Time: new Date(item.updatedAt),
            };
          }),
        }),
      );
      const failedCount = output.FailedEntryCount ?? 0;
      if (failedCount > 0) {
        // Codes only: an entry's `ErrorMessage` is EventBridge's text, and the detail is the ledger item.
        const codes = (output.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
        throw new OutcomePublishError(failedCount, [...new Set(codes)]);
      }
    }
  }
}
