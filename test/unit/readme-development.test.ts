/**
 * The README's Development section against the repository: every npm script in its table and every
 * source folder in its Layout line, so that a new command or folder cannot go unlisted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const start = readme.indexOf('\n## Development\n');
const end = readme.indexOf('\n## ', start + 1);
const section = readme.slice(start, end < 0 ? undefined : end);
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts,
);

/**
 * The top-level folders with TypeScript in them: not the installed packages, build output such as
 * cdk.out, or dot-folders.
 */
function sourceFolders(): string[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .map((entry) => entry.name)
    .filter((folder) =>
      readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' }).some((file) =>
        file.endsWith('.ts'),
      ),
    );
}

describe("the README's Development section", () => {
  const table = section.split('\n').filter((line) => line.startsWith('| `npm'));
  const layout = /\nLayout: ([\s\S]*?)\n\n/.exec(section)?.[1] ?? '';

  it('has a command table and a Layout line', () => {
    expect(start).toBeGreaterThan(0);
    expect(table.length).toBeGreaterThan(5);
    expect(layout).not.toBe('');
  });

  it.each(scripts)('lists the npm script %s', (script) => {
    // A row's first cell names scripts as `npm run x`, `npm x`, or `x` after one of those in the cell.
    const cells = table.map((row) => row.split(' | ')[0] ?? '');
    const named = cells.some((cell) =>
      [`\`npm run ${script}`, `\`npm ${script}\``, `\`${script}\``].some((form) => cell.includes(form)),
    );
    expect(named).toBe(true);
  });

  it.each(sourceFolders())('names the folder %s/ in the Layout line', (folder) => {
    expect(layout).toContain(`\`${folder}/`);
  });
});
