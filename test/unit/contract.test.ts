import { forbiddenCharacterRule, isEventBatch, type ModerationEvent, validateEvents } from '#shared/contract';
import { ValidationError } from '#shared/errors';
import { CORPUS_RECEIVED_AT, INVALID_EVENTS, VALID_EVENTS } from '../helpers/contract-corpus';

const receivedAt = CORPUS_RECEIVED_AT;

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
  it.each(VALID_EVENTS.map((payload) => [payload]))('accepts %j', (payload) => {
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
  it.each(INVALID_EVENTS)('rejects %s', (_name, payload, expected) => {
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
      '__proto__ alone in data (one key, so not a key count issue)',
      '{"groupId":"g","account":"bob","action":"set_member_data","data":{"__proto__":"x"}}',
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
    [' ~\u00A0', false, undefined],
    ['ok\u001F', false, 'must not contain control characters (U+001F)'],
    ['\uFDEF', false, 'must not contain Unicode non-characters (U+FDEF)'],
    ['\uFDCF\uFDF0\uFFFD\u{1FFFD}', false, undefined],
    ['a\u{1FFFE}', true, 'must not contain Unicode non-characters (U+1FFFE)'],
    ['\u{FFFFE}', false, 'must not contain Unicode non-characters (U+FFFFE)'],
    ['\uD83D\uDE00\uDE00', false, 'must not contain unpaired surrogates (U+DE00)'],
  ])('%j (line breaks allowed: %s) -> %s', (value, allowLineBreaks, expected) => {
    expect(forbiddenCharacterRule(value, allowLineBreaks)).toBe(expected);
  });
});
