import {
  forbiddenCharacterRule,
  isEventBatch,
  MAX_MUTE_SECONDS,
  type ModerationEvent,
  validateEvents,
} from '#shared/contract';
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
    [{ ...base, action: 'set_member_data', data: { a: '1', b: '2', c: '3', d: '4', e_5: '5' } }],
    [{ ...base, action: 'set_member_data', data: { Key_Of_16_Bytes_: 'v'.repeat(64) } }],
    [{ ...base, action: 'set_member_data', data: { level: '名'.repeat(21) } }],
    [{ ...base, action: 'set_name_card', nameCard: '😀 ok \uFFFD' }],
    [{ ...base, action: 'unmute', reason: 'line one\nline two\r\n\ttabbed' }],
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
      fingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });

  it('fingerprints what the client sent: key order and time-zone notation do not count, values do', () => {
    // Prepare
    const one = { ...base, action: 'mute', durationSeconds: 60, occurredAt: '2026-11-26T19:59:00+08:00' };
    const same = { durationSeconds: 60, occurredAt: '2026-11-26T11:59:00Z', action: 'mute', ...base };
    const other = { ...one, durationSeconds: 61 };
    const noTime = { ...base, action: 'mute', durationSeconds: 60 };

    // Act
    const [a, b, c] = [one, same, other].map(
      (payload) => validateEvents(payload, receivedAt)[0]?.fingerprint,
    );
    const [early, late] = [receivedAt, new Date(receivedAt.getTime() + 600_000)].map(
      (at) => validateEvents(noTime, at)[0]?.fingerprint,
    );

    // Assess: a default occurredAt (the time of receipt) is not part of it, so a later resend matches.
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(early).toBe(late);
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
      [{ path: 'data', rule: 'must have 1 to 5 keys (Tencent allows 5 member custom fields)' }],
    ],
    [
      'data with six keys',
      { ...base, action: 'set_member_data', data: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } },
      [{ path: 'data', rule: 'must have 1 to 5 keys (Tencent allows 5 member custom fields)' }],
    ],
    ['missing data', { ...base, action: 'set_member_data' }, [{ path: 'data', rule: 'is required' }]],
    [
      'data with a number value',
      { ...base, action: 'set_member_data', data: { level: 2 } },
      [{ path: 'data.level', rule: 'values must be strings' }],
    ],
    [
      'data with an empty key',
      { ...base, action: 'set_member_data', data: { '': 'x' } },
      [{ path: 'data[""]', rule: 'keys must not be empty' }],
    ],
    [
      'data key of 17 bytes',
      { ...base, action: 'set_member_data', data: { ['k'.repeat(17)]: 'x' } },
      [{ path: `data.${'k'.repeat(17)}`, rule: 'keys must be 1-16 characters of A-Z a-z 0-9 _' }],
    ],
    [
      'data key with a space',
      { ...base, action: 'set_member_data', data: { 'level two': 'x' } },
      [{ path: 'data["level two"]', rule: 'keys must be 1-16 characters of A-Z a-z 0-9 _' }],
    ],
    [
      'data value of 65 bytes',
      { ...base, action: 'set_member_data', data: { level: `${'名'.repeat(21)}xx` } },
      [{ path: 'data.level', rule: 'values must be at most 64 UTF-8 bytes' }],
    ],
    [
      'data with a control character in a key',
      { ...base, action: 'set_member_data', data: { 'a\u0000': 'x' } },
      [{ path: 'data["a\\u0000"]', rule: 'keys must not contain control characters (U+0000)' }],
    ],
    [
      'data with a line feed in a value',
      { ...base, action: 'set_member_data', data: { level: 'a\nb' } },
      [{ path: 'data.level', rule: 'values must not contain control characters (U+000A)' }],
    ],
    [
      'data with U+FFFF in a value',
      { ...base, action: 'set_member_data', data: { level: 'gold\uFFFF' } },
      [{ path: 'data.level', rule: 'values must not contain Unicode non-characters (U+FFFF)' }],
    ],
    [
      'name card with NUL',
      { ...base, action: 'set_name_card', nameCard: 'bob\u0000' },
      [{ path: 'nameCard', rule: 'must not contain control characters (U+0000)' }],
    ],
    [
      'name card with a tab',
      { ...base, action: 'set_name_card', nameCard: 'bob\tsmith' },
      [{ path: 'nameCard', rule: 'must not contain control characters (U+0009)' }],
    ],
    [
      'name card with DEL',
      { ...base, action: 'set_name_card', nameCard: 'bob\u007F' },
      [{ path: 'nameCard', rule: 'must not contain control characters (U+007F)' }],
    ],
    [
      'name card with a C1 control',
      { ...base, action: 'set_name_card', nameCard: 'bob\u0085' },
      [{ path: 'nameCard', rule: 'must not contain control characters (U+0085)' }],
    ],
    [
      'name card with a lone high surrogate',
      { ...base, action: 'set_name_card', nameCard: 'bob\uD83D' },
      [{ path: 'nameCard', rule: 'must not contain unpaired surrogates (U+D83D)' }],
    ],
    [
      'name card with a lone low surrogate',
      { ...base, action: 'set_name_card', nameCard: '\uDE00bob' },
      [{ path: 'nameCard', rule: 'must not contain unpaired surrogates (U+DE00)' }],
    ],
    [
      'name card with U+FFFE',
      { ...base, action: 'set_name_card', nameCard: 'bob\uFFFE' },
      [{ path: 'nameCard', rule: 'must not contain Unicode non-characters (U+FFFE)' }],
    ],
    [
      'name card both too long and with a control character (one issue)',
      { ...base, action: 'set_name_card', nameCard: `${'x'.repeat(60)}\u0000` },
      [{ path: 'nameCard', rule: 'must be a string of at most 50 UTF-8 bytes' }],
    ],
    [
      'reason with BEL',
      { ...base, action: 'unmute', reason: 'ding\u0007' },
      [{ path: 'reason', rule: 'must not contain control characters other than tab, LF and CR (U+0007)' }],
    ],
    [
      'reason with U+FFFF',
      { ...base, action: 'unmute', reason: 'spam\uFFFF' },
      [{ path: 'reason', rule: 'must not contain Unicode non-characters (U+FFFF)' }],
    ],
    [
      'groupId with a control character',
      { ...base, groupId: 'g\u0000', action: 'unmute' },
      [{ path: 'groupId', rule: 'must be 1-48 bytes of printable ASCII' }],
    ],
    [
      'account with DEL',
      { ...base, account: 'bob\u007F', action: 'unmute' },
      [{ path: 'account', rule: 'must be 1-32 bytes of printable ASCII without spaces' }],
    ],
    [
      'eventId with a line feed',
      { ...base, eventId: 'e\n1', action: 'unmute' },
      [{ path: 'eventId', rule: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' }],
    ],
    [
      'mute far over uint32 (one issue, not one per bound)',
      { ...base, action: 'mute', durationSeconds: 1e20 },
      [{ path: 'durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
    ],
    [
      'fractional mute over uint32 (one issue)',
      { ...base, action: 'mute', durationSeconds: 4294967295.5 },
      [{ path: 'durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
    ],
    [
      'mute of null',
      { ...base, action: 'mute', durationSeconds: null },
      [{ path: 'durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
    ],
    [
      'a single event with an events field',
      { ...base, action: 'unmute', events: [] },
      [{ path: 'events', rule: 'unknown field' }],
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

  it('reports events nested in an event of a batch as an unknown field', () => {
    expect(
      issuesOf({ events: [{ ...base, action: 'unmute', events: [{ ...base, action: 'unmute' }] }] }),
    ).toEqual([{ path: 'events[0].events', rule: 'unknown field' }]);
  });

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

describe('validateEvents: reserved keys', () => {
  // JSON.parse makes `__proto__` an own key, as a body parsed without the strict parser would.
  it.each([
    [
      '__proto__ in an event',
      '{"groupId":"g","account":"bob","action":"unmute","__proto__":{"x":1}}',
      '__proto__',
    ],
    [
      'constructor in an event',
      '{"groupId":"g","account":"bob","action":"unmute","constructor":"x"}',
      'constructor',
    ],
    [
      'prototype beside events',
      '{"events":[{"groupId":"g","account":"bob","action":"unmute"}],"prototype":1}',
      'prototype',
    ],
    [
      '__proto__ in an event of a batch',
      '{"events":[{"groupId":"g","account":"bob","action":"unmute","__proto__":null}]}',
      'events[0].__proto__',
    ],
    [
      '__proto__ in data',
      '{"groupId":"g","account":"bob","action":"set_member_data","data":{"a":"1","__proto__":"x"}}',
      'data.__proto__',
    ],
    [
      'constructor in data',
      '{"groupId":"g","account":"bob","action":"set_member_data","data":{"constructor":"x"}}',
      'data.constructor',
    ],
  ])('rejects %s', (_name, json, path) => {
    // Act & Assess
    expect(issuesOf(JSON.parse(json))).toEqual([{ path, rule: 'reserved key' }]);
  });

  it('reports a reserved key along with the other issues of its event', () => {
    // Prepare
    const payload = JSON.parse('{"groupId":"g","account":"bob","action":"mute","__proto__":1}');

    // Act & Assess
    expect(issuesOf(payload)).toEqual([
      { path: '__proto__', rule: 'reserved key' },
      { path: 'durationSeconds', rule: 'is required' },
    ]);
  });
});

describe('isEventBatch', () => {
  it.each([
    [{ events: [] }, true],
    [{ events: [], dryRun: true }, true],
    [{ ...base, action: 'unmute', events: [] }, false],
    [{ ...base, action: 'unmute' }, false],
    [[{ events: [] }], false],
    [null, false],
  ])('%j is a batch: %s', (payload, expected) => {
    expect(isEventBatch(payload)).toBe(expected);
  });
});

describe('forbiddenCharacterRule', () => {
  it.each([
    ['plain text', false, undefined],
    ['😀 名 \uFFFD \u00A0 \u2028', false, undefined],
    ['\u{10FFFD}', false, undefined],
    ['\t\n\r', true, undefined],
    ['\t', false, 'must not contain control characters (U+0009)'],
    ['\u001F', true, 'must not contain control characters other than tab, LF and CR (U+001F)'],
    ['\u009F', false, 'must not contain control characters (U+009F)'],
    ['\uFDD0', false, 'must not contain Unicode non-characters (U+FDD0)'],
    ['\u{1FFFF}', false, 'must not contain Unicode non-characters (U+1FFFF)'],
    ['\u{10FFFE}', false, 'must not contain Unicode non-characters (U+10FFFE)'],
    ['\uDBFF', false, 'must not contain unpaired surrogates (U+DBFF)'],
  ])('%j (line breaks allowed: %s) -> %s', (value, allowLineBreaks, expected) => {
    expect(forbiddenCharacterRule(value, allowLineBreaks)).toBe(expected);
  });
});
