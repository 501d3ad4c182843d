/**
 * `delete_group_msg_by_sender` (docs/tencent.md, "Moderation APIs"; Tencent pages CN-2359, INTL-34970): marks a sender's
 * messages among the group's last 1000 as recalled (silently: clients see it when they pull history).
 * AVChatRoom groups have no history: the call succeeds and does nothing, as documented.
 *
 * Order of the checks: body shape (60003, 10004), GroupId (10004, 10015), Sender_Account (10004), TopicId
 * (10004), group exists (10010), a TopicId outside a Community (10004).
 *
 * Choices where the reference is silent (⚠), kept in one place:
 * - The sender need not be a member (a removed spammer's messages are the usual case), nor known to the
 *   app: a sender with no messages succeeds and changes nothing.
 * - "Last 1000" counts every message of the group, or of the topic when TopicId is given, recalled ones
 *   included.
 */
import { type ApiOutcome, ok } from './answer.ts';
import type { ApiContext } from './routes.ts';
import {
  bodyFields,
  findGroup,
  readAccount,
  readGroupId,
  readTopicId,
  topicOutsideCommunity,
} from './rules.ts';

/** How many of the group's latest messages the call looks through. */
export const DELETE_BY_SENDER_WINDOW = 1000;

const FIELDS = new Set(['GroupId', 'Sender_Account', 'TopicId']);

/**
 * Validates a parsed JSON body of `delete_group_msg_by_sender` and, when it is valid, marks the sender's
 * recent messages as deleted.
 * @returns Tencent's answer and whether the state changed (some message was marked).
 */
export function deleteGroupMsgBySender(body: unknown, { state, nowSeconds }: ApiContext): ApiOutcome {
  const read = bodyFields(body, FIELDS);
  if ('refused' in read) return read.refused;
  const { fields } = read;

  const groupId = readGroupId(fields.GroupId);
  if (typeof groupId !== 'string') return groupId;
  const sender = readAccount('Sender_Account', fields.Sender_Account);
  if (typeof sender !== 'string') return sender;
  const topicId = readTopicId(fields.TopicId);
  if (typeof topicId === 'object') return topicId;

  const group = findGroup(state, groupId);
  if ('answer' in group) return group;
  const outside = topicOutsideCommunity(group, topicId);
  if (outside) return outside;
  if (group.type === 'AVChatRoom') return ok(false);

  const recent = group.messages.filter((m) => m.topicId === topicId).slice(-DELETE_BY_SENDER_WINDOW);
  const marked = recent.filter((m) => m.sender === sender && !m.recalled);
  for (const message of marked) {
    message.recalled = true;
    message.recalledBy = 'delete_group_msg_by_sender';
    message.recalledAt = nowSeconds;
  }
  return ok(marked.length > 0);
}
