/**
 * Builders of the events and contexts Lambda hands the functions: an API Gateway REST proxy event of
 * `POST /v1/events` and a Lambda context. Test support, shared by the handler tests (through
 * `factories.ts`) and the local API (`local/api-gateway.ts`), so that both build the same event.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/** The path of the bridge's one route. */
export const EVENTS_ROUTE = '/v1/events';

/** The parts of a `POST /v1/events` proxy event that vary between requests. */
export interface ProxyEventFields {
  headers: Record<string, string>;
  body: string | null;
  isBase64Encoded: boolean;
  queryStringParameters?: Record<string, string> | null;
  requestId?: string;
  sourceIp?: string;
}

/** The API Gateway REST proxy event of a `POST /v1/events` request, as Lambda receives it. */
export function proxyEvent(fields: ProxyEventFields): APIGatewayProxyEvent {
  const requestId = fields.requestId ?? randomUUID();
  return {
    resource: EVENTS_ROUTE,
    path: EVENTS_ROUTE,
    httpMethod: 'POST',
    headers: fields.headers,
    multiValueHeaders: {},
    queryStringParameters: fields.queryStringParameters ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: fields.body,
    isBase64Encoded: fields.isBase64Encoded,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
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
        sourceIp: fields.sourceIp ?? '127.0.0.1',
        user: null,
        userAgent:
          Object.entries(fields.headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null,
        userArn: null,
      },
      path: EVENTS_ROUTE,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: EVENTS_ROUTE,
    },
  };
}

/** A Lambda context for a local invocation that may run `timeoutMs`. */
export function localContext(functionName: string, requestId: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:local-${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
