import { MAX_BULK_ACCOUNTS, MAX_BULK_EVENTS_PER_REQUEST, validateEvents } from '#shared/contract';
import { ValidationError } from '#shared/errors';

/** Bulk events (`accounts`): what the contract takes, and the 400 it answers otherwise. */

const RECEIVED_AT = new Date('2026-12-07T10:00:00.000Z');
const names = (n: number, prefix = 'bot') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** The issues `validateEvents` finds in `payload` (none: it took it). */
function issuesOf(payload: unknown): { path: string; rule: string }[] {
  try {
    validateEvents(payload, RECEIVED_AT);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
}

const bulk = (fields: Record<string, unknown>) => ({ groupId: '@TGS#LIVE', ...fields });

describe('bulk events', () => {
  it.each([
    { action: 'mute', durationSeconds: 600 },
    { action: 'unmute' },
    { action: 'remove', silent: true, reason: 'raid' },
    { action: 'ban', durationSeconds: 3_600 },
    { action: 'unban' },
  ])('takes accounts for $action', (fields) => {
    // Act
    const [event] = validateEvents(bulk({ ...fields, accounts: names(MAX_BULK_ACCOUNTS) }), RECEIVED_AT);

    // Assess
    expect(event).toMatchObject({ action: fields.action, accounts: names(MAX_BULK_ACCOUNTS) });
    expect(event && 'account' in event ? event.account : undefined).toBeUndefined();
  });

  it.each([
    [
      'both account and accounts',
      { action: 'mute', durationSeconds: 60, account: 'a', accounts: ['b'] },
      'accounts',
    ],
    ['neither', { action: 'unmute' }, 'account'],
    ['an empty list', { action: 'unmute', accounts: [] }, 'accounts'],
    ['too many', { action: 'unmute', accounts: names(MAX_BULK_ACCOUNTS + 1) }, 'accounts'],
    ['a repeated account', { action: 'unmute', accounts: ['a', 'b', 'a'] }, 'accounts'],
    ['an account with a space', { action: 'unmute', accounts: ['a b'] }, 'accounts[0]'],
    [
      'an action that takes one member only',
      { action: 'set_role', role: 'admin', accounts: ['a'] },
      'accounts',
    ],
  ])('answers %s with an issue naming the field', (_name, fields, path) => {
    // Act
    const issues = issuesOf(bulk(fields));

    // Assess
    expect(issues.map((issue) => issue.path)).toContain(path);
    for (const issue of issues) expect(issue.rule.length).toBeGreaterThan(0);
  });

  it(`takes ${MAX_BULK_EVENTS_PER_REQUEST} bulk events in one request, and not one more`, () => {
    // Prepare
    const events = (n: number) =>
      Array.from({ length: n }, (_, i) => bulk({ action: 'unmute', accounts: names(500, `e${i}`) }));

    // Act
    const taken = validateEvents({ events: events(MAX_BULK_EVENTS_PER_REQUEST) }, RECEIVED_AT);
    const issues = issuesOf({ events: events(MAX_BULK_EVENTS_PER_REQUEST + 1) });

    // Assess
    expect(taken).toHaveLength(MAX_BULK_EVENTS_PER_REQUEST);
    expect(issues).toEqual([
      {
        path: 'events',
        rule: `must hold at most ${MAX_BULK_EVENTS_PER_REQUEST} events with accounts (has ${MAX_BULK_EVENTS_PER_REQUEST + 1})`,
      },
    ]);
  });
});
