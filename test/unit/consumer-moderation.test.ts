import { MAX_MUTE_SECONDS } from '#shared/contract';
import { bridge } from '../helpers/memory-bridge';

/**
 * The moderation actions beyond member fields, through the real ingest and consumer on an in-memory
 * ledger and Tencent: each one's call, its ordering and coalescing, the ledger's newest decision for
 * bans, group mutes and account mutes, recall item by item, and the codes that end an event at once.
 */

const GROUP = '@TGS#2CLUZEAEJ';
const member = (account: string) => ({ groupId: GROUP, account });

/** Accepts the events (one request each) and consumes their messages in one batch. */
async function run(b: ReturnType<typeof bridge>, ...events: Record<string, unknown>[]) {
  const entries = [];
  for (const event of events) entries.push(...(await b.accept(event)));
  return b.consume(entries.map((entry) => b.delivery(entry)));
}

describe('each action reaches Tencent and changes what it should', () => {
  it('takes a spammer down the ladder: in order per member, per group and per account', async () => {
    // Prepare: the spammer posted two messages.
    const b = bridge();
    const first = b.tencent.post(GROUP, 'spammer');
    const second = b.tencent.post(GROUP, 'spammer');
    b.tencent.post(GROUP, 'alice');

    // Act: recall, delete the rest, mute, remove, ban, mute the account, kick.
    const result = await run(
      b,
      { groupId: GROUP, action: 'recall', msgSeqs: [first] },
      { ...member('spammer'), action: 'delete_messages' },
      { ...member('spammer'), action: 'mute', durationSeconds: 600 },
      { ...member('spammer'), action: 'remove', reason: 'spam' },
      { ...member('spammer'), action: 'ban', durationSeconds: 86_400, reason: 'spam' },
      { account: 'spammer', action: 'mute_account', durationSeconds: 3_600 },
      { account: 'spammer', action: 'kick' },
    );

    // Assess: the member's events in order; the group's and the account's in their own lanes, in order.
    expect(result.failedMessageIds).toEqual([]);
    const apis = b.tencent.calls.map((call) => call.api);
    const inOrder = (...names: string[]) => apis.filter((api) => names.includes(api));
    expect(
      inOrder(
        'delete_group_msg_by_sender',
        'modify_group_member_info',
        'delete_group_member',
        'ban_group_member',
      ),
    ).toEqual([
      'delete_group_msg_by_sender',
      'modify_group_member_info',
      'delete_group_member',
      'ban_group_member',
    ]);
    expect(inOrder('setnospeaking', 'kick')).toEqual(['setnospeaking', 'kick']);
    expect(inOrder('group_msg_recall')).toEqual(['group_msg_recall']);
    const messages = b.tencent.messages.get(GROUP);
    expect([
      messages?.get(first)?.recalled,
      messages?.get(second)?.recalled,
      messages?.get(3)?.recalled,
    ]).toEqual([true, true, false]);
    const state = b.tencent.member(GROUP, 'spammer');
    expect(state.removed).toBe(true);
    expect(state.bannedUntilMs).toBeGreaterThan(0);
    expect(b.tencent.account('spammer')).toMatchObject({ kicks: 1 });
    expect(b.tencent.account('spammer').groupsMutedUntilMs).toBeGreaterThan(0);
    expect(b.tencent.account('spammer').directMutedUntilMs).toBeGreaterThan(0);
    const items = await b.ledger.getMany([...b.ledger.items.keys()]);
    expect([...items.values()].map((item) => item.status)).toEqual(Array(7).fill('applied'));
  });

  it('mutes and unmutes a whole group', async () => {
    const b = bridge();

    await run(b, { groupId: GROUP, action: 'mute_all' });
    const muted = b.tencent.mutedGroups.get(GROUP);
    await run(b, { groupId: GROUP, action: 'unmute_all' });

    expect([muted, b.tencent.mutedGroups.get(GROUP)]).toEqual([true, false]);
  });

  it('records an event about a group without an account, and one about an account without a group', async () => {
    const b = bridge();

    await run(
      b,
      { eventId: 'g1', groupId: GROUP, action: 'mute_all' },
      { eventId: 'a1', account: 'bob', action: 'kick' },
    );

    const items = await b.ledger.getMany(['g1', 'a1']);
    expect(items.get('g1')).toMatchObject({ status: 'applied', groupId: GROUP, action: 'mute_all' });
    expect(items.get('g1')).not.toHaveProperty('account');
    expect(items.get('a1')).toMatchObject({ status: 'applied', account: 'bob', action: 'kick' });
    expect(items.get('a1')).not.toHaveProperty('groupId');
    expect(b.published.map((item) => item.eventId).sort()).toEqual(['a1', 'g1']);
  });
});

describe('coalescing', () => {
  it('removes many members of one group in calls of at most 100, and bans in calls of at most 20', async () => {
    // Prepare: 30 removals and 30 bans of the same length, of 60 members, in one batch (30 lanes each).
    const b = bridge();
    const entries = [];
    for (let i = 0; i < 30; i++) {
      entries.push(...(await b.accept({ ...member(`r${i}`), action: 'remove', reason: 'raid' })));
    }
    const occurredAt = new Date(Date.parse('2026-12-01T10:00:00.000Z')).toISOString();
    for (let i = 0; i < 30; i++) {
      entries.push(
        ...(await b.accept({ ...member(`b${i}`), action: 'ban', durationSeconds: 3_600, occurredAt })),
      );
    }

    // Act
    const result = await b.consume(entries.map((entry) => b.delivery(entry)));

    // Assess: one removal call of 30, then bans of 20 and 10.
    expect(result.failedMessageIds).toEqual([]);
    const sizes = b.tencent.calls.map((call) => {
      if (call.api === 'delete_group_member') return `remove ${call.body.MemberToDel_Account.length}`;
      if (call.api === 'ban_group_member') return `ban ${call.body.Members_Account.length}`;
      return call.api;
    });
    expect(sizes).toEqual(['remove 30', 'ban 20', 'ban 10']);
  });

  it('splits a coalesced removal that one member failed for good, so that only that member is dead-lettered', async () => {
    // Prepare: Tencent refuses any call carrying 'ghost' (10019: account does not exist).
    const b = bridge();
    b.tencent.fault = (call) =>
      call.api === 'delete_group_member' && call.body.MemberToDel_Account.includes('ghost') ? 10019 : 'ok';

    // Act
    await run(
      b,
      { ...member('a'), action: 'remove', eventId: 'ra' },
      { ...member('ghost'), action: 'remove', eventId: 'rg' },
      { ...member('c'), action: 'remove', eventId: 'rc' },
    );

    // Assess
    const items = await b.ledger.getMany(['ra', 'rg', 'rc']);
    expect(['ra', 'rg', 'rc'].map((id) => items.get(id)?.status)).toEqual([
      'applied',
      'dead_lettered',
      'applied',
    ]);
    expect(b.deadLetters.map((letter) => letter.reason.errorCode)).toEqual([10019]);
  });
});

describe('the newest decision stands, for bans, group mutes and account mutes', () => {
  it('never lets a redriven old ban undo the newer unban', async () => {
    // Prepare: a ban, then an unban; both applied.
    const b = bridge();
    const [ban] = await b.accept({
      ...member('bob'),
      action: 'ban',
      durationSeconds: MAX_MUTE_SECONDS,
      eventId: 'ban',
    });
    const [unban] = await b.accept({ ...member('bob'), action: 'unban', eventId: 'unban' });
    if (ban === undefined || unban === undefined) throw new Error('not enqueued');
    await b.consume([b.delivery(unban)]);

    // Act: the older ban comes after it (a resend, a redrive).
    await b.consume([b.delivery(ban)]);

    // Assess: superseded, no ban call; bob is not banned.
    const items = await b.ledger.getMany(['ban']);
    expect(items.get('ban')).toMatchObject({ status: 'superseded', supersededBy: 'unban' });
    expect(b.tencent.calls.map((call) => call.api)).toEqual(['unban_group_member']);
    expect(b.tencent.member(GROUP, 'bob').bannedUntilMs).toBe(0);
  });

  it('unbans when a newer, shorter ban has ended while an older, longer one still runs', async () => {
    // Prepare: a permanent ban applied; then a ban of 60 s accepted, delivered after it ended.
    const b = bridge();
    await run(b, { ...member('bob'), action: 'ban', durationSeconds: MAX_MUTE_SECONDS });
    const [short] = await b.accept({
      ...member('bob'),
      action: 'ban',
      durationSeconds: 60,
      eventId: 'short',
    });
    if (short === undefined) throw new Error('not enqueued');
    b.advance(120_000);

    // Act
    await b.consume([b.delivery(short)]);

    // Assess: the newest decision (banned for 60 s, now over) stands: bob is unbanned.
    expect(b.tencent.calls.map((call) => call.api)).toEqual(['ban_group_member', 'unban_group_member']);
    expect(b.tencent.member(GROUP, 'bob').bannedUntilMs).toBe(0);
    const items = await b.ledger.getMany(['short']);
    expect(items.get('short')?.history.at(-1)?.info).toMatch(/sent unban/);
  });

  it('expires a ban whose end has passed with no call when no longer one runs', async () => {
    const b = bridge();
    const [ban] = await b.accept({ ...member('bob'), action: 'ban', durationSeconds: 60, eventId: 'old' });
    if (ban === undefined) throw new Error('not enqueued');
    b.advance(61_000);

    await b.consume([b.delivery(ban)]);

    expect(b.tencent.calls).toEqual([]);
    expect((await b.ledger.getMany(['old'])).get('old')?.status).toBe('expired');
  });

  it('never lets an old mute_all undo a newer unmute_all of the group', async () => {
    const b = bridge();
    const [on] = await b.accept({ groupId: GROUP, action: 'mute_all', eventId: 'on' });
    const [off] = await b.accept({ groupId: GROUP, action: 'unmute_all', eventId: 'off' });
    if (on === undefined || off === undefined) throw new Error('not enqueued');
    await b.consume([b.delivery(off)]);

    await b.consume([b.delivery(on)]);

    expect((await b.ledger.getMany(['on'])).get('on')).toMatchObject({
      status: 'superseded',
      supersededBy: 'off',
    });
    expect(b.tencent.mutedGroups.get(GROUP)).toBe(false);
  });

  it('supersedes an account mute by scope: a newer one-to-one unmute leaves the group part to the older mute', async () => {
    // Prepare: a mute of every scope, then a newer unmute of one-to-one messages, applied first.
    const b = bridge();
    const [mute] = await b.accept({
      account: 'bob',
      action: 'mute_account',
      durationSeconds: MAX_MUTE_SECONDS,
      eventId: 'mute',
    });
    const [unmute] = await b.accept({
      account: 'bob',
      action: 'unmute_account',
      scope: 'direct',
      eventId: 'unmute',
    });
    if (mute === undefined || unmute === undefined) throw new Error('not enqueued');
    await b.consume([b.delivery(unmute)]);

    // Act: the older mute comes after.
    await b.consume([b.delivery(mute)]);

    // Assess: it sets only the group scope; one-to-one stays unmuted.
    expect(b.tencent.calls.at(-1)).toMatchObject({
      api: 'setnospeaking',
      body: { Set_Account: 'bob', GroupmsgNospeakingTime: MAX_MUTE_SECONDS },
    });
    expect(b.tencent.calls.at(-1)?.body).not.toHaveProperty('C2CmsgNospeakingTime');
    expect(b.tencent.account('bob')).toMatchObject({
      directMutedUntilMs: 0,
      groupsMutedUntilMs: Number.POSITIVE_INFINITY,
    });
  });

  it('keeps members, groups and accounts apart: an account mute never supersedes a member mute', async () => {
    const b = bridge();

    await run(
      b,
      { account: 'bob', action: 'unmute_account', eventId: 'acct' },
      { ...member('bob'), action: 'mute', durationSeconds: MAX_MUTE_SECONDS, eventId: 'memb' },
    );

    expect((await b.ledger.getMany(['memb'])).get('memb')?.status).toBe('applied');
    expect(b.tencent.member(GROUP, 'bob').muteUntilMs).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('recall reads every item', () => {
  it('counts a message already gone (10030) as done, and says so', async () => {
    // Prepare: message 1 exists; message 2 was never posted.
    const b = bridge();
    b.tencent.post(GROUP, 'spammer');

    await run(b, { groupId: GROUP, action: 'recall', msgSeqs: [1, 2], eventId: 'rc' });

    const item = (await b.ledger.getMany(['rc'])).get('rc');
    expect(item).toMatchObject({ status: 'applied', recalled: [1, 2] });
    expect(item?.history.at(-1)?.info).toMatch(/not found.*10030.*: 2/);
  });

  it('dead-letters a recall that Tencent refuses for good, naming each sequence number and its code', async () => {
    // Prepare: 1 recalls; 2 is too old (10031); 3 cannot be recalled (10032).
    const b = bridge();
    for (let i = 0; i < 3; i++) b.tencent.post(GROUP, 'spammer');
    b.tencent.recallCode = (_group, msgSeq) => ({ 2: 10031, 3: 10032 })[msgSeq];

    await run(b, { groupId: GROUP, action: 'recall', msgSeqs: [1, 2, 3], eventId: 'rc' });

    const [letter] = b.deadLetters;
    expect(letter?.reason).toMatchObject({ kind: 'tencent_permanent', errorCode: 10031 });
    expect(letter?.reason.errorInfo).toBe(
      'MsgSeq 2: 10031 (the message is past the time limit to recall it); MsgSeq 3: 10032 (this message cannot be recalled)',
    );
    expect((await b.ledger.getMany(['rc'])).get('rc')).toMatchObject({
      status: 'dead_lettered',
      recalled: [1],
    });
  });

  it('retries only the sequence numbers that did not succeed after a transient per-item code', async () => {
    // Prepare: message 2 fails once with 10002; the rest recall.
    const b = bridge();
    for (let i = 0; i < 3; i++) b.tencent.post(GROUP, 'spammer');
    let failures = 1;
    b.tencent.recallCode = (_group, msgSeq) => (msgSeq === 2 && failures-- > 0 ? 10002 : undefined);
    const [entry] = await b.accept({ groupId: GROUP, action: 'recall', msgSeqs: [1, 2, 3], eventId: 'rc' });
    if (entry === undefined) throw new Error('not enqueued');

    // Act: the first delivery, then the retry.
    const first = await b.consume([b.delivery(entry)]);
    const retrying = (await b.ledger.getMany(['rc'])).get('rc');
    await b.consume([b.delivery(entry, { receiveCount: 2 })]);

    // Assess
    expect(first.failedMessageIds).toHaveLength(1);
    expect(retrying).toMatchObject({ status: 'retrying', recalled: [1, 3], lastError: { code: 10002 } });
    const recalls = b.tencent.calls.filter((call) => call.api === 'group_msg_recall');
    expect(recalls.map((call) => call.body)).toEqual([
      { GroupId: GROUP, MsgSeqList: [{ MsgSeq: 1 }, { MsgSeq: 2 }, { MsgSeq: 3 }] },
      { GroupId: GROUP, MsgSeqList: [{ MsgSeq: 2 }] },
    ]);
    expect((await b.ledger.getMany(['rc'])).get('rc')).toMatchObject({
      status: 'applied',
      recalled: [1, 3, 2],
    });
  });
});

describe('codes that end an event at once, saying what to do instead', () => {
  it('dead-letters a removal in an AVChatRoom group (10004), telling the operator to ban or mute', async () => {
    const b = bridge();
    b.tencent.fault = (call) => (call.api === 'delete_group_member' ? 10004 : 'ok');

    await run(b, { ...member('bob'), action: 'remove' });

    expect(b.deadLetters.map((letter) => letter.reason)).toEqual([
      expect.objectContaining({
        kind: 'tencent_permanent',
        errorCode: 10004,
        errorInfo: expect.stringMatching(/AVChatRoom.*use ban, or mute, instead/),
        attempts: 1,
      }),
    ]);
  });

  it('dead-letters a kick of an account never imported (70107) at once; retries 70169', async () => {
    const b = bridge();
    b.tencent.fault = (call) => (call.api !== 'kick' ? 'ok' : call.body.UserID === 'ghost' ? 70107 : 70169);

    const result = await run(
      b,
      { account: 'ghost', action: 'kick', eventId: 'k1' },
      { account: 'bob', action: 'kick', eventId: 'k2' },
    );

    const items = await b.ledger.getMany(['k1', 'k2']);
    expect([items.get('k1')?.status, items.get('k2')?.status]).toEqual(['dead_lettered', 'retrying']);
    expect(b.deadLetters[0]?.reason.errorInfo).toMatch(/never imported/);
    expect(result.failedMessageIds).toHaveLength(1);
  });

  it('dead-letters a ban refused with a code no table knows, naming the console switch', async () => {
    const b = bridge();
    b.tencent.fault = (call) => (call.api === 'ban_group_member' ? 10059 : 'ok');

    await run(b, { ...member('bob'), action: 'ban', durationSeconds: 600 });

    expect(b.deadLetters[0]?.reason).toMatchObject({
      errorCode: 10059,
      errorInfo: expect.stringContaining('error 10059; banning needs'),
    });
    expect(b.deadLetters[0]?.reason.errorInfo).toContain('"Group member banning"');
  });
});
