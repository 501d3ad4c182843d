import { MAX_MUTE_SECONDS } from '#shared/contract';

/**
 * The contract's test corpus: request payloads `validateEvents` accepts, and payloads it rejects with
 * the issues it reports. `test/unit/contract.test.ts` checks `validateEvents` against it; the OpenAPI
 * tests check the generated request schema against the same payloads.
 */

/** The time of receipt the corpus is judged at (`occurredAt` may be at most 5 minutes after it). */
export const CORPUS_RECEIVED_AT = new Date('2026-11-26T12:00:00.000Z');

const base = { groupId: '@TGS#2CLUZEAEJ', account: 'bob' };

/** Single events that are valid. */
export const VALID_EVENTS: Record<string, unknown>[] = [
  { ...base, action: 'mute', durationSeconds: 86400 },
  { ...base, action: 'mute', durationSeconds: 1 },
  { ...base, action: 'mute', durationSeconds: MAX_MUTE_SECONDS },
  { ...base, action: 'unmute' },
  { ...base, action: 'set_role', role: 'admin' },
  { ...base, action: 'set_role', role: 'member' },
  { ...base, action: 'set_msg_flag', msgFlag: 'AcceptAndNotify' },
  { ...base, action: 'set_msg_flag', msgFlag: 'Discard' },
  { ...base, action: 'set_msg_flag', msgFlag: 'AcceptNotNotify' },
  { ...base, action: 'set_name_card', nameCard: 'bob' },
  { ...base, action: 'set_name_card', nameCard: '' },
  { ...base, action: 'set_name_card', nameCard: '名'.repeat(16) },
  { ...base, action: 'set_member_data', data: { MemberDefined1: 'ModifyData1', MemberDefined3: '' } },
  { ...base, action: 'set_member_data', data: { a: '1', b: '2', c: '3', d: '4', e_5: '5' } },
  { ...base, action: 'set_member_data', data: { Key_Of_16_Bytes_: 'v'.repeat(64) } },
  { ...base, action: 'set_member_data', data: { level: '名'.repeat(21) } },
  { ...base, action: 'set_name_card', nameCard: '😀 ok \uFFFD' },
  { ...base, action: 'unmute', reason: 'line one\nline two\r\n\ttabbed' },
  { groupId: ' '.repeat(48), account: 'a'.repeat(32), action: 'unmute' },
  { ...base, action: 'remove' },
  { ...base, action: 'remove', silent: true, reason: 'spam links' },
  { ...base, action: 'remove', silent: false },
  { ...base, action: 'ban', durationSeconds: 86400 },
  { ...base, action: 'ban', durationSeconds: MAX_MUTE_SECONDS, reason: 'é'.repeat(500) },
  { ...base, action: 'unban' },
  { ...base, action: 'delete_messages' },
  { groupId: base.groupId, action: 'mute_all' },
  { groupId: base.groupId, action: 'unmute_all', reason: 'raid over' },
  { groupId: base.groupId, action: 'recall', msgSeqs: [1] },
  {
    groupId: base.groupId,
    action: 'recall',
    msgSeqs: [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    reason: 'r'.repeat(100),
  },
  { account: 'bob', action: 'mute_account', durationSeconds: 3600 },
  { account: 'bob', action: 'mute_account', durationSeconds: 60, scope: 'groups' },
  { account: 'bob', action: 'mute_account', durationSeconds: 60, scope: 'direct' },
  { account: 'bob', action: 'unmute_account' },
  { account: 'bob', action: 'unmute_account', scope: 'all' },
  { account: 'bob', action: 'kick' },
];

/** An invalid payload: what it is, the payload, and every issue `validateEvents` reports, in order. */
export type InvalidPayload = [name: string, payload: unknown, issues: { path: string; rule: string }[]];

/** Invalid payloads (single events, and bodies that are not objects). */
export const INVALID_EVENTS: InvalidPayload[] = [
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
    { ...base, action: 'promote' },
    [
      {
        path: 'action',
        rule: 'must be one of mute, unmute, set_role, set_msg_flag, set_name_card, set_member_data, remove, ban, unban, delete_messages, mute_all, unmute_all, recall, mute_account, unmute_account, kick',
      },
    ],
  ],
  ['mute without duration', { ...base, action: 'mute' }, [{ path: 'durationSeconds', rule: 'is required' }]],
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
    'data with six keys and a number value (both reported)',
    { ...base, action: 'set_member_data', data: { a: 1, b: '2', c: '3', d: '4', e: '5', f: '6' } },
    [
      { path: 'data', rule: 'must have 1 to 5 keys (Tencent allows 5 member custom fields)' },
      { path: 'data.a', rule: 'values must be strings' },
    ],
  ],
  [
    'a bad field, empty data and an unknown field, in field order',
    { ...base, groupId: 5, action: 'set_member_data', data: {}, role: 'admin' },
    [
      { path: 'groupId', rule: 'must be 1-48 bytes of printable ASCII' },
      { path: 'data', rule: 'must have 1 to 5 keys (Tencent allows 5 member custom fields)' },
      { path: 'role', rule: "not allowed for action 'set_member_data'" },
    ],
  ],
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
  [
    'remove with silent not a boolean',
    { ...base, action: 'remove', silent: 'yes' },
    [{ path: 'silent', rule: 'must be true or false' }],
  ],
  ['ban without a duration', { ...base, action: 'ban' }, [{ path: 'durationSeconds', rule: 'is required' }]],
  [
    'ban of 0 seconds',
    { ...base, action: 'ban', durationSeconds: 0 },
    [{ path: 'durationSeconds', rule: 'must be an integer from 1 to 4294967295' }],
  ],
  [
    'ban reason over 1000 bytes',
    { ...base, action: 'ban', durationSeconds: 60, reason: 'é'.repeat(501) },
    [{ path: 'reason', rule: 'must be a string of at most 1000 UTF-8 bytes (and 512 characters)' }],
  ],
  [
    'mute_all with an account',
    { ...base, action: 'mute_all' },
    [{ path: 'account', rule: "not allowed for action 'mute_all'" }],
  ],
  ['unmute_all without a group', { action: 'unmute_all' }, [{ path: 'groupId', rule: 'is required' }]],
  [
    'kick with a groupId',
    { ...base, action: 'kick' },
    [{ path: 'groupId', rule: "not allowed for action 'kick'" }],
  ],
  [
    'mute_account with a groupId',
    { ...base, action: 'mute_account', durationSeconds: 60 },
    [{ path: 'groupId', rule: "not allowed for action 'mute_account'" }],
  ],
  [
    'mute_account with an unknown scope',
    { account: 'bob', action: 'mute_account', durationSeconds: 60, scope: 'everything' },
    [{ path: 'scope', rule: 'must be one of all, groups, direct' }],
  ],
  [
    'unmute_account with a duration',
    { account: 'bob', action: 'unmute_account', durationSeconds: 60 },
    [{ path: 'durationSeconds', rule: "not allowed for action 'unmute_account'" }],
  ],
  [
    'recall of no message',
    { groupId: base.groupId, action: 'recall', msgSeqs: [] },
    [{ path: 'msgSeqs', rule: 'must be an array of 1 to 10 distinct positive integers' }],
  ],
  [
    'recall of 11 messages',
    { groupId: base.groupId, action: 'recall', msgSeqs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] },
    [{ path: 'msgSeqs', rule: 'must be an array of 1 to 10 distinct positive integers' }],
  ],
  [
    'recall of one message twice',
    { groupId: base.groupId, action: 'recall', msgSeqs: [7, 7] },
    [{ path: 'msgSeqs', rule: 'must be an array of 1 to 10 distinct positive integers' }],
  ],
  [
    'recall of sequence number 0 and 1.5',
    { groupId: base.groupId, action: 'recall', msgSeqs: [0, 1.5] },
    [
      { path: 'msgSeqs[0]', rule: 'must be a positive integer (a message sequence number)' },
      { path: 'msgSeqs[1]', rule: 'must be a positive integer (a message sequence number)' },
    ],
  ],
  [
    'recall reason over 100 bytes',
    { groupId: base.groupId, action: 'recall', msgSeqs: [1], reason: 'r'.repeat(101) },
    [{ path: 'reason', rule: 'must be a string of at most 100 UTF-8 bytes' }],
  ],
  [
    'delete_messages with msgSeqs',
    { ...base, action: 'delete_messages', msgSeqs: [1] },
    [{ path: 'msgSeqs', rule: "not allowed for action 'delete_messages'" }],
  ],
  ['a JSON array body', [1], [{ path: '(body)', rule: 'must be a JSON object' }]],
  ['a JSON string body', 'mute bob', [{ path: '(body)', rule: 'must be a JSON object' }]],
];
