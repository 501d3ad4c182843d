import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { DynamoLedgerStore } from '#shared/aws';
import { expiresAtOf, type LedgerItem } from '#shared/ledger';
import { startLocalApi } from '../../local/api-gateway';
import { LOCAL_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { deadLetters, postEvents, queueDrained, waitFor } from '../helpers/local-stack';

const GROUP = '@TGS#2CLUZEAEJ';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    simulator: {
      groups: [
        { groupId: GROUP, type: 'Public', owner: 'alice', members: ['bob', 'carol', 'dave'] },
        { groupId: 'live-1', type: 'AVChatRoom', owner: 'alice', members: ['bob'] },
      ],
    },
  });
});

afterAll(async () => {
  await stack.close();
});

const member = (account: string) => stack.simulator?.state.getMember(GROUP, account);

describe('the local stack, end to end through HTTP', () => {
  it('applies every action to the simulated group', async () => {
    // Prepare
    const events = [
      { groupId: GROUP, account: 'bob', action: 'set_role', role: 'admin' },
      { groupId: GROUP, account: 'bob', action: 'set_msg_flag', msgFlag: 'Discard' },
      { groupId: GROUP, account: 'bob', action: 'set_name_card', nameCard: 'Bob ✓' },
      { groupId: GROUP, account: 'bob', action: 'set_member_data', data: { level: 'gold' } },
      { groupId: GROUP, account: 'carol', action: 'mute', durationSeconds: 3600 },
      { groupId: GROUP, account: 'dave', action: 'mute', durationSeconds: 3600 },
      { groupId: GROUP, account: 'dave', action: 'unmute' },
    ];
    const before = Math.floor(Date.now() / 1000);

    // Act
    const response = await postEvents(stack, { events });
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');

    // Assess
    expect(response.status).toBe(202);
    expect(member('bob')).toMatchObject({
      role: 'Admin',
      msgFlag: 'Discard',
      nameCard: 'Bob ✓',
      appMemberDefinedData: { level: 'gold' },
    });
    expect(member('carol')?.mutedUntil).toBeGreaterThanOrEqual(before + 3599);
    expect(member('dave')?.mutedUntil).toBe(0);
    expect(deadLetters(stack)).toEqual([]);
  });

  it("applies one member's events in the order they were accepted", async () => {
    // Prepare: many name cards for one member, over several requests.
    const cards = Array.from({ length: 30 }, (_, i) => `card-${i}`);

    // Act
    for (let i = 0; i < cards.length; i += 10) {
      const events = cards
        .slice(i, i + 10)
        .map((nameCard) => ({ groupId: GROUP, account: 'carol', action: 'set_name_card', nameCard }));
      expect((await postEvents(stack, { events })).status).toBe(202);
    }
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');

    // Assess
    const applied = (stack.simulator?.calls ?? [])
      .filter((call) => call.applied && JSON.stringify(call.body).includes('card-'))
      .map((call) => (call.body as { NameCard: string }).NameCard);
    expect(applied).toEqual(cards);
    expect(member('carol')?.nameCard).toBe('card-29');
  });

  it('dead-letters what Tencent refuses, with its code', async () => {
    // Act
    const response = await postEvents(stack, {
      events: [
        { eventId: 'no-group', groupId: '@TGS#NOSUCHGROUP', account: 'bob', action: 'unmute' },
        { eventId: 'av-room', groupId: 'live-1', account: 'bob', action: 'set_role', role: 'admin' },
        // A mute in a live-stream group: modify_group_member_info, the default MUTE_API, cannot do it.
        { eventId: 'av-mute', groupId: 'live-1', account: 'bob', action: 'mute', durationSeconds: 600 },
      ],
    });
    await waitFor(() => queueDrained(stack) && deadLetters(stack).length === 3, 10_000, 'three dead letters');

    // Assess
    expect(response.status).toBe(202);
    const reasons = Object.fromEntries(
      deadLetters(stack).map((letter) => [letter.body.eventId, letter.attributes['bridge.errorCode']]),
    );
    expect(reasons).toEqual({ 'no-group': '10010', 'av-room': '10007', 'av-mute': '10007' });
    expect(stack.simulator?.state.getMember('live-1', 'bob')?.mutedUntil).toBe(0);
  });

  it('answers a bad event with a 400 that names the field, and enqueues nothing', async () => {
    // Prepare
    const calls = stack.simulator?.stats.calls;

    // Act
    const response = await postEvents(stack, { groupId: GROUP, account: 'bob', action: 'mute' });

    // Assess
    expect(response).toEqual({
      status: 400,
      json: {
        message: 'invalid request: 1 invalid field',
        issues: [{ path: 'durationSeconds', rule: 'is required' }],
        issueCount: 1,
      },
    });
    expect(stack.sqs.inspect('bridge-events.fifo').messages).toHaveLength(0);
    expect(stack.simulator?.stats.calls).toBe(calls);
  });

  it('answers 404 and 405 outside POST /v1/events and GET /v1/events/{eventId}', async () => {
    expect((await fetch(`${stack.apiUrl}/v1/other`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${stack.apiUrl}/v1/events`)).status).toBe(405);
    expect((await fetch(`${stack.apiUrl}/v1/events/a/b`)).status).toBe(404);
    const post = await fetch(`${stack.apiUrl}/v1/events/evt-1`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});

/** GETs an event's status from the local API; returns the status and the parsed answer. */
async function getEvent(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${stack.apiUrl}/v1/events/${path}`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('GET /v1/events/{eventId} on the local stack', () => {
  // Through the same endpoint and table as the functions.
  let client: DynamoDBClient;
  let store: DynamoLedgerStore;
  beforeAll(() => {
    client = new DynamoDBClient({ endpoint: stack.ledger.endpoint });
    store = new DynamoLedgerStore(client, stack.ledger.tableName);
  });
  afterAll(() => client.destroy());

  /** A ledger item as the ingest would write it, written straight into the local table. */
  const written = (eventId: string): LedgerItem => ({
    eventId,
    status: 'retrying',
    groupId: GROUP,
    account: 'erin',
    action: 'mute',
    acceptedAt: '2025-11-20T09:59:59.000Z',
    updatedAt: '2025-11-20T10:00:00.000Z',
    attempts: 1,
    lastError: { code: 10002, info: 'internal error', at: '2025-11-20T10:00:00.000Z' },
    nextAttemptAt: '2025-11-20T10:00:02.000Z',
    history: [
      { at: '2025-11-20T09:59:59.100Z', outcome: 'queued' },
      { at: '2025-11-20T10:00:00.000Z', outcome: 'retrying', attempt: 1, code: 10002, ms: 12 },
    ],
    fingerprint: 'written-by-the-test',
    expiresAt: expiresAtOf(Date.now(), 14),
  });

  it('serves an item from the ledger table the functions use, without its fingerprint and expiry', async () => {
    // Prepare
    const item = written('status-direct');
    expect(await store.create(item)).toBe('created');

    // Act
    const found = await getEvent('status-direct');

    // Assess
    const { fingerprint: _fingerprint, expiresAt: _expiresAt, ...shown } = item;
    expect(found).toEqual({ status: 200, json: shown });
    expect(stack.ledger.tableName).toBe(LOCAL_NAMES.ledgerTable);
  });

  it('decodes the eventId in the path as API Gateway does', async () => {
    // Prepare
    await store.create(written('tenant:7.evt'));

    // Act
    const found = await getEvent('tenant%3A7.evt');

    // Assess
    expect(found.status).toBe(200);
    expect(found.json.eventId).toBe('tenant:7.evt');
  });

  it('answers 404 for an eventId the ledger does not have, and 400 for a malformed one', async () => {
    // Act
    const missing = await getEvent('never-sent');
    const malformed = await getEvent('not%20an%20id');
    const slash = await getEvent('a%2Fb');

    // Assess
    expect(missing).toEqual({ status: 404, json: { message: 'no event with this eventId' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json.issues).toEqual([{ path: 'eventId', rule: expect.any(String) }]);
    expect(slash.status).toBe(400);
  });

  it('shows an event the bridge applied, with its one attempt, and publishes its outcome event', async () => {
    // Act
    const posted = await postEvents(stack, {
      eventId: 'status-applied',
      groupId: GROUP,
      account: 'bob',
      action: 'set_name_card',
      nameCard: 'Bob (status)',
    });
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');
    await waitFor(
      () => stack.outcomeEvents.some((event) => event.detail.eventId === 'status-applied'),
      10_000,
      'its outcome event',
    );
    const found = await getEvent('status-applied');

    // Assess
    expect(posted.status).toBe(202);
    expect(found.status).toBe(200);
    expect(found.json).toMatchObject({
      eventId: 'status-applied',
      status: 'applied',
      groupId: GROUP,
      account: 'bob',
      action: 'set_name_card',
      attempts: 1,
    });
    expect(found.json.history).toEqual(
      expect.arrayContaining([expect.objectContaining({ outcome: 'applied', attempt: 1, code: 0 })]),
    );
    expect(await stack.ledgerItem('status-applied')).toMatchObject({ status: 'applied', attempts: 1 });
    const outcome = stack.outcomeEvents.find((event) => event.detail.eventId === 'status-applied');
    expect(outcome).toMatchObject({
      eventBusName: LOCAL_NAMES.outcomeBus,
      source: 'moderation-bridge',
      detailType: 'Moderation Event Applied',
      detail: { status: 'applied', attempts: 1 },
    });
    expect(outcome?.detail).not.toHaveProperty('history');
  });

  it('shows an event Tencent refused as dead-lettered, with its last error', async () => {
    // Prepare: dead-lettered by an earlier test ('no-group': Tencent 10010).
    await waitFor(
      () => deadLetters(stack).some((letter) => letter.body.eventId === 'no-group'),
      10_000,
      'it',
    );

    // Act
    const found = await getEvent('no-group');

    // Assess
    expect(found.status).toBe(200);
    expect(found.json).toMatchObject({
      status: 'dead_lettered',
      attempts: 1,
      lastError: { code: 10010 },
    });
    expect(found.json.deadLetteredAt).toEqual(expect.any(String));
  });
});

describe("the local API's GET route", () => {
  it('hands the status handler the proxy event of GET /v1/events/{eventId}', async () => {
    // Prepare
    const seen: APIGatewayProxyEvent[] = [];
    const api = await startLocalApi({
      handler: async () => ({ statusCode: 500, body: '' }),
      statusHandler: async (event) => {
        seen.push(event);
        return { statusCode: 204, body: '' };
      },
    });

    // Act
    const response = await fetch(`${api.url}/v1/events/tenant%3A7?verbose=1`, {
      headers: { 'x-trace': 't-1' },
    });
    await api.close();

    // Assess
    expect(response.status).toBe(204);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      resource: '/v1/events/{eventId}',
      path: '/v1/events/tenant%3A7',
      httpMethod: 'GET',
      pathParameters: { eventId: 'tenant:7' },
      queryStringParameters: { verbose: '1' },
      headers: expect.objectContaining({ 'x-trace': 't-1' }),
      body: null,
      isBase64Encoded: false,
      requestContext: expect.objectContaining({
        httpMethod: 'GET',
        resourcePath: '/v1/events/{eventId}',
        path: '/v1/events/tenant%3A7',
      }),
    });
  });
});
