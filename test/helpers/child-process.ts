import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/** Resolves with everything the child printed once `pattern` appears in its output. */
export function waitForOutput(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (pattern.test(output)) {
        child.stdout.off('data', onData);
        resolve(output);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited with ${code} before printing: ${output}`)));
  });
}

/**
 * Node's arguments that run a TypeScript entry with tsx's loader in the child itself, so that a kill
 * reaches the program: tsx's own `cli.mjs` runs it in a grandchild, which a SIGKILL of the child leaves
 * running (and holding the test's pipes open).
 */
export const underTsx = (script: string, ...args: string[]): string[] => ['--import', 'tsx', script, ...args];

/**
 * Node's arguments for `npm start` on free ports (the API, the simulator and its backup listener), so
 * that start tests can run side by side, followed by `extra` flags.
 */
export const npmStartOnFreePorts = (...extra: string[]): string[] => [
  ...underTsx('local/start.ts'),
  '--port',
  '0',
  '--simulator-port',
  '0',
  '--simulator-backup-port',
  '0',
  ...extra,
];

/** The environment of a newcomer's shell: none of the test setup's AWS or function settings. */
export function newcomerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(AWS_|POWERTOOLS_)/.test(name)) delete env[name];
  }
  for (const name of [
    'QUEUE_URL',
    'DLQ_URL',
    'LEDGER_TABLE',
    'IM_ENDPOINT',
    'IM_BACKUP_ENDPOINT',
    'IM_SECRET_ID',
  ])
    delete env[name];
  return env;
}
