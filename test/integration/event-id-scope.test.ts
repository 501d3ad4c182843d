/**
 * What an `eventId` means, through the whole local stack: it is unique per member (groupId + account).
 * The same id for another member is another event; the same id for the same member within SQS's
 * 5-minute deduplication window is a duplicate, dropped by the queue.
 */
import { type LocalStack, startLocalStack } from '../../local/stack';
import { deadLetters, postEvents, queueDrained, waitFor } from '../helpers/local-stack';

const GROUP = '@TGS#2CLUZEAEJ';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    simulator: {
      groups: [{ groupId: GROUP, type: 'Public', owner: 'alice', members: ['bob', 'carol', 'dave'] }],
    },
  });
});

afterAll(async () => {
  await stack.close();
});

const member = (account: string) => stack.simulator?.state.getMember(GROUP, account);

/** The name cards Tencent was asked to set for a member, in call order. */
const nameCardCalls = (account: string): string[] =>
  (stack.simulator?.calls ?? [])
    .filter((call) => {
      const body = call.body as { Member_Account?: string; NameCard?: string };
      return call.applied && body.Member_Account === account && body.NameCard !== undefined;
    })
    .map((call) => (call.body as { NameCard: string }).NameCard);

/** POSTs one name-card event as its own request and expects it accepted. */
const postNameCard = async (eventId: string, account: string, nameCard: string): Promise<void> => {
  const response = await postEvents(stack, {
    eventId,
    groupId: GROUP,
    account,
    action: 'set_name_card',
    nameCard,
  });
  expect(response).toEqual({ status: 202, json: { accepted: [{ eventId }] } });
};

describe('an eventId', () => {
  it('applies the same eventId sent for two different members to both', async () => {
    // Act: two requests, one member each, one id.
    await postNameCard('shared-id-1', 'bob', 'Bob (warned)');
    await postNameCard('shared-id-1', 'carol', 'Carol (warned)');
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');

    // Assess
    expect(member('bob')?.nameCard).toBe('Bob (warned)');
    expect(member('carol')?.nameCard).toBe('Carol (warned)');
    expect(deadLetters(stack)).toEqual([]);
  });

  it('applies the same eventId sent twice for the same member within 5 minutes once', async () => {
    // Act: the second send is a resend of the first id with another body; the queue drops it.
    await postNameCard('resent-id-1', 'dave', 'Dave (first)');
    await postNameCard('resent-id-1', 'dave', 'Dave (second)');
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');

    // Assess
    expect(nameCardCalls('dave')).toEqual(['Dave (first)']);
    expect(member('dave')?.nameCard).toBe('Dave (first)');
  });
});
