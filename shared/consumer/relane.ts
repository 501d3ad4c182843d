import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MessageFormatError } from '../errors/index.ts';
import { messageGroupOfEvent } from '../queue/index.ts';
import type { ConsumerItem } from './recorder.ts';
import { describeError } from './recorder.ts';
import type { ConsumerQueue } from './types.ts';

/**
 * Messages in a message group the bridge no longer uses for their target: before bulk events, each
 * member had a lane of its own; now every member of a group shares the group's (`messageGroupOf`). A
 * message enqueued before the deployment that changed it (or a dead letter of then, moved back by an SQS
 * move task) still comes in its old lane, which SQS would hand out beside the group's lane: two
 * invocations could then apply events about one member at once. So the consumer does not apply it: it
 * sends it back to the main queue in the group's lane, then acknowledges it. It lands behind any newer
 * event of its member already there; that one is applied first, and the older one then finds it newer
 * and ends superseded: the newest decision stands. The messages of one old lane are sent in their order,
 * and after a failed send the rest of that lane waits (they come back after the visibility timeout), so
 * their order holds too. A repeated send (a crash before the acknowledgement) is dropped by SQS's
 * deduplication within 5 minutes, and after that is a copy the ledger acknowledges.
 *
 * @returns the items to apply here (in their current lane, or with no lane: a standard queue), and the
 *   message ids of those whose send failed (reported as failed, so SQS keeps them)
 */
export async function relane(
  items: readonly ConsumerItem[],
  queue: ConsumerQueue,
  logger: Logger,
): Promise<{ current: ConsumerItem[]; failed: Set<string> }> {
  const current: ConsumerItem[] = [];
  const stale = new Map<string, { item: ConsumerItem; lane: string }[]>();
  for (const item of items) {
    const lane = laneOf(item);
    if (lane === undefined || queue.resend === undefined) current.push(item);
    else {
      const group = item.record.messageGroupId ?? '';
      stale.set(group, [...(stale.get(group) ?? []), { item, lane }]);
    }
  }
  const failed = new Set<string>();
  const resend = queue.resend?.bind(queue);
  if (resend === undefined) return { current, failed };
  await Promise.all(
    [...stale.values()].map(async (list) => {
      for (const [index, { item, lane }] of list.entries()) {
        try {
          await resend(item.record, lane, relaneIdOf(item.record.messageId));
          logger.info('message moved from an old message group to its current one', {
            messageId: item.record.messageId,
            ...(item.message instanceof MessageFormatError ? {} : { eventId: item.message.eventId }),
          });
        } catch (error) {
          logger.warn('could not move a message to its current message group; it comes back', {
            messageId: item.record.messageId,
            error: describeError(error),
          });
          for (const rest of list.slice(index)) failed.add(rest.item.record.messageId);
          return;
        }
      }
    }),
  );
  return { current, failed };
}

/** The message group an item belongs in, when it is not the one it came in; `undefined` otherwise. */
function laneOf({ record, message }: ConsumerItem): string | undefined {
  if (message instanceof MessageFormatError || record.messageGroupId === undefined) return undefined;
  // A dead letter moved back as it was goes back to the dead-letter queue with its reason (the
  // recorder's `finishedBefore`), wherever it came: a move would drop the attributes that say so.
  if (record.deadLetterReason !== undefined) return undefined;
  const lane = messageGroupOfEvent(message);
  return lane === record.messageGroupId ? undefined : lane;
}

/** The deduplication id of a move: the message moved (hashed, to a length SQS takes). */
const relaneIdOf = (messageId: string): string =>
  createHash('sha256').update(`relane\n${messageId}`).digest('hex');
