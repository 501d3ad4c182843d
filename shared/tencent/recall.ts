/**
 * Reading a `group_msg_recall` answer. A top-level `ErrorCode` 0 can hide per-message failures in
 * `RecallRetList` (Tencent's sample shows one), so every item is read: 0 is recalled, 10030 (message
 * not found) leaves nothing to recall, anything else failed for that sequence number.
 */

/** Tencent's per-message code of a message that is not found: nothing is left to recall. */
export const RECALL_NOT_FOUND = 10030;

/** What a recall answer says of each sequence number asked. */
export interface RecallItems {
  /** Recalled, or not found (nothing left to recall). */
  done: number[];
  /** Not found among those done (10030). */
  notFound: number[];
  /** Failed: the sequence number and its code. */
  failed: { msgSeq: number; code: number }[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What a recall's answer body says of each of `asked`. A sequence number the answer does not list is
 * done when the call succeeded as a whole (Tencent lists what it tried; an answer without a list is
 * the envelope only), and failed with the top-level code otherwise.
 *
 * @param topCode - the answer's `ErrorCode` (0 for a call that succeeded)
 */
export function recallItemsOf(
  body: Readonly<Record<string, unknown>>,
  asked: readonly number[],
  topCode: number,
): RecallItems {
  const codes = new Map<number, number>();
  const list = body.RecallRetList;
  if (Array.isArray(list)) {
    for (const entry of list) {
      if (!isRecord(entry) || typeof entry.MsgSeq !== 'number' || typeof entry.RetCode !== 'number') continue;
      codes.set(entry.MsgSeq, entry.RetCode);
    }
  }
  const items: RecallItems = { done: [], notFound: [], failed: [] };
  for (const msgSeq of asked) {
    const code = codes.get(msgSeq) ?? topCode;
    if (code === 0) items.done.push(msgSeq);
    else if (code === RECALL_NOT_FOUND) {
      items.done.push(msgSeq);
      items.notFound.push(msgSeq);
    } else items.failed.push({ msgSeq, code });
  }
  return items;
}
