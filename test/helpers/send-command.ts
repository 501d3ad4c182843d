import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The repository's root, where `npm run` finds package.json. */
export const ROOT = join(__dirname, '..', '..');

/** What a child process did. */
export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, collecting its output. */
export function runChild(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} did not end within ${timeoutMs} ms: ${stdout}${stderr}`),
      );
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** npm itself: the one running the tests when there is one, else `npm` on the PATH. */
function npm(): { command: string; prefix: string[] } {
  const cli = process.env.npm_execpath;
  return cli?.endsWith('.js') ? { command: process.execPath, prefix: [cli] } : { command: 'npm', prefix: [] };
}

/** `npm run -s send -- <args>`, as a shell user runs it (`-s`: no npm banner before the JSON). */
export function npmRunSend(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildResult> {
  const { command, prefix } = npm();
  return runChild(command, [...prefix, 'run', '-s', 'send', '--', ...args], env);
}

/** A shell line (an example of the README or docs/), run with `sh -c`, with `npm` meaning the npm running the tests. */
export function runShellLine(line: string, env: NodeJS.ProcessEnv): Promise<ChildResult> {
  const { command, prefix } = npm();
  // `command npm` when it is the PATH's npm: a function named npm calling `npm` would call itself.
  const npmCommand =
    prefix.length === 0 ? 'command npm' : [command, ...prefix].map((part) => `'${part}'`).join(' ');
  return runChild('sh', ['-c', `npm() { ${npmCommand} "$@"; }\n${line}`], env);
}
