import { type ClientRequest, Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { redactText } from '../util/index.ts';

/**
 * One HTTPS (or loopback HTTP) POST that says, for sure, whether the request can have reached the
 * server. Backup-domain failover depends on that: a request that may have reached Tencent must never
 * be made again elsewhere at once, since Tencent may have applied it.
 *
 * Why `node:https` and not `fetch`: Node 20's fetch (undici, bundled without the `undici` package)
 * reports a refused connection, a reset during the TLS handshake and a reset of a request it had
 * already written all as `TypeError: fetch failed` with a socket error behind it, and gives no way to
 * ask whether the request was written. `node:https` shows each step on the socket: `lookup` (DNS),
 * `connect` (TCP), `secureConnect` (TLS), and `request.reusedSocket` for a kept-alive socket. No byte
 * of the request leaves before the socket is connected (and, for https, the TLS handshake is over: TLS
 * sends no application data before it, and Node sends no 0-RTT early data), so an error before that
 * point is a request that never left. Everything else (a reused socket, an error once connected, a
 * timeout once connected) counts as possibly sent.
 */

/** Where a connection that never carried the request stopped. */
export type ConnectStage = 'dns' | 'connect' | 'tls';

/** What became of one request. */
export type SendOutcome =
  /** The server answered: any status, the whole body. */
  | { kind: 'answered'; status: number; text: string }
  /** No connection was made, so no byte of the request can have reached the server. */
  | { kind: 'not_connected'; stage: ConnectStage; timedOut: boolean; reason: string; cause: unknown }
  /**
   * The request was, or may have been, sent (the connection was up, or the socket was a kept-alive
   * one), and no whole answer came: the server may have received and applied it.
   */
  | { kind: 'no_answer'; timedOut: boolean; reason: string; cause: unknown };

/** One request. */
export interface SendRequest {
  /** The full URL, query included (it may hold the UserSig: it never appears in a reason). */
  url: URL;
  /** The JSON body. */
  body: string;
  /** Time for the whole request, answer included, in milliseconds. */
  timeoutMs: number;
  /** Time to connect (DNS, TCP, TLS), in milliseconds; at most `timeoutMs`. */
  connectTimeoutMs: number;
  agents: Agents;
  /** The resolver; `dns.lookup` by default (tests pass a stand-in). */
  lookup?: LookupFunction;
}

/** The keep-alive agents of one client, one per scheme. */
export interface Agents {
  http: HttpAgent;
  https: HttpsAgent;
}

/**
 * How long an idle kept-alive socket is kept, in milliseconds: as undici's default. A socket the server
 * closed while idle and that is reused anyway fails as a possibly-sent request (it cannot fail over),
 * so idle sockets are not kept long.
 */
const IDLE_SOCKET_MS = 4_000;

/** The largest answer read, in bytes: Tencent's answers are a few hundred. */
const MAX_ANSWER_BYTES = 1_048_576;

/**
 * Keep-alive agents for one client (one container), each keeping its own pool per host, so the main
 * and the backup domain have separate connections.
 *
 * @param tls - `ca` replaces the trusted roots (tests against a local https server only)
 */
export function createAgents(tls: { ca?: string | Buffer } = {}): Agents {
  return {
    http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    https: new HttpsAgent({
      keepAlive: true,
      timeout: IDLE_SOCKET_MS,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    }),
  };
}

/**
 * Sends one POST and resolves with what became of it; never rejects.
 *
 * @example
 * ```ts
 * const outcome = await send({ url, body: '{}', timeoutMs: 3000, connectTimeoutMs: 1500, agents });
 * if (outcome.kind === 'not_connected') {
 *   // safe to make the same request elsewhere
 * }
 * ```
 */
export function send(request: SendRequest): Promise<SendOutcome> {
  const { url, body, timeoutMs, connectTimeoutMs, agents } = request;
  const secure = url.protocol === 'https:';
  return new Promise<SendOutcome>((resolve) => {
    /** The request may have left: the socket was connected (TLS included), or a kept-alive one. */
    let connected = false;
    let stage: ConnectStage = isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? 'dns' : 'connect';
    let settled = false;
    let req: ClientRequest | undefined;
    const timers: NodeJS.Timeout[] = [];
    const settle = (outcome: SendOutcome): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      resolve(outcome);
    };
    const failed = (cause: unknown, timedOut: boolean): void => {
      const reason = timedOut
        ? `timed out after ${connected ? timeoutMs : connectTimeoutMs} ms`
        : describe(cause);
      settle(
        connected
          ? { kind: 'no_answer', timedOut, reason, cause }
          : { kind: 'not_connected', stage, timedOut, reason: `${stage}: ${reason}`, cause },
      );
    };
    const giveUp = (): void => {
      if (settled) return;
      const cause = new Error(connected ? 'no answer in time' : 'could not connect in time');
      failed(cause, true);
      req?.destroy(cause);
    };

    try {
      req = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        ...(request.lookup === undefined ? {} : { lookup: request.lookup }),
      });
    } catch (error) {
      // A request Node refuses to build (a bug, not the network): nothing was sent, but it is no
      // connection failure either, and the same request would fail on any endpoint.
      settle({ kind: 'no_answer', timedOut: false, reason: describe(error), cause: error });
      return;
    }
    timers.push(setTimeout(giveUp, timeoutMs));
    if (connectTimeoutMs < timeoutMs) {
      timers.push(
        setTimeout(() => {
          if (!connected) giveUp();
        }, connectTimeoutMs),
      );
    }
    req.once('socket', (socket: Socket) => {
      // A fresh socket is still connecting when the request gets it; anything else may already carry it.
      if (req?.reusedSocket || !socket.connecting) {
        connected = true;
        return;
      }
      socket.once('lookup', (error: Error | null) => {
        if (!error) stage = 'connect';
      });
      if (secure) {
        socket.once('connect', () => {
          stage = 'tls';
        });
      }
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        connected = true;
      });
    });
    req.once('error', (error) => failed(error, false));
    req.once('close', () => failed(new Error('the connection closed before the answer was complete'), false));
    req.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        else req?.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
      });
      response.once('end', () => {
        settle({
          kind: 'answered',
          status: response.statusCode ?? 0,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
      response.once('error', (error) => failed(error, false));
    });
    req.end(body);
  });
}

/** A one-line description of a network error: its code and message, any quoted UserSig redacted. */
export function describe(error: unknown): string {
  // Not `instanceof Error`: errors made by Node's internals may come from another realm (as in jest).
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') {
    return redactText(String(error));
  }
  const { message, code } = error as { message: string; code?: unknown };
  return redactText(typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message);
}
