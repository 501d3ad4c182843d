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
