/**
 * A simulator on a clock the tests move, with the admin's UserSig, for the tests of the simulator's
 * moderation APIs: `call` posts a body to an API by name, `control` talks to `/_sim/`.
 */
import {
  API_PATHS,
  type ApiName,
  apiUrl,
  type RunningSimulator,
  type SimulatorOptions,
  signUserSig,
  startSimulator,
} from '../../local/simulator/index.ts';

export const SDK_APP_ID = 1_400_000_000;
export const SECRET_KEY = 'moderation-apis-test-key';
export const ADMIN = 'administrator';
/** Where the clock starts, epoch ms (a whole second). */
export const START_MS = 1_750_000_000_000;
/** The clock at the start, epoch seconds. */
export const START_SECONDS = START_MS / 1000;

/** An answer as JSON: Tencent's envelope and the API's own fields. */
export type Answer = {
  ActionStatus?: string;
  ErrorCode: number;
  ErrorInfo: string;
} & Record<string, unknown>;

/** A UserSig of `identifier` signed at the start of the clock, valid a day. */
export const signAt = (identifier: string, secretKey: string = SECRET_KEY): string =>
  signUserSig({
    sdkAppId: SDK_APP_ID,
    secretKey,
    identifier,
    expireSeconds: 86_400,
    nowSeconds: START_SECONDS,
  });

/** What {@link useSimulator} gives a test file. */
export interface SimulatorHarness {
  /** The simulator (started in `beforeAll`). */
  readonly sim: RunningSimulator;
  /** The clock, epoch ms: back to {@link START_MS} before each test. */
  readonly clock: { ms: number };
  /** The clock, epoch seconds. */
  nowSeconds(): number;
  /**
   * POSTs `body` (JSON unless a string) to an API (by name, or a path) with the admin's URL parameters,
   * `params` overriding them; expects HTTP 200 and returns the JSON answer.
   */
  call(api: ApiName | `/${string}`, body: unknown, params?: Record<string, string>): Promise<Answer>;
  /** A control call: the HTTP status and the JSON answer. */
  control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

/**
 * Starts a simulator for the file (closed after it), reset and with the clock back at the start before
 * each test.
 */
export function useSimulator(
  options: Omit<SimulatorOptions, 'sdkAppId' | 'secretKey' | 'admins' | 'now'>,
): SimulatorHarness {
  const clock = { ms: START_MS };
  const userSig = signAt(ADMIN);
  let running: RunningSimulator | undefined;
  const sim = (): RunningSimulator => {
    if (!running) throw new Error('the simulator is not started');
    return running;
  };

  beforeAll(async () => {
    running = await startSimulator({
      ...options,
      sdkAppId: SDK_APP_ID,
      secretKey: SECRET_KEY,
      admins: [ADMIN],
      now: () => clock.ms,
    });
  });

  afterAll(async () => {
    await running?.close();
  });

  beforeEach(() => {
    sim().reset();
    clock.ms = START_MS;
  });

  return {
    get sim() {
      return sim();
    },
    clock,
    nowSeconds: () => Math.floor(clock.ms / 1000),
    async call(api, body, params = {}) {
      const path = api.startsWith('/') ? api : API_PATHS[api as ApiName];
      const url = new URL(apiUrl(sim().url, { sdkAppId: SDK_APP_ID, identifier: ADMIN, userSig }, path));
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      const response = await fetch(url, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Answer;
    },
    async control(method, path, body) {
      const response = await fetch(`${sim().url}${path}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, json: await response.json() };
    },
  };
}
