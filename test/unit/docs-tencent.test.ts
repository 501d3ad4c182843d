import { API_CODES, MAX_ACCOUNTS_PER_CALL, TENCENT_API_PATHS, TENCENT_CODE_CLASSES } from '#shared/tencent';
import { IM_REGION_BACKUP_DOMAINS, IM_REGION_DOMAINS, IM_REGIONS } from '../../infra/config.ts';
import { anchorsOf, readDoc, sectionOf } from '../helpers/docs';

/**
 * `docs/tencent.md` says what the code does: its region table is `infra/config.ts`'s, its code table
 * is `shared/tencent/codes.ts`'s, and the comments that cite it find the sections they name.
 */

const page = readDoc('docs/tencent.md');
const section = (title: string): string => sectionOf(page, `## ${title}`);

/** The common code table's part of "Error codes": up to its first subsection. */
const commonCodes = section('Error codes').split('\n### ')[0] ?? '';

/** The cells of the table rows of `text` whose first cell matches `first`. */
const rows = (text: string, first: RegExp): string[][] =>
  text
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .filter(([cell]) => cell !== undefined && first.test(cell));

const unquoted = (cell: string | undefined) => cell?.replaceAll('`', '');

it('lists every region with the domain and backup domain infra/config.ts gives it, in its order', () => {
  // Act
  const shown = rows(section('Region domains'), /^`[a-z-]+`$/).map(([region, domain, backup]) => [
    unquoted(region),
    unquoted(domain),
    backup === 'none documented' ? undefined : unquoted(backup),
  ]);

  // Assess
  expect(shown).toEqual(
    IM_REGIONS.map((region) => [region, IM_REGION_DOMAINS[region], IM_REGION_BACKUP_DOMAINS[region]]),
  );
});

it('gives every code of the code table, once, the class the table gives it', () => {
  // Prepare
  const table = Object.entries(TENCENT_CODE_CLASSES).flatMap(([codeClass, codes]) =>
    codes.map((code) => [code, codeClass]),
  );

  // Act
  const shown = rows(commonCodes, /^\d+$/).map(([code, , codeClass]) => [Number(code), unquoted(codeClass)]);

  // Assess
  expect(shown).toEqual(table);
});

it('says what each class of the code table is, in the order of the table', () => {
  // Act
  const shown = rows(commonCodes, /^`[a-z_]+`$/).map(([codeClass]) => unquoted(codeClass));

  // Assess
  expect(shown).toEqual(Object.keys(TENCENT_CODE_CLASSES));
});

it('lists every API the client calls with its path, in the order of TENCENT_API_PATHS', () => {
  // Act
  const shown = rows(section('The call').split('\n### ')[0] ?? '', /^`[a-z_]+`$/).map(([api, path]) => [
    unquoted(api),
    unquoted(path),
  ]);

  // Assess
  expect(shown).toEqual(Object.entries(TENCENT_API_PATHS));
});

it("gives every code of an API's own table the class API_CODES gives it, and its class of unknown codes", () => {
  // Prepare
  const UNKNOWN = 'any code the common table does not know';
  const table = Object.entries(API_CODES).flatMap(([api, { codes = {}, unknown } = {}]) => [
    ...Object.entries(codes).map(([code, { codeClass }]) => [api, code, codeClass]),
    ...(unknown === undefined ? [] : [[api, UNKNOWN, unknown.codeClass]]),
  ]);

  // Act
  const shown = rows(sectionOf(page, '### Codes of one API'), /^`[a-z_]+`$/).map(
    ([api, code, , codeClass]) => [unquoted(api), code, unquoted(codeClass)],
  );

  // Assess
  expect(shown).toEqual(table);
});

it.each(Object.entries(MAX_ACCOUNTS_PER_CALL))(
  'gives %s the number of accounts per call the client sends at most (%i)',
  (api, max) => {
    // Prepare
    const text = api === 'forbid_send_msg' ? section('`forbid_send_msg`') : section('Moderation APIs');

    // Act
    const paragraph = text.split('\n- ').find((item) => item.includes(`**\`${api}\`**`)) ?? text;

    // Assess
    expect(paragraph).toMatch(new RegExp(`(at most|up to) \\*\\*${max}\\*\\*`));
  },
);

it.each([
  'shared/tencent/codes.ts',
  'shared/tencent/failover.ts',
  'local/simulator/usersig.ts',
  'infra/config.ts',
  'test/infra/regions.test.ts',
])('%s cites sections of docs/tencent.md that exist', (file) => {
  // Prepare
  const source = readDoc(file);
  const anchors = anchorsOf(page);

  // Act
  const cited = [...source.matchAll(/docs\/tencent\.md#([a-z0-9_-]+)/g)].map(([, anchor]) => anchor);

  // Assess
  expect(cited.length).toBeGreaterThan(0);
  expect(cited.filter((anchor) => !anchors.has(anchor ?? ''))).toEqual([]);
});
