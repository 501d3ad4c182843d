/**
 * What an `eventId` means, through the whole local stack: the ledger knows every id. The same id for
 * another member (other content) is refused with a 409, never silently dropped; a resend of the same
 * event is answered as a duplicate and applied once. (The queue's deduplication is per member too, so it
 * could not drop another member's event either; the CDK test checks that setting.)
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

/** POSTs one name-card event as its own request; returns the answer. */
const postNameCard = (eventId: string, account: string, nameCard: string) =>
  postEvents(stack, { eventId, groupId: GROUP, account, action: 'set_name_card', nameCard });

describe('an eventId', () => {
  it("never silently drops another member's event: the same id for another member is a 409", async () => {
    // Act: two requests, one member each, one id.
    const first = await postNameCard('shared-id-1', 'bob', 'Bob (warned)');
    const second = await postNameCard('shared-id-1', 'carol', 'Carol (warned)');
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');

    // Assess: the caller is told; nothing of the second request was enqueued.
    expect(first).toEqual({ status: 202, json: { accepted: [{ eventId: 'shared-id-1' }] } });
    expect(second).toEqual({
      status: 409,
      json: {
        message: '1 eventId(s) of this request were already used for other events; nothing was enqueued',
        conflicts: [{ index: 0, eventId: 'shared-id-1' }],
      },
    });
    expect(member('bob')?.nameCard).toBe('Bob (warned)');
    expect(nameCardCalls('carol')).toEqual([]);
    expect(deadLetters(stack)).toEqual([]);
  });

  it('applies a resend of the same event once, and answers it as a duplicate', async () => {
    // Act
    const first = await postNameCard('resent-id-1', 'dave', 'Dave (first)');
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');
    const resend = await postNameCard('resent-id-1', 'dave', 'Dave (first)');
    await waitFor(() => queueDrained(stack), 10_000, 'the queue to drain');

    // Assess
    expect(first.status).toBe(202);
    expect(resend).toEqual({
      status: 202,
      json: { accepted: [{ eventId: 'resent-id-1', duplicate: true }] },
    });
    expect(nameCardCalls('dave')).toEqual(['Dave (first)']);
    expect(member('dave')?.nameCard).toBe('Dave (first)');
  });
});
