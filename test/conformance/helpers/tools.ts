/**
 * The independent implementations the conformance tests run against: moto's server, the AWS CLI v1
 * and cfn-lint, all Python programs found on PATH. None of them is an npm package, so `npm ci` does not
 * install them; when one is missing the run fails and says how to install it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** How to install what the conformance tests need. */
export const INSTALL_HINT = "pip install 'moto[server]' awscli cfn-lint";

const TOOLS = [
  { command: 'moto_server', probe: ['--help'], install: "pip install 'moto[server]'" },
  { command: 'aws', probe: ['--version'], install: 'pip install awscli' },
  { command: 'cfn-lint', probe: ['--version'], install: 'pip install cfn-lint' },
] as const;

/** The tools that do not run, each with the command that installs it; empty when all run. */
export function missingTools(): string[] {
  return TOOLS.filter(({ command, probe }) => {
    const run = spawnSync(command, probe, { encoding: 'utf8', timeout: 60_000 });
    return run.error !== undefined || run.status !== 0;
  }).map(({ command, install }) => `${command} (${install})`);
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller retries if it is taken meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running `moto_server`. */
export interface Moto {
  /** e.g. `http://127.0.0.1:40123`: the SDK's `endpoint`, or `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  /** Stops the server (its process group) and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Starts `moto_server` on a free port of 127.0.0.1 and waits until it answers HTTP. Every service of
 * moto is behind that one endpoint, its state in memory; {@link Moto.close} stops it.
 */
export async function startMoto(): Promise<Moto> {
  let lastOutput = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // A process group of its own, so that close() stops the Python process behind pyenv's shim too.
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4_000);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4_000);
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const stopOnExit = () => kill(child, 'SIGKILL');
    process.once('exit', stopOnExit);
    if (await answers(endpoint, child)) {
      return {
        endpoint,
        async close() {
          process.off('exit', stopOnExit);
          await stop(child);
        },
      };
    }
    process.off('exit', stopOnExit);
    await stop(child);
    lastOutput = output;
  }
  throw new Error(`moto_server did not start on 127.0.0.1: ${lastOutput}`);
}

/** Whether the server answers within 30 s (false as soon as it exits). */
async function answers(endpoint: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  kill(child, 'SIGTERM');
  const timer = setTimeout(() => kill(child, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
