import { MAX_MUTE_SECONDS } from '#shared/contract';
import {
  atCallTime,
  messageGroupOf,
  messageGroupOfEvent,
  parseQueueMessage,
  type QueueMessage,
  toQueueMessage,
  toTencentCall,
  undoOf,
} from '#shared/queue';
import { TENCENT_API_PATHS } from '#shared/tencent';
import { moderationEvent } from '../helpers/factories';

const receivedAt = new Date('2026-11-26T12:00:00.000Z');
const nowMs = receivedAt.getTime();
const GROUP = '@TGS#2CLUZEAEJ';

/** The queue message of an event, through its JSON form, as the consumer reads it. */
const roundTrip = (fields: Record<string, unknown>): QueueMessage =>
  parseQueueMessage(JSON.stringify(toQueueMessage(moderationEvent(fields, receivedAt), receivedAt)));

describe('toTencentCall: the moderation APIs, with the bodies Tencent documents', () => {
  it.each<[string, Record<string, unknown>, string, Record<string, unknown>]>([
    ['remove', { action: 'remove' }, 'delete_group_member', { GroupId: GROUP, MemberToDel_Account: ['bob'] }],
    [
      'remove, silent, with a reason',
      { action: 'remove', silent: true, reason: 'spam links' },
      'delete_group_member',
      { GroupId: GROUP, MemberToDel_Account: ['bob'], Silence: 1, Reason: 'spam links' },
    ],
    [
      'remove, not silent: no Silence at all',
      { action: 'remove', silent: false },
      'delete_group_member',
      { GroupId: GROUP, MemberToDel_Account: ['bob'] },
    ],
    [
      'ban, permanent, with a reason',
      { action: 'ban', durationSeconds: MAX_MUTE_SECONDS, reason: 'raid' },
      'ban_group_member',
      { GroupId: GROUP, Members_Account: ['bob'], Duration: MAX_MUTE_SECONDS, Description: 'raid' },
    ],
    ['unban', { action: 'unban' }, 'unban_group_member', { GroupId: GROUP, Members_Account: ['bob'] }],
    [
      'delete_messages',
      { action: 'delete_messages' },
      'delete_group_msg_by_sender',
      { GroupId: GROUP, Sender_Account: 'bob' },
    ],
    ['mute_all', { action: 'mute_all' }, 'modify_group_base_info', { GroupId: GROUP, MuteAllMember: 'On' }],
    [
      'unmute_all',
      { action: 'unmute_all' },
      'modify_group_base_info',
      { GroupId: GROUP, MuteAllMember: 'Off' },
    ],
    [
      'recall, with a reason',
      { action: 'recall', msgSeqs: [7, 3], reason: 'spam' },
      'group_msg_recall',
      { GroupId: GROUP, MsgSeqList: [{ MsgSeq: 7 }, { MsgSeq: 3 }], Reason: 'spam' },
    ],
    [
      'mute_account, permanent, every scope',
      { action: 'mute_account', durationSeconds: MAX_MUTE_SECONDS },
      'setnospeaking',
      {
        Set_Account: 'bob',
        C2CmsgNospeakingTime: MAX_MUTE_SECONDS,
        GroupmsgNospeakingTime: MAX_MUTE_SECONDS,
      },
    ],
    [
      'mute_account, permanent, groups only',
      { action: 'mute_account', durationSeconds: MAX_MUTE_SECONDS, scope: 'groups' },
      'setnospeaking',
      { Set_Account: 'bob', GroupmsgNospeakingTime: MAX_MUTE_SECONDS },
    ],
    [
      'unmute_account, one-to-one only',
      { action: 'unmute_account', scope: 'direct' },
      'setnospeaking',
      { Set_Account: 'bob', C2CmsgNospeakingTime: 0 },
    ],
    [
      'unmute_account, every scope',
      { action: 'unmute_account' },
      'setnospeaking',
      { Set_Account: 'bob', C2CmsgNospeakingTime: 0, GroupmsgNospeakingTime: 0 },
    ],
    ['kick: UserID, not Identifier', { action: 'kick' }, 'kick', { UserID: 'bob' }],
  ])('%s', (_name, fields, api, body) => {
    // Act
    const call = toTencentCall(roundTrip(fields), nowMs);

    // Assess: exactly the documented fields, nothing more.
    expect(call).toEqual({ kind: 'call', api, body });
  });

  it('has a path for every API, below the region domain', () => {
    expect(TENCENT_API_PATHS).toEqual({
      modify_group_member_info: '/v4/group_open_http_svc/modify_group_member_info',
      forbid_send_msg: '/v4/group_open_http_svc/forbid_send_msg',
      delete_group_member: '/v4/group_open_http_svc/delete_group_member',
      ban_group_member: '/v4/group_open_http_svc/ban_group_member',
      unban_group_member: '/v4/group_open_http_svc/unban_group_member',
      modify_group_base_info: '/v4/group_open_http_svc/modify_group_base_info',
      group_msg_recall: '/v4/group_open_http_svc/group_msg_recall',
      delete_group_msg_by_sender: '/v4/group_open_http_svc/delete_group_msg_by_sender',
      setnospeaking: '/v4/openconfigsvr/setnospeaking',
      kick: '/v4/im_open_login_svc/kick',
    });
  });

  it('sends an account-wide mute only for the scopes no newer event set', () => {
    // Prepare: a newer event decided the one-to-one mute.
    const message = roundTrip({ action: 'mute_account', durationSeconds: MAX_MUTE_SECONDS });

    // Act
    const call = toTencentCall(message, nowMs, undefined, ['mute.groups']);

    // Assess
    expect(call).toMatchObject({ body: { Set_Account: 'bob', GroupmsgNospeakingTime: MAX_MUTE_SECONDS } });
    expect(call.kind === 'call' && 'C2CmsgNospeakingTime' in call.body).toBe(false);
  });
});

describe('toTencentCall and atCallTime: timed bans and account-wide mutes', () => {
  it('sends the seconds left until the ban ends, again when the call goes out', () => {
    // Prepare: a ban of 600 s, received at once.
    const message = roundTrip({ action: 'ban', durationSeconds: 600, occurredAt: receivedAt.toISOString() });

    // Act: planned 100.5 s later; sent 2 s after that.
    const planned = toTencentCall(message, nowMs + 100_500);
    const sent = planned.kind === 'call' ? atCallTime(planned, nowMs + 102_500) : planned;

    // Assess
    expect(planned).toMatchObject({ body: { Duration: 500 }, untilMs: nowMs + 600_000 });
    expect(sent).toMatchObject({ body: { Duration: 498 } });
  });

  it('makes no call once the ban is over', () => {
    const message = roundTrip({ action: 'ban', durationSeconds: 60, occurredAt: receivedAt.toISOString() });

    expect(toTencentCall(message, nowMs + 60_000)).toEqual({
      kind: 'expired',
      until: '2026-11-26T12:01:00.000Z',
    });
  });

  it('sends an account-wide mute the seconds left, in each scope it sets', () => {
    // Prepare
    const message = roundTrip({
      action: 'mute_account',
      durationSeconds: 3_600,
      occurredAt: receivedAt.toISOString(),
    });

    // Act
    const call = toTencentCall(message, nowMs + 600_000);

    // Assess
    expect(call).toEqual({
      kind: 'call',
      api: 'setnospeaking',
      body: { Set_Account: 'bob', C2CmsgNospeakingTime: 3_000, GroupmsgNospeakingTime: 3_000 },
      untilMs: nowMs + 3_600_000,
    });
    expect(call.kind === 'call' && atCallTime(call, nowMs + 3_600_000)).toBe('expired');
  });

  it('sends a permanent ban as Tencent’s permanent Duration, whenever it goes out', () => {
    const message = roundTrip({ action: 'ban', durationSeconds: MAX_MUTE_SECONDS });

    const call = toTencentCall(message, nowMs + 10 ** 9);

    expect(call).toMatchObject({ body: { Duration: MAX_MUTE_SECONDS } });
    expect(call.kind === 'call' && call.untilMs).toBeUndefined();
  });
});

describe('undoOf', () => {
  it.each<[Record<string, unknown>, string | undefined, Record<string, unknown>]>([
    [{ action: 'mute', durationSeconds: 60 }, 'unmute', { groupId: GROUP, account: 'bob' }],
    [{ action: 'ban', durationSeconds: 60 }, 'unban', { groupId: GROUP, account: 'bob' }],
    [{ action: 'mute_account', durationSeconds: 60, scope: 'direct' }, 'unmute_account', { scope: 'direct' }],
    [{ action: 'remove' }, undefined, {}],
    [{ action: 'kick' }, undefined, {}],
  ])('%j undoes with %s', (fields, action, same) => {
    // Prepare
    const message = roundTrip({ ...fields, eventId: 'evt-7' });

    // Act
    const undo = undoOf(message);

    // Assess: the same event (id, times), the undoing action, the same target; a message the consumer reads.
    if (action === undefined) {
      expect(undo).toBeUndefined();
      return;
    }
    expect(undo).toMatchObject({ eventId: 'evt-7', action, occurredAt: message.occurredAt, ...same });
    expect(parseQueueMessage(JSON.stringify(undo))).toEqual(undo);
  });
});

describe('toQueueMessage: the versions', () => {
  it.each([
    ['mute', 1],
    ['set_role', 1],
    ['remove', 2],
    ['recall', 2],
    ['kick', 2],
  ])('writes %s as version %i', (action, version) => {
    const fields: Record<string, Record<string, unknown>> = {
      mute: { durationSeconds: 60 },
      set_role: { role: 'admin' },
      recall: { msgSeqs: [1] },
    };
    expect(roundTrip({ action, ...fields[action] }).v).toBe(version);
  });

  it('keeps what a later step needs: the ban’s end, the account mute’s scope, the recall’s messages', () => {
    expect(
      roundTrip({ action: 'ban', durationSeconds: 60, occurredAt: receivedAt.toISOString() }),
    ).toMatchObject({
      banUntil: '2026-11-26T12:01:00.000Z',
    });
    expect(roundTrip({ action: 'mute_account', durationSeconds: 60 })).toMatchObject({ scope: 'all' });
    expect(roundTrip({ action: 'recall', msgSeqs: [5, 9] })).toMatchObject({ msgSeqs: [5, 9] });
    expect(roundTrip({ action: 'remove' })).toMatchObject({ silent: false });
  });
});

describe('messageGroupOf: one FIFO message group per member, per group, per account', () => {
  it('orders member actions old and new together, per member', () => {
    const mute = moderationEvent({ action: 'mute', durationSeconds: 60 });
    const ban = moderationEvent({ action: 'ban', durationSeconds: 60 });
    const remove = moderationEvent({ action: 'remove' });

    expect(new Set([mute, ban, remove].map(messageGroupOfEvent)).size).toBe(1);
  });

  it('orders group actions per group and account actions per account, apart from members', () => {
    const groups = [
      messageGroupOfEvent(moderationEvent({ action: 'mute_all' })),
      messageGroupOfEvent(moderationEvent({ action: 'recall', msgSeqs: [1] })),
    ];
    const accounts = [
      messageGroupOfEvent(moderationEvent({ action: 'kick' })),
      messageGroupOfEvent(moderationEvent({ action: 'mute_account', durationSeconds: 60 })),
    ];
    const member = messageGroupOfEvent(moderationEvent({ action: 'unmute' }));

    expect(new Set(groups).size).toBe(1);
    expect(new Set(accounts).size).toBe(1);
    expect(new Set([groups[0], accounts[0], member]).size).toBe(3);
  });

  it('never shares a group between a group and an account of the same id, nor between two groups', () => {
    const id = 'same-id';
    const all = [
      messageGroupOf({ kind: 'group', groupId: id }),
      messageGroupOf({ kind: 'account', account: id }),
      messageGroupOf({ kind: 'group', groupId: `${id}2` }),
      messageGroupOf({ kind: 'member', groupId: id, account: id }),
    ];

    expect(new Set(all).size).toBe(4);
    // SQS takes at most 128 characters of [A-Za-z0-9] and punctuation.
    for (const group of all) expect(group).toMatch(/^[0-9a-f]{64}$/);
  });
});
