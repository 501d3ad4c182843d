import { type LocalStack, startLocalStack } from '../../local/stack';
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
      ],
    });
    await waitFor(() => queueDrained(stack) && deadLetters(stack).length === 2, 10_000, 'two dead letters');

    // Assess
    expect(response.status).toBe(202);
    const reasons = Object.fromEntries(
      deadLetters(stack).map((letter) => [letter.body.eventId, letter.attributes['bridge.errorCode']]),
    );
    expect(reasons).toEqual({ 'no-group': '10010', 'av-room': '10007' });
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

  it('answers 404 and 405 outside POST /v1/events', async () => {
    expect((await fetch(`${stack.apiUrl}/v1/other`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${stack.apiUrl}/v1/events`)).status).toBe(405);
  });
});
