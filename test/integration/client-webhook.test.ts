/**
 * The typed client and `npm run send` against the local stack in `webhook` mode: the local API lets
 * POST through to the ingest, which verifies each Standard Webhooks signature against the stack's
 * signing secret (in its local Secrets Manager), and checks SigV4 on GET, as the deployed webhook mode
 * does; so the client's webhook signing and its IAM-signed `status` are tested for real.
 */

import {
  BridgeClient,
  type BridgeClientOptions,
  BridgeRejectedError,
  ConfigError,
  webhookHeaders,
} from '../../client/index.ts';
import { describeLocalAuth } from '../../local/api-auth.ts';
import { LOCAL_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { developmentSigningSecret, webhookSecretString } from '../../local/webhook.ts';
import { buildOpenApiDocument } from '../../tools/openapi';
import { callsSetting, first503, queueDrained, sendNameCard, waitFor } from '../helpers/local-stack';
import { npmRunSend, runShellLine } from '../helpers/send-command';

const GROUP = '@TGS#2CLUZEAEJ';
const SECRET = developmentSigningSecret();
let stack: LocalStack;
let eventsUrl: string;

beforeAll(async () => {
  stack = await startLocalStack({
    apiAuth: { mode: 'webhook' },
    webhookSecretString: webhookSecretString(SECRET),
    simulator: {
      groups: [{ groupId: GROUP, type: 'Public', owner: 'alice', members: ['bob', 'carol', 'dave', 'erin'] }],
    },
  });
  eventsUrl = `${stack.apiUrl}/v1/events`;
});

afterAll(async () => {
  await stack.close();
});

/** A webhook client whose `status` signs with the local stack's credentials (found in the environment). */
const clientOf = (options: Partial<BridgeClientOptions> = {}) =>
  new BridgeClient({ url: eventsUrl, auth: { kind: 'webhook', secret: SECRET, iam: {} }, ...options });
const member = (account: string) => stack.simulator?.state.getMember(GROUP, account);
const queued = () => stack.sqs.inspect(LOCAL_NAMES.queue).messages.length;

describe('BridgeClient in webhook mode', () => {
  it('sends signed events, which are applied; a resend is a duplicate; status (SigV4) shows them applied', async () => {
    // Prepare
    const client = clientOf();
    const before = Math.floor(Date.now() / 1000);

    // Act
    const sent = await client.send([
      { eventId: 'wh-mute', groupId: GROUP, account: 'bob', action: 'mute', durationSeconds: 600 },
      { groupId: GROUP, account: 'bob', action: 'set_name_card', nameCard: 'Bob (webhook)' },
    ]);
    const ids = sent.results.map(({ eventId }) => eventId);
    const resent = await client.send([
      { eventId: ids[0] ?? '', groupId: GROUP, account: 'bob', action: 'mute', durationSeconds: 600 },
      {
        eventId: ids[1] ?? '',
        groupId: GROUP,
        account: 'bob',
        action: 'set_name_card',
        nameCard: 'Bob (webhook)',
      },
    ]);
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');
    const statuses = await Promise.all(ids.map((eventId) => client.status(eventId)));

    // Assess
    expect(sent).toEqual({
      results: [
        { eventId: 'wh-mute', outcome: 'accepted' },
        { eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), outcome: 'accepted' },
      ],
      attempts: 1,
    });
    expect(resent.results).toEqual(ids.map((eventId) => ({ eventId, outcome: 'duplicate' })));
    expect(statuses.map((status) => [status?.eventId, status?.status, status?.attempts])).toEqual(
      ids.map((eventId) => [eventId, 'applied', 1]),
    );
    expect(member('bob')?.mutedUntil).toBeGreaterThanOrEqual(before + 599);
    expect(member('bob')?.nameCard).toBe('Bob (webhook)');
    expect(callsSetting(stack, 'Bob (webhook)')).toEqual({ calls: 1, applied: 1 });
    expect(await client.status('never-sent')).toBeUndefined();
  });

  it('retries a 503 whose delivery got through, with the same eventId and webhook-id: applied once', async () => {
    // Prepare: the first attempt is verified, recorded and enqueued, but its answer is replaced by a 503.
    const notices: number[] = [];
    const lossy = first503(true);
    const deliveryIds: (string | null)[] = [];
    const recording: typeof fetch = (input, init) => {
      deliveryIds.push(new Headers(init?.headers).get('webhook-id'));
      return lossy(input, init);
    };
    const client = clientOf({ fetch: recording, onRetry: (notice) => notices.push(notice.status ?? 0) });

    // Act
    const outcome = await sendNameCard(stack, client, {
      groupId: GROUP,
      account: 'carol',
      nameCard: 'wh-once',
    });

    // Assess: the retry, signed again, was the bridge's duplicate, which the client reports as accepted.
    expect(notices).toEqual([503]);
    expect(outcome).toEqual({
      results: [{ eventId: expect.stringMatching(/^[0-9a-f-]{36}$/), outcome: 'accepted' }],
      attempts: 2,
      calls: { calls: 1, applied: 1 },
      ledger: { attempts: 1, applied: 1 },
    });
    expect(deliveryIds).toEqual([expect.stringMatching(/^msg_/), deliveryIds[0]]);
  });

  it('is refused with a typed 401 when signed with another secret, and nothing is recorded', async () => {
    // Prepare
    const other = developmentSigningSecret();
    const wrong = new BridgeClient({ url: eventsUrl, auth: { kind: 'webhook', secret: other } });
    const calls = stack.simulator?.stats.calls;

    // Act
    const refused = await wrong
      .send({ eventId: 'wh-wrong-secret', groupId: GROUP, account: 'erin', action: 'unmute' })
      .catch((caught: unknown) => caught);

    // Assess
    expect(refused).toBeInstanceOf(BridgeRejectedError);
    expect(refused).toMatchObject({
      status: 401,
      message: expect.stringMatching(/^webhook-signature does not match: /),
    });
    expect(JSON.stringify(refused)).not.toContain(other.slice('whsec_'.length));
    expect(await stack.ledgerItem('wh-wrong-secret')).toBeUndefined();
    expect(queued()).toBe(0);
    expect(stack.simulator?.stats.calls).toBe(calls);
  });

  it('needs auth.iam for status (the GET is SigV4): a ConfigError without it, a 403 for a webhook-signed GET', async () => {
    // Prepare
    const noIam = new BridgeClient({ url: eventsUrl, auth: { kind: 'webhook', secret: SECRET } });

    // Act
    const error = await noIam.status('wh-mute').catch((caught: unknown) => caught);
    const webhookSigned = await fetch(`${eventsUrl}/wh-mute`, {
      headers: { ...webhookHeaders(SECRET, 'msg_get', new Date(), '') },
    });

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      message: expect.stringContaining('status() needs auth.iam in webhook mode'),
    });
    expect(webhookSigned.status).toBe(403);
    expect(await webhookSigned.json()).toEqual({ message: 'Missing Authentication Token' });
  });
});

describe('the local API in webhook mode', () => {
  it('serves the OpenAPI document of webhook mode: a signed webhook on POST, SigV4 on GET', async () => {
    // Act
    const document = await (await fetch(`${stack.apiUrl}/v1/openapi.json`)).json();

    // Assess
    expect(document).toEqual(buildOpenApiDocument({ auth: 'webhook', serverUrl: stack.apiUrl }));
  });
});

describe('npm run send in webhook mode', () => {
  const env = (secret = SECRET) => ({
    ...process.env,
    BRIDGE_URL: eventsUrl,
    BRIDGE_AUTH: 'webhook',
    BRIDGE_WEBHOOK_SECRET: secret,
  });
  const erin = ['--group', GROUP, '--account', 'erin'];

  it('sends with BRIDGE_WEBHOOK_SECRET (exit 0, then --json), shows the status signed with IAM, and never prints the secret', async () => {
    // Act
    const accepted = await npmRunSend(['set_name_card', ...erin, '--name-card', 'Erin (cli)'], env());
    const json = await npmRunSend(['set_role', ...erin, '--role', 'admin', '--json'], env());
    const { eventId } = JSON.parse(json.stdout) as { eventId: string };
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');
    const status = await npmRunSend(['status', eventId, '--json'], env());

    // Assess
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/^accepted {2}[0-9a-f-]{36}\n/);
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, { outcome: 'accepted', eventId, attempts: 1 }]);
    expect([status.code, JSON.parse(status.stdout)]).toEqual([
      0,
      { outcome: 'found', event: expect.objectContaining({ eventId, status: 'applied' }) },
    ]);
    expect(member('erin')).toMatchObject({ role: 'Admin', nameCard: 'Erin (cli)' });
    expect(
      [accepted, json, status].map((result) => `${result.stdout}${result.stderr}`).join(''),
    ).not.toContain(SECRET.slice('whsec_'.length));
  }, 90_000);

  it('exits 3 with the 401 for another secret, and 2 without one', async () => {
    // Prepare
    const other = developmentSigningSecret();

    // Act
    const wrong = await npmRunSend(['unmute', ...erin, '--json'], env(other));
    const missing = await npmRunSend(['unmute', ...erin], { ...env(), BRIDGE_WEBHOOK_SECRET: '' });

    // Assess
    expect(wrong.code).toBe(3);
    expect(JSON.parse(wrong.stdout)).toMatchObject({
      outcome: 'rejected',
      status: 401,
      message: expect.stringMatching(/^webhook-signature does not match: /),
    });
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain(other.slice('whsec_'.length));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^send: --auth webhook needs BRIDGE_WEBHOOK_SECRET set\n/);
  }, 90_000);

  it('runs the command npm start prints for --auth webhook, with the printed secret', async () => {
    // Prepare: the printed lines are a shell command after the "Auth" line; the secret is printed below them.
    const [, ...command] = describeLocalAuth(stack.apiAuth, eventsUrl);
    const line = command.join('\n').trim().replace('<the secret below>', `'${SECRET}'`);
    const { BRIDGE_URL: _u, BRIDGE_AUTH: _a, BRIDGE_WEBHOOK_SECRET: _s, ...shellEnv } = process.env;

    // Act
    const result = await runShellLine(line, shellEnv);

    // Assess
    expect(command.join('\n')).toContain('<the secret below>');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\naccepted {2}[0-9a-f-]{36}\n/);
  }, 90_000);
});
