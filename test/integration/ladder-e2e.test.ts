/**
 * One spammer down the whole moderation ladder, through `npm start` as a newcomer runs it: each step
 * is a `POST /v1/events` over HTTP, waited for through `GET /v1/events/{eventId}`, and the simulator's
 * state (its control routes, `/_sim/...`) is checked after each: recall, delete the rest of the
 * spammer's messages, mute, remove, ban, mute the account everywhere, end its sessions. Then a raid, as
 * a raid detector sends it: bulk events of hundreds of accounts, one of them not in the group.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { newcomerEnv, npmStartOnFreePorts, waitForOutput } from '../helpers/child-process';
import { ROOT } from '../helpers/docs';

const GROUP = '@TGS#2CLUZEAEJ';
const group = encodeURIComponent(GROUP);
let child: ChildProcessWithoutNullStreams;
let api: string;
let sim: string;

beforeAll(async () => {
  child = spawn(process.execPath, npmStartOnFreePorts('--auth', 'none'), { cwd: ROOT, env: newcomerEnv() });
  const banner = await waitForOutput(child, /Ctrl-C stops it/);
  api = /API +POST (\S+)\/v1\/events/.exec(banner)?.[1] ?? '';
  sim = /Tencent +(\S+) \(simulator/.exec(banner)?.[1] ?? '';
  if (api === '' || sim === '') throw new Error(`no addresses in: ${banner}`);
}, 60_000);

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
});

async function json(url: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, init);
  return response.json();
}

const post = (url: string, body: unknown) =>
  json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Sends one event and waits until the ledger shows it finished; returns its item. */
async function apply(event: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = (await post(`${api}/v1/events`, event)) as { accepted?: { eventId: string }[] };
  const eventId = answer.accepted?.[0]?.eventId;
  if (eventId === undefined) throw new Error(`not accepted: ${JSON.stringify(answer)}`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const item = (await json(`${api}/v1/events/${encodeURIComponent(eventId)}`)) as Record<string, unknown>;
    const finished = ['applied', 'partly_applied', 'dead_lettered', 'superseded', 'expired'];
    if (finished.includes(String(item.status))) return item;
    if (Date.now() > deadline) throw new Error(`${event.action} not finished: ${JSON.stringify(item)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

interface SimMessage {
  msgSeq: number;
  sender: string;
  recalled: boolean;
}

it('takes a spammer down the ladder, each step changing what it should and nothing else', async () => {
  // Prepare: the spammer joins and posts three messages; bob posts one.
  await post(`${sim}/_sim/groups/${group}/members`, { members: ['spammer'] });
  const posted = (await post(`${sim}/_sim/groups/${group}/messages`, [
    { sender: 'spammer', text: 'buy now' },
    { sender: 'bob', text: 'hello' },
    { sender: 'spammer', text: 'cheap links' },
    { sender: 'spammer', text: 'more links' },
  ])) as { msgSeq: number }[];
  const [first, bobs, second, third] = posted.map(({ msgSeq }) => msgSeq);
  const messages = async () => (await json(`${sim}/_sim/groups/${group}/messages`)) as SimMessage[];
  const recalled = async () => (await messages()).filter((m) => m.recalled).map((m) => m.msgSeq);
  const members = async () =>
    ((await json(`${sim}/_sim/groups/${group}/members`)) as { account: string; mutedUntil: number }[]).filter(
      (member) => member.account === 'spammer',
    );
  const now = () => Math.floor(Date.now() / 1000);

  // 1. Recall the first message: only it is recalled.
  expect(await apply({ groupId: GROUP, action: 'recall', msgSeqs: [first], reason: 'spam' })).toMatchObject({
    status: 'applied',
    recalled: [first],
  });
  expect(await recalled()).toEqual([first]);

  // 2. Delete the rest of the spammer's messages: bob's stays.
  expect(await apply({ groupId: GROUP, account: 'spammer', action: 'delete_messages' })).toMatchObject({
    status: 'applied',
  });
  expect(await recalled()).toEqual([first, second, third]);
  expect((await messages()).find((m) => m.msgSeq === bobs)?.recalled).toBe(false);

  // 3. Mute for 10 minutes.
  expect(
    await apply({ groupId: GROUP, account: 'spammer', action: 'mute', durationSeconds: 600 }),
  ).toMatchObject({
    status: 'applied',
  });
  const [muted] = await members();
  expect(muted?.mutedUntil).toBeGreaterThanOrEqual(now() + 590);

  // 4. Remove, silently: no longer a member.
  expect(
    await apply({ groupId: GROUP, account: 'spammer', action: 'remove', silent: true, reason: 'spam' }),
  ).toMatchObject({ status: 'applied' });
  expect(await members()).toEqual([]);
  const removals = (await json(`${sim}/_sim/removals`)) as {
    accounts: string[];
    silence: number;
    reason?: string;
  }[];
  expect(removals.at(-1)).toMatchObject({ accounts: ['spammer'], silence: 1, reason: 'spam' });

  // 5. Ban for a day: rejoining is refused.
  expect(
    await apply({
      groupId: GROUP,
      account: 'spammer',
      action: 'ban',
      durationSeconds: 86_400,
      reason: 'spam',
    }),
  ).toMatchObject({ status: 'applied' });
  const bans = (await json(`${sim}/_sim/groups/${group}/bans`)) as { account: string; bannedUntil: number }[];
  expect(bans.find((ban) => ban.account === 'spammer')?.bannedUntil).toBeGreaterThanOrEqual(now() + 86_390);
  const rejoin = await fetch(`${sim}/_sim/groups/${group}/members`, {
    method: 'POST',
    body: JSON.stringify({ members: ['spammer'] }),
  });
  expect(rejoin.status).toBe(409);

  // 6. Mute the account everywhere for an hour, group and one-to-one messages.
  expect(await apply({ account: 'spammer', action: 'mute_account', durationSeconds: 3_600 })).toMatchObject({
    status: 'applied',
  });
  const nospeaking = (await json(`${sim}/_sim/nospeaking`)) as {
    account: string;
    c2cMutedUntil: number;
    groupMutedUntil: number;
  }[];
  const mute = nospeaking.find((entry) => entry.account === 'spammer');
  expect(mute?.c2cMutedUntil).toBeGreaterThanOrEqual(now() + 3_590);
  expect(mute?.groupMutedUntil).toBeGreaterThanOrEqual(now() + 3_590);

  // 7. End its sessions.
  expect(await apply({ account: 'spammer', action: 'kick' })).toMatchObject({ status: 'applied' });
  const kicks = (await json(`${sim}/_sim/kicks`)) as { account: string; count: number }[];
  expect(kicks.find((kick) => kick.account === 'spammer')?.count).toBe(1);

  // Nothing happened to bob, and nothing was dead-lettered.
  const bob = (
    (await json(`${sim}/_sim/groups/${group}/members`)) as { account: string; mutedUntil: number }[]
  ).find((member) => member.account === 'bob');
  expect(bob?.mutedUntil).toBe(0);
}, 120_000);

it('dead-letters a kick of an account the app never imported, saying what to check', async () => {
  const item = await apply({ account: 'nobody-at-all', action: 'kick' });

  expect(item).toMatchObject({ status: 'dead_lettered', lastError: { code: 70107 } });
  expect(String((item.lastError as { info: string }).info)).toMatch(/never imported/);
}, 60_000);

it('stops a raid with bulk events: every member muted, then removed, and the one account not in the group a dead letter of its own', async () => {
  // Prepare: 300 bots join.
  const bots = Array.from({ length: 300 }, (_, i) => `bot-${i}`);
  await post(`${sim}/_sim/groups/${group}/members`, { members: bots });
  const state = async () =>
    new Map(
      ((await json(`${sim}/_sim/groups/${group}/members`)) as { account: string; mutedUntil: number }[]).map(
        (member) => [member.account, member],
      ),
    );

  // Act 1: one bulk mute of the bots and of an account that is not in the group.
  const muted = await apply({
    eventId: 'raid-mute',
    groupId: GROUP,
    action: 'mute',
    accounts: [...bots, 'not-a-member'],
    durationSeconds: 3_600,
  });

  // Assess 1: every bot is muted; the stranger alone failed, in a dead letter of its own.
  expect(muted).toMatchObject({
    status: 'partly_applied',
    accounts: 301,
    outcomes: { applied: 300, superseded: 0, expired: 0, deadLettered: 1, pending: 0 },
    failedAccounts: [expect.objectContaining({ account: 'not-a-member', eventId: 'raid-mute@not-a-member' })],
  });
  const afterMute = await state();
  const now = Math.floor(Date.now() / 1000);
  expect(bots.filter((bot) => (afterMute.get(bot)?.mutedUntil ?? 0) > now)).toHaveLength(300);
  expect(await json(`${api}/v1/events/${encodeURIComponent('raid-mute@not-a-member')}`)).toMatchObject({
    status: 'dead_lettered',
    groupId: GROUP,
    account: 'not-a-member',
  });

  // Act 2: bot-0 is unmuted on its own, then the bots are removed in one bulk event.
  expect(await apply({ groupId: GROUP, action: 'unmute', account: 'bot-0' })).toMatchObject({
    status: 'applied',
  });
  const removed = await apply({
    eventId: 'raid-remove',
    groupId: GROUP,
    action: 'remove',
    accounts: bots.slice(1),
  });

  // Assess 2: the 299 others are gone (three calls of at most 100); bot-0 stays, unmuted.
  expect(removed).toMatchObject({ status: 'applied', outcomes: { applied: 299 } });
  const afterRemove = await state();
  expect(bots.filter((bot) => afterRemove.has(bot))).toEqual(['bot-0']);
  expect(afterRemove.get('bot-0')?.mutedUntil ?? 0).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
});
