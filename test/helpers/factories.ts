import type { APIGatewayProxyEvent, Context, SQSRecord } from 'aws-lambda';
import { ACTION_TARGETS, ACTIONS, type ModerationEvent, validateEvents } from '#shared/contract';
import { messageGroupOfEvent, toQueueMessage } from '#shared/queue';
import { localContext, type ProxyEventFields, proxyEvent } from '../../tools/lambda-events';

/**
 * The request body of one event about the test member (`bob` in `@TGS#2CLUZEAEJ`), with `fields`: of
 * its group alone for an action about a group, of its account alone for one about an account (unless
 * `fields` gives the other itself).
 */
export function eventBody(fields: Record<string, unknown>): Record<string, unknown> {
  const action = ACTIONS.find((name) => name === fields.action);
  const kind = action === undefined ? 'member' : ACTION_TARGETS[action];
  return {
    ...(kind === 'account' ? {} : { groupId: '@TGS#2CLUZEAEJ' }),
    // A bulk event's `accounts` stand for the `account`.
    ...(kind === 'group' || 'accounts' in fields ? {} : { account: 'bob' }),
    ...fields,
  };
}

/** Fields of one good event of each action, with every optional field somewhere. */
export const GOOD_EVENT_FIELDS: readonly Record<string, unknown>[] = [
  {
    action: 'mute',
    durationSeconds: 600,
    eventId: 'evt-1',
    reason: 'spam',
    occurredAt: '2026-12-01T10:00:00Z',
  },
  { action: 'unmute' },
  { action: 'set_role', role: 'admin' },
  { action: 'set_msg_flag', msgFlag: 'AcceptNotNotify' },
  { action: 'set_name_card', nameCard: 'Bob (muted)' },
  { action: 'set_member_data', data: { MemberDefined1: 'gold' } },
  { action: 'remove', silent: true, reason: 'spam links' },
  { action: 'ban', durationSeconds: 86_400, reason: 'raid' },
  { action: 'unban' },
  { action: 'delete_messages' },
  { action: 'mute_all' },
  { action: 'unmute_all' },
  { action: 'recall', msgSeqs: [101, 102], reason: 'spam' },
  { action: 'mute_account', durationSeconds: 3_600, scope: 'groups' },
  { action: 'unmute_account' },
  { action: 'kick' },
];

/** A validated event, from the same fields a client would send (the body {@link eventBody} makes). */
export function moderationEvent(fields: Record<string, unknown>, receivedAt = new Date()): ModerationEvent {
  const [event] = validateEvents(eventBody(fields), receivedAt);
  if (!event) throw new Error('validateEvents returned no event');
  return event;
}

let lastAcceptedAt = 0;

/**
 * Now, as the ingest would have accepted an event: a millisecond after the last one at least, so that
 * events made one after the other are ordered as accepted one after the other (their position, which
 * the consumer derives from the time of acceptance when the ledger has no item for them).
 */
export function acceptedNow(): Date {
  lastAcceptedAt = Math.max(Date.now(), lastAcceptedAt + 1);
  return new Date(lastAcceptedAt);
}

/** An SQS record carrying the queue message of an event, as the Lambda event source delivers it. */
export function sqsRecord(
  fields: Record<string, unknown>,
  options: { receiveCount?: number; messageId?: string; body?: string; receivedAt?: Date } = {},
): SQSRecord {
  const receivedAt = options.receivedAt ?? acceptedNow();
  const event = moderationEvent(fields, receivedAt);
  const messageId = options.messageId ?? `msg-${event.eventId}`;
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: options.body ?? JSON.stringify(toQueueMessage(event, receivedAt)),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(receivedAt.getTime()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(receivedAt.getTime()),
      MessageGroupId: messageGroupOfEvent(event),
      MessageDeduplicationId: event.eventId,
      SequenceNumber: '1',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:bridge-events.fifo',
    awsRegion: 'eu-central-1',
  };
}

/** An API Gateway REST proxy event for `POST /v1/events` (the builder the local API uses too). */
export function apiEvent(overrides: Partial<ProxyEventFields> = {}): APIGatewayProxyEvent {
  return proxyEvent({
    headers: { 'Content-Type': 'application/json' },
    body: null,
    isBase64Encoded: false,
    requestId: 'req-1',
    ...overrides,
  });
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 30_000): Context {
  return localContext('test', 'aws-req-1', remainingMs);
}
