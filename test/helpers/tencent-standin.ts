import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** What the stand-in does with one call. */
export type Reply =
  | { code?: number; info?: string; delayMs?: number }
  | { http: number; delayMs?: number }
  | { raw: string }
  | { drop: true };

/** A call the stand-in received. */
export interface ReceivedCall {
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  receivedAt: number;
}

/**
 * A scripted Tencent Chat stand-in: a real HTTP server on 127.0.0.1 that answers each call with the
 * next reply from `script`, or with `reply(call)` when the script is empty (OK by default).
 */
export class TencentStandIn {
  readonly calls: ReceivedCall[] = [];
  /** Replies for the next calls, in order. */
  readonly script: Reply[] = [];
  reply: (call: ReceivedCall) => Reply = () => ({ code: 0 });
  connections = 0;
  inFlight = 0;
  peakInFlight = 0;
  private readonly server: Server;
  private readonly held = new Set<Socket>();

  private constructor() {
    this.server = createServer((request, response) => {
      const socket = request.socket;
      this.held.add(socket);
      void this.handle(request)
        .then(async (reply) => {
          if ('drop' in reply) {
            request.socket.destroy();
            return;
          }
          if ('raw' in reply) {
            response.writeHead(200, { 'content-type': 'application/json' }).end(reply.raw);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, reply.delayMs ?? 0));
          if ('http' in reply) {
            response.writeHead(reply.http, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
            return;
          }
          const code = reply.code ?? 0;
          response.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              ActionStatus: code === 0 ? 'OK' : 'FAIL',
              ErrorCode: code,
              ErrorInfo: reply.info ?? (code === 0 ? '' : `scripted error ${code}`),
            }),
          );
        })
        .finally(() => {
          if (this.held.delete(socket)) this.inFlight--;
        });
    });
    this.server.on('connection', () => {
      this.connections++;
    });
  }

  /** Starts a stand-in on 127.0.0.1 with a random port. */
  static async start(): Promise<TencentStandIn> {
    const standIn = new TencentStandIn();
    standIn.server.listen(0, '127.0.0.1');
    await once(standIn.server, 'listening');
    return standIn;
  }

  /** The base URL, as `IM_ENDPOINT` takes it. */
  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the stand-in is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Forgets calls and script, drops calls still held from an earlier test, and answers OK again. */
  reset(): void {
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    this.inFlight = 0;
    this.calls.length = 0;
    this.script.length = 0;
    this.reply = () => ({ code: 0 });
    this.peakInFlight = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(request: IncomingMessage): Promise<Reply> {
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const call: ReceivedCall = {
      path: url.pathname,
      query: url.searchParams,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      receivedAt: Date.now(),
    };
    this.calls.push(call);
    return this.script.shift() ?? this.reply(call);
  }
}
