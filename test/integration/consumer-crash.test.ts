import type { SqsHandler } from '../../local/event-source';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { deadLetters, postEvents, queueDrained, waitFor } from '../helpers/local-stack';

const GROUP = 'crash-group';
const MEMBERS = Array.from({ length: 20 }, (_, i) => `m${i}`);
let stack: LocalStack;
let crashes = 0;

/** Crashes the first three invocations after half of their records were applied (an injected throw). */
const crashMidBatch =
  (handler: SqsHandler): SqsHandler =>
  async (event, context) => {
    if (crashes >= 3) return handler(event, context);
    crashes++;
    await handler({ Records: event.Records.slice(0, Math.ceil(event.Records.length / 2)) }, context);
    throw new Error('injected crash');
  };

beforeAll(async () => {
  stack = await startLocalStack({
    simulator: { groups: [{ groupId: GROUP, type: 'Private', owner: 'owner', members: MEMBERS }] },
    // Messages of a crashed invocation come back after the queue's visibility timeout.
    queue: { visibilityTimeoutSeconds: 2 },
    consumer: { maxConcurrency: 2 },
    wrapConsumer: crashMidBatch,
  });
});

afterAll(async () => {
  await stack.close();
});

it('loses nothing when the consumer crashes mid-batch: the messages come back and are applied', async () => {
  // Prepare: two name cards per member, the second one final.
  const events = [1, 2].flatMap((round) =>
    MEMBERS.map((account) => ({
      groupId: GROUP,
      account,
      action: 'set_name_card',
      nameCard: `${account}-${round}`,
    })),
  );

  // Act
  expect((await postEvents(stack, { events })).status).toBe(202);
  await waitFor(() => queueDrained(stack), 30_000, 'the queue to drain');

  // Assess
  expect(crashes).toBe(3);
  expect(deadLetters(stack)).toEqual([]);
  for (const account of MEMBERS) {
    expect(stack.simulator?.state.getMember(GROUP, account)?.nameCard).toBe(`${account}-2`);
  }
});
