import { FAILURE_RULES, type FailureClass, type FailureRule } from '#shared/consumer';
import { LEDGER_STATUSES, TRANSITIONS } from '#shared/ledger';
import { readDoc, sectionOf } from '../helpers/docs';

/**
 * The state machine of docs/event-lifecycle.md is the code's: each row of its table under "The state
 * machine" names a status, who writes it, the statuses it may follow and what it records, as
 * `TRANSITIONS` says.
 */

const section = sectionOf(readDoc('docs/event-lifecycle.md'), '### The state machine');

/** The table's rows: status, written by, from, records. */
const rows = section
  .split('\n')
  .filter((line) => /^\| `[a-z_]+` \|/.test(line))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

it('shows every status of the ledger, once, in the order of LEDGER_STATUSES', () => {
  // Act
  const statuses = rows.map(([status]) => status?.replaceAll('`', ''));

  // Assess
  expect(statuses).toEqual([...LEDGER_STATUSES]);
});

it.each(LEDGER_STATUSES)(
  'shows who writes %s, from which statuses, and what it records, as TRANSITIONS does',
  (status) => {
    // Prepare
    const row = rows.find(([cell]) => cell === `\`${status}\``);
    const { by, from, records } = TRANSITIONS[status];

    // Act
    const [, writer, fromCell, recordsCell] = row ?? [];
    const shownFrom = fromCell
      ?.split(', ')
      .map((cell) => (cell === '(no item)' ? 'absent' : cell.replaceAll('`', '')));

    // Assess
    expect({ writer, from: shownFrom, records: recordsCell }).toEqual({
      writer: by,
      from: [...from],
      records,
    });
  },
);

/**
 * The policy table of docs/event-lifecycle.md ("What the consumer does next") says, for each class of
 * failed call, what `FAILURE_RULES` does: held (never dead-lettered), dead-lettered at once, or
 * dead-lettered at an attempt limit, and which limit.
 */
describe("the policy table of 'What the consumer does next'", () => {
  const policy = sectionOf(readDoc('docs/event-lifecycle.md'), '## What the consumer does next');
  const rowOf = (label: string): string =>
    policy.split('\n').find((line) => line.startsWith(`| ${label} |`)) ?? '';
  const LABELS: Record<FailureClass, string> = {
    transient: 'transient',
    rate_limited: 'rate limited',
    timeout: 'timeout',
    ambiguous: 'ambiguous',
    permanent: 'permanent',
    usersig_expired: 'UserSig expired',
    deployment_fault: 'deployment fault',
    unreachable: 'Tencent unreachable',
  };

  it.each(Object.entries(FAILURE_RULES) as [FailureClass, FailureRule][])(
    'shows a %s failure as FAILURE_RULES decides it',
    (failureClass, rule) => {
      // Act
      const row = rowOf(LABELS[failureClass]);
      const says = {
        held: /\bheld\b/.test(row),
        atOnce: row.includes('dead-lettered at once'),
        limit: row.includes('AMBIGUOUS_MAX_ATTEMPTS')
          ? 'ambiguousMaxAttempts'
          : row.includes('as transient') || row.includes('MAX_ATTEMPTS')
            ? 'maxAttempts'
            : undefined,
      };

      // Assess
      expect(row).not.toBe('');
      if (rule.deadLetter === 'never') expect(says.held).toBe(true);
      else
        expect(says).toMatchObject({
          held: false,
          ...(rule.deadLetter === 'first' ? { atOnce: true } : { limit: rule.deadLetter }),
        });
    },
  );
});
