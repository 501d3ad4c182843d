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
