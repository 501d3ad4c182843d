/**
 * docs/development.md against the repository: every npm script in its command table and every source
 * folder in its Layout, so that a new command or folder cannot go unlisted. The Node.js versions of
 * docs/deploying.md against `engines` and `.ci/run`, and the README's test command against CI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, readDoc, sectionOf } from '../helpers/docs';

const development = readDoc('docs/development.md');
const readme = readDoc('README.md');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  engines: { node: string };
};
const scripts = Object.keys(manifest.scripts);

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

describe('the commands and the layout of docs/development.md', () => {
  const table = sectionOf(development, '## Commands')
    .split('\n')
    .filter((line) => line.startsWith('| `npm'));
  const layout = sectionOf(development, '## Layout');

  it('has a command table and a Layout section', () => {
    expect(table.length).toBeGreaterThan(5);
    expect(layout.length).toBeGreaterThan('## Layout'.length + 100);
  });

  it.each(scripts)('lists the npm script %s', (script) => {
    // A row's first cell names scripts as `npm run x`, `npm x`, or `x` after one of those in the cell.
    const cells = table.map((row) => row.split(' | ')[0] ?? '');
    const named = cells.some((cell) =>
      [`\`npm run ${script}`, `\`npm ${script}\``, `\`${script}\``].some((form) => cell.includes(form)),
    );
    expect(named).toBe(true);
  });

  it.each(sourceFolders())('names the folder %s/ in the Layout section', (folder) => {
    expect(layout).toContain(`\`${folder}/`);
  });
});

describe('the Node.js versions of docs/deploying.md, and CI', () => {
  const versions = sectionOf(readDoc('docs/deploying.md'), '## Node.js versions');
  const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');

  it("quotes package.json's engines", () => {
    // Assess
    expect(versions).toContain(`\`${manifest.engines.node}\``);
  });

  it("has CI run the README's test command, on Node.js 24", () => {
    // Prepare: the README's first lines give the two commands.
    const testCommand = /\n(npm ci && npm test) +#/.exec(readme)?.[1];

    // Assess
    expect(testCommand).toBe('npm ci && npm test');
    expect(ci).toContain(`bash .ci/with-node 24 bash -c '${testCommand} && `);
    expect(manifest.scripts['test:node24']).toBe('bash .ci/with-node 24 npm test');
  });
});
