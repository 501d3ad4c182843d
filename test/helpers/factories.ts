import type { APIGatewayProxyEvent, Context, SQSRecord } from 'aws-lambda';
import { type ModerationEvent, validateEvents } from '#shared/contract';
import { messageGroupIdOf, toQueueMessage } from '#shared/queue-message';

/** A validated event, from the same fields a client would send. */
export function moderationEvent(fields: Record<string, unknown>, receivedAt = new Date()): ModerationEvent {
  const [event] = validateEvents({ groupId: '@TGS#2CLUZEAEJ', account: 'bob', ...fields }, receivedAt);
  if (!event) throw new Error('validateEvents returned no event');
  return event;
}

/** An SQS record carrying the queue message of an event, as the Lambda event source delivers it. */
export function sqsRecord(
  fields: Record<string, unknown>,
  options: { receiveCount?: number; messageId?: string; body?: string; receivedAt?: Date } = {},
): SQSRecord {
  const receivedAt = options.receivedAt ?? new Date();
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
      MessageGroupId: messageGroupIdOf(event.groupId, event.account),
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

/** An API Gateway REST proxy event for `POST /v1/events`. */
export function apiEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/v1/events',
    path: '/v1/events',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'jest',
        userArn: null,
      },
      path: '/v1/events',
      stage: 'test',
      requestId: 'req-1',
      requestTimeEpoch: Date.now(),
      resourceId: 'res',
      resourcePath: '/v1/events',
    },
    ...overrides,
  };
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'bridge-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:bridge-test',
    memoryLimitInMB: '512',
    awsRequestId: 'aws-req-1',
    logGroupName: '/aws/lambda/bridge-test',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
