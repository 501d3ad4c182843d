/**
 * HTTP plumbing shared by the local AWS stand-ins (`local/sqs/`, `local/secrets/`): one node:http
 * server on 127.0.0.1 that speaks the AWS JSON protocols (1.0 and 1.1) the real SDK v3 clients use.
 *
 * A request is `POST /` with `X-Amz-Target: <Prefix>.<Operation>` and a JSON body; the server routes
 * it by `<Prefix>` to a mounted {@link AwsJsonService}. One server can carry several services, so a
 * single `AWS_ENDPOINT_URL` can point every client at it; `startLocalSqs` and `startLocalSecrets`
 * each start their own server by default. SigV4 signatures are not checked: any credentials work.
 *
 * Errors follow what the SDK parses: HTTP 4xx/5xx, body `{"__type":"<namespace>#<Code>","message":...}`
 * and, for services that keep query-protocol error codes (SQS), the `x-amzn-query-error` header.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A JSON value as it appears in a request or response body. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object: the body of an AWS JSON request or response. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * An error answered to the client in the AWS JSON error format. Services throw it from
 * {@link AwsJsonService.handle}; anything else thrown becomes a 500 `InternalFailure`.
 */
export class AwsServiceError extends Error {
  /** The error shape name the SDK maps to an exception class, e.g. `QueueDoesNotExist`. */
  readonly code: string;
  /** HTTP status of the answer. */
  readonly statusCode: number;
  /**
   * The query-protocol code sent in `x-amzn-query-error` by query-compatible services, e.g.
   * `AWS.SimpleQueueService.NonExistentQueue`. Defaults to {@link code}.
   */
  readonly queryCode: string;

  constructor(code: string, message: string, options: { statusCode?: number; queryCode?: string } = {}) {
    super(message);
    this.name = 'AwsServiceError';
    this.code = code;
    this.statusCode = options.statusCode ?? 400;
    this.queryCode = options.queryCode ?? code;
  }
}

/** What a service learns about the request it handles. */
export interface AwsRequestContext {
  /** Aborted when the client goes away before the answer (ends a long poll early). */
  readonly signal: AbortSignal;
  /** The id sent back in `x-amzn-RequestId`. */
  readonly requestId: string;
}

/** One AWS service mounted on an {@link AwsJsonServer}. */
export interface AwsJsonService {
  /** The `X-Amz-Target` prefix, e.g. `AmazonSQS` or `secretsmanager`. */
  readonly targetPrefix: string;
  /** The protocol version: `1.0` (SQS) or `1.1` (Secrets Manager). */
  readonly jsonVersion: '1.0' | '1.1';
  /** The Smithy namespace of the service's error shapes, e.g. `com.amazonaws.sqs`. */
  readonly errorNamespace: string;
  /** Whether errors carry the `x-amzn-query-error` header (services migrated from the query protocol). */
  readonly queryCompatible: boolean;
  /** Called once the server listens, with its base URL (`http://127.0.0.1:PORT`). */
  attach?(endpoint: string): void;
  /** Answers one operation; throws {@link AwsServiceError} for an error the client should see. */
  handle(operation: string, input: JsonObject, context: AwsRequestContext): JsonObject | Promise<JsonObject>;
  /** Called when the server closes: ends waits such as long polls. */
  close?(): void;
}

/** One answered request, for an `onRequest` callback. */
export interface AwsRequestLog {
  /** The target prefix, e.g. `AmazonSQS`. */
  service: string;
  /** The operation, e.g. `SendMessage`. */
  operation: string;
  /** HTTP status answered. */
  status: number;
  /** Time from request to answer, in milliseconds. */
  durationMs: number;
  /** The error code, when the answer is an error. */
  errorCode?: string;
}

/** Options of {@link startAwsJsonServer}. */
export interface AwsJsonServerOptions {
  /** Services to mount; their target prefixes must differ. */
  services: readonly AwsJsonService[];
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** Called after each answered request. The server itself never prints. */
  onRequest?: (entry: AwsRequestLog) => void;
  /** Largest request body accepted, in bytes. @default 4194304 */
  maxBodyBytes?: number;
}

/** A running server. */
export interface AwsJsonServer {
  /** Base URL, e.g. `http://127.0.0.1:4566`, for the SDK's `endpoint` or `AWS_ENDPOINT_URL_*`. */
  readonly endpoint: string;
  /** The port it listens on. */
  readonly port: number;
  /** Ends pending waits, closes keep-alive connections and stops listening. Idempotent. */
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Starts a server on 127.0.0.1 carrying the given services.
 *
 * @example
 * ```ts
 * const sqs = new LocalSqs();
 * const secrets = new LocalSecrets({ secrets: { 'bridge/tencent-admin': '{}' } });
 * const server = await startAwsJsonServer({ services: [sqs.service, secrets.service] });
 * process.env.AWS_ENDPOINT_URL = server.endpoint; // both SDK clients now talk to it
 * ```
 */
export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const services = new Map<string, AwsJsonService>();
  for (const service of options.services) {
    if (services.has(service.targetPrefix)) {
      throw new Error(`two services use the target prefix ${service.targetPrefix}`);
    }
    services.set(service.targetPrefix, service);
  }
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const onRequest = options.onRequest;

  const send = (
    res: ServerResponse,
    status: number,
    body: JsonObject,
    contentType: string,
    requestId: string,
    extraHeaders: Record<string, string> = {},
  ): void => {
    if (res.writableEnded || res.destroyed) return;
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': requestId,
      ...extraHeaders,
    });
    res.end(payload);
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = randomUUID();
    const target = req.headers['x-amz-target'];
    const [prefix = '', operation = ''] = typeof target === 'string' ? target.split('.', 2) : [];
    const service = services.get(prefix);
    const contentType = `application/x-amz-json-${service?.jsonVersion ?? '1.0'}`;

    const fail = (error: AwsServiceError): void => {
      const headers: Record<string, string> = {};
      if (service?.queryCompatible) {
        headers['x-amzn-query-error'] =
          `${error.queryCode};${error.statusCode < 500 ? 'Sender' : 'Receiver'}`;
      }
      const namespace = service?.errorNamespace;
      const type = namespace ? `${namespace}#${error.code}` : error.code;
      send(res, error.statusCode, { __type: type, message: error.message }, contentType, requestId, headers);
      onRequest?.({
        service: prefix,
        operation,
        status: error.statusCode,
        durationMs: performance.now() - started,
        errorCode: error.code,
      });
    };

    if (req.method !== 'POST') {
      req.resume();
      fail(new AwsServiceError('UnsupportedOperation', 'Only POST is supported', { statusCode: 405 }));
      return;
    }
    if (!service || !operation) {
      req.resume();
      fail(
        new AwsServiceError('UnknownOperationException', `Unknown X-Amz-Target '${String(target ?? '')}'`),
      );
      return;
    }

    let input: JsonObject;
    try {
      const raw = await readBody(req, maxBodyBytes);
      const parsed: unknown = raw.trim() === '' ? {} : JSON.parse(raw);
      if (!isJsonObject(parsed)) throw new SyntaxError('body is not a JSON object');
      input = parsed;
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        fail(new AwsServiceError('RequestEntityTooLarge', 'Request body too large', { statusCode: 413 }));
      } else {
        fail(new AwsServiceError('SerializationException', 'Request body is not a JSON object'));
      }
      return;
    }

    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      const output = await service.handle(operation, input, { signal: controller.signal, requestId });
      send(res, 200, output, contentType, requestId);
      onRequest?.({ service: prefix, operation, status: 200, durationMs: performance.now() - started });
    } catch (error) {
      if (error instanceof AwsServiceError) {
        fail(error);
      } else {
        fail(new AwsServiceError('InternalFailure', 'Internal error', { statusCode: 500 }));
      }
    }
  };

  const server: Server = createServer((req, res) => {
    void handleRequest(req, res);
  });
  // Longer than Node's 5 s default, so an SDK client rarely reuses a socket the server is closing.
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const { port } = address;
  const endpoint = `http://127.0.0.1:${port}`;
  for (const service of services.values()) service.attach?.(endpoint);

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        for (const service of services.values()) service.close?.();
        server.close(() => resolve());
        // Answers to ended long polls are written in this tick; give them one turn to flush.
        setImmediate(() => server.closeAllConnections());
      });
      return closing;
    },
  };
}
