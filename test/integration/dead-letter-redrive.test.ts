import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { listDeadLetters, redriveSelected, startRedriveAll } from '../../ops/dead-letters';
import { deadLetters, postEvents, queueDrained, waitFor } from '../helpers/local-stack';

const GROUP = 'created-later';
let stack: LocalStack;
let sqs: SQSClient;

beforeAll(async () => {
  stack = await startLocalStack({ simulator: { groups: [] } });
  // Created after the stack set AWS_ENDPOINT_URL_SQS, as the dlq command's client would be.
  sqs = new SQSClient({});
});

afterAll(async () => {
  sqs.destroy();
  await stack.close();
});

const nameCard = (account: string) => stack.simulator?.state.getMember(GROUP, account)?.nameCard;

it('dead-letters events for a missing group, then applies them once redriven', async () => {
  // Prepare: three events for a group Tencent does not know yet.
  const events = ['bob', 'carol', 'dave'].map((account) => ({
    eventId: `card-${account}`,
    groupId: GROUP,
    account,
    action: 'set_name_card',
    nameCard: `${account} (redriven)`,
  }));
  expect((await postEvents(stack, { events })).status).toBe(202);
  await waitFor(() => queueDrained(stack) && deadLetters(stack).length === 3, 10_000, 'three dead letters');

  // Act: the listing shows each reason and removes nothing.
  const listing = await listDeadLetters(sqs, stack.deadLetterQueueUrl);

  // Assess
  expect(listing.letters.map((letter) => [letter.eventId, letter.reason?.errorCode]).sort()).toEqual([
    ['card-bob', 10010],
    ['card-carol', 10010],
    ['card-dave', 10010],
  ]);
  expect(deadLetters(stack)).toHaveLength(3);

  // Act: the group now exists; redrive one by id, then the rest with a move task.
  stack.simulator?.state.putGroup({
    groupId: GROUP,
    type: 'Private',
    owner: 'alice',
    members: ['bob', 'carol', 'dave'],
  });
  const selected = await redriveSelected(sqs, {
    deadLetterQueueUrl: stack.deadLetterQueueUrl,
    queueUrl: stack.queueUrl,
    ids: ['card-carol'],
  });
  await waitFor(() => nameCard('carol') === 'carol (redriven)', 10_000, 'carol to be applied');
  await startRedriveAll(sqs, {
    deadLetterQueueArn: stack.sqs.queueArn(LOCAL_NAMES.deadLetterQueue),
    queueArn: stack.sqs.queueArn(LOCAL_NAMES.queue),
  });
  await waitFor(
    () => queueDrained(stack) && nameCard('bob') === 'bob (redriven)',
    10_000,
    'the rest to be applied',
  );

  // Assess
  expect(selected.moved.map((letter) => letter.eventId)).toEqual(['card-carol']);
  expect(nameCard('dave')).toBe('dave (redriven)');
  expect(deadLetters(stack)).toEqual([]);
});
