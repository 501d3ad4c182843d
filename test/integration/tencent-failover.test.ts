import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type LookupFunction, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  FAILOVER,
  type FailoverEvent,
  HttpTencentApi,
  type HttpTencentApiOptions,
  type TencentAnswer,
} from '#shared/tencent';
import { TencentStandIn } from '../helpers/tencent-standin';

/**
 * Backup-domain failover of the Tencent client, against servers on 127.0.0.1 that fail in each way a
 * connection can: refused, reset during the TLS handshake, a host name that does not resolve, a TLS
 * handshake that fails or never ends. And the failures that must not fail over: anything that may
 * have reached the server.
 */

const credentials = { sdkAppId: 1400000000, identifier: 'administrator', userSig: 'eJSECRET-USERSIG_' };
const body = { GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', MuteTime: 60 };
const TLS = join(__dirname, '..', 'fixtures', 'tls');
const CERT = readFileSync(join(TLS, 'localhost-cert.pem'));
const KEY = readFileSync(join(TLS, 'localhost-key.pem'));

/** A TCP server on 127.0.0.1 doing `onConnection` with each socket; counts connections. */
class RawServer {
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  private constructor(onConnection: (socket: Socket) => void) {
    this.server = createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => this.sockets.delete(socket));
      onConnection(socket);
    });
  }

  static async start(onConnection: (socket: Socket) => void): Promise<RawServer> {
    const raw = new RawServer(onConnection);
    await new Promise<void>((resolve) => raw.server.listen(0, '127.0.0.1', resolve));
    return raw;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 that nothing listens on: connections to it are refused. */
async function refusedPort(): Promise<number> {
  const raw = await RawServer.start(() => undefined);
  const { port } = raw;
  await raw.stop();
  return port;
}

/** An https server on 127.0.0.1 with the test certificate, answering Tencent's OK; counts connections. */
async function startHttpsTencent(): Promise<{ server: HttpsServer; url: string; connections: () => number }> {
  let connections = 0;
  const server = createHttpsServer({ key: KEY, cert: CERT }, (request, response) => {
    request.resume();
    request.on('end', () => {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}');
    });
  });
  server.on('secureConnection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return { server, url: `https://127.0.0.1:${address.port}`, connections: () => connections };
}

/** A resolver standing in for DNS: `.invalid` names do not resolve (RFC 6761); others are loopback. */
const resolver: LookupFunction = (hostname, _options, callback) => {
  setImmediate(() => {
    if (hostname.endsWith('.invalid')) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
        hostname,
      });
      callback(error, '', 4);
    } else {
      callback(null, '127.0.0.1', 4);
    }
  });
};

describe('HttpTencentApi backup-domain failover', () => {
  let backup: TencentStandIn;
  let main: TencentStandIn;
  const clients: HttpTencentApi[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  /** A client with the stand-in `backup` as backup endpoint, recording its failover events. */
  const client = (endpoint: string, options: Partial<HttpTencentApiOptions> = {}) => {
    const events: FailoverEvent[] = [];
    const api = new HttpTencentApi({
      endpoint,
      backupEndpoint: backup.url,
      timeoutMs: 400,
      onFailover: (event) => events.push(event),
      lookup: resolver,
      ...options,
    });
    clients.push(api);
    return { api, events };
  };
  /** `ok`, or the answer of a call that was not OK. */
  const call = (api: HttpTencentApi): Promise<'ok' | Exclude<TencentAnswer, { kind: 'ok' }>> =>
    api
      .call({ api: 'modify_group_member_info', body }, credentials)
      .then((answer) => (answer.kind === 'ok' ? 'ok' : answer));
  const hostOf = (url: string) => new URL(url).host;

  beforeAll(async () => {
    backup = await TencentStandIn.start();
    main = await TencentStandIn.start();
  });

  afterEach(async () => {
    for (const api of clients.splice(0)) api.destroy();
    for (const cleanup of cleanups.splice(0)) await cleanup();
    backup.reset();
    main.reset();
  });

  afterAll(async () => {
    await backup.stop();
    await main.stop();
  });

  describe('fails over at once when the main endpoint cannot be connected to', () => {
    it('a refused connection', async () => {
      // Prepare
      const endpoint = `http://127.0.0.1:${await refusedPort()}`;
      const { api, events } = client(endpoint);

      // Act
      const result = await call(api);

      // Assess: the same request (same random, same body) on the backup.
      expect(result).toBe('ok');
      expect(backup.calls).toHaveLength(1);
      expect(backup.calls[0]?.body).toEqual(body);
      expect(backup.calls[0]?.path).toBe('/v4/group_open_http_svc/modify_group_member_info');
      expect(events).toEqual([
        {
          kind: 'failover',
          from: hostOf(endpoint),
          to: hostOf(backup.url),
          reason: expect.stringMatching(/^connect: .*ECONNREFUSED/),
        },
      ]);
    });

    it('a connection reset before the request was sent (during the TLS handshake)', async () => {
      // Prepare: a server that resets every connection as soon as it is made.
      const resetting = await RawServer.start((socket) => socket.resetAndDestroy());
      cleanups.push(() => resetting.stop());
      const { api, events } = client(`https://127.0.0.1:${resetting.port}`);

      // Act
      const result = await call(api);

      // Assess
      expect(result).toBe('ok');
      expect(resetting.connections).toBe(1);
      expect(backup.calls).toHaveLength(1);
      expect(events).toEqual([
        expect.objectContaining({ kind: 'failover', reason: expect.stringContaining('ECONNRESET') }),
      ]);
    });

    it('a host name that does not resolve', async () => {
      // Prepare
      const { api, events } = client('https://adminapisgp.im.qcloud.invalid');

      // Act
      const result = await call(api);

      // Assess
      expect(result).toBe('ok');
      expect(backup.calls).toHaveLength(1);
      expect(events).toEqual([
        expect.objectContaining({
          kind: 'failover',
          from: 'adminapisgp.im.qcloud.invalid',
          reason: expect.stringMatching(/^dns: .*ENOTFOUND/),
        }),
      ]);
    });

    it('a TLS handshake that fails (a certificate nobody trusts)', async () => {
      // Prepare
      const https = await startHttpsTencent();
      cleanups.push(() => new Promise((resolve) => https.server.close(() => resolve())));
      const { api, events } = client(https.url);

      // Act
      const result = await call(api);

      // Assess
      expect(result).toBe('ok');
      expect(backup.calls).toHaveLength(1);
      expect(events).toEqual([
        expect.objectContaining({ kind: 'failover', reason: expect.stringMatching(/^tls: .*SELF_SIGNED/) }),
      ]);
    });

    it('a connection that does not complete in its share of the timeout (a TLS handshake left unanswered)', async () => {
      // Prepare: TCP connects, the server never answers the ClientHello.
      const silent = await RawServer.start(() => undefined);
      cleanups.push(() => silent.stop());
      const { api, events } = client(`https://127.0.0.1:${silent.port}`);

      // Act
      const result = await call(api);

      // Assess: the main had half of the 400 ms; the backup took the call in the rest.
      expect(result).toBe('ok');
      expect(backup.calls).toHaveLength(1);
      expect(events).toEqual([
        expect.objectContaining({
          kind: 'failover',
          reason: `tls: timed out after ${400 * FAILOVER.connectShare} ms`,
        }),
      ]);
    });

    it('and trusts a working https endpoint: no failover, one kept-alive connection', async () => {
      // Prepare
      const https = await startHttpsTencent();
      cleanups.push(() => new Promise((resolve) => https.server.close(() => resolve())));
      const { api, events } = client(https.url, { ca: CERT });

      // Act
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await call(api));

      // Assess
      expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
      expect(https.connections()).toBe(1);
      expect(backup.calls).toHaveLength(0);
      expect(events).toEqual([]);
    });
  });

  describe('never fails over once the request may have reached Tencent', () => {
    it.each<[string, Parameters<TencentStandIn['script']['push']>[0], unknown]>([
      ['a timeout after the request was sent', { code: 0, delayMs: 1_000 }, { failure: 'timeout' }],
      ['an HTTP 5xx', { http: 502 }, { failure: 'http_status', httpStatus: 502 }],
      ['a Tencent ErrorCode', { code: 10002 }, { code: 10002 }],
    ])('%s', async (_case, reply, expected) => {
      // Prepare
      main.script.push(reply);
      const { api, events } = client(main.url);

      // Act
      const result = await call(api);

      // Assess
      expect(result).toMatchObject(expected as object);
      expect(result).toMatchObject({
        kind: (expected as { code?: number }).code === undefined ? 'no_answer' : 'refused',
      });
      expect(main.calls).toHaveLength(1);
      expect(backup.calls).toHaveLength(0);
      expect(events).toEqual([]);
    });

    it('an error on a kept-alive connection, where the request was written', async () => {
      // Prepare: a first call keeps the connection; the second is dropped after it arrived.
      const { api, events } = client(main.url);
      const before = main.connections;
      await call(api);
      main.script.push({ drop: true });

      // Act
      const result = await call(api);

      // Assess
      expect(main.connections - before).toBe(1);
      expect(result).toMatchObject({ failure: 'network' });
      expect(backup.calls).toHaveLength(0);
      expect(events).toEqual([]);
    });

    it('a reset of a fresh connection once the request was written', async () => {
      // Prepare: a plain-http server that reads the request, then resets.
      const resetting = await RawServer.start((socket) =>
        socket.once('data', () => socket.resetAndDestroy()),
      );
      cleanups.push(() => resetting.stop());
      const { api, events } = client(`http://127.0.0.1:${resetting.port}`);

      // Act
      const result = await call(api);

      // Assess
      expect(result).toMatchObject({ failure: 'network' });
      expect(backup.calls).toHaveLength(0);
      expect(events).toEqual([]);
    });

    it('a backup that timed out once the request was sent: a timeout, not unreachable', async () => {
      // Prepare
      backup.script.push({ code: 0, delayMs: 1_000 });
      const { api } = client(`http://127.0.0.1:${await refusedPort()}`);

      // Act
      const result = await call(api);

      // Assess
      expect(result).toMatchObject({ failure: 'timeout' });
      expect(backup.calls).toHaveLength(1);
    });
  });

  describe('unreachable', () => {
    it('raises unreachable, naming both hosts and never the UserSig, when no endpoint can be connected to', async () => {
      // Prepare
      const [first, second] = [await refusedPort(), await refusedPort()];
      const { api, events } = client(`http://127.0.0.1:${first}`, {
        backupEndpoint: `http://127.0.0.1:${second}`,
      });

      // Act
      const result = await call(api);

      // Assess
      expect(result).toMatchObject({ kind: 'no_answer', failure: 'unreachable' });
      const message = result === 'ok' ? '' : result.info;
      expect(message).toContain(`127.0.0.1:${first}: connect:`);
      expect(message).toContain(`127.0.0.1:${second}: connect:`);
      expect(`${message} ${JSON.stringify(events)}`).not.toContain(credentials.userSig);
      expect(events.map((event) => event.kind)).toEqual(['failover', 'unreachable']);
    });

    it('raises unreachable without a backup, with no failover', async () => {
      // Prepare
      const api = new HttpTencentApi({
        endpoint: `http://127.0.0.1:${await refusedPort()}`,
        timeoutMs: 400,
      });
      clients.push(api);

      // Act
      const result = await call(api);

      // Assess
      expect(result).toMatchObject({ failure: 'unreachable' });
    });
  });

  describe('the cool-down', () => {
    it(`prefers the backup after ${FAILOVER.switchAfterFailures} connection failures in a row, for ${FAILOVER.coolDownMs / 1000} s, then tries the main again`, async () => {
      // Prepare: a main that resets every connection (counted), and a clock the test moves.
      const resetting = await RawServer.start((socket) => socket.resetAndDestroy());
      cleanups.push(() => resetting.stop());
      let now = 1_000_000;
      const endpoint = `https://127.0.0.1:${resetting.port}`;
      const { api, events } = client(endpoint, { now: () => now });
      const switches = () => events.filter((event) => event.kind === 'switch');

      // Act & Assess: three calls fail over one by one, then the container switches.
      for (let i = 0; i < FAILOVER.switchAfterFailures; i++) expect(await call(api)).toBe('ok');
      expect(resetting.connections).toBe(3);
      expect(switches()).toEqual([
        {
          kind: 'switch',
          preferred: 'backup',
          from: hostOf(endpoint),
          to: hostOf(backup.url),
          why: 'connection_failures',
          failures: 3,
          coolDownSeconds: 60,
        },
      ]);

      // During the cool-down: straight to the backup, the main is not even tried.
      now += FAILOVER.coolDownMs - 1;
      expect(await call(api)).toBe('ok');
      expect(resetting.connections).toBe(3);
      expect(backup.calls).toHaveLength(4);

      // Then the main again: it still fails, so this call fails over, and the count starts again.
      now += 1;
      expect(await call(api)).toBe('ok');
      expect(resetting.connections).toBe(4);
      expect(switches()).toHaveLength(2);
      expect(switches()[1]).toEqual({
        kind: 'switch',
        preferred: 'main',
        from: hostOf(backup.url),
        to: hostOf(endpoint),
        why: 'cool_down_over',
      });
      expect(events.filter((event) => event.kind === 'failover')).toHaveLength(4);
    });
  });
});
