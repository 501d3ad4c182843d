/**
 * The simulator's listeners: one for Tencent's main domain and, optionally, one for the region's backup
 * domain (`adminapisgp.my-imcloud.com` beside `adminapisgp.im.qcloud.com`). Both serve the same app,
 * state and rate limit, as Tencent's two domains do. Either can be made unreachable: it stops listening,
 * so new connections are refused (ECONNREFUSED, as a blocked or hijacked domain would fail), and drops
 * the connections it has; made reachable again, it listens on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Which of Tencent's two domains a listener stands for. */
export type Domain = 'main' | 'backup';

/** Every domain, main first. */
export const DOMAINS: readonly Domain[] = ['main', 'backup'];

/** A listener's state, as the control API shows it. */
export interface DomainState {
  url: string;
  reachable: boolean;
}

/** One listener on 127.0.0.1 that can stop and start listening on its port. */
export class DomainListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort: number;

  constructor(
    readonly domain: Domain,
    private readonly handle: (req: IncomingMessage, res: ServerResponse, domain: Domain) => void,
    port: number,
  ) {
    this.boundPort = port;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get reachable(): boolean {
    return this.server !== undefined;
  }

  get state(): DomainState {
    return { url: this.url, reachable: this.reachable };
  }

  /** Listens (again) on its port; the first time, on the port asked for (0: a free one). */
  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => this.handle(req, res, this.domain));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /**
   * Stops listening at once (new connections are refused) and drops every open connection but `keep`
   * (the control request that asked for it, which closes after its answer). Resolves once closed.
   */
  refuse(keep?: Socket): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) if (socket !== keep) socket.destroy();
    return closed;
  }

  /** Stops for good: every connection dropped. */
  async close(): Promise<void> {
    await this.refuse();
    for (const socket of this.sockets) socket.destroy();
  }
}

/**
 * The control routes of the domains: `GET /_sim/domains` shows each listener, `POST /_sim/domains/main`
 * (or `/backup`) with `{"reachable": false}` makes it refuse connections, `{"reachable": true}` brings it
 * back. Returns `false` for a path that is not one of these.
 */
export async function domainControl(
  listeners: Readonly<Partial<Record<Domain, DomainListener>>>,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  readJson: () => Promise<unknown>,
  send: (status: number, value: unknown) => void,
): Promise<boolean> {
  const states = () =>
    Object.fromEntries(
      DOMAINS.flatMap((domain) => {
        const listener = listeners[domain];
        return listener ? [[domain, listener.state] as const] : [];
      }),
    );
  if (req.method === 'GET' && path === '/_sim/domains') {
    send(200, states());
    return true;
  }
  const match = /^\/_sim\/domains\/(main|backup)$/.exec(path);
  if (req.method !== 'POST' || !match) return false;
  const listener = listeners[match[1] as Domain];
  if (!listener) {
    send(404, { error: `no ${match[1]} listener: start the simulator with a backup port` });
    return true;
  }
  const body = await readJson();
  const reachable =
    typeof body === 'object' && body !== null ? (body as { reachable?: unknown }).reachable : undefined;
  if (typeof reachable !== 'boolean') {
    send(400, { error: 'the body must be {"reachable": true} or {"reachable": false}' });
    return true;
  }
  if (reachable) await listener.open();
  else {
    // Asked on the listener being turned off: this answer is its last.
    void listener.refuse(req.socket);
    res.setHeader('connection', 'close');
  }
  send(200, states());
  return true;
}
