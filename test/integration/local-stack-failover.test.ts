import { type LocalStack, startLocalStack } from '../../local/stack';
import { deadLetters, postEvents, queueDrained, waitFor } from '../helpers/local-stack';

/**
 * Backup-domain failover end to end, through the local stack: the simulator listens for Tencent's
 * main domain and for the backup (`IM_BACKUP_ENDPOINT`), and the main one refuses connections.
 */

const GROUP = '@TGS#2CLUZEAEJ';
const MEMBERS = Array.from({ length: 8 }, (_, i) => `user-${i}`);
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    simulator: { groups: [{ groupId: GROUP, type: 'Public', owner: 'alice', members: MEMBERS }] },
    // Holds come back after 1 s, 2 s, 4 s...
    functionEnv: { BACKOFF_BASE_SECONDS: '1' },
  });
});

afterAll(async () => {
  await stack.close();
});

const simulator = () => {
  if (stack.simulator === undefined) throw new Error('the local stack runs without its simulator');
  return stack.simulator;
};

it('gives the consumer the simulator backup listener as IM_BACKUP_ENDPOINT', () => {
  expect(stack.imBackupEndpoint).toBe(simulator().backupUrl);
  expect(process.env.IM_BACKUP_ENDPOINT).toBe(simulator().backupUrl);
});

it('applies every event through the backup while the main refuses connections, with no attempt wasted', async () => {
  // Prepare
  await simulator().setReachable('main', false);
  const events = MEMBERS.flatMap((account) =>
    [1, 2].map((n) => ({
      eventId: `failover-${account}-${n}`,
      groupId: GROUP,
      account,
      action: 'set_name_card',
      nameCard: `${account} #${n}`,
    })),
  );

  // Act
  const response = await postEvents(stack, { events });
  await waitFor(() => queueDrained(stack), 15_000, 'the queue to drain');

  // Assess: each event applied once, on the backup; each at its first attempt; nothing dead-lettered.
  expect(response.status).toBe(202);
  const calls = simulator().calls;
  expect(calls).toHaveLength(events.length);
  expect(calls.every((call) => call.domain === 'backup' && call.applied)).toBe(true);
  for (const account of MEMBERS) {
    expect(simulator().state.getMember(GROUP, account)?.nameCard).toBe(`${account} #2`);
  }
  const items = await Promise.all(events.map((event) => stack.ledgerItem(event.eventId)));
  expect(items.map((item) => [item?.status, item?.attempts])).toEqual(events.map(() => ['applied', 1]));
  expect(deadLetters(stack)).toEqual([]);
});

it('holds events, counting no attempt, while neither domain can be reached, then applies them in order', async () => {
  // Prepare
  simulator().reset();
  await simulator().setReachable('main', false);
  await simulator().setReachable('backup', false);
  const events = [1, 2, 3].map((n) => ({
    eventId: `dark-${n}`,
    groupId: GROUP,
    account: 'user-0',
    action: 'set_name_card',
    nameCard: `dark #${n}`,
  }));

  // Act: both dark until the first event is held; then the backup comes back.
  expect((await postEvents(stack, { events })).status).toBe(202);
  let held = await stack.ledgerItem('dark-1');
  for (
    const deadline = Date.now() + 10_000;
    held?.status !== 'held';
    held = await stack.ledgerItem('dark-1')
  ) {
    if (Date.now() > deadline) throw new Error(`dark-1 was not held within 10 s: ${JSON.stringify(held)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await simulator().setReachable('backup', true);
  await waitFor(() => queueDrained(stack), 15_000, 'the queue to drain');

  // Assess
  expect(held).toMatchObject({ status: 'held', attempts: 0 });
  expect(simulator().calls.map((call) => (call.body as { NameCard: string }).NameCard)).toEqual([
    'dark #1',
    'dark #2',
    'dark #3',
  ]);
  const items = await Promise.all(events.map((event) => stack.ledgerItem(event.eventId)));
  expect(items.map((item) => [item?.status, item?.attempts])).toEqual(events.map(() => ['applied', 1]));
  expect(deadLetters(stack)).toEqual([]);
});
