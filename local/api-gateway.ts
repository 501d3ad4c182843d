import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { ApiAuthMode } from '#shared/http';
import { EVENTS_ROUTE, localContext, proxyEvent } from '../tools/lambda-events.ts';
import { buildOpenApiDocument } from '../tools/openapi';
import type { Authorizer, AuthRefusal } from './api-auth.ts';

/** Kept for the local event source; the builders live in `test/helpers/lambda-events.ts`. */
export { localContext };

/** Where the local API serves the OpenAPI document (with its own URL as the server). */
export const OPENAPI_ROUTE = '/v1/openapi.json';

/** A Lambda handler behind API Gateway's REST proxy integration. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The resource of `GET /v1/events/{eventId}`, as API Gateway names it in the proxy event. */
export const STATUS_RESOURCE = `${EVENTS_ROUTE}/{eventId}`;

/** Options of {@link startLocalApi}. */
export interface LocalApiOptions {
  /** The handler of `POST /v1/events`. */
  handler: ProxyHandler;
  /** The handler of `GET /v1/events/{eventId}`. @default none: that route answers 404 */
  statusHandler?: ProxyHandler;
  /** @default 0 (a free port) */
  port?: number;
  /** Largest body taken, in bytes; API Gateway's own limit is 10 MB. @default 10485760 */
  maxBodyBytes?: number;
  /** Checks each request as API Gateway's method authorization would (`api-auth.ts`). @default none */
  authorize?: Authorizer;
  /** The auth mode `authorize` stands for, whose OpenAPI document is served. @default all three modes' */
  openApiAuth?: ApiAuthMode;
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

/**
 * A development stand-in for API Gateway's REST proxy integration, on 127.0.0.1: it turns each HTTP
 * request into the event the real handler gets in Lambda (`POST /v1/events` the ingest's,
 * `GET /v1/events/{eventId}` the status function's), and its answer into the response. Bodies that are
 * not UTF-8 text are passed base64-encoded, as API Gateway does for binary types; the `{eventId}` path
 * segment reaches the handler URL-decoded in `pathParameters`, as API Gateway passes it.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const maxBodyBytes = options.maxBodyBytes ?? 10_485_760;
  const server: Server = createServer((request, response) => {
    const started = performance.now();
    void serve(request, response, options, maxBodyBytes)
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

/** API Gateway's answer to a request its authorization refused. */
function refuse(response: ServerResponse, refusal: AuthRefusal): void {
  response.setHeader('x-amzn-errortype', refusal.errorType);
  send(response, refusal.statusCode, { message: refusal.message });
}

/** The request's headers, one string per name, as the proxy event carries them. */
function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** Writes a handler's result as the HTTP response. */
function answer(response: ServerResponse, result: APIGatewayProxyResult): void {
  const responseHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) responseHeaders[name] = String(value);
  response.writeHead(result.statusCode, responseHeaders);
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/** The `{eventId}` segment of `/v1/events/{eventId}`, still URL-encoded, or `undefined` for another path. */
function statusSegment(pathname: string): string | undefined {
  const prefix = `${EVENTS_ROUTE}/`;
  if (!pathname.startsWith(prefix)) return undefined;
  const segment = pathname.slice(prefix.length);
  return segment === '' || segment.includes('/') ? undefined : segment;
}

/** Decodes a path segment as API Gateway does; a malformed escape is passed on as it is. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const ROUTES = `POST ${EVENTS_ROUTE}, GET ${STATUS_RESOURCE} and GET ${OPENAPI_ROUTE}`;

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  options: LocalApiOptions,
  maxBodyBytes: number,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === OPENAPI_ROUTE && request.method === 'GET') {
    request.resume();
    const serverUrl = `http://127.0.0.1:${request.socket.localPort}`;
    send(
      response,
      200,
      buildOpenApiDocument({
        serverUrl,
        ...(options.openApiAuth === undefined ? {} : { auth: options.openApiAuth }),
      }),
    );
    return;
  }
  const segment = statusSegment(url.pathname);
  if (segment !== undefined && options.statusHandler !== undefined) {
    await serveStatus(request, response, url, segment, options.statusHandler, options.authorize);
    return;
  }
  if (url.pathname !== EVENTS_ROUTE) {
    send(response, 404, { message: `no route ${url.pathname}; the bridge serves ${ROUTES}` });
    return;
  }
  const handler = options.handler;
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

  const headers = headersOf(request);
  const target = request.url ?? '/';
  const refusal = await options.authorize?.({ method: 'POST', target, headers, body });
  if (refusal !== undefined) return refuse(response, refusal);
  const requestId = randomUUID();
  const event = proxyEvent({
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : null,
    body: body.length === 0 ? null : isText ? text : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
    requestId,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
  });
  answer(response, await handler(event, localContext('ingest', requestId, 10_000)));
}

/** `GET /v1/events/{eventId}`: the proxy event of that resource, its path and its decoded parameter. */
async function serveStatus(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  segment: string,
  handler: ProxyHandler,
  authorize: Authorizer | undefined,
): Promise<void> {
  request.resume();
  if (request.method !== 'GET') {
    response.setHeader('allow', 'GET');
    send(response, 405, { message: `${request.method} is not allowed; use GET` });
    return;
  }
  const headers = headersOf(request);
  const target = request.url ?? '/';
  const refusal = await authorize?.({ method: 'GET', target, headers, body: Buffer.alloc(0) });
  if (refusal !== undefined) return refuse(response, refusal);
  const requestId = randomUUID();
  const base = proxyEvent({
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : null,
    body: null,
    isBase64Encoded: false,
    requestId,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
  });
  const event: APIGatewayProxyEvent = {
    ...base,
    resource: STATUS_RESOURCE,
    path: url.pathname,
    httpMethod: 'GET',
    pathParameters: { eventId: decodeSegment(segment) },
    requestContext: {
      ...base.requestContext,
      httpMethod: 'GET',
      path: url.pathname,
      resourcePath: STATUS_RESOURCE,
    },
  };
  answer(response, await handler(event, localContext('status', requestId, 10_000)));
}
