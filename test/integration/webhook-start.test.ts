/**
 * `npm start -- --auth webhook`: the local stack in webhook mode. The command it prints, and the
 * example of "Signed webhooks" in docs/deploying.md, are run as a user would paste them (through `sh`), and the
 * event they send is applied in the simulator.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { npmStartOnFreePorts, waitForOutput } from '../helpers/child-process';
import { readDoc, sectionOf } from '../helpers/docs';

const ROOT = join(__dirname, '..', '..');
// Each test runs `npm run` once or twice (a few seconds each on a busy machine).
jest.setTimeout(90_000);

/** The environment of a newcomer's shell: none of the test setup's function settings. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'IM_ENDPOINT',
    'QUEUE_URL',
    'DLQ_URL',
    'IM_SECRET_ID',
    'WEBHOOK_SECRET_NAME',
    'WEBHOOK_SECRET',
  ]) {
    delete env[name];
  }
  return env;
}

/** Runs a shell command line in the repository; resolves with its output and exit code. */
function shell(command: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd: ROOT, env: childEnv() }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ stdout, stderr, code });
    });
  });
}

/** The "Signed webhooks" section of docs/deploying.md. */
const webhookSection = (): string => sectionOf(readDoc('docs/deploying.md'), '## Signed webhooks');

describe('npm start -- --auth webhook', () => {
  let child: ChildProcessWithoutNullStreams;
  let banner: string;

  beforeAll(async () => {
    child = spawn(process.execPath, npmStartOnFreePorts('--auth', 'webhook'), {
      cwd: ROOT,
      env: { ...childEnv(), POWERTOOLS_LOG_LEVEL: 'INFO' },
    });
    banner = await waitForOutput(child, /Ctrl-C stops it/);
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });

  const secretOf = (text: string) => /^\s+(whsec_[A-Za-z0-9+/=]+)$/m.exec(text)?.[1];
  const apiOf = (text: string) => /POST (http:\/\/127\.0\.0\.1:\d+)\/v1\/events/.exec(text)?.[1];

  it('prints a development secret and a command that signs and sends an event, which is applied', async () => {
    // Prepare
    const command = /^ {2}(WEBHOOK_SECRET=.+ \\\n\s+'[^']+')$/m.exec(banner)?.[1];
    const simulator = /Tencent\s+(http:\S+) \(simulator/.exec(banner)?.[1];
    const api = apiOf(banner);
    if (command === undefined || simulator === undefined || api === undefined) {
      throw new Error(`no webhook command in: ${banner}`);
    }

    // Act
    const outcome = waitForOutput(child, /"message":"outcome event".*\n/);
    const sent = await shell(command);
    const answer = JSON.parse(sent.stdout) as { accepted: { eventId: string }[] };
    const eventId = answer.accepted[0]?.eventId ?? '';
    await outcome;
    // GET stays IAM in webhook mode: the printed curl signs it with the local credentials.
    const statusCurl = /^ {2}(curl -sS .*\/v1\/events\/)<eventId>/m.exec(banner)?.[1];
    const status = await shell(`${statusCurl ?? 'false '}${encodeURIComponent(eventId)}`);
    const members = (await (await fetch(`${simulator}/_sim/groups/%40TGS%232CLUZEAEJ/members`)).json()) as {
      account: string;
      nameCard: string;
    }[];

    // Assess: the eventId is the delivery's webhook-id, which the command made.
    expect(secretOf(banner)).toMatch(/^whsec_/);
    expect(sent.code).toBe(0);
    expect(eventId).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(statusCurl).toContain('--aws-sigv4');
    expect(JSON.parse(status.stdout)).toMatchObject({ eventId, status: 'applied' });
    expect(members.find((member) => member.account === 'bob')?.nameCard).toBe('Bob (muted)');
  });

  it("runs the docs' example as documented: accepted, then its redelivery a duplicate", async () => {
    // Prepare: the documented command, with this start's secret and port.
    const section = webhookSection();
    const example =
      /^(WEBHOOK_SECRET='whsec_\.\.\.' npm run --silent webhook:send -- .+ \\\n\s+'[^']+'.*)$/m.exec(
        section,
      )?.[1];
    const answers = [...section.matchAll(/^# (\{"accepted".*\})$/gm)].map((match) => match[1]);
    const secret = secretOf(banner);
    const api = apiOf(banner);
    if (example === undefined || secret === undefined || api === undefined || answers.length !== 2) {
      throw new Error('the documented example, its two answers, or the printed secret are missing');
    }
    const command = example.replace("'whsec_...'", `'${secret}'`).replace('http://127.0.0.1:3000', api);

    // Act
    const first = await shell(command);
    const again = await shell(command);

    // Assess
    expect([first.code, again.code]).toEqual([0, 0]);
    expect([JSON.parse(first.stdout), JSON.parse(again.stdout)]).toEqual(
      answers.map((answer) => JSON.parse(answer ?? '')),
    );
  });

  it('prints with --curl a curl that sends the signed delivery (a body from stdin), and refuses a bad secret with exit code 2', async () => {
    // Prepare
    const api = apiOf(banner) ?? '';
    const secret = secretOf(banner) ?? '';
    const body = '{"groupId": "@TGS#2CLUZEAEJ", "account": "carol", "action": "unmute"}';

    // Act
    const printed = await shell(
      `printf '%s' '${body}' | WEBHOOK_SECRET='${secret}' npm run --silent webhook:send -- ${api}/v1/events - --id curl-1 --curl`,
    );
    const sent = await shell(printed.stdout.trim());
    const notBase64 = await shell(
      `WEBHOOK_SECRET='whsec_not base64!' npm run --silent webhook:send -- ${api}/v1/events '${body}'`,
    );
    const noPrefix = await shell(
      `WEBHOOK_SECRET='${secret.slice('whsec_'.length)}' npm run --silent webhook:send -- ${api}/v1/events '${body}'`,
    );

    // Assess
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(
      /^curl -sS -X POST '[^']+' -H 'content-type: application\/json' -H 'webhook-id: curl-1' -H 'webhook-timestamp: \d+' -H 'webhook-signature: v1,[A-Za-z0-9+/=]+' --data-binary '[^']+'\n$/,
    );
    expect([sent.code, JSON.parse(sent.stdout)]).toEqual([0, { accepted: [{ eventId: 'curl-1' }] }]);
    for (const refused of [notBase64, noPrefix]) {
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^WEBHOOK_SECRET must be a signing secret, whsec_<base64>\n/);
      expect(refused.stdout).toBe('');
    }
  });

  it('refuses the same command with another secret: 401, exit code 1', async () => {
    // Prepare
    const api = apiOf(banner) ?? '';
    const other = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

    // Act
    const sent = await shell(
      `WEBHOOK_SECRET='${other}' npm run --silent webhook:send -- ${api}/v1/events '{"groupId": "@TGS#2CLUZEAEJ", "account": "bob", "action": "unmute"}'`,
    );

    // Assess
    expect(sent.code).toBe(1);
    expect(JSON.parse(sent.stdout).message).toMatch(/^webhook-signature does not match/);
    expect(sent.stderr).toContain('HTTP 401');
  });
});
