import { MAX_MUTE_SECONDS } from '#shared/contract';
import { MessageFormatError } from '#shared/errors';
import {
  atCallTime,
  messageGroupIdOf,
  parseQueueMessage,
  type TencentRequest,
  toQueueMessage,
  toTencentCall,
} from '#shared/queue';
import { moderationEvent } from '../helpers/factories';

const receivedAt = new Date('2026-11-26T12:00:00.000Z');
const nowMs = receivedAt.getTime();

/** The queue message of an event, through its JSON form, as the consumer reads it. */
const roundTrip = (fields: Record<string, unknown>) =>
  parseQueueMessage(JSON.stringify(toQueueMessage(moderationEvent(fields, receivedAt), receivedAt)));

describe('toTencentCall: the documented request bodies', () => {
  // The six examples of the modify_group_member_info page (../shared/tencent/), plus unmute.
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['set as an admin', { action: 'set_role', role: 'admin' }, { Role: 'Admin' }],
    ['cancel the admin role', { action: 'set_role', role: 'member' }, { Role: 'Member' }],
    [
      'message blocking type',
      { action: 'set_msg_flag', msgFlag: 'AcceptAndNotify' },
      { MsgFlag: 'AcceptAndNotify' },
    ],
    ['group name card', { action: 'set_name_card', nameCard: 'bob' }, { NameCard: 'bob' }],
    [
      'member custom fields',
      { action: 'set_member_data', data: { MemberDefined1: 'ModifyData1', MemberDefined3: 'ModifyData3' } },
      {
        AppMemberDefinedData: [
          { Key: 'MemberDefined1', Value: 'ModifyData1' },
          { Key: 'MemberDefined3', Value: 'ModifyData3' },
        ],
      },
    ],
    ['muting period', { action: 'mute', durationSeconds: 86400 }, { MuteTime: 86400 }],
    ['unmute', { action: 'unmute' }, { MuteTime: 0 }],
  ])('%s', (_name, fields, expected) => {
    // Prepare
    const message = roundTrip({ groupId: '@TGS#2CLUZEAEJ', account: 'bob', ...fields });

    // Act
    const call = toTencentCall(message, nowMs);

    // Assess: GroupId, Member_Account and exactly the one field of the action.
    expect(call).toEqual({
      kind: 'call',
      api: 'modify_group_member_info',
      body: { GroupId: '@TGS#2CLUZEAEJ', Member_Account: 'bob', ...expected },
      // A timed mute keeps its stored end, to work its MuteTime out again when the call goes out.
      ...(fields.action === 'mute' ? { untilMs: nowMs + 86_400_000 } : {}),
    });
  });
});

describe('atCallTime', () => {
  const mute = (): TencentRequest => {
    const call = toTencentCall(
      roundTrip({ groupId: 'g', account: 'bob', action: 'mute', durationSeconds: 600 }),
      nowMs,
    );
    if (call.kind === 'expired') throw new Error('expired at once');
    return call;
  };

  it('sends the seconds left when the call goes out, not when it was planned, so a wait never extends a mute', () => {
    // Act
    const planned = mute();
    const later = atCallTime(planned, nowMs + 2_500);

    // Assess
    expect(planned.body).toMatchObject({ MuteTime: 600 });
    expect(later !== 'expired' && later.body).toMatchObject({ MuteTime: 598 });
  });

  it('finds nothing to send once the end has passed, and leaves other calls as they are', () => {
    // Prepare
    const unmute = toTencentCall(roundTrip({ groupId: 'g', account: 'bob', action: 'unmute' }), nowMs);

    // Act, Assess
    expect(atCallTime(mute(), nowMs + 600_000)).toBe('expired');
    expect(unmute.kind !== 'expired' && atCallTime(unmute, nowMs + 600_000)).toBe(unmute);
  });
});

describe('toTencentCall: mute end times', () => {
  it('sends the seconds left until the stored end, so a late delivery never extends a mute', () => {
    // Prepare
    const message = roundTrip({ action: 'mute', durationSeconds: 600 });

    // Act
    const call = toTencentCall(message, nowMs + 100_500);

    // Assess
    expect(call).toMatchObject({ kind: 'call', body: { MuteTime: 500 } });
  });

  it('counts from occurredAt, not from receipt', () => {
    // Prepare
    const message = roundTrip({ action: 'mute', durationSeconds: 600, occurredAt: '2026-11-26T11:58:00Z' });

    // Act & Assess
    expect(toTencentCall(message, nowMs)).toMatchObject({ kind: 'call', body: { MuteTime: 480 } });
  });

  it('makes no call once the mute is over', () => {
    // Prepare
    const message = roundTrip({ action: 'mute', durationSeconds: 60 });

    // Act & Assess
    expect(toTencentCall(message, nowMs + 60_000)).toEqual({
      kind: 'expired',
      until: '2026-11-26T12:01:00.000Z',
    });
  });

  it('keeps a permanent mute (4294967295) permanent, however late', () => {
    // Prepare
    const message = roundTrip({ action: 'mute', durationSeconds: MAX_MUTE_SECONDS });

    // Act & Assess
    expect(message).toMatchObject({ muteUntil: 'permanent' });
    expect(toTencentCall(message, nowMs + 10 ** 9)).toMatchObject({ body: { MuteTime: MAX_MUTE_SECONDS } });
  });
});

describe('parseQueueMessage', () => {
  it('reads back every field of the message it was given, reason included', () => {
    // Act
    const message = roundTrip({ action: 'set_role', role: 'admin', eventId: 'e-1', reason: 'trusted' });

    // Assess
    expect(message).toEqual({
      v: 1,
      eventId: 'e-1',
      groupId: '@TGS#2CLUZEAEJ',
      account: 'bob',
      action: 'set_role',
      role: 'admin',
      reason: 'trusted',
      occurredAt: receivedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
    });
  });

  it.each([
    ['not JSON', '{', 'queue message is not JSON'],
    ['no version', '{"eventId":"e"}', 'unsupported queue message version none'],
    ['a future version', '{"v":4}', 'unsupported queue message version 4'],
    ['a broken v1', '{"v":1,"action":"mute"}', 'invalid queue message: '],
  ])('rejects %s', (_name, body, message) => {
    expect(() => parseQueueMessage(body)).toThrow(MessageFormatError);
    expect(() => parseQueueMessage(body)).toThrow(message);
  });
});

describe('messageGroupIdOf', () => {
  it('gives one SQS-safe group per member, whatever characters the ids hold', () => {
    // Act
    const a = messageGroupIdOf('room with spaces & ünicode? no: ascii ~', 'bob');
    const b = messageGroupIdOf('room with spaces & ünicode? no: ascii ~', 'alice');

    // Assess
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toEqual(b);
    expect(messageGroupIdOf('g', 'bob')).toEqual(messageGroupIdOf('g', 'bob'));
  });

  it('does not confuse (ab, c) with (a, bc)', () => {
    expect(messageGroupIdOf('ab', 'c')).not.toEqual(messageGroupIdOf('a', 'bc'));
  });
});
