/**
 * The bridge end to end against moto instead of our stand-ins: the real ingest and consumer handlers,
 * with the real SDK clients reaching moto's SQS and Secrets Manager through `AWS_ENDPOINT_URL_*`, and
 * the Tencent Chat simulator. Tencent answers 20% of calls with 10002, the secret holds a wrong key for
 * 2 s (Tencent answers 70009), and some events are for a group that does not exist. In the end every
 * event is applied, in order, or dead-lettered with Tencent's code: none lost.
 *
 * The consumer takes one message a batch here, and no invocation crashes: moto serves a message group
 * out of order once two or more of its messages, received together, become visible again (a crash, or
 * two retries in one batch: `redeliveryOrderAfterExpiry` in sqs-contract.test.ts), and every member
 * event of a group shares the group's message group, so a batch of ten often holds several retries of
 * one group. Batches of ten, retries among them, and crashes are tested against `local/sqs`
 * (`test/integration/local-stack*.test.ts`, `consumer-crash.test.ts`, the fault runs), which that
 * contract test holds to AWS's documented order.
 */
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DEFAULT_ADMIN,
  DEFAULT_SDK_APP_ID,
  DEFAULT_SECRET_KEY,
  type GroupMember,
  type GroupMessage,
  type SeedGroup,
} from '../../local/simulator/index.ts';
import { type ExternalAwsStack, LOCAL_NAMES, startLocalStack } from '../../local/stack.ts';
import { synthBridge } from '../infra/helpers.ts';
import { sleep } from './helpers/targets.ts';
import { type Moto, startMoto } from './helpers/tools.ts';

/**
 * 25 members in each of the 2 groups: 250 events, and 20 for the missing group. moto serves every ledger
 * write and queue call in Python, so the run's length follows the events (50 members a group took 80 to
 * 90 s of CI's time on 2 cores; 25 take half that), while every fault and check below happens.
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
/**
 * The members of each group whose five events are moderation instead (by member index): a name card or
 * data value first (numbered, as everywhere), then deletions of their messages, bans (each longer than
 * the last, so that the end tells which one held), unbans and a removal. A ban or removal ends the member.
 */
const MODERATED: ReadonlyMap<number, readonly string[]> = new Map([
  [20, ['set_name_card', 'delete_messages', 'ban', 'unban', 'remove']],
  [21, ['set_member_data', 'mute', 'ban', 'unban', 'ban']],
  [22, ['set_name_card', 'set_role', 'mute', 'unmute', 'remove']],
  [23, ['set_member_data', 'delete_messages', 'ban', 'ban', 'unban']],
]);
/** Each group's five group-wide events: mute-all switches and overlapping recalls of its owner's messages. */
const GROUP_PLAN: readonly TestEvent['action'][] = ['mute_all', 'recall', 'unmute_all', 'recall', 'mute_all'];
/** The messages each recall of a group takes back, in order (the owner posts MsgSeq 1 to 3 first). */
const RECALL_SEQS: readonly (readonly number[])[] = [
  [1, 2],
  [2, 3],
];
const OWNER_MESSAGES = 3;
/** One account a group gets account-wide mutes and unmutes of both scopes or one, and a kick. */
const ACCOUNT_PLAN: readonly { action: string; scope?: string }[] = [
  { action: 'mute_account', scope: 'all' },
  { action: 'unmute_account', scope: 'direct' },
  { action: 'kick' },
  { action: 'unmute_account', scope: 'groups' },
  { action: 'mute_account', scope: 'groups' },
];
/** Bans and account-wide mutes last this long from `occurredAt`, plus a step per event, so that each end is its own. */
const TIMED_BASE_SECONDS = 3_600;
const TIMED_STEP_SECONDS = 1_000;
/** How far a stored end may lie from `occurredAt + durationSeconds` (seconds left, rounded at both ends). */
const END_TOLERANCE_SECONDS = 2;
/** The event source's function timeout; the queue's visibility timeout is six times it, as in the CDK stack. */
const FUNCTION_TIMEOUT_SECONDS = 1;
/**
 * Events per POST. Each event costs the ingest two ledger writes; moto serves them one by one in
 * Python, beside the consumer's, so a request of 100 events could outlast the ingest's 10-second
 * timeout on a loaded 2-core machine. 20 keeps every request well inside it.
 */
const EVENTS_PER_REQUEST = 20;

type TestEvent = { eventId: string; action: string; groupId?: string; account?: string } & Record<
  string,
  unknown
>;

const timed = (i: number, occurredAt: string) => ({
  durationSeconds: TIMED_BASE_SECONDS + TIMED_STEP_SECONDS * i,
  occurredAt,
});

/**
 * Each member's, group's and account's events, in order: name cards, member data and recall reasons
 * carry the event's number.
 */
function makeEvents(occurredAt: string): {
  byMember: Map<string, TestEvent[]>;
  byGroup: Map<string, TestEvent[]>;
  byAccount: Map<string, TestEvent[]>;
  ghost: TestEvent[];
} {
  const byMember = new Map<string, TestEvent[]>();
  const byGroup = new Map<string, TestEvent[]>();
  const byAccount = new Map<string, TestEvent[]>();
  let k = 0;
  for (const group of GROUPS) {
    (group.members ?? []).forEach((account, m) => {
      if (typeof account !== 'string') return;
      const plan = MODERATED.get(m);
      const events: TestEvent[] = [];
      for (let i = 0; i < EVENTS_PER_MEMBER; i++) {
        k++;
        const base = { eventId: `ev-${k}`, groupId: group.groupId, account };
        const changes: Record<string, { action: string } & Record<string, unknown>> = {
          set_name_card: { action: 'set_name_card', nameCard: `n${k}` },
          set_member_data: { action: 'set_member_data', data: { [`key${k % 3}`]: `v${k}` } },
          set_role: { action: 'set_role', role: k % 2 === 0 ? 'admin' : 'member' },
          mute: { action: 'mute', durationSeconds: 3600 },
          unmute: { action: 'unmute' },
          delete_messages: { action: 'delete_messages' },
          ban: { action: 'ban', ...timed(i, occurredAt) },
          unban: { action: 'unban' },
          remove: { action: 'remove' },
        };
        const action = plan?.[i] ?? ['set_name_card', 'set_member_data', 'set_role', 'mute', 'unmute'][k % 5];
        events.push({ ...base, ...(changes[action ?? 'unmute'] ?? { action: 'unmute' }) });
      }
      byMember.set(`${group.groupId}\n${account}`, events);
    });
    let recalls = 0;
    byGroup.set(
      group.groupId,
      GROUP_PLAN.map((action) => {
        k++;
        const base = { eventId: `ev-${k}`, groupId: group.groupId };
        if (action !== 'recall') return { ...base, action };
        const msgSeqs = [...(RECALL_SEQS[recalls++] ?? [])];
        return { ...base, action, msgSeqs, reason: `r${k}` };
      }),
    );
    const account = group.members?.[0];
    if (typeof account !== 'string') continue;
    byAccount.set(
      account,
      ACCOUNT_PLAN.map(({ action, scope }, i) => {
        k++;
        const base = { eventId: `ev-${k}`, account, action, ...(scope === undefined ? {} : { scope }) };
        return action === 'mute_account' ? { ...base, ...timed(i, occurredAt) } : base;
      }),
    );
  }
  const ghost = Array.from({ length: 20 }, (_, i) => ({
    eventId: `ghost-${i}`,
    groupId: '@TGS#GHOSTGROUP',
    account: `member-${i % 5}`,
    action: 'unmute',
  }));
  return { byMember, byGroup, byAccount, ghost };
}

/** The epoch seconds a timed decision ends at. */
const endOf = (event: TestEvent): number =>
  Date.parse(String(event.occurredAt)) / 1000 + Number(event.durationSeconds);

/** `actual` when it is more than the tolerance from `expected`, else `expected` (so that a mismatch shows as itself). */
const near = (actual: number, expected: number): number =>
  Math.abs(actual - expected) <= END_TOLERANCE_SECONDS ? expected : actual;

/** A member after its events: its fields while it is a member, and its ban's end (0: none). */
function expectedState(events: readonly TestEvent[]) {
  let member: { role: string; nameCard: string; data: Record<string, string>; muted: boolean } | undefined = {
    role: 'Member',
    nameCard: '',
    data: {},
    muted: false,
  };
  let bannedUntil = 0;
  for (const event of events) {
    if (event.action === 'ban') {
      member = undefined;
      bannedUntil = endOf(event);
    }
    if (event.action === 'unban') bannedUntil = 0;
    if (event.action === 'remove') member = undefined;
    if (!member) continue;
    if (event.action === 'mute') member.muted = true;
    if (event.action === 'unmute') member.muted = false;
    if (event.action === 'set_role') member.role = event.role === 'admin' ? 'Admin' : 'Member';
    if (event.action === 'set_name_card') member.nameCard = String(event.nameCard);
    if (event.action === 'set_member_data') Object.assign(member.data, event.data);
  }
  return { member, bannedUntil };
}

const actualMember = (member: GroupMember | undefined, nowSeconds: number) =>
  member && {
    role: member.role,
    nameCard: member.nameCard,
    data: member.appMemberDefinedData,
    muted: member.mutedUntil > nowSeconds,
  };

/** An account's account-wide mute ends after its events: per scope, the last event that set it. */
function expectedNoSpeaking(events: readonly TestEvent[]): { c2c: number; group: number } {
  const ends = { c2c: 0, group: 0 };
  for (const event of events) {
    if (event.action !== 'mute_account' && event.action !== 'unmute_account') continue;
    const end = event.action === 'mute_account' ? endOf(event) : 0;
    if (event.scope !== 'groups') ends.c2c = end;
    if (event.scope !== 'direct') ends.group = end;
  }
  return ends;
}

/** A message as the assertions read it: who sent it and whether, how and why it was taken back. */
const messageLine = (message: Pick<GroupMessage, 'msgSeq' | 'sender' | 'recalledBy' | 'recallReason'>) =>
  `${message.msgSeq} ${message.sender} ${message.recalledBy ?? 'kept'}${message.recallReason ? ` ${message.recallReason}` : ''}`;

let moto: Moto;
let stack: ExternalAwsStack;
let sqs: SQSClient;
let secrets: SecretsManagerClient;
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
    // One message a batch: see the file's doc.
    consumer: { batchSize: 1, maxConcurrency: 1, functionTimeoutMs: FUNCTION_TIMEOUT_SECONDS * 1_000 },
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
  // 1-second function instead of 30 s, so that a batch that timed out comes back within this run.
  expect(Number(cdkQueue.VisibilityTimeout) / (consumer?.Properties.Timeout ?? 0)).toBe(6);
  expect(Number(queue.VisibilityTimeout)).toBe(6 * FUNCTION_TIMEOUT_SECONDS);
}, 60_000);

it('loses nothing and applies nothing out of order under faults and a bad rotation', async () => {
  // Prepare: messages to recall and to delete, posted before the run (the owner's are MsgSeq 1 to 3),
  // then one by each moderated member.
  const state = stack.simulator?.state;
  if (!state) throw new Error('the stack runs no simulator');
  const postedAt = Math.floor(Date.now() / 1000);
  GROUPS.forEach((group, g) => {
    for (let n = 0; n < OWNER_MESSAGES; n++) {
      state.postMessage(group.groupId, { sender: `owner-${g}`, text: `o${n}` }, postedAt);
    }
    for (const m of MODERATED.keys()) {
      state.postMessage(group.groupId, { sender: `member-${g}-${m}`, text: 'm' }, postedAt);
    }
  });

  // Prepare: round-robin over members, groups and accounts, so every request mixes them and keeps each
  // one's order.
  const { byMember, byGroup, byAccount, ghost } = makeEvents(new Date().toISOString());
  const lists = [...byMember.values(), ...byGroup.values(), ...byAccount.values()];
  const ordered: TestEvent[] = [];
  for (let i = 0; i < EVENTS_PER_MEMBER; i++) {
    for (const list of lists) {
      const event = list[i];
      if (event) ordered.push(event);
    }
    const ghostsPerRound = Math.ceil(ghost.length / EVENTS_PER_MEMBER);
    ordered.push(...ghost.slice(i * ghostsPerRound, (i + 1) * ghostsPerRound));
  }
  expect(ordered).toHaveLength(GROUPS.length * (MEMBERS_PER_GROUP + 2) * EVENTS_PER_MEMBER + ghost.length);
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
  const deadline = Date.now() + 200_000;
  while (!(await drained())) {
    if (Date.now() > deadline) throw new Error('the main queue did not drain in 200 s');
    await sleep(250);
  }
  const elapsedMs = Date.now() - started;
  const letters = await takeDeadLetters();

  // Assess: the wrong key happened.
  const calls = stack.simulator?.calls ?? [];
  const refused = calls.filter((call) => call.resultCode === 70009).length;
  expect(refused).toBeGreaterThan(0);

  // Assess: the dead-letter queue holds exactly the events of the group that does not exist, with the reason.
  // Checked as one list of event, kind and code, so that a letter for any other event shows why.
  const letterOf = (event: { eventId: string; action: string }, kind?: string, code?: string) =>
    `${event.eventId} ${event.action} ${kind} ${code}`;
  expect(
    letters
      .map((m) =>
        letterOf(
          JSON.parse(m.Body ?? '{}') as { eventId: string; action: string },
          m.MessageAttributes?.['bridge.errorKind']?.StringValue,
          m.MessageAttributes?.['bridge.errorCode']?.StringValue,
        ),
      )
      .sort(),
  ).toEqual(ghost.map((event) => letterOf(event, 'tencent_permanent', '10010')).sort());

  // Assess: every member, group and account ends as its events, in order, imply: a member's fields, or
  // gone after a ban or removal, with the last ban's end unless an unban followed; a group's mute-all
  // flag; an account's account-wide mute ends, per scope; an account's kicks.
  const nowSeconds = Date.now() / 1000;
  let mismatches = 0;
  const check = (actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches++;
    expect(actual).toEqual(expected);
  };
  for (const [key, events] of byMember) {
    const [groupId = '', account = ''] = key.split('\n');
    const expected = expectedState(events);
    const ban = state.listBans(groupId, nowSeconds)?.find((b) => b.account === account);
    const actual = {
      member: actualMember(state.getMember(groupId, account), nowSeconds),
      bannedUntil: near(ban?.bannedUntil ?? 0, expected.bannedUntil),
    };
    check([key, actual], [key, expected]);
  }
  for (const [groupId, events] of byGroup) {
    const last = events.filter((event) => event.action.endsWith('mute_all')).at(-1);
    check([groupId, state.getGroup(groupId)?.muteAllMember], [groupId, last?.action === 'mute_all']);
  }
  for (const [account, events] of byAccount) {
    const actual = state.noSpeaking(account);
    const expected = expectedNoSpeaking(events);
    const seconds = (end: number | 'forever') => (end === 'forever' ? Number.POSITIVE_INFINITY : end);
    check(
      [
        account,
        {
          c2c: near(seconds(actual.c2cMutedUntil), expected.c2c),
          group: near(seconds(actual.groupMutedUntil), expected.group),
        },
      ],
      [account, expected],
    );
    // A kick applied again is a second kick: at least one per event, as many as Tencent applied.
    const kicked = state.kicks().find((kick) => kick.account === account)?.count ?? 0;
    expect(kicked).toBeGreaterThanOrEqual(events.filter((event) => event.action === 'kick').length);
    expect(kicked).toBe(
      calls.filter((call) => call.applied && (call.body as { UserID?: string }).UserID === account).length,
    );
  }
  // Assess: each message is recalled with the reason of the first recall that named it, deleted when
  // its sender's messages were deleted, or kept.
  let takenBack = 0;
  GROUPS.forEach((group, g) => {
    const reasons = new Map<number, string>();
    for (const event of byGroup.get(group.groupId) ?? []) {
      for (const msgSeq of (event.msgSeqs as number[] | undefined) ?? []) {
        if (!reasons.has(msgSeq)) reasons.set(msgSeq, String(event.reason));
      }
    }
    const expected = [
      ...Array.from({ length: OWNER_MESSAGES }, (_, n) => {
        const reason = reasons.get(n + 1);
        return messageLine({
          msgSeq: n + 1,
          sender: `owner-${g}`,
          ...(reason === undefined ? {} : { recalledBy: 'group_msg_recall', recallReason: reason }),
        });
      }),
      ...[...MODERATED].map(([m, plan], n) =>
        messageLine({
          msgSeq: OWNER_MESSAGES + n + 1,
          sender: `member-${g}-${m}`,
          ...(plan.includes('delete_messages') ? { recalledBy: 'delete_group_msg_by_sender' } : {}),
        }),
      ),
    ];
    const messages = state.listMessages(group.groupId) ?? [];
    takenBack += messages.filter((message) => message.recalled).length;
    check([group.groupId, messages.map(messageLine)], [group.groupId, expected]);
  });
  expect(mismatches).toBe(0);

  // Assess: per member, the numbered changes were applied in event order (a re-application is
  // allowed; going back is not).
  const lastSeen = new Map<string, number>();
  const appliedTokens = new Set<string>();
  let outOfOrder = 0;
  for (const call of calls) {
    if (!call.applied) continue;
    const body = call.body as {
      GroupId: string;
      Member_Account?: string;
      NameCard?: string;
      AppMemberDefinedData?: { Value: string }[];
      MsgSeqList?: unknown[];
      Reason?: string;
    };
    const token =
      body.NameCard ?? body.AppMemberDefinedData?.[0]?.Value ?? (body.MsgSeqList ? body.Reason : undefined);
    if (token === undefined) continue;
    appliedTokens.add(token);
    const number = Number(token.slice(1));
    const key = `${body.GroupId}\n${body.Member_Account ?? ''}`;
    if (number < (lastSeen.get(key) ?? 0)) outOfOrder++;
    lastSeen.set(key, number);
  }
  expect(outOfOrder).toBe(0);

  // Assess: every numbered event was applied at least once.
  const lost = [...byMember.values(), ...byGroup.values()]
    .flat()
    .map(
      (event) =>
        (event.nameCard as string | undefined) ??
        (event.action === 'recall' ? (event.reason as string) : undefined) ??
        Object.values(event.data ?? {})[0],
    )
    .filter((token): token is string => typeof token === 'string' && !appliedTokens.has(token));
  expect(lost).toEqual([]);

  // Assess: the new actions all reached Tencent, none of them lost: every event's ledger item is applied.
  const apis = new Set(
    calls.filter((call) => call.resultCode === 0).map((call) => call.path.split('/').pop()),
  );
  expect([...apis].sort()).toEqual(
    expect.arrayContaining([
      'ban_group_member',
      'delete_group_member',
      'delete_group_msg_by_sender',
      'group_msg_recall',
      'kick',
      'modify_group_base_info',
      'setnospeaking',
      'unban_group_member',
    ]),
  );
  const statuses = new Map<string, number>();
  for (const event of ordered) {
    const status = (await stack.ledgerItem(event.eventId))?.status ?? 'missing';
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    expect([event.eventId, status]).toEqual([
      event.eventId,
      event.eventId.startsWith('ghost-') ? 'dead_lettered' : 'applied',
    ]);
  }

  const stats = stack.simulator?.stats;
  process.stdout.write(
    `\nmoto end-to-end: ${ordered.length} events over ${byMember.size} members, ${byGroup.size} groups and ${byAccount.size} accounts in ${(elapsedMs / 1000).toFixed(1)} s; ` +
      `${stats?.calls} Tencent calls (${stats?.faults.error} 10002, ${refused} 70009 for a wrong key), ` +
      `slowest POST of ${EVENTS_PER_REQUEST} events ${Math.round(slowestPostMs)} ms; applied ${ordered.length - letters.length}, ` +
      `dead-lettered ${letters.length} (10010), lost ${lost.length}, out of order ${outOfOrder}, state mismatches ${mismatches} (${takenBack} messages taken back); ledger ${JSON.stringify(Object.fromEntries(statuses))}\n`,
  );
}, 260_000);
