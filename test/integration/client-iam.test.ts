/**
 * The typed client and `npm run send` against the local stack in `iam` mode: the local API checks each
 * request's SigV4 signature against the stack's credentials, so the client signs for real (with the
 * default credential chain, which finds the stack's AWS_ACCESS_KEY_ID in the environment).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  BridgeClient,
  type BridgeClientOptions,
  type BridgeEvent,
  BridgeRejectedError,
} from '../../client/index.ts';
import { describeLocalAuth } from '../../local/api-auth.ts';
import { LOCAL_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { readDoc, sectionOf } from '../helpers/docs';
import { first503, queueDrained, sendNameCard, waitFor } from '../helpers/local-stack';
import { npmRunSend, ROOT, runChild, runShellLine } from '../helpers/send-command';

const GROUP = '@TGS#2CLUZEAEJ';
let stack: LocalStack;
let eventsUrl: string;

beforeAll(async () => {
  stack = await startLocalStack({
    apiAuth: { mode: 'iam' },
    simulator: {
      groups: [{ groupId: GROUP, type: 'Public', owner: 'alice', members: ['bob', 'carol', 'dave', 'erin'] }],
    },
  });
  eventsUrl = `${stack.apiUrl}/v1/events`;
});

afterAll(async () => {
  await stack.close();
});

const clientOf = (options: Partial<BridgeClientOptions> = {}) =>
  new BridgeClient({ url: eventsUrl, auth: { kind: 'iam' }, ...options });
const member = (account: string) => stack.simulator?.state.getMember(GROUP, account);
const queued = () => stack.sqs.inspect(LOCAL_NAMES.queue).messages.length;

describe('BridgeClient in IAM mode', () => {
  it('sends signed events, which are applied; a resend is a duplicate; status shows them applied', async () => {
    // Prepare
    const client = clientOf();
    const events: BridgeEvent[] = [
      {
        eventId: 'iam-mute',
        groupId: GROUP,
        account: 'bob',
        action: 'mute',
        durationSeconds: 600,
        reason: 'spam',
      },
      { groupId: GROUP, account: 'bob', action: 'set_name_card', nameCard: 'Bob (iam)' },
    ];
    const before = Math.floor(Date.now() / 1000);

    // Act
    const sent = await client.send(events);
    const resent = await client.send(events[0] ?? []);
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');
    const statuses = await Promise.all(sent.results.map(({ eventId }) => client.status(eventId)));

    // Assess
    expect(sent.attempts).toBe(1);
    expect(sent.results).toEqual([
      { eventId: 'iam-mute', outcome: 'accepted' },
      { eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), outcome: 'accepted' },
    ]);
    expect(resent.results).toEqual([{ eventId: 'iam-mute', outcome: 'duplicate' }]);
    expect(statuses.map((status) => [status?.eventId, status?.status, status?.attempts])).toEqual([
      ['iam-mute', 'applied', 1],
      [sent.results[1]?.eventId, 'applied', 1],
    ]);
    expect(member('bob')?.mutedUntil).toBeGreaterThanOrEqual(before + 599);
    expect(member('bob')?.nameCard).toBe('Bob (iam)');
    expect(await client.status('never-sent')).toBeUndefined();
  });

  it('throws a 400 with its issues, typed, and enqueues nothing', async () => {
    // Prepare
    const calls = stack.simulator?.stats.calls;

    // Act
    const error = await clientOf()
      .send([
        { groupId: GROUP, account: 'bob', action: 'unmute' },
        { groupId: GROUP, account: 'bob', action: 'mute', durationSeconds: 0 },
      ])
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(BridgeRejectedError);
    expect(error).toMatchObject({
      status: 400,
      message: 'invalid request: 1 invalid field',
      issues: [{ path: 'events[1].durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
      issueCount: 1,
    });
    expect(queued()).toBe(0);
    expect(stack.simulator?.stats.calls).toBe(calls);
  });

  it('retries a 503 whose request got through with the same eventId: the event is applied once', async () => {
    // Prepare: the first attempt reaches the bridge (recorded, enqueued), but its answer is replaced by a 503.
    const notices: number[] = [];
    const client = clientOf({ fetch: first503(true), onRetry: (notice) => notices.push(notice.status ?? 0) });

    // Act
    const outcome = await sendNameCard(stack, client, {
      groupId: GROUP,
      account: 'carol',
      nameCard: 'once-1',
    });

    // Assess
    expect(notices).toEqual([503]);
    expect(outcome).toEqual({
      results: [{ eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), outcome: 'accepted' }],
      attempts: 2,
      calls: { calls: 1, applied: 1 },
      ledger: { attempts: 1, applied: 1 },
    });
  });

  it('retries a 503 whose request did not get through: the retry is the one applied', async () => {
    // Act
    const outcome = await sendNameCard(stack, clientOf({ fetch: first503(false) }), {
      groupId: GROUP,
      account: 'dave',
      nameCard: 'once-2',
    });

    // Assess
    expect(outcome).toMatchObject({
      results: [{ outcome: 'accepted' }],
      attempts: 2,
      calls: { calls: 1, applied: 1 },
    });
  });

  it('is refused with 403 when signed with another secret, or not signed, and nothing is recorded', async () => {
    // Prepare
    const wrong = clientOf({
      auth: { kind: 'iam', credentials: { accessKeyId: 'local', secretAccessKey: 'not-the-local-secret' } },
    });

    // Act
    const refused = await wrong
      .send({ eventId: 'wrong-signature', groupId: GROUP, account: 'erin', action: 'unmute' })
      .catch((caught: unknown) => caught);
    const statusRefused = await wrong.status('iam-mute').catch((caught: unknown) => caught);
    const unsigned = await fetch(eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ groupId: GROUP, account: 'erin', action: 'unmute' }),
    });

    // Assess
    expect(refused).toBeInstanceOf(BridgeRejectedError);
    expect(refused).toMatchObject({ status: 403 });
    expect((refused as Error).message).toMatch(
      /^The request signature we calculated does not match the signature you provided\./,
    );
    expect((refused as Error).message).not.toContain('not-the-local-secret');
    expect(statusRefused).toMatchObject({ status: 403 });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await unsigned.json()).toEqual({ message: 'Missing Authentication Token' });
    expect(await stack.ledgerItem('wrong-signature')).toBeUndefined();
    expect(queued()).toBe(0);
  });
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('npm run send in IAM mode', () => {
  const env = () => ({ ...process.env, BRIDGE_URL: eventsUrl });
  const member = ['--group', GROUP, '--account', 'erin'];

  it('prints JSON and exits 0 for accepted and for a duplicate, 3 for a rejection, 5 for an unknown event', async () => {
    // Act
    const accepted = await npmRunSend(
      ['mute', ...member, '--duration', '600', '--reason', 'spam', '--json'],
      env(),
    );
    const { eventId } = JSON.parse(accepted.stdout) as { eventId: string };
    const duplicate = await npmRunSend(
      ['mute', ...member, '--duration', '600', '--reason', 'spam', '--event-id', eventId, '--json'],
      env(),
    );
    const rejected = await npmRunSend(['mute', ...member, '--duration', '0', '--json'], env());
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');
    const status = await npmRunSend(['status', eventId, '--json'], env());
    const unknown = await npmRunSend(['status', 'no-such-event', '--json'], env());

    // Assess
    expect([accepted.code, JSON.parse(accepted.stdout)]).toEqual([
      0,
      { outcome: 'accepted', eventId, attempts: 1 },
    ]);
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect([duplicate.code, JSON.parse(duplicate.stdout)]).toEqual([
      0,
      { outcome: 'duplicate', eventId, attempts: 1 },
    ]);
    expect(rejected.code).toBe(3);
    expect(JSON.parse(rejected.stdout)).toMatchObject({
      outcome: 'rejected',
      status: 400,
      issues: [{ path: 'events[0].durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
    });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      outcome: 'found',
      event: { eventId, status: 'applied' },
    });
    expect([unknown.code, JSON.parse(unknown.stdout)]).toEqual([
      5,
      { outcome: 'not_found', eventId: 'no-such-event' },
    ]);
  }, 90_000);

  it('exits 3 for a wrong signature, 4 when the bridge cannot be reached, 2 for a usage error', async () => {
    // Act
    const wrong = await npmRunSend(['unmute', ...member, '--json'], {
      ...env(),
      AWS_SECRET_ACCESS_KEY: 'a-wrong-secret',
    });
    const unreachable = await npmRunSend(
      [
        'unmute',
        ...member,
        '--event-id',
        'unreachable-1',
        '--deadline',
        '1',
        '--url',
        `http://127.0.0.1:${await closedPort()}/v1/events`,
      ],
      env(),
    );
    const usage = await npmRunSend(['mute', ...member], env());

    // Assess
    expect(wrong.code).toBe(3);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ outcome: 'rejected', status: 403 });
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('a-wrong-secret');
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain('resend with --event-id unreachable-1');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^send: --duration is required\n\nUsage: npm run send/);
  }, 90_000);

  it('runs the command npm start prints for --auth iam', async () => {
    // Prepare: the printed lines are a shell command (with a continuation line) after the "Auth" line.
    const [, ...command] = describeLocalAuth(stack.apiAuth, eventsUrl);
    const shellEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) delete shellEnv[name];

    // Act
    const result = await runShellLine(command.join('\n').trim(), shellEnv);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\naccepted {2}[0-9a-f-]{36}\n/);
  }, 90_000);
});

describe('the examples of the typed client and npm run send (docs/deploying.md)', () => {
  const section = sectionOf(readDoc('docs/deploying.md'), '## The typed client and `npm run send`');
  const blocks = (language: string) =>
    [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(
      (match) => match[1] ?? '',
    );
  const DOCUMENTED_URL = 'http://127.0.0.1:3000/v1/events';
  let scratch: string;

  beforeAll(() => {
    // Inside the package, so that the example imports it by its name, as a caller would.
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    scratch = mkdtempSync(join(ROOT, '.tmp', 'docs-'));
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs the TypeScript example: two events accepted, a 400 with its issue, their statuses', async () => {
    // Prepare
    const [example] = blocks('ts');
    if (example === undefined || !example.includes(DOCUMENTED_URL)) throw new Error('no TypeScript example');
    const file = join(scratch, 'example.mts');
    writeFileSync(file, example.replace(DOCUMENTED_URL, eventsUrl));

    // Act
    const result = await runChild(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), file],
      process.env,
    );

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\[$/);
    expect(result.stdout.match(/eventId: '[0-9a-f-]{36}',\s+outcome: 'accepted'/g)).toHaveLength(2);
    expect(result.stdout).toContain(
      "400 [\n  {\n    path: 'events[0].durationSeconds',\n    rule: 'must be an integer from 1 to 4294967295'\n  }\n]",
    );
    expect(lines.slice(-2).map((line) => line.replace(/^[0-9a-f-]{36} /, ''))).toEqual([
      expect.stringMatching(/^(received|queued|applied)$/),
      expect.stringMatching(/^(received|queued|applied)$/),
    ]);
  }, 90_000);

  it('runs the npm run send examples against the local stack, each exiting 0', async () => {
    // Prepare
    const [local] = blocks('sh');
    if (local === undefined || !local.includes(DOCUMENTED_URL))
      throw new Error('no local npm run send example');
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _b, ...env } = process.env;

    // Act: the block as a script (its comments are the expected output), stopping at the first failure.
    const result = await runShellLine(`set -e\n${local.replace(DOCUMENTED_URL, eventsUrl)}`, env);

    // Assess
    expect(result.code).toBe(0);
    const stdout = result.stdout.split('\n');
    expect(stdout.filter((line) => /^accepted {2}([0-9a-f-]{36}|mod-42)$/.test(line))).toHaveLength(3);
    expect(stdout).toContain('accepted  mod-42');
    expect(stdout.some((line) => /^mod-42 {2}(queued|applied) {2}attempts [01] {2}updated /.test(line))).toBe(
      true,
    );
    expect(JSON.parse(stdout.filter((line) => line.startsWith('{')).at(-1) ?? '')).toMatchObject({
      outcome: 'accepted',
      attempts: 1,
    });
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');
    expect(member('bob')).toMatchObject({
      role: 'Admin',
      appMemberDefinedData: { level: 'gold', note: 'vip' },
    });
  }, 90_000);

  it('runs the deployed-stack example with an outputs file', async () => {
    // Prepare: an outputs file as cdk deploy writes it, naming the local stack's URL.
    const [, deployed] = blocks('sh');
    const line = deployed?.trim() ?? '';
    if (!line.includes('--outputs cdk-outputs-singapore.json'))
      throw new Error(`no outputs example: ${line}`);
    const outputs = join(scratch, 'cdk-outputs-singapore.json');
    writeFileSync(outputs, JSON.stringify({ 'ModerationBridge-dev-singapore': { EventsUrl: eventsUrl } }));

    // Act
    const result = await runShellLine(line.replace('cdk-outputs-singapore.json', outputs), process.env);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\naccepted {2}[0-9a-f-]{36}\n/);
  }, 90_000);
});
