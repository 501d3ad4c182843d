/**
 * The typed client and `npm run send` against the local stack in `apiKey` mode: the local API takes
 * only requests whose `x-api-key` is the stack's key, as API Gateway's `apiKeyRequired` method does.
 */
import { BridgeClient, type BridgeClientOptions, BridgeRejectedError } from '../../client/index.ts';
import { LOCAL_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { queueDrained, waitFor } from '../helpers/local-stack';
import { npmRunSend } from '../helpers/send-command';

const GROUP = '@TGS#2CLUZEAEJ';
const KEY = 'local-test-api-key-0123456789';
let stack: LocalStack;
let eventsUrl: string;

beforeAll(async () => {
  stack = await startLocalStack({
    apiAuth: { mode: 'apiKey', apiKey: KEY },
    simulator: { groups: [{ groupId: GROUP, type: 'Public', owner: 'alice', members: ['bob', 'carol'] }] },
  });
  eventsUrl = `${stack.apiUrl}/v1/events`;
});

afterAll(async () => {
  await stack.close();
});

const clientOf = (options: Partial<BridgeClientOptions> = {}) =>
  new BridgeClient({ url: eventsUrl, auth: { kind: 'apiKey', key: KEY }, ...options });
const member = (account: string) => stack.simulator?.state.getMember(GROUP, account);

describe('BridgeClient in API-key mode', () => {
  it('sends events with the key: accepted, a duplicate on resend, applied in the status', async () => {
    // Prepare
    const client = clientOf();
    const event = { groupId: GROUP, account: 'bob', action: 'set_role', role: 'admin' } as const;

    // Act
    const sent = await client.send(event);
    const [first] = sent.results;
    const resent = await client.send({ ...event, eventId: first?.eventId ?? '' });
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');
    const status = await client.status(first?.eventId ?? '');

    // Assess
    expect(first?.outcome).toBe('accepted');
    expect(resent.results).toEqual([{ eventId: first?.eventId, outcome: 'duplicate' }]);
    expect(status).toMatchObject({
      eventId: first?.eventId,
      status: 'applied',
      action: 'set_role',
      attempts: 1,
    });
    expect(member('bob')?.role).toBe('Admin');
  });

  it('throws a 400 with its issues', async () => {
    // Act
    const error = await clientOf()
      .send({ groupId: GROUP, account: 'bob', action: 'set_name_card', nameCard: 'x'.repeat(51) })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(BridgeRejectedError);
    expect(error).toMatchObject({
      status: 400,
      issues: [{ path: 'events[0].nameCard', rule: 'must be a string of at most 50 UTF-8 bytes' }],
    });
  });

  it('retries a 503 whose request got through, and the event is applied once', async () => {
    // Prepare: the first answer is lost and replaced by a 503.
    let calls = 0;
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (++calls > 1) return response;
      await response.text();
      return new Response('{"message":"Service Unavailable"}', { status: 503 });
    };

    // Act
    const result = await clientOf({ fetch: lossy }).send({
      groupId: GROUP,
      account: 'carol',
      action: 'set_name_card',
      nameCard: 'key-once',
    });
    await waitFor(
      () => queueDrained(stack) && member('carol')?.nameCard === 'key-once',
      10_000,
      'carol applied',
    );

    // Assess
    expect(result.attempts).toBe(2);
    expect(result.results[0]?.outcome).toBe('accepted');
    const applied = (stack.simulator?.calls ?? []).filter(
      (call) => call.applied && JSON.stringify(call.body).includes('key-once'),
    );
    expect(applied).toHaveLength(1);
  });

  it('is refused with 403 Forbidden with another key or none, and nothing is enqueued', async () => {
    // Act
    const wrong = await new BridgeClient({ url: eventsUrl, auth: { kind: 'apiKey', key: `${KEY}x` } })
      .send({ eventId: 'wrong-key', groupId: GROUP, account: 'bob', action: 'unmute' })
      .catch((caught: unknown) => caught);
    const none = await fetch(`${eventsUrl}/wrong-key`);

    // Assess
    expect(wrong).toBeInstanceOf(BridgeRejectedError);
    expect(wrong).toMatchObject({ status: 403, message: 'Forbidden' });
    expect(none.status).toBe(403);
    expect(none.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    expect(await stack.ledgerItem('wrong-key')).toBeUndefined();
    expect(stack.sqs.inspect(LOCAL_NAMES.queue).messages).toHaveLength(0);
  });

  it('npm run send takes the key from BRIDGE_API_KEY and never prints it', async () => {
    // Prepare
    const env = { ...process.env, BRIDGE_URL: eventsUrl, BRIDGE_AUTH: 'apiKey', BRIDGE_API_KEY: KEY };

    // Act
    const accepted = await npmRunSend(['unmute', '--group', GROUP, '--account', 'bob'], env);
    const refused = await npmRunSend(['unmute', '--group', GROUP, '--account', 'bob', '--json'], {
      ...env,
      BRIDGE_API_KEY: `${KEY}-wrong`,
    });

    // Assess
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/^accepted {2}[0-9a-f-]{36}\n/);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      outcome: 'rejected',
      status: 403,
      message: 'Forbidden',
    });
    expect([accepted, refused].map((result) => `${result.stdout}${result.stderr}`).join('')).not.toContain(
      KEY,
    );
  }, 60_000);
});
