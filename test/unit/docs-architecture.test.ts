import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeBlocksOf, ROOT, readDoc, sectionOf } from '../helpers/docs';

/**
 * The drawing of `shared/`'s folders in docs/architecture.md is the code's: an arrow for each folder that
 * imports another, and none for an import that is not there. The folders every other one may use
 * (errors, settings, metrics, util) are left out of the drawing, and so of this comparison; `types/`
 * holds declarations only.
 */

const LEFT_OUT = new Set(['errors', 'settings', 'metrics', 'util', 'types']);

/** The folders of shared/ that the drawing shows. */
const folders = readdirSync(join(ROOT, 'shared'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !LEFT_OUT.has(entry.name))
  .map((entry) => entry.name)
  .sort();

/** `from → to` for each folder of shared/ that imports another through its `index.ts`. */
function importedEdges(): string[] {
  const edges = new Set<string>();
  for (const from of folders) {
    const dir = join(ROOT, 'shared', from);
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const match of source.matchAll(/from '\.\.\/([a-z-]+)\/index\.ts'/g)) {
        const to = match[1] ?? '';
        if (!LEFT_OUT.has(to) && to !== from) edges.add(`${from} → ${to}`);
      }
    }
  }
  return [...edges].sort();
}

/** The drawing's nodes (`aws[aws/]`) and arrows (`aws --> ledger`), as folder names. */
function drawn(): { nodes: string[]; edges: string[] } {
  const section = sectionOf(
    readDoc('docs/architecture.md'),
    '## The folders of `shared/` and what each may use',
  );
  const [diagram = ''] = codeBlocksOf(section, 'mermaid');
  const names = new Map(
    [...diagram.matchAll(/^\s*([A-Za-z]+)\[([a-z-]+)\/\]\s*$/gm)].map((match) => [
      match[1] ?? '',
      match[2] ?? '',
    ]),
  );
  const edges = [...diagram.matchAll(/^\s*([A-Za-z]+) --> ([A-Za-z]+)\s*$/gm)].map(
    (match) => `${names.get(match[1] ?? '') ?? match[1]} → ${names.get(match[2] ?? '') ?? match[2]}`,
  );
  return { nodes: [...names.values()].sort(), edges: edges.sort() };
}

it('draws every folder of shared/ but those every folder may use', () => {
  expect(drawn().nodes).toEqual(folders);
});

it("draws an arrow for each import between shared/'s folders, and no other", () => {
  // Prepare
  const edges = importedEdges();

  // Assess: a difference means the drawing in docs/architecture.md needs the same change as the code.
  expect(edges.length).toBeGreaterThan(5);
  expect(drawn().edges).toEqual(edges);
});
