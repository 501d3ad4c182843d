/**
 * `npm run dlq` against the local stack: the listing shows each dead letter's ledger history, and a
 * redrive (by id, then of everything) marks each event redriven before it reaches the main queue, so
 * that the consumer applies it instead of taking it for one it had finished. A letter moved back
 * without the mark (an SQS move task, as the console's "Start DLQ redrive" makes) goes back to the
 * dead-letter queue instead of being dropped.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { LOCAL_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { type CliDependencies, parseCommand, runCommand } from '../../ops/cli';
import { deadLetters, postEvents, queueDrained, waitFor } from '../helpers/local-stack';

const GROUP = 'created-later';
let stack: LocalStack;
let deps: CliDependencies;
let env: Record<string, string>;
const lines: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ simulator: { groups: [] } });
  // Created after the stack set the AWS_ENDPOINT_URL_* variables, as the dlq command's clients would be.
  deps = {
    sqs: new SQSClient({}),
    dynamodb: new DynamoDBClient({}),
    out: (line) => lines.push(line),
  };
  env = {
    DLQ_URL: stack.deadLetterQueueUrl,
    QUEUE_URL: stack.queueUrl,
    LEDGER_TABLE: stack.ledger.tableName,
  };
});

afterAll(async () => {
  deps.sqs.destroy();
  deps.dynamodb.destroy();
  await stack.close();
});

/** Runs one dlq command line; returns its exit code and output. */
async function dlq(...argv: string[]): Promise<{ code: number; output: string }> {
  lines.length = 0;
  const code = await runCommand(parseCommand(argv, env), deps);
  return { code, output: lines.join('\n') };
}

const nameCard = (account: string) => stack.simulator?.state.getMember(GROUP, account)?.nameCard;

it('lists dead letters with their ledger history, and applies them once redriven', async () => {
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

  // Act
  const listed = await dlq('list');

  // Assess
  expect(listed.code).toBe(0);
  expect(listed.output.match(/ {3}ledger dead_lettered {2}attempts 1 {2}updated /g)).toHaveLength(3);
  expect(listed.output).toMatch(/ {5}\S+ {2}dead_lettered {2}attempt 1 {2}Tencent 10010 /);
  expect(deadLetters(stack)).toHaveLength(3);

  // Act: the group now exists; redrive one by id, then the rest.
  stack.simulator?.state.putGroup({
    groupId: GROUP,
    type: 'Private',
    owner: 'alice',
    members: ['bob', 'carol', 'dave'],
  });
  const selected = await dlq('redrive', '--ids', 'card-carol');
  await waitFor(() => nameCard('carol') === 'carol (redriven)', 10_000, 'carol to be applied');
  const all = await dlq('redrive');
  await waitFor(
    () =>
      queueDrained(stack) && nameCard('bob') === 'bob (redriven)' && nameCard('dave') === 'dave (redriven)',
    10_000,
    'the rest to be applied',
  );

  // Assess
  expect(selected).toMatchObject({
    code: 0,
    output: expect.stringContaining('1 moved (0 superseded), 0 left in the dead-letter queue, 0 not found.'),
  });
  expect(all).toMatchObject({
    code: 0,
    output: expect.stringContaining('2 moved (0 superseded), 0 left in the dead-letter queue, 0 not found.'),
  });
  expect(deadLetters(stack)).toEqual([]);
  for (const account of ['bob', 'carol', 'dave']) {
    const item = await stack.ledgerItem(`card-${account}`);
    expect(item).toMatchObject({ status: 'applied', attempts: 1 });
    // `queued` may be missing: the consumer can record its outcome before the ingest confirms the send.
    const outcomes = item?.history.map((entry) => entry.outcome) ?? [];
    expect(outcomes[0]).toBe('received');
    expect(outcomes.slice(-3)).toEqual(['dead_lettered', 'redriven', 'applied']);
  }
});

it('sends back to the dead-letter queue, with no call, a letter an SQS move task moved without a redrive mark', async () => {
  // Prepare: an event dead-lettered for a group Tencent does not know.
  const event = {
    eventId: 'card-erin',
    groupId: 'unknown-group',
    account: 'erin',
    action: 'set_name_card',
    nameCard: 'x',
  };
  expect((await postEvents(stack, event)).status).toBe(202);
  await waitFor(() => queueDrained(stack) && deadLetters(stack).length === 1, 10_000, 'one dead letter');
  const calls = stack.simulator?.calls.length ?? 0;

  // Act: a move task, as the console's "Start DLQ redrive" starts, moves it back unmarked.
  await deps.sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: stack.sqs.queueArn(LOCAL_NAMES.deadLetterQueue),
      DestinationArn: stack.sqs.queueArn(LOCAL_NAMES.queue),
    }),
  );
  await waitFor(() => queueDrained(stack) && deadLetters(stack).length === 1, 10_000, 'the letter back');

  // Assess: still a dead letter, never called again, the item unchanged.
  expect(stack.simulator?.calls.length).toBe(calls);
  expect(await stack.ledgerItem('card-erin')).toMatchObject({ status: 'dead_lettered', attempts: 1 });
  const listed = await dlq('show', 'card-erin');
  expect(listed.output).toContain('Tencent 10010');
});
