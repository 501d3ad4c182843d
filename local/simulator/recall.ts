/**
 * `group_msg_recall` (docs/tencent.md, "Moderation APIs"; Tencent pages CN-12341, INTL-34965): recalls up to 10 messages
 * of a group by MsgSeq, answering each in `RecallRetList[{MsgSeq, RetCode}]` under a top-level
 * `ErrorCode` 0, even when items fail:
 * - 0 recalled;
 * - 10030 not found: no such MsgSeq in the group (or in the topic), or it was already recalled or deleted;
 * - 10031 too old: sent longer ago than the app's recall age (`recallMaxAgeSeconds`, 7 days by default:
 *   roaming retention), or in an AVChatRoom group than `avChatRoomRecallMaxAgeSeconds` (1 hour, as
 *   CN-12341 says);
 * - 10032 cannot be recalled: a message a test posted with `unrecallable`;
 * - 10033 the group type does not support recall: every item, in a group a test flagged
 *   `recallUnsupported`. docs/tencent.md says all five group types recall, so no type answers it by itself;
 *   the flag stands for whatever does (an old client SDK in an AVChatRoom, say).
 *
 * Order of the checks for the call: body shape (60003, 10004), GroupId (10004, 10015), MsgSeqList
 * (10004: an array of 1 to 10 `{MsgSeq}` with positive integers), Reason (10004 over 100 bytes), TopicId
 * (10004), group exists (10010), a TopicId outside a Community (10004). For each item: 10033, 10030,
 * 10032, 10031, in that order.
 *
 * Choices where the reference is silent (⚠), kept in one place:
 * - The top-level ErrorCode is 0 even when every item fails ⚠ (the samples show one failed item of several).
 * - A message already recalled answers 10030 ("nothing left to recall") ⚠.
 * - The same MsgSeq twice in one list: 10004 for the call ⚠.
 * - Messages are numbered per group (a Community's topics share the group's numbers); a message sent to a
 *   topic is found only with that TopicId, one sent to the group only without one.
 */
import type { ApiAnswer, ApiOutcome } from './answer.ts';
import type { ApiContext } from './routes.ts';
import {
  bodyFields,
  findGroup,
  invalid,
  readGroupId,
  readOptionalText,
  readTopicId,
  topicOutsideCommunity,
} from './rules.ts';
import type { GroupMessage, StoredGroup } from './state.ts';

/** Messages one call may recall. */
export const MAX_RECALL_MESSAGES = 10;
/** Largest Reason, in UTF-8 bytes. */
export const MAX_RECALL_REASON_BYTES = 100;

/** The per-message codes of `RecallRetList`. */
export const RECALL_CODES = {
  recalled: 0,
  notFound: 10_030,
  tooOld: 10_031,
  cannotRecall: 10_032,
  groupTypeCannotRecall: 10_033,
} as const;

/** The answer of `group_msg_recall`. */
export interface RecallAnswer extends ApiAnswer {
  RecallRetList: Array<{ MsgSeq: number; RetCode: number }>;
}

const FIELDS = new Set(['GroupId', 'MsgSeqList', 'Reason', 'TopicId']);

function readSeqs(value: unknown): number[] | ApiOutcome {
  if (!Array.isArray(value) || value.length === 0) {
    return invalid('MsgSeqList is required and must be a non-empty array of {MsgSeq}');
  }
  if (value.length > MAX_RECALL_MESSAGES) {
    return invalid(`MsgSeqList holds ${value.length} messages, more than ${MAX_RECALL_MESSAGES}`);
  }
  const seqs: number[] = [];
  for (const item of value as unknown[]) {
    const { MsgSeq, ...rest } =
      typeof item === 'object' && item !== null && !Array.isArray(item)
        ? (item as Record<string, unknown>)
        : {};
    if (
      typeof MsgSeq !== 'number' ||
      !Number.isSafeInteger(MsgSeq) ||
      MsgSeq < 1 ||
      Object.keys(rest).length > 0
    ) {
      return invalid(`MsgSeqList holds ${JSON.stringify(item)}, not {MsgSeq: positive integer}`);
    }
    seqs.push(MsgSeq);
  }
  if (new Set(seqs).size !== seqs.length) return invalid('MsgSeqList lists a MsgSeq twice');
  return seqs;
}

/** The code of one item; the message to recall when it is 0. */
function judge(
  group: StoredGroup,
  msgSeq: number,
  topicId: string | undefined,
  { nowSeconds, state }: ApiContext,
): { code: number; message?: GroupMessage } {
  if (group.recallUnsupported) return { code: RECALL_CODES.groupTypeCannotRecall };
  const message = group.messages.find((m) => m.msgSeq === msgSeq && m.topicId === topicId);
  if (!message || message.recalled) return { code: RECALL_CODES.notFound };
  if (message.unrecallable) return { code: RECALL_CODES.cannotRecall };
  const settings = state.settings();
  const maxAge =
    group.type === 'AVChatRoom' ? settings.avChatRoomRecallMaxAgeSeconds : settings.recallMaxAgeSeconds;
  if (nowSeconds - message.time > maxAge) return { code: RECALL_CODES.tooOld };
  return { code: RECALL_CODES.recalled, message };
}

/**
 * Validates a parsed JSON body of `group_msg_recall` and recalls what it can, answering every item.
 * @returns Tencent's answer and whether the state changed (some message was recalled).
 */
export function groupMsgRecall(body: unknown, context: ApiContext): ApiOutcome {
  const read = bodyFields(body, FIELDS);
  if ('refused' in read) return read.refused;
  const { fields } = read;

  const groupId = readGroupId(fields.GroupId);
  if (typeof groupId !== 'string') return groupId;
  const seqs = readSeqs(fields.MsgSeqList);
  if (!Array.isArray(seqs)) return seqs;
  const reason = readOptionalText('Reason', fields.Reason, MAX_RECALL_REASON_BYTES);
  if (typeof reason === 'object') return reason;
  const topicId = readTopicId(fields.TopicId);
  if (typeof topicId === 'object') return topicId;

  const group = findGroup(context.state, groupId);
  if ('answer' in group) return group;
  const outside = topicOutsideCommunity(group, topicId);
  if (outside) return outside;

  let applied = false;
  const results = seqs.map((msgSeq) => {
    const { code, message } = judge(group, msgSeq, topicId, context);
    if (message) {
      message.recalled = true;
      message.recalledBy = 'group_msg_recall';
      message.recalledAt = context.nowSeconds;
      if (reason !== undefined) message.recallReason = reason;
      applied = true;
    }
    return { MsgSeq: msgSeq, RetCode: code };
  });
  const answer: RecallAnswer = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', RecallRetList: results };
  return { answer, applied };
}
