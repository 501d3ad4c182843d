import { MAX_MUTE_SECONDS, type ModerationEvent, validateEvents } from '#shared/contract';
import { ValidationError } from '#shared/errors';

const receivedAt = new Date('2026-11-26T12:00:00.000Z');

/** The issues a payload produces, or a failure if it is valid. */
function issuesOf(payload: unknown): { path: string; rule: string }[] {
  try {
    validateEvents(payload, receivedAt);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const base = { groupId: '@TGS#2CLUZEAEJ', account: 'bob' };

describe('validateEvents: valid events', () => {
  it.each([
    [{ ...base, action: 'mute', durationSeconds: 86400 }],
    [{ ...base, action: 'mute', durationSeconds: 1 }],
    [{ ...base, action: 'mute', durationSeconds: MAX_MUTE_SECONDS }],
    [{ ...base, action: 'unmute' }],
    [{ ...base, action: 'set_role', role: 'admin' }],
    [{ ...base, action: 'set_role', role: 'member' }],
    [{ ...base, action: 'set_msg_flag', msgFlag: 'AcceptAndNotify' }],
    [{ ...base, action: 'set_msg_flag', msgFlag: 'Discard' }],
    [{ ...base, action: 'set_msg_flag', msgFlag: 'AcceptNotNotify' }],
    [{ ...base, action: 'set_name_card', nameCard: 'bob' }],
    [{ ...base, action: 'set_name_card', nameCard: '' }],
    [{ ...base, action: 'set_name_card', nameCard: '名'.repeat(16) }],
    [{ ...base, action: 'set_member_data', data: { MemberDefined1: 'ModifyData1', MemberDefined3: '' } }],
    [{ groupId: ' '.repeat(48), account: 'a'.repeat(32), action: 'unmute' }],
  ])('accepts %j', (payload) => {
    // Act
    const [event] = validateEvents(payload, receivedAt);

    // Assess
    expect(event).toMatchObject(payload);
  });

  it('fills in a UUID eventId and the time of receipt', () => {
    // Act
    const [event] = validateEvents({ ...base, action: 'unmute' }, receivedAt);

    // Assess
    expect(event?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event?.occurredAt).toEqual(receivedAt);
  });

  it('keeps the client eventId, occurredAt and reason', () => {
    // Prepare
    const payload = {
      ...base,
      action: 'unmute',
      eventId: 'mod-1:A.b_c',
      occurredAt: '2026-11-26T19:59:00+08:00',
      reason: 'appeal granted',
    };

    // Act
    const [event] = validateEvents(payload, receivedAt);

    // Assess
    expect(event).toEqual<ModerationEvent>({
      ...base,
      action: 'unmute',
      eventId: 'mod-1:A.b_c',
      occurredAt: new Date('2026-11-26T11:59:00.000Z'),
      reason: 'appeal granted',
    });
  });

  it('accepts a batch and keeps its order', () => {
    // Prepare
    const events = Array.from({ length: 100 }, (_, i) => ({ ...base, action: 'unmute', eventId: `e${i}` }));

    // Act
    const result = validateEvents({ events }, receivedAt);

    // Assess
    expect(result.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
  });

  it('accepts occurredAt up to 5 minutes ahead (clock skew)', () => {
    // Prepare
    const occurredAt = new Date(receivedAt.getTime() + 5 * 60 * 1000).toISOString();

    // Act & Assess
    expect(validateEvents({ ...base, action: 'unmute', occurredAt }, receivedAt)).toHaveLength(1);
  });
});

describe('validateEvents: invalid events', () => {
  it.each<[string, unknown, { path: string; rule: string }[]]>([
    ['missing groupId', { account: 'bob', action: 'unmute' }, [{ path: 'groupId', rule: 'is required' }]],
    [
      'groupId over 48 bytes',
      { ...base, groupId: 'g'.repeat(49), action: 'unmute' },
      [{ path: 'groupId', rule: 'must be 1-48 bytes of printable ASCII' }],
    ],
    [
      'non-ASCII groupId',
      { ...base, groupId: 'grüppe', action: 'unmute' },
      [{ path: 'groupId', rule: 'must be 1-48 bytes of printable ASCII' }],
    ],
    [
      'empty groupId',
      { ...base, groupId: '', action: 'unmute' },
      [{ path: 'groupId', rule: 'must be 1-48 bytes of printable ASCII' }],
    ],
    [
      'account with a space',
      { ...base, account: 'bob smith', action: 'unmute' },
      [{ path: 'account', rule: 'must be 1-32 bytes of printable ASCII without spaces' }],
    ],
    [
      'account over 32 bytes',
      { ...base, account: 'b'.repeat(33), action: 'unmute' },
      [{ path: 'account', rule: 'must be 1-32 bytes of printable ASCII without spaces' }],
    ],
    [
      'account not a string',
      { ...base, account: 42, action: 'unmute' },
      [{ path: 'account', rule: 'must be 1-32 bytes of printable ASCII without spaces' }],
    ],
    ['missing action', { ...base }, [{ path: 'action', rule: 'is required' }]],
    [
      'unknown action',
      { ...base, action: 'ban' },
      [
        {
          path: 'action',
          rule: 'must be one of mute, unmute, set_role, set_msg_flag, set_name_card, set_member_data',
        },
      ],
    ],
    [
      'mute without duration',
      { ...base, action: 'mute' },
      [{ path: 'durationSeconds', rule: 'is required' }],
    ],
    [
      'mute of 0 seconds',
      { ...base, action: 'mute', durationSeconds: 0 },
      [{ path: 'durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
    ],
    [
      'mute over uint32',
      { ...base, action: 'mute', durationSeconds: MAX_MUTE_SECONDS + 1 },
      [{ path: 'durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
    ],
    [
      'fractional mute',
      { ...base, action: 'mute', durationSeconds: 1.5 },
      [{ path: 'durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
    ],
    [
      'duration as a string',
      { ...base, action: 'mute', durationSeconds: '60' },
      [{ path: 'durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
    ],
    [
      'field of another action',
      { ...base, action: 'unmute', durationSeconds: 60 },
      [{ path: 'durationSeconds', rule: "not allowed for action 'unmute'" }],
    ],
    [
      'unknown field',
      { ...base, action: 'unmute', durationSecs: 60 },
      [{ path: 'durationSecs', rule: 'unknown field' }],
    ],
    [
      'bad role',
      { ...base, action: 'set_role', role: 'Admin' },
      [{ path: 'role', rule: "must be 'admin' or 'member'" }],
    ],
    [
      'bad msgFlag',
      { ...base, action: 'set_msg_flag', msgFlag: 'discard' },
      [{ path: 'msgFlag', rule: 'must be one of AcceptAndNotify, Discard, AcceptNotNotify' }],
    ],
    [
      'name card of 51 bytes',
      { ...base, action: 'set_name_card', nameCard: `${'名'.repeat(16)}abc` },
      [{ path: 'nameCard', rule: 'must be a string of at most 50 UTF-8 bytes' }],
    ],
    [
      'empty data',
      { ...base, action: 'set_member_data', data: {} },
      [{ path: 'data', rule: 'must have at least one key' }],
    ],
    [
      'data with a number value',
      { ...base, action: 'set_member_data', data: { 'level two': 2 } },
      [{ path: 'data["level two"]', rule: 'values must be strings' }],
    ],
    [
      'data not an object',
      { ...base, action: 'set_member_data', data: ['a'] },
      [{ path: 'data', rule: 'must be an object of string keys to string values' }],
    ],
    [
      'bad eventId',
      { ...base, action: 'unmute', eventId: 'has space' },
      [{ path: 'eventId', rule: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' }],
    ],
    [
      'eventId over 128 characters',
      { ...base, action: 'unmute', eventId: 'e'.repeat(129) },
      [{ path: 'eventId', rule: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' }],
    ],
    [
      'occurredAt without zone',
      { ...base, action: 'unmute', occurredAt: '2026-11-26T12:00:00' },
      [
        {
          path: 'occurredAt',
          rule: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z',
        },
      ],
    ],
    [
      'occurredAt too far ahead',
      { ...base, action: 'unmute', occurredAt: '2026-11-26T12:05:01Z' },
      [{ path: 'occurredAt', rule: 'must not be more than 5 minutes in the future' }],
    ],
    [
      'reason over 512 characters',
      { ...base, action: 'unmute', reason: 'r'.repeat(513) },
      [{ path: 'reason', rule: 'must be a string of at most 512 characters' }],
    ],
    ['a JSON array body', [1], [{ path: '(body)', rule: 'must be a JSON object' }]],
    ['a JSON string body', 'mute bob', [{ path: '(body)', rule: 'must be a JSON object' }]],
  ])('rejects %s', (_name, payload, expected) => {
    // Act
    const issues = issuesOf(payload);

    // Assess
    expect(issues).toEqual(expected);
  });

  it('lists every invalid event of a batch by index and field path', () => {
    // Prepare
    const events = [
      { ...base, action: 'unmute' },
      { ...base, action: 'mute' },
      'not an event',
      { ...base, action: 'set_role', role: 'owner', extra: true },
    ];

    // Act
    const issues = issuesOf({ events });

    // Assess
    expect(issues).toEqual([
      { path: 'events[1].durationSeconds', rule: 'is required' },
      { path: 'events[2]', rule: 'must be a JSON object' },
      { path: 'events[3].role', rule: "must be 'admin' or 'member'" },
      { path: 'events[3].extra', rule: 'unknown field' },
    ]);
  });

  it.each([[[]], [Array.from({ length: 101 }, () => ({ ...base, action: 'unmute' }))], ['x']])(
    'rejects an events array of the wrong size or type: %#',
    (events) => {
      expect(issuesOf({ events })).toEqual([{ path: 'events', rule: 'must be an array of 1 to 100 events' }]);
    },
  );

  it('rejects unknown fields beside events', () => {
    expect(issuesOf({ events: [{ ...base, action: 'unmute' }], dryRun: true })).toEqual([
      { path: 'dryRun', rule: 'unknown field' },
    ]);
  });

  it('rejects a repeated eventId in one request', () => {
    // Prepare
    const event = { ...base, action: 'unmute', eventId: 'same' };

    // Act & Assess
    expect(issuesOf({ events: [event, { ...event, account: 'alice' }] })).toEqual([
      { path: 'events[1].eventId', rule: 'must be unique in the request (same as events[0].eventId)' },
    ]);
  });
});
