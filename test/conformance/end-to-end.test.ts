/**
 * The bridge end to end against moto instead of our stand-ins: the real ingest and consumer handlers,
 * with the real SDK clients reaching moto's SQS and Secrets Manager through `AWS_ENDPOINT_URL_*`, and
 * the Tencent Chat simulator. Tencent answers 20% of calls with 10002, three invocations crash after
 * applying half of their batch, the secret holds a wrong key for 2 s (Tencent answers 70009), and some
 * events are for a group that does not exist. In the end every event is applied, in order, or
 * dead-lettered with Tencent's code: none lost.
 */
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SqsHandler } from '../../local/event-source.ts';
import {
  DEFAULT_ADMIN,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  type GroupMember,
  type SeedGroup,
} from '../../local/simulator/index.ts';
import { type ExternalAwsStack, LOCAL_NAMES, startLocalStack } from '../../local/stack.ts';
import { synthBridge } from '../infra/helpers.ts';
import { sleep } from './helpers/targets.ts';
import { type Moto, startMoto } from './helpers/tools.ts';

/**
 * 25 members in each of the 2 groups: 250 events, and 20 for the missing group. moto serves every ledger
 * write and queue call in Python, so the run's length follows the events (50 members a group took 80 to
 * 90 s of CI's time on 2 cores; 25 take half that), while every fault, crash and check below happens.
 */
const MEMBERS_PER_GROUP = 25;
const GROUPS: SeedGroup[] = ['Public', 'Private'].map((type, g) => ({
  groupId: `group-${g}`,
  type: type as SeedGroup['type'],
  owner: `owner-${g}`,
  members: Array.from({ length: MEMBERS_PER_GROUP }, (_, m) => `member-${g}-${m}`),
}));
/** Five events per member: each member gets every kind of change once, in a different order. */
const EVENTS_PER_MEMBER = 5;
/** The event source's function timeout; the queue's visibility timeout is six times it, as in the CDK stack. */
const FUNCTION_TIMEOUT_SECONDS = 1;
const CRASHES = 3;
/**
 * Events per POST. Each event costs the ingest two ledger writes; moto serves them one by one in
 * Python, beside the consumer's, so a request of 100 events could outlast the ingest's 10-second
 * timeout on a loaded 2-core machine. 20 keeps every request well inside it.
 */
const EVENTS_PER_REQUEST = 20;

type TestEvent = { eventId: string; groupId: string; account: string; action: string } & Record<
  string,
  unknown
>;

/** Each member's events, in order: name cards and member data carry the event's number. */
function makeEvents(): { byMember: Map<string, TestEvent[]>; ghost: TestEvent[] } {
  const byMember = new Map<string, TestEvent[]>();
  let k = 0;
  for (const group of GROUPS) {
    for (const account of group.members ?? []) {
      if (typeof account !== 'string') continue;
      const events: TestEvent[] = [];
      for (let i = 0; i < EVENTS_PER_MEMBER; i++) {
        k++;
        const base = { eventId: `ev-${k}`, groupId: group.groupId, account };
        const fields = [
          { action: 'set_name_card', nameCard: `n${k}` },
          { action: 'set_member_data', data: { [`key${k % 3}`]: `v${k}` } },
          { action: 'set_role', role: k % 2 === 0 ? 'admin' : 'member' },
          { action: 'mute', durationSeconds: 3600 },
          { action: 'unmute' },
        ][k % 5] ?? { action: 'unmute' };
        events.push({ ...base, ...fields });
      }
      byMember.set(`${group.groupId}\n${account}`, events);
    }
  }
  const ghost = Array.from({ length: 20 }, (_, i) => ({
    eventId: `ghost-${i}`,
    groupId: '@TGS#GHOSTGROUP',
    account: `member-${i % 5}`,
    action: 'unmute',
  }));
  return { byMember, ghost };
}

function expectedState(events: readonly TestEvent[]) {
  const state = { role: 'Member', nameCard: '', data: {} as Record<string, string>, muted: false };
  for (const event of events) {
    if (event.action === 'mute') state.muted = true;
    if (event.action === 'unmute') state.muted = false;
    if (event.action === 'set_role') state.role = event.role === 'admin' ? 'Admin' : 'Member';
    if (event.action === 'set_name_card') state.nameCard = String(event.nameCard);
    if (event.action === 'set_member_data') Object.assign(state.data, event.data);
  }
  return state;
}

const actualState = (member: GroupMember | undefined, nowSeconds: number) => ({
  role: member?.role,
  nameCard: member?.nameCard,
  data: member?.appMemberDefinedData,
  muted: (member?.mutedUntil ?? 0) > nowSeconds,
});

let moto: Moto;
let stack: ExternalAwsStack;
let sqs: SQSClient;
let secrets: SecretsManagerClient;
let invocations = 0;
let crashes = 0;

/** Every fifth invocation, up to three times, applies half of its batch and then throws. */
const crashMidBatch =
  (handler: SqsHandler): SqsHandler =>
  async (event, context) => {
    invocations++;
    if (crashes >= CRASHES || invocations % 5 !== 0 || event.Records.length < 2)
      return handler(event, context);
    crashes++;
    await handler({ Records: event.Records.slice(0, Math.ceil(event.Records.length / 2)) }, context);
    throw new Error('injected crash');
  };

beforeAll(async () => {
  moto = await startMoto();
  stack = await startLocalStack({
    awsEndpoint: moto.endpoint,
    simulator: {
      groups: GROUPS,
      limitPerSecond: 100_000,
      faults: { seed: 12, error: { rate: 0.2 } },
    },
    queue: { visibilityTimeoutSeconds: 6 * FUNCTION_TIMEOUT_SECONDS },
    // One poller: moto hands one group's messages to concurrent long polls at once (a known gap, see
    // sqs-contract.test.ts), which would break the order of any FIFO consumer, not only ours.
    consumer: { maxConcurrency: 1, functionTimeoutMs: FUNCTION_TIMEOUT_SECONDS * 1_000 },
    wrapConsumer: crashMidBatch,
    functionEnv: {
      POWERTOOLS_LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      TENCENT_TIMEOUT_MS: '300',
      TIME_RESERVE_MS: '100',
      BACKOFF_BASE_SECONDS: '1',
      BACKOFF_MAX_SECONDS: '2',
      HOLD_MAX_SECONDS: '2',
      TIMEOUT_SETTLE_SECONDS: '1',
      // The secret is read on every batch, so that the wrong-key window takes effect at once.
      SECRET_MAX_AGE_SECONDS: '0',
      TENCENT_CALLS_PER_SECOND: '5000',
    },
  });
  const client = {
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
  sqs = new SQSClient(client);
  secrets = new SecretsManagerClient(client);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  sqs?.destroy();
  secrets?.destroy();
  await moto?.close();
});

let slowestPostMs = 0;

async function postEvents(body: unknown): Promise<{ status: number }> {
  const started = performance.now();
  const response = await fetch(`${stack.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  slowestPostMs = Math.max(slowestPostMs, performance.now() - started);
  return { status: response.status };
}

async function attributesOf(queueUrl: string): Promise<Record<string, string>> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
  return out.Attributes ?? {};
}

async function drained(): Promise<boolean> {
  const a = await attributesOf(stack.queueUrl);
  return (
    Number(a.ApproximateNumberOfMessages) +
      Number(a.ApproximateNumberOfMessagesNotVisible) +
      Number(a.ApproximateNumberOfMessagesDelayed) ===
    0
  );
}

/** Reads (and removes) every message of moto's dead-letter queue. */
async function takeDeadLetters(): Promise<Message[]> {
  const letters: Message[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return letters;
    letters.push(...messages);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: stack.deadLetterQueueUrl,
        Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

it('creates the queues at moto with the attributes of the CDK stack', async () => {
  // Prepare
  const { template } = synthBridge();
  const queues = Object.values(template.findResources('AWS::SQS::Queue')) as {
    Properties: Record<string, unknown>;
  }[];
  const cdkQueue = queues.find((q) => q.Properties.RedrivePolicy !== undefined)?.Properties ?? {};
  const cdkDlq = queues.find((q) => q.Properties.RedrivePolicy === undefined)?.Properties ?? {};
  const consumer = Object.values(template.findResources('AWS::Lambda::Function')).find(
    (f) => JSON.stringify(f).includes('"QUEUE_URL"') && JSON.stringify(f).includes('"IM_SECRET_ID"'),
  ) as { Properties: { Timeout: number } } | undefined;
  const compared = [
    'FifoQueue',
    'ContentBasedDeduplication',
    'DeduplicationScope',
    'FifoThroughputLimit',
    'MessageRetentionPeriod',
    'SqsManagedSseEnabled',
  ];
  const asAttributes = (properties: Record<string, unknown>) =>
    Object.fromEntries(
      compared.filter((key) => key in properties).map((key) => [key, String(properties[key])]),
    );

  // Act
  const queue = await attributesOf(stack.queueUrl);
  const dlq = await attributesOf(stack.deadLetterQueueUrl);

  // Assess
  expect(queue).toMatchObject(asAttributes(cdkQueue));
  expect(dlq).toMatchObject(asAttributes(cdkDlq));
  expect(Object.keys(asAttributes(cdkQueue))).toEqual(compared);
  const redrive = JSON.parse(queue.RedrivePolicy ?? '{}') as Record<string, unknown>;
  expect(redrive).toEqual({
    deadLetterTargetArn: dlq.QueueArn,
    maxReceiveCount: (cdkQueue.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount,
  });
  // The visibility timeout keeps the stack's ratio to the consumer's timeout (six times), on a
  // 1-second function instead of 30 s, so that a crashed batch comes back within this run.
  expect(Number(cdkQueue.VisibilityTimeout) / (consumer?.Properties.Timeout ?? 0)).toBe(6);
  expect(Number(queue.VisibilityTimeout)).toBe(6 * FUNCTION_TIMEOUT_SECONDS);
}, 60_000);

it('loses nothing and applies nothing out of order under faults, crashes and a bad rotation', async () => {
  // Prepare: round-robin over members, so every request mixes members and keeps each one's order.
  const { byMember, ghost } = makeEvents();
  const lists = [...byMember.values()];
  const ordered: TestEvent[] = [];
  for (let i = 0; i < EVENTS_PER_MEMBER; i++) {
    for (const list of lists) {
      const event = list[i];
      if (event) ordered.push(event);
    }
    const ghostsPerRound = Math.ceil(ghost.length / EVENTS_PER_MEMBER);
    ordered.push(...ghost.slice(i * ghostsPerRound, (i + 1) * ghostsPerRound));
  }
  expect(ordered).toHaveLength(GROUPS.length * MEMBERS_PER_GROUP * EVENTS_PER_MEMBER + ghost.length);
  const secret = (secretKey: string) =>
    JSON.stringify({ sdkAppId: DEFAULT_SDK_APP_ID, identifier: DEFAULT_ADMIN, secretKey });
  const rotate = (secretKey: string) =>
    secrets.send(
      new PutSecretValueCommand({ SecretId: LOCAL_NAMES.secret, SecretString: secret(secretKey) }),
    );

  // The secret holds a wrong key for 2 s halfway through the posts.
  const rotateAt = Math.floor(ordered.length / 2 / EVENTS_PER_REQUEST) * EVENTS_PER_REQUEST;

  // Act
  const started = Date.now();
  for (let i = 0; i < ordered.length; i += EVENTS_PER_REQUEST) {
    const response = await postEvents({ events: ordered.slice(i, i + EVENTS_PER_REQUEST) });
    expect(response.status).toBe(202);
    if (i === rotateAt) {
      await rotate('a-wrong-key');
      await sleep(2_000);
      await rotate(DEFAULT_SECRET_KEY);
    }
  }
  const deadline = Date.now() + 150_000;
  while (!(await drained())) {
    if (Date.now() > deadline) throw new Error('the main queue did not drain in 150 s');
    await sleep(250);
  }
  const elapsedMs = Date.now() - started;
  const letters = await takeDeadLetters();

  // Assess: the crashes and the wrong key happened.
  expect(crashes).toBe(CRASHES);
  const calls = stack.simulator?.calls ?? [];
  const refused = calls.filter((call) => call.resultCode === 70009).length;
  expect(refused).toBeGreaterThan(0);

  // Assess: the dead-letter queue holds exactly the events of the group that does not exist, with the reason.
  const bodies = letters.map((m) => JSON.parse(m.Body ?? '{}') as { eventId: string });
  expect(bodies.map((body) => body.eventId).sort()).toEqual(ghost.map((event) => event.eventId).sort());
  for (const letter of letters) {
    expect(letter.MessageAttributes).toMatchObject({
      'bridge.errorKind': { StringValue: 'tencent_permanent' },
      'bridge.errorCode': { StringValue: '10010' },
    });
  }

  // Assess: every member ends as its events, in order, imply.
  const nowSeconds = Date.now() / 1000;
  let mismatches = 0;
  for (const [key, events] of byMember) {
    const [groupId = '', account = ''] = key.split('\n');
    const actual = actualState(stack.simulator?.state.getMember(groupId, account), nowSeconds);
    if (JSON.stringify(actual) !== JSON.stringify(expectedState(events))) mismatches++;
  }
  expect(mismatches).toBe(0);

  // Assess: per member, the numbered changes were applied in event order (a re-application after a
  // crash is allowed; going back is not).
  const lastSeen = new Map<string, number>();
  const appliedTokens = new Set<string>();
  let outOfOrder = 0;
  for (const call of calls) {
    if (!call.applied) continue;
    const body = call.body as {
      GroupId: string;
      Member_Account: string;
      NameCard?: string;
      AppMemberDefinedData?: { Value: string }[];
    };
    const token = body.NameCard ?? body.AppMemberDefinedData?.[0]?.Value;
    if (token === undefined) continue;
    appliedTokens.add(token);
    const number = Number(token.slice(1));
    const key = `${body.GroupId}\n${body.Member_Account}`;
    if (number < (lastSeen.get(key) ?? 0)) outOfOrder++;
    lastSeen.set(key, number);
  }
  expect(outOfOrder).toBe(0);

  // Assess: every numbered event was applied at least once.
  const lost = [...byMember.values()]
    .flat()
    .map((event) => (event.nameCard as string | undefined) ?? Object.values(event.data ?? {})[0])
    .filter((token): token is string => typeof token === 'string' && !appliedTokens.has(token));
  expect(lost).toEqual([]);

  const stats = stack.simulator?.stats;
  process.stdout.write(
    `\nmoto end-to-end: ${ordered.length} events over ${byMember.size} members in ${(elapsedMs / 1000).toFixed(1)} s; ` +
      `${stats?.calls} Tencent calls (${stats?.faults.error} 10002, ${refused} 70009 for a wrong key), ` +
      `${crashes} crashed invocations, slowest POST of ${EVENTS_PER_REQUEST} events ${Math.round(slowestPostMs)} ms; applied ${ordered.length - letters.length}, ` +
      `dead-lettered ${letters.length} (10010), lost ${lost.length}, out of order ${outOfOrder}, state mismatches ${mismatches}\n`,
  );
}, 180_000);
