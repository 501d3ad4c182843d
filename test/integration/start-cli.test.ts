/**
 * `npm start`: the README's first command. Starts the whole local stack, prints a curl example that works,
 * and stops cleanly on SIGTERM after its in-flight work.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { npmStartOnFreePorts, waitForOutput } from '../helpers/child-process';

const ROOT = join(__dirname, '..', '..');

/** The environment of a newcomer's shell: none of the test setup's function settings. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['IM_ENDPOINT', 'IM_BACKUP_ENDPOINT', 'QUEUE_URL', 'DLQ_URL', 'IM_SECRET_ID'])
    delete env[name];
  return env;
}

describe('npm start', () => {
  it('applies the printed curl example in the simulator, shows it applied on the printed GET, logs its outcome event, and exits 0 on SIGTERM', async () => {
    // Prepare: free ports, so that the test never collides with a running stack.
    const child = spawn(process.execPath, npmStartOnFreePorts(), {
      cwd: ROOT,
      env: { ...childEnv(), POWERTOOLS_LOG_LEVEL: 'INFO' },
    });
    try {
      const output = await waitForOutput(child, /Ctrl-C stops it/);
      const url = /curl -sS -X POST (\S+)/.exec(output)?.[1];
      const body = /-d '([^']+)'/.exec(output)?.[1];
      const membersUrl = /curl -sS (http:\S+\/members)/.exec(output)?.[1];
      const statusUrl = /curl -sS (http:\S+\/v1\/events\/<eventId>)/.exec(output)?.[1];
      if (!url || !body || !membersUrl || !statusUrl) throw new Error(`no curl example in: ${output}`);

      // Act
      const outcomeLogged = waitForOutput(child, /"message":"outcome event".*\n/);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const answer = (await response.json()) as { accepted: { eventId: string }[] };
      const eventId = answer.accepted[0]?.eventId ?? '';
      const outcomeLine = (await outcomeLogged)
        .split('\n')
        .find((line) => line.includes('"message":"outcome event"'));
      const members = (await (await fetch(membersUrl)).json()) as { account: string; nameCard: string }[];
      const status = await fetch(statusUrl.replace('<eventId>', encodeURIComponent(eventId)));
      const item = (await status.json()) as { eventId: string; status: string; attempts: number };
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [exitCode] = await exited;

      // Assess
      expect(response.status).toBe(202);
      const { account, nameCard } = JSON.parse(body) as { account: string; nameCard: string };
      expect(members.find((member) => member.account === account)?.nameCard).toBe(nameCard);
      expect(status.status).toBe(200);
      expect(item).toMatchObject({ eventId, status: 'applied', attempts: 1 });
      expect(outcomeLine).toBeDefined();
      expect(JSON.parse(outcomeLine ?? '{}')).toMatchObject({
        message: 'outcome event',
        eventBusName: 'bridge-local-bus',
        source: 'moderation-bridge',
        'detail-type': 'Moderation Event Applied',
        detail: { eventId, status: 'applied', account, action: 'set_name_card' },
      });
      expect(exitCode).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('with --mute-api forbid_send_msg, mutes the viewers of the printed live-stream example through forbid_send_msg', async () => {
    // Prepare
    const child = spawn(process.execPath, npmStartOnFreePorts('--mute-api', 'forbid_send_msg'), {
      cwd: ROOT,
      env: childEnv(),
    });
    try {
      const output = await waitForOutput(child, /Ctrl-C stops it/);
      const url = /curl -sS -X POST (\S+)/.exec(output)?.[1];
      const body = [...output.matchAll(/-d '([^']+)'/g)].find(([, data]) =>
        data?.includes('live-room-1'),
      )?.[1];
      const membersUrl = /curl -sS (http:\S+\/live-room-1\/members)/.exec(output)?.[1];
      if (!url || !body || !membersUrl) throw new Error(`no live-stream example in: ${output}`);

      // Act
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const { events } = JSON.parse(body) as { events: { account: string }[] };
      const muted = async () => {
        const members = (await (await fetch(membersUrl)).json()) as { account: string; mutedUntil: number }[];
        return events.every(({ account }) =>
          members.some((member) => member.account === account && member.mutedUntil > Date.now() / 1000),
        );
      };
      const deadline = Date.now() + 10_000;
      let applied = await muted();
      while (!applied && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 100));
        applied = await muted();
      }
      const calls = (await (await fetch(membersUrl.replace(/\/_sim\/.*/, '/_sim/calls'))).json()) as {
        path: string;
      }[];
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [exitCode] = await exited;

      // Assess
      expect(output).toContain('Mutes      forbid_send_msg (MUTE_API)');
      expect(response.status).toBe(202);
      expect(applied).toBe(true);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((call) => call.path === '/v4/group_open_http_svc/forbid_send_msg')).toBe(true);
      expect(exitCode).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stops at start with a message naming the valid values of a bad --mute-api', async () => {
    // Act
    const child = spawn(process.execPath, npmStartOnFreePorts('--mute-api', 'forbid'), {
      cwd: ROOT,
      env: childEnv(),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const [exitCode] = await once(child, 'exit');

    // Assess
    expect(exitCode).toBe(1);
    expect(stderr).toContain(
      "MUTE_API must be one of modify_group_member_info, forbid_send_msg, got 'forbid'",
    );
  });
});
