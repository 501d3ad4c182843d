/**
 * The Tencent Cloud Chat simulator: an HTTP server on 127.0.0.1 that answers the REST APIs of the bridge
 * as Tencent documents them (`routes.ts` lists them, one file each: member fields, bulk mutes, removal,
 * bans, the mute-all flag, recall, deleting a sender's messages, account-wide mutes, kick), keeps the
 * state they change (`state.ts`), enforces the per-second limit (one budget for every API: whether
 * Tencent counts them apart is not documented) and injects faults on demand, whichever the API. A control
 * API under `/_sim/` shows the state and the counters and changes the state, the settings and the faults
 * (`control.ts`). A second listener can stand for the region's backup domain, and either can be made to
 * refuse connections (`listeners.ts`).
 *
 * Checks run in this order; the first that fails answers (HTTP 200, Tencent's body):
 * path (60009 unknown service, 10003 unknown command of the group service) → method POST (60002) →
 * `sdkappid` (60012 missing, 60006 not a number, 70020 not this app) → calls-per-second limit (60007) →
 * `identifier`, `usersig`, `random` (uint32) and `contenttype=json` present and well-formed (60025) →
 * UserSig (70003, 70014, 70013, 70009, 70001) → identifier is an admin (60010; 70403 for kick) → body
 * size (80002) → JSON (60003; 130001 for openconfigsvr) → the API's body rules, in its file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiAnswer, type ApiOutcome, fail, refuse } from './answer.ts';
import { stateControl } from './control.ts';
import {
  type FaultConfig,
  type FaultDecision,
  FaultPlanner,
  parseFaultConfig,
  type ScriptedFault,
} from './faults.ts';
import { type Domain, DomainListener, domainControl } from './listeners.ts';
import { RateLimiter, type RateLimitWindow } from './rate-limit.ts';
import { API_PATHS, GROUP_SERVICE, ROUTES } from './routes.ts';
import {
  parseSeed,
  type SeedGroup,
  type SimulatorSettings,
  SimulatorState,
  type StateSetup,
} from './state.ts';
import { UserSigVerifier } from './usersig.ts';

/** Path of `modify_group_member_info`. */
export const API_PATH = API_PATHS.modify_group_member_info;

/** Path of `forbid_send_msg` (bulk muting and unmuting). */
export const FORBID_PATH = API_PATHS.forbid_send_msg;

/** Options of {@link startSimulator}. */
export interface SimulatorOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /**
   * A second listener standing for the region's backup domain, with the same app, state and rate
   * limit; `port` 0 picks a free one. @default none
   */
  backup?: { port?: number };
  /** The app's SDKAppID. */
  sdkAppId: number;
  /** The app's secret key, which UserSigs are signed with. */
  secretKey: string;
  /** App admin accounts allowed as `identifier` (Tencent allows up to 10). */
  admins: readonly string[];
  /** Groups to start with (and to return to on reset). @default none */
  groups?: readonly SeedGroup[];
  /**
   * Accounts the app knows besides the members of `groups` (kick answers 70107 for others; members of
   * any group, message senders and accounts added through `POST /_sim/accounts` are known too).
   * @default none
   */
  accounts?: readonly string[];
  /** The app's edition and console settings (ban switch, recall ages). @default {@link DEFAULT_SETTINGS} */
  settings?: Partial<SimulatorSettings>;
  /** Calls per second before 60007. @default 200 */
  limitPerSecond?: number;
  /** How the limit counts. @default 'sliding' */
  rateLimitWindow?: RateLimitWindow;
  /** Faults to start with. @default none */
  faults?: FaultConfig;
  /** Keys allowed in AppMemberDefinedData (enabled in the console). @default any key */
  memberDefinedKeys?: readonly string[];
  /** Largest body, bytes; larger answers 80002. @default 65536 */
  maxBodyBytes?: number;
  /** Calls kept in the call log (oldest dropped first). @default 50000 */
  callLogLimit?: number;
  /** Clock, epoch milliseconds (UserSig expiry, MuteTime, rate limit). @default Date.now */
  now?: () => number;
}

/** Counters since start or the last reset. */
export interface SimulatorStats {
  /** API requests received (everything not under `/_sim/`). */
  calls: number;
  /** API requests by the listener they came to: Tencent's main domain or the backup one. */
  byDomain: Record<Domain, number>;
  /** Calls answered with a Tencent body (HTTP 200), by `ErrorCode` (`"0"` is success). */
  byCode: Record<string, number>;
  /** Calls that changed the state (including those whose answer a fault then replaced). */
  applied: number;
  /** Calls refused with 60007. */
  rateLimited: number;
  /**
   * Injected faults by kind; `delayed` counts calls given added latency; `appliedBeforeFault` counts calls
   * that changed the state although the client got a fault ("applied, answer lost"). A call faulted
   * without being processed does not count against the rate limit.
   */
  faults: {
    error: number;
    http: number;
    timeout: number;
    drop: number;
    delayed: number;
    appliedBeforeFault: number;
  };
}

/** One API call as logged: never the UserSig. */
export interface CallLogEntry {
  /** 1-based order of arrival. */
  seq: number;
  /** The listener it came to. */
  domain: Domain;
  /** Arrival time, epoch ms (from the `now` clock). */
  at: number;
  method: string;
  path: string;
  /** The URL parameters other than `usersig`, which is only reported as present or not. */
  params: { sdkappid?: string; identifier?: string; random?: string; contenttype?: string; usersig: boolean };
  /** The JSON body, or its text (first 1000 characters) when it is not JSON. */
  body: unknown;
  /** What the client got. */
  outcome: 'answered' | 'http' | 'timeout' | 'drop';
  /** HTTP status sent (`answered` is 200); absent for timeouts and drops. */
  httpStatus?: number;
  /** `ErrorCode` sent, for `answered`. */
  errorCode?: number;
  /** `ErrorCode` the call itself produced when it was processed (differs from `errorCode` under a fault). */
  resultCode?: number;
  /** Whether the call changed the state. */
  applied: boolean;
  /** The injected fault, if any. */
  fault?: 'error' | 'http' | 'timeout' | 'drop';
  /** Whether the fault came from the script. */
  scripted: boolean;
  /** Added latency, ms. */
  delayMs: number;
}

/** A started simulator. */
export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:8090` (the `IM_ENDPOINT` of the bridge). */
  readonly url: string;
  readonly port: number;
  /** Base URL of the backup domain's listener (the bridge's `IM_BACKUP_ENDPOINT`), if one was asked for. */
  readonly backupUrl: string | undefined;
  /** Makes a domain's listener refuse connections (`false`) or listen again on its port (`true`). */
  setReachable(domain: Domain, reachable: boolean): Promise<void>;
  /**
   * The state: groups and members (`getGroup`, `getMember`, `listGroups`, `putGroup`), bans
   * (`listBans`), messages (`postMessage`, `listMessages`), removals, known accounts, account-wide mutes,
   * kicks and the app's settings (`settings`, `setSettings`).
   */
  readonly state: SimulatorState;
  /** A copy of the counters. */
  readonly stats: SimulatorStats;
  /** The call log, oldest first (live, read-only). */
  readonly calls: readonly CallLogEntry[];
  /** Replaces the fault configuration (script included; the PRNG is reseeded). */
  setFaults(faults: FaultConfig): void;
  /** Queues scripted outcomes for the next calls, after those already queued. */
  scriptFaults(...faults: ScriptedFault[]): void;
  /** The fault configuration, with the script entries not yet used. */
  faults(): FaultConfig;
  /**
   * Back to the seed groups, the start accounts, settings and faults; bans, messages, removals,
   * account-wide mutes and kicks, counters, call log and rate window cleared.
   */
  reset(): void;
  /** Stops listening, ends every connection (held ones included) and waits for the server to close. */
  close(): Promise<void>;
}

const EMPTY_STATS = (): SimulatorStats => ({
  calls: 0,
  byDomain: { main: 0, backup: 0 },
  byCode: {},
  applied: 0,
  rateLimited: 0,
  faults: { error: 0, http: 0, timeout: 0, drop: 0, delayed: 0, appliedBeforeFault: 0 },
});

const UINT32 = /^\d{1,10}$/;

class BodyTooLarge {}

/** Reads the whole body; {@link BodyTooLarge} over `limit` bytes, `undefined` when the client went away. */
function readBody(req: IncomingMessage, limit: number): Promise<string | BodyTooLarge | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? new BodyTooLarge() : Buffer.concat(chunks).toString('utf8')));
    req.on('close', () => resolve(undefined));
    req.on('error', () => resolve(undefined));
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

class Simulator implements RunningSimulator {
  readonly state: SimulatorState;
  private readonly listeners: { main: DomainListener; backup?: DomainListener };
  private readonly planner: FaultPlanner;
  private readonly verifier: UserSigVerifier;
  private readonly admins: ReadonlySet<string>;
  private readonly memberDefinedKeys?: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly seed: SeedGroup[];
  private readonly setup: StateSetup;
  private limiter: RateLimiter;
  private counters = EMPTY_STATS();
  private log: CallLogEntry[] = [];
  /** Pending delays and holds, ended early by `close()`. */
  private readonly waits = new Set<() => void>();
  private closing = false;

  constructor(private readonly options: SimulatorOptions) {
    this.seed = parseSeed([...(options.groups ?? [])]);
    this.setup = { accounts: options.accounts, settings: options.settings };
    this.state = new SimulatorState(this.seed, this.setup);
    this.planner = new FaultPlanner(options.faults ?? {});
    this.verifier = new UserSigVerifier(options.secretKey);
    this.admins = new Set(options.admins);
    this.memberDefinedKeys = options.memberDefinedKeys && new Set(options.memberDefinedKeys);
    this.now = options.now ?? Date.now;
    this.limiter = this.newLimiter();
    const handle = (req: IncomingMessage, res: ServerResponse, domain: Domain): void => {
      this.route(req, res, domain).catch((error: unknown) => {
        console.error('simulator: request failed', error);
        if (!res.headersSent) sendJson(res, 500, { error: 'simulator error' });
        else res.destroy();
      });
    };
    this.listeners = {
      main: new DomainListener('main', handle, options.port ?? 0),
      ...(options.backup ? { backup: new DomainListener('backup', handle, options.backup.port ?? 0) } : {}),
    };
  }

  get url(): string {
    return this.listeners.main.url;
  }

  get port(): number {
    return this.listeners.main.port;
  }

  get backupUrl(): string | undefined {
    return this.listeners.backup?.url;
  }

  async setReachable(domain: Domain, reachable: boolean): Promise<void> {
    const listener = this.listeners[domain];
    if (!listener) throw new Error(`the simulator has no ${domain} listener`);
    await (reachable ? listener.open() : listener.refuse());
  }

  get stats(): SimulatorStats {
    return structuredClone(this.counters);
  }

  get calls(): readonly CallLogEntry[] {
    return this.log;
  }

  async listen(): Promise<void> {
    await this.listeners.main.open();
    await this.listeners.backup?.open();
  }

  setFaults(faults: FaultConfig): void {
    this.planner.set(faults);
  }

  scriptFaults(...faults: ScriptedFault[]): void {
    this.planner.push(...faults);
  }

  faults(): FaultConfig {
    return this.planner.current();
  }

  reset(): void {
    this.state.reset(this.seed, this.setup);
    this.planner.set(this.options.faults ?? {});
    this.limiter = this.newLimiter();
    this.counters = EMPTY_STATS();
    this.log = [];
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const end of this.waits) end();
    await Promise.all([this.listeners.main.close(), this.listeners.backup?.close()]);
  }

  private newLimiter(): RateLimiter {
    return new RateLimiter(this.options.limitPerSecond ?? 200, this.options.rateLimitWindow ?? 'sliding');
  }

  /**
   * Waits `ms`; with `ms` undefined, until `until` (the response) closes. `close()` ends every wait at once.
   * A plain delay does not end when the client gives up: Tencent goes on with a call whose client left.
   */
  private wait(ms: number | undefined, until?: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const end = (): void => {
        clearTimeout(timer);
        until?.off('close', end);
        this.waits.delete(end);
        resolve();
      };
      this.waits.add(end);
      if (ms !== undefined) timer = setTimeout(end, ms);
      else if (!until || until.destroyed) end();
      else until.on('close', end);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse, domain: Domain): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
      await this.control(req, res, url);
    } else {
      await this.api(req, res, url, domain);
    }
  }

  private async api(req: IncomingMessage, res: ServerResponse, url: URL, domain: Domain): Promise<void> {
    const at = this.now();
    const body = await readBody(req, this.options.maxBodyBytes ?? 65_536);
    if (body === undefined) return;
    this.counters.calls += 1;
    this.counters.byDomain[domain] += 1;
    const decision = this.planner.next();
    if (decision.delayMs > 0) {
      this.counters.faults.delayed += 1;
      await this.wait(decision.delayMs);
    }
    if (this.closing) return;
    const { fault } = decision;
    const outcome =
      !fault || decision.applyBeforeFault ? this.process(req.method ?? '', url, body) : undefined;
    if (outcome?.applied) this.counters.applied += 1;
    const entry = this.logEntry(req, url, body, at, decision, outcome, domain);
    if (!fault) {
      if (outcome) this.answer(res, entry, outcome.answer);
      return;
    }
    this.counters.faults[fault.kind] += 1;
    if (outcome?.applied) this.counters.faults.appliedBeforeFault += 1;
    switch (fault.kind) {
      case 'error':
        this.answer(res, entry, fail(fault.code, 'internal server error, please retry'));
        return;
      case 'http':
        entry.outcome = 'http';
        entry.httpStatus = fault.status;
        if (!res.destroyed) {
          res.writeHead(fault.status, { 'content-type': 'text/html' });
          res.end(`<html><body><h1>${fault.status}</h1><p>simulated gateway error</p></body></html>`);
        }
        return;
      case 'timeout':
        entry.outcome = 'timeout';
        await this.wait(fault.holdMs, res);
        res.destroy();
        return;
      case 'drop':
        entry.outcome = 'drop';
        res.destroy();
        return;
    }
  }

  private answer(res: ServerResponse, entry: CallLogEntry, answer: ApiAnswer): void {
    entry.httpStatus = 200;
    entry.errorCode = answer.ErrorCode;
    const code = String(answer.ErrorCode);
    this.counters.byCode[code] = (this.counters.byCode[code] ?? 0) + 1;
    sendJson(res, 200, answer);
  }

  private logEntry(
    req: IncomingMessage,
    url: URL,
    body: string | BodyTooLarge,
    at: number,
    decision: FaultDecision,
    outcome: ApiOutcome | undefined,
    domain: Domain,
  ): CallLogEntry {
    const q = url.searchParams;
    const param = (name: string): string | undefined => q.get(name) ?? undefined;
    let logged: unknown = '(body too large)';
    if (typeof body === 'string') {
      try {
        logged = JSON.parse(body);
      } catch {
        logged = body.slice(0, 1000);
      }
    }
    const entry: CallLogEntry = {
      seq: this.counters.calls,
      domain,
      at,
      method: req.method ?? '',
      path: url.pathname,
      params: {
        sdkappid: param('sdkappid'),
        identifier: param('identifier'),
        random: param('random'),
        contenttype: param('contenttype'),
        usersig: q.has('usersig'),
      },
      body: logged,
      outcome: 'answered',
      resultCode: outcome?.answer.ErrorCode,
      applied: outcome?.applied ?? false,
      fault: decision.fault?.kind,
      scripted: decision.scripted,
      delayMs: decision.delayMs,
    };
    this.log.push(entry);
    if (this.log.length > (this.options.callLogLimit ?? 50_000)) this.log.shift();
    return entry;
  }

  /** Judges and applies one call; see the module comment for the order of the checks. */
  private process(method: string, url: URL, body: string | BodyTooLarge): ApiOutcome {
    const route = ROUTES.get(url.pathname);
    if (!route) {
      return url.pathname.startsWith(GROUP_SERVICE)
        ? refuse(10003, `invalid command word: ${url.pathname}`)
        : refuse(60009, `request resource error: ${url.pathname}`);
    }
    if (method !== 'POST')
      return refuse(60002, `HTTP parse error: method ${method} is not supported, use POST`);

    const q = url.searchParams;
    const sdkAppId = q.get('sdkappid');
    if (!sdkAppId) return refuse(60012, 'sdkappid is missing');
    if (!/^\d+$/.test(sdkAppId)) return refuse(60006, `sdkappid ${sdkAppId} is invalid`);
    if (Number(sdkAppId) !== this.options.sdkAppId) return refuse(70020, `sdkappid ${sdkAppId} not found`);

    const nowMs = this.now();
    if (!this.limiter.tryAcquire(nowMs)) {
      this.counters.rateLimited += 1;
      return refuse(60007, 'REST API call frequency over the limit');
    }

    const identifier = q.get('identifier');
    const userSig = q.get('usersig');
    const random = q.get('random');
    if (!identifier) return refuse(60025, 'identifier is missing');
    if (!userSig) return refuse(60025, 'usersig is missing');
    if (!random || !UINT32.test(random) || Number(random) > 4_294_967_295) {
      return refuse(60025, 'random must be an unsigned 32-bit integer');
    }
    if (q.get('contenttype') !== 'json') return refuse(60025, 'contenttype must be json');

    const nowSeconds = Math.floor(nowMs / 1000);
    const sig = this.verifier.verify(userSig, this.options.sdkAppId, identifier, nowSeconds);
    if (!sig.ok) return refuse(sig.code, sig.info);
    if (!this.admins.has(identifier)) {
      return refuse(route.notAdminCode ?? 60010, `${identifier} is not an app admin`);
    }

    if (body instanceof BodyTooLarge) return refuse(80002, 'request body is too large');
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return refuse(route.parseErrorCode ?? 60003, 'json parse error: the body is not valid JSON');
    }
    return route.handle(json, { state: this.state, nowSeconds, memberDefinedKeys: this.memberDefinedKeys });
  }

  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? '';
    const path = url.pathname;
    const readJson = async (): Promise<unknown> => {
      const body = await readBody(req, 10_485_760);
      if (body === undefined || body instanceof BodyTooLarge) throw new Error('body missing or too large');
      return body === '' ? {} : JSON.parse(body);
    };
    try {
      const send = (status: number, value: unknown) => sendJson(res, status, value);
      if (await domainControl(this.listeners, req, res, path, readJson, send)) return;
      const nowSeconds = () => Math.floor(this.now() / 1000);
      if (await stateControl(this.state, req, path, readJson, send, nowSeconds)) return;
      if (method === 'GET' && path === '/_sim/health') return sendJson(res, 200, { ok: true });
      if (method === 'GET' && path === '/_sim/stats') return sendJson(res, 200, this.counters);
      if (method === 'GET' && path === '/_sim/calls') {
        const limit = Number(url.searchParams.get('limit') ?? 100);
        return sendJson(res, 200, this.log.slice(-Math.max(1, limit)));
      }
      if (method === 'GET' && path === '/_sim/faults') return sendJson(res, 200, this.faults());
      if (method === 'POST' && path === '/_sim/faults') {
        this.setFaults(parseFaultConfig(await readJson()));
        return sendJson(res, 200, this.faults());
      }
      if (method === 'POST' && path === '/_sim/faults/script') {
        const list = await readJson();
        this.scriptFaults(...(parseFaultConfig({ script: list }).script ?? []));
        return sendJson(res, 200, this.faults());
      }
      if (method === 'POST' && path === '/_sim/reset') {
        this.reset();
        return sendJson(res, 200, { ok: true });
      }
      sendJson(res, 404, { error: `no control route ${method} ${path}` });
    } catch (error) {
      sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

/**
 * Starts a simulator on 127.0.0.1.
 * @example
 * const sim = await startSimulator({ sdkAppId: 1400000000, secretKey: 'dev-key', admins: ['administrator'],
 *   groups: [{ groupId: '@TGS#2CLUZEAEJ', owner: 'alice', members: ['bob'] }] });
 * // ... POST `${sim.url}/v4/group_open_http_svc/modify_group_member_info?...`
 * sim.state.getMember('@TGS#2CLUZEAEJ', 'bob');
 * await sim.close();
 */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const simulator = new Simulator(options);
  await simulator.listen();
  return simulator;
}

/** Parameters of {@link apiUrl}. */
export interface ApiUrlParams {
  sdkAppId: number;
  identifier: string;
  userSig: string;
  /** @default a fresh random uint32 */
  random?: number;
}

/**
 * The full URL of an API for a base URL (the simulator's `url`, or a Tencent domain): of
 * `modify_group_member_info` unless `path` says otherwise (such as {@link FORBID_PATH}).
 */
export function apiUrl(baseUrl: string, params: ApiUrlParams, path: string = API_PATH): string {
  const query = new URLSearchParams({
    sdkappid: String(params.sdkAppId),
    identifier: params.identifier,
    usersig: params.userSig,
    random: String(params.random ?? Math.floor(Math.random() * 4_294_967_296)),
    contenttype: 'json',
  });
  return `${baseUrl.replace(/\/+$/, '')}${path}?${query}`;
}
