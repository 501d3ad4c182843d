import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

/** A Lambda handler behind API Gateway's REST proxy integration. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Options of {@link startLocalApi}. */
export interface LocalApiOptions {
  /** The handler of `POST /v1/events`. */
  handler: ProxyHandler;
  /** @default 0 (a free port) */
  port?: number;
  /** Largest body taken, in bytes; API Gateway's own limit is 10 MB. @default 10485760 */
  maxBodyBytes?: number;
  /** Called after each request, for the console. */
  onRequest?: (line: { method: string; path: string; statusCode: number; ms: number }) => void;
}

/** A running local API. */
export interface LocalApi {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Stops taking requests and waits for the ones in progress. */
  close(): Promise<void>;
}

const ROUTE = '/v1/events';

/**
 * A development stand-in for API Gateway's REST proxy integration, on 127.0.0.1: it turns each HTTP
 * request into the event the real ingest handler gets in Lambda, and its answer into the response.
 * Bodies that are not UTF-8 text are passed base64-encoded, as API Gateway does for binary types.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const maxBodyBytes = options.maxBodyBytes ?? 10_485_760;
  const server: Server = createServer((request, response) => {
    const started = performance.now();
    void serve(request, response, options.handler, maxBodyBytes)
      .catch(() => {
        if (!response.headersSent) send(response, 500, { message: 'internal error' });
        else response.destroy();
      })
      .finally(() => {
        options.onRequest?.({
          method: request.method ?? '',
          path: request.url ?? '',
          statusCode: response.statusCode,
          ms: Math.round(performance.now() - started),
        });
      });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('local API is not listening');
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      server.close();
      server.closeIdleConnections();
      await once(server, 'close');
    },
  };
}

function send(response: ServerResponse, statusCode: number, payload: unknown): void {
  response.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(payload));
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  handler: ProxyHandler,
  maxBodyBytes: number,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== ROUTE) {
    send(response, 404, { message: `no route ${url.pathname}; the bridge serves POST ${ROUTE}` });
    return;
  }
  if (request.method !== 'POST') {
    response.setHeader('allow', 'POST');
    send(response, 405, { message: `${request.method} is not allowed; use POST` });
    return;
  }

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.from(chunk);
    size += buffer.length;
    if (size > maxBodyBytes) {
      send(response, 413, { message: `request body is larger than ${maxBodyBytes} bytes` });
      request.destroy();
      return;
    }
    chunks.push(buffer);
  }
  const body = Buffer.concat(chunks);
  const text = body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(body);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const requestId = randomUUID();
  const event = proxyEvent({
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : null,
    body: body.length === 0 ? null : isText ? text : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
    requestId,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
  });
  const result = await handler(event, localContext('ingest', requestId, 10_000));
  const responseHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) responseHeaders[name] = String(value);
  response.writeHead(result.statusCode, responseHeaders);
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

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
    resource: ROUTE,
    path: ROUTE,
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
      path: ROUTE,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: ROUTE,
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
