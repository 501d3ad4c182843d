/**
 * The simulator's group-level APIs: `modify_group_base_info` (the mute-all flag), `group_msg_recall`
 * (per-message answers under a top-level 0) and `delete_group_msg_by_sender` (a sender's last messages),
 * on messages a test posts through the control API.
 */
import { DELETE_BY_SENDER_WINDOW, type GroupMessage, type SeedGroup } from '../../local/simulator/index.ts';
import { START_SECONDS, useSimulator } from '../helpers/simulator-api.ts';

const COMMUNITY = '@TGS#_community-1';
const TOPIC = '@TGS#_community-1@TOPIC#_news';

const SEED: SeedGroup[] = [
  { groupId: 'public-1', type: 'Public', owner: 'alice', members: ['bob', 'carol'] },
  { groupId: 'work-1', type: 'Private', owner: 'alice', members: ['bob', 'carol'] },
  { groupId: 'meeting-1', type: 'ChatRoom', owner: 'alice', members: ['bob', 'carol'] },
  { groupId: 'live-1', type: 'AVChatRoom', owner: 'alice', members: ['bob', 'carol'] },
  { groupId: COMMUNITY, type: 'Community', owner: 'alice', members: ['bob', 'carol'] },
];
const ALL_GROUPS = SEED.map((group) => group.groupId);

const h = useSimulator({ groups: SEED });

interface Post {
  sender: string;
  text?: string;
  time?: number;
  topicId?: string;
  unrecallable?: boolean;
}

/** Posts messages through the control API; their MsgSeqs. */
async function post(groupId: string, ...messages: Post[]): Promise<number[]> {
  const { status, json } = await h.control(
    'POST',
    `/_sim/groups/${encodeURIComponent(groupId)}/messages`,
    messages,
  );
  expect(status).toBe(200);
  return (json as Array<{ msgSeq: number }>).map((m) => m.msgSeq);
}

async function messages(groupId: string): Promise<GroupMessage[]> {
  const { status, json } = await h.control('GET', `/_sim/groups/${encodeURIComponent(groupId)}/messages`);
  expect(status).toBe(200);
  return json as GroupMessage[];
}

const recalled = async (groupId: string) =>
  (await messages(groupId)).filter((m) => m.recalled).map((m) => m.msgSeq);

describe('modify_group_base_info in the simulator', () => {
  it.each(ALL_GROUPS)('mutes and unmutes the whole of %s (all five group types)', async (groupId) => {
    // Act
    const on = await h.call('modify_group_base_info', { GroupId: groupId, MuteAllMember: 'On' });
    const afterOn = (await h.control('GET', `/_sim/groups/${encodeURIComponent(groupId)}`)).json;
    const off = await h.call('modify_group_base_info', { GroupId: groupId, MuteAllMember: 'Off' });

    // Assess
    expect([on, off]).toEqual([
      { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' },
      { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' },
    ]);
    expect(afterOn).toMatchObject({ groupId, muteAllMember: true });
    expect(h.sim.state.getGroup(groupId)?.muteAllMember).toBe(false);
  });

  it('takes other base-info fields in the same call, merging AppDefinedData', async () => {
    // Act
    await h.call('modify_group_base_info', {
      GroupId: 'public-1',
      AppDefinedData: [{ Key: 'level', Value: '1' }],
    });
    const answer = await h.call('modify_group_base_info', {
      GroupId: 'public-1',
      MuteAllMember: 'On',
      Name: 'Raid shelter',
      Notification: 'Be nice',
      MaxMemberNum: 500,
      ApplyJoinOption: 'NeedPermission',
      AppDefinedData: [{ Key: 'mode', Value: 'raid' }],
    });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(h.sim.state.getGroup('public-1')).toMatchObject({
      muteAllMember: true,
      baseInfo: {
        name: 'Raid shelter',
        notification: 'Be nice',
        maxMemberNum: 500,
        applyJoinOption: 'NeedPermission',
        appDefinedData: { level: '1', mode: 'raid' },
      },
    });
  });

  it.each<[string, number, unknown]>([
    ['MuteAllMember true (a boolean)', 10004, { GroupId: 'public-1', MuteAllMember: true }],
    ['MuteAllMember "on"', 10004, { GroupId: 'public-1', MuteAllMember: 'on' }],
    ['the older ShutUpAllMember', 10004, { GroupId: 'public-1', ShutUpAllMember: 'On' }],
    ['no field to modify', 10004, { GroupId: 'public-1' }],
    ['a Name that is not a string', 10004, { GroupId: 'public-1', MuteAllMember: 'On', Name: 1 }],
    ['MaxMemberNum 0', 10004, { GroupId: 'public-1', MuteAllMember: 'On', MaxMemberNum: 0 }],
    ['a bad ApplyJoinOption', 10004, { GroupId: 'public-1', MuteAllMember: 'On', ApplyJoinOption: 'Open' }],
    ['an empty AppDefinedData', 10004, { GroupId: 'public-1', MuteAllMember: 'On', AppDefinedData: [] }],
    ['no GroupId', 10004, { MuteAllMember: 'On' }],
    ['no such group', 10010, { GroupId: '@TGS#NONE', MuteAllMember: 'On' }],
    ['a malformed GroupId', 10015, { GroupId: 'g'.repeat(49), MuteAllMember: 'On' }],
  ])('refuses %s (%i), changing nothing', async (_name, code, body) => {
    // Act
    const answer = await h.call('modify_group_base_info', body);

    // Assess
    expect(answer).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect(h.sim.state.getGroup('public-1')).toMatchObject({ muteAllMember: false, baseInfo: {} });
  });

  it('shows and sets the flag over the control API', async () => {
    // Act
    const set = await h.control('POST', '/_sim/groups/public-1', { muteAllMember: true });
    const bad = await h.control('POST', '/_sim/groups/public-1', { muteAllMember: 'On' });

    // Assess
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ groupId: 'public-1', muteAllMember: true, recallUnsupported: false });
    expect(bad.status).toBe(400);
  });
});

describe('messages posted through the control API', () => {
  it('get MsgSeqs increasing per group, the simulated time by default, and are listed', async () => {
    // Act
    const first = await post('public-1', { sender: 'bob', text: 'hi' }, { sender: 'carol', time: 1_000 });
    const single = await h.control('POST', '/_sim/groups/public-1/messages', { sender: 'bob' });
    const other = await post('work-1', { sender: 'bob' });

    // Assess
    expect(first).toEqual([1, 2]);
    expect(single.json).toEqual({ msgSeq: 3 });
    expect(other).toEqual([1]);
    expect(await messages('public-1')).toEqual([
      { msgSeq: 1, sender: 'bob', text: 'hi', time: START_SECONDS, unrecallable: false, recalled: false },
      { msgSeq: 2, sender: 'carol', text: '', time: 1_000, unrecallable: false, recalled: false },
      { msgSeq: 3, sender: 'bob', text: '', time: START_SECONDS, unrecallable: false, recalled: false },
    ]);
  });

  it.each<[string, string, unknown, number]>([
    ['a message to no group', '/_sim/groups/nope/messages', { sender: 'bob' }, 404],
    ['a message without a sender', '/_sim/groups/public-1/messages', { text: 'x' }, 400],
    ['a sender that is not a UserID', '/_sim/groups/public-1/messages', { sender: 'x'.repeat(33) }, 400],
    ['an unknown field', '/_sim/groups/public-1/messages', { sender: 'bob', seq: 4 }, 400],
  ])('refuses %s (%i)', async (_name, path, body, status) => {
    // Act
    const answer = await h.control('POST', path, body);

    // Assess
    expect(answer.status).toBe(status);
    expect(h.sim.state.listMessages('public-1')).toEqual([]);
  });
});

describe('group_msg_recall in the simulator', () => {
  it('recalls messages by MsgSeq, answering each, and keeps the Reason', async () => {
    // Prepare
    await post('public-1', { sender: 'mallory' }, { sender: 'bob' }, { sender: 'mallory' });

    // Act
    const answer = await h.call('group_msg_recall', {
      GroupId: 'public-1',
      MsgSeqList: [{ MsgSeq: 1 }, { MsgSeq: 3 }],
      Reason: 'spam',
    });

    // Assess
    expect(answer).toEqual({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      RecallRetList: [
        { MsgSeq: 1, RetCode: 0 },
        { MsgSeq: 3, RetCode: 0 },
      ],
    });
    expect(await recalled('public-1')).toEqual([1, 3]);
    expect((await messages('public-1'))[0]).toMatchObject({
      recalledBy: 'group_msg_recall',
      recalledAt: START_SECONDS,
      recallReason: 'spam',
    });
  });

  it('answers a failure per item under a top-level ErrorCode 0: 10030, 10031, 10032', async () => {
    // Prepare: 1 fine, 2 already recalled, 3 unrecallable, 4 a second past 7 days, 5 just within them.
    const week = 7 * 86_400;
    await post(
      'public-1',
      { sender: 'mallory' },
      { sender: 'mallory' },
      { sender: 'mallory', unrecallable: true },
      { sender: 'mallory', time: START_SECONDS - week - 1 },
      { sender: 'mallory', time: START_SECONDS - week },
    );
    await h.call('group_msg_recall', { GroupId: 'public-1', MsgSeqList: [{ MsgSeq: 2 }] });

    // Act
    const answer = await h.call('group_msg_recall', {
      GroupId: 'public-1',
      MsgSeqList: [1, 2, 3, 4, 5, 99].map((MsgSeq) => ({ MsgSeq })),
    });

    // Assess
    expect(answer).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    expect(answer.RecallRetList).toEqual([
      { MsgSeq: 1, RetCode: 0 },
      { MsgSeq: 2, RetCode: 10030 },
      { MsgSeq: 3, RetCode: 10032 },
      { MsgSeq: 4, RetCode: 10031 },
      { MsgSeq: 5, RetCode: 0 },
      { MsgSeq: 99, RetCode: 10030 },
    ]);
    expect(await recalled('public-1')).toEqual([1, 2, 5]);
  });

  it('recalls only messages under an hour old in an AVChatRoom group', async () => {
    // Prepare
    await post(
      'live-1',
      { sender: 'mallory', time: START_SECONDS - 3601 },
      { sender: 'mallory', time: START_SECONDS - 3600 },
    );

    // Act
    const answer = await h.call('group_msg_recall', {
      GroupId: 'live-1',
      MsgSeqList: [{ MsgSeq: 1 }, { MsgSeq: 2 }],
    });

    // Assess
    expect(answer.RecallRetList).toEqual([
      { MsgSeq: 1, RetCode: 10031 },
      { MsgSeq: 2, RetCode: 0 },
    ]);
  });

  it('takes its age limits from the settings', async () => {
    // Prepare
    await h.control('POST', '/_sim/settings', { recallMaxAgeSeconds: 60, avChatRoomRecallMaxAgeSeconds: 10 });
    await post('public-1', { sender: 'mallory', time: START_SECONDS - 61 });
    await post('live-1', { sender: 'mallory', time: START_SECONDS - 10 });

    // Act
    const group = await h.call('group_msg_recall', { GroupId: 'public-1', MsgSeqList: [{ MsgSeq: 1 }] });
    const live = await h.call('group_msg_recall', { GroupId: 'live-1', MsgSeqList: [{ MsgSeq: 1 }] });

    // Assess
    expect(group.RecallRetList).toEqual([{ MsgSeq: 1, RetCode: 10031 }]);
    expect(live.RecallRetList).toEqual([{ MsgSeq: 1, RetCode: 0 }]);
  });

  it.each(ALL_GROUPS)('recalls in %s (all five group types)', async (groupId) => {
    // Prepare
    await post(groupId, { sender: 'mallory' });

    // Act
    const answer = await h.call('group_msg_recall', { GroupId: groupId, MsgSeqList: [{ MsgSeq: 1 }] });

    // Assess
    expect(answer.RecallRetList).toEqual([{ MsgSeq: 1, RetCode: 0 }]);
  });

  it('answers every item 10033 in a group flagged recallUnsupported, recalling none', async () => {
    // Prepare
    await post('public-1', { sender: 'mallory' }, { sender: 'mallory' });
    await h.control('POST', '/_sim/groups/public-1', { recallUnsupported: true });

    // Act
    const answer = await h.call('group_msg_recall', {
      GroupId: 'public-1',
      MsgSeqList: [{ MsgSeq: 1 }, { MsgSeq: 2 }, { MsgSeq: 9 }],
    });

    // Assess
    expect(answer).toMatchObject({
      ErrorCode: 0,
      RecallRetList: [
        { MsgSeq: 1, RetCode: 10033 },
        { MsgSeq: 2, RetCode: 10033 },
        { MsgSeq: 9, RetCode: 10033 },
      ],
    });
    expect(await recalled('public-1')).toEqual([]);
    expect(h.sim.stats.applied).toBe(0);
  });

  it('finds a topic message only with its TopicId, in a Community group', async () => {
    // Prepare
    await post(COMMUNITY, { sender: 'mallory', topicId: TOPIC }, { sender: 'mallory' });

    // Act
    const withoutTopic = await h.call('group_msg_recall', {
      GroupId: COMMUNITY,
      MsgSeqList: [{ MsgSeq: 1 }, { MsgSeq: 2 }],
    });
    const withTopic = await h.call('group_msg_recall', {
      GroupId: COMMUNITY,
      TopicId: TOPIC,
      MsgSeqList: [{ MsgSeq: 1 }],
    });

    // Assess
    expect(withoutTopic.RecallRetList).toEqual([
      { MsgSeq: 1, RetCode: 10030 },
      { MsgSeq: 2, RetCode: 0 },
    ]);
    expect(withTopic.RecallRetList).toEqual([{ MsgSeq: 1, RetCode: 0 }]);
  });

  it('takes 10 messages and a Reason of 100 bytes', async () => {
    // Prepare
    await post('public-1', ...Array.from({ length: 10 }, () => ({ sender: 'mallory' })));

    // Act
    const answer = await h.call('group_msg_recall', {
      GroupId: 'public-1',
      MsgSeqList: Array.from({ length: 10 }, (_, i) => ({ MsgSeq: i + 1 })),
      Reason: 'r'.repeat(100),
    });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(await recalled('public-1')).toHaveLength(10);
  });

  it.each<[string, number, unknown]>([
    ['11 messages', 10004, { MsgSeqList: Array.from({ length: 11 }, (_, i) => ({ MsgSeq: i + 1 })) }],
    ['an empty MsgSeqList', 10004, { MsgSeqList: [] }],
    ['no MsgSeqList', 10004, {}],
    ['MsgSeq 0', 10004, { MsgSeqList: [{ MsgSeq: 0 }] }],
    ['a MsgSeq as a string', 10004, { MsgSeqList: [{ MsgSeq: '1' }] }],
    ['a bare number', 10004, { MsgSeqList: [1] }],
    ['an item with another field', 10004, { MsgSeqList: [{ MsgSeq: 1, Random: 2 }] }],
    ['a MsgSeq twice', 10004, { MsgSeqList: [{ MsgSeq: 1 }, { MsgSeq: 1 }] }],
    ['a Reason of 101 bytes', 10004, { MsgSeqList: [{ MsgSeq: 1 }], Reason: 'r'.repeat(101) }],
    ['a TopicId outside a Community', 10004, { MsgSeqList: [{ MsgSeq: 1 }], TopicId: TOPIC }],
    ['an empty TopicId', 10004, { MsgSeqList: [{ MsgSeq: 1 }], TopicId: '' }],
    ['no such group', 10010, { GroupId: '@TGS#NONE', MsgSeqList: [{ MsgSeq: 1 }] }],
    ['a malformed GroupId', 10015, { GroupId: 'grüppe', MsgSeqList: [{ MsgSeq: 1 }] }],
  ])('refuses %s (%i) with no RecallRetList, recalling none', async (_name, code, fields) => {
    // Prepare
    await post('public-1', { sender: 'mallory' });

    // Act
    const answer = await h.call('group_msg_recall', { GroupId: 'public-1', ...(fields as object) });

    // Assess
    expect(answer).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect(answer).not.toHaveProperty('RecallRetList');
    expect(await recalled('public-1')).toEqual([]);
  });
});

describe('delete_group_msg_by_sender in the simulator', () => {
  it("marks the sender's messages as deleted, and no one else's", async () => {
    // Prepare
    await post('public-1', { sender: 'mallory' }, { sender: 'bob' }, { sender: 'mallory' });

    // Act
    const answer = await h.call('delete_group_msg_by_sender', {
      GroupId: 'public-1',
      Sender_Account: 'mallory',
    });

    // Assess
    expect(answer).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect(await recalled('public-1')).toEqual([1, 3]);
    expect((await messages('public-1'))[2]).toMatchObject({
      recalledBy: 'delete_group_msg_by_sender',
      recalledAt: START_SECONDS,
    });
    expect(h.sim.stats.applied).toBe(1);
  });

  it(`looks only through the group's last ${DELETE_BY_SENDER_WINDOW} messages`, async () => {
    // Prepare: mallory's first message is 1001 messages back.
    await post('public-1', { sender: 'mallory' });
    await post('public-1', ...Array.from({ length: 999 }, () => ({ sender: 'bob' })));
    await post('public-1', { sender: 'mallory' }, { sender: 'mallory' });

    // Act
    const answer = await h.call('delete_group_msg_by_sender', {
      GroupId: 'public-1',
      Sender_Account: 'mallory',
    });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(await recalled('public-1')).toEqual([1001, 1002]);
  });

  it.each(['public-1', 'work-1', 'meeting-1', COMMUNITY])('deletes in %s', async (groupId) => {
    // Prepare
    await post(groupId, { sender: 'mallory' });

    // Act
    const answer = await h.call('delete_group_msg_by_sender', {
      GroupId: groupId,
      Sender_Account: 'mallory',
    });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(await recalled(groupId)).toEqual([1]);
  });

  it('does nothing in an AVChatRoom group, without an error (it has no history)', async () => {
    // Prepare
    await post('live-1', { sender: 'mallory' });

    // Act
    const answer = await h.call('delete_group_msg_by_sender', {
      GroupId: 'live-1',
      Sender_Account: 'mallory',
    });

    // Assess
    expect(answer).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect(await recalled('live-1')).toEqual([]);
    expect(h.sim.stats.applied).toBe(0);
  });

  it("deletes in a Community topic only that topic's messages", async () => {
    // Prepare
    await post(COMMUNITY, { sender: 'mallory', topicId: TOPIC }, { sender: 'mallory' });

    // Act
    const answer = await h.call('delete_group_msg_by_sender', {
      GroupId: COMMUNITY,
      Sender_Account: 'mallory',
      TopicId: TOPIC,
    });

    // Assess
    expect(answer.ErrorCode).toBe(0);
    expect(await recalled(COMMUNITY)).toEqual([1]);
  });

  it.each<[string, number, unknown]>([
    ['no Sender_Account', 10004, { GroupId: 'public-1' }],
    ['a Sender_Account list', 10004, { GroupId: 'public-1', Sender_Account: ['mallory'] }],
    ['a Sender_Account over 32 bytes', 10004, { GroupId: 'public-1', Sender_Account: 'm'.repeat(33) }],
    [
      'a TopicId outside a Community',
      10004,
      { GroupId: 'public-1', Sender_Account: 'mallory', TopicId: TOPIC },
    ],
    ['an unknown field', 10004, { GroupId: 'public-1', Sender_Account: 'mallory', MsgSeq: 1 }],
    ['no such group', 10010, { GroupId: '@TGS#NONE', Sender_Account: 'mallory' }],
    ['a malformed GroupId', 10015, { GroupId: 'g'.repeat(49), Sender_Account: 'mallory' }],
  ])('refuses %s (%i), deleting none', async (_name, code, body) => {
    // Prepare
    await post('public-1', { sender: 'mallory' });

    // Act
    const answer = await h.call('delete_group_msg_by_sender', body);

    // Assess
    expect(answer).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: code });
    expect(await recalled('public-1')).toEqual([]);
  });
});
