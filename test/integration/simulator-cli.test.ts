/**
 * `npm run simulator`: starts with the example seed, prints a curl example that works, and stops cleanly
 * on SIGTERM; its flags set the known accounts and the ban switch.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { underTsx, waitForOutput } from '../helpers/child-process';

const ROOT = join(__dirname, '..', '..');

describe('simulator CLI', () => {
  it('prints a curl example that mutes a seeded member, and exits 0 on SIGTERM', async () => {
    // Prepare
    const child = spawn(process.execPath, [...underTsx('local/simulator/main.ts'), '--port', '0'], {
      cwd: ROOT,
    });
    try {
      const output = await waitForOutput(child, /Counters: curl/);
      const url = /curl -s -X POST '([^']+)'/.exec(output)?.[1];
      const body = /-d '([^']+)'/.exec(output)?.[1];
      const membersUrl = /curl -s (http:\S+\/members)/.exec(output)?.[1];
      if (!url || !body || !membersUrl) throw new Error(`no curl example in: ${output}`);

      // Act
      const answer = await (await fetch(url, { method: 'POST', body })).json();
      const members = (await (await fetch(membersUrl)).json()) as Array<{
        account: string;
        mutedUntil: number;
      }>;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [exitCode] = await exited;

      // Assess
      expect(answer).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      const account = (JSON.parse(body) as { Member_Account: string }).Member_Account;
      expect(members.find((m) => m.account === account)?.mutedUntil).toBeGreaterThan(Date.now() / 1000);
      expect(exitCode).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  /** Children of the tests below, killed after each even when the test timed out waiting for them. */
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('takes the known accounts and the ban switch from its flags', async () => {
    // Prepare
    const child = spawn(
      process.execPath,
      [...underTsx('local/simulator/main.ts'), '--port', '0', '--accounts', 'zed, yan', '--bans-disabled'],
      { cwd: ROOT },
    );
    children.push(child);
    const output = await waitForOutput(child, /Counters: curl/);
    const base = /Counters: curl -s (http:\S+)\/_sim\/stats/.exec(output)?.[1];
    if (!base) throw new Error(`no control URL in: ${output}`);

    // Act
    const settings = await (await fetch(`${base}/_sim/settings`)).json();
    const accounts = (await (await fetch(`${base}/_sim/accounts`)).json()) as string[];

    // Assess
    expect(settings).toMatchObject({ banEnabled: false });
    expect(accounts).toEqual(expect.arrayContaining(['zed', 'yan', 'alice']));
  });
});
