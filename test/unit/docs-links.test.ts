import { existsSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { anchorsOf, docsPages, linksOf, ROOT, readDoc } from '../helpers/docs';

/**
 * The README is a map: every page under docs/ is linked from it, and every link of the README and of
 * the pages leads somewhere: to a file of the repository and, with a `#`, to a heading of it. And every
 * path of the repository that the pages name in code spans (`shared/ledger/transitions.ts`) exists, so
 * that a moved file cannot leave a page pointing at nothing.
 */

/** The Markdown files of the map: the README and every page. */
const files = ['README.md', ...docsPages()];

/** A link's target as a path from the repository's root, and its anchor, if any. */
function resolve(from: string, target: string): { path: string; anchor: string | undefined } {
  const [file = '', anchor] = target.split('#');
  const path = file === '' ? from : normalize(join(dirname(from), decodeURIComponent(file)));
  return { path: relative('.', path), anchor };
}

/** The relative links of a file, not those to other sites. */
function localLinks(file: string): string[] {
  return linksOf(readDoc(file)).filter((target) => !/^[a-z]+:/.test(target));
}

describe('the README as a map', () => {
  const linked = new Set(localLinks('README.md').map((target) => resolve('README.md', target).path));

  it.each(docsPages())('links to %s', (page) => {
    expect(linked.has(page)).toBe(true);
  });
});

describe.each(files)('the links of %s', (file) => {
  const links = localLinks(file);

  it('are there to check', () => {
    expect(links.length).toBeGreaterThan(file === 'README.md' ? 10 : 0);
  });

  it('each lead to a file of the repository, and to a heading of it', () => {
    // Act
    const broken = links.filter((target) => {
      const { path, anchor } = resolve(file, target);
      if (!existsSync(join(ROOT, path))) return true;
      if (anchor === undefined) return false;
      return !path.endsWith('.md') || !anchorsOf(readDoc(path)).has(anchor);
    });

    // Assess
    expect(broken).toEqual([]);
  });
});

describe.each(files)('the repository paths named in %s', (file) => {
  /** Code spans that are a path under a top-level folder of the repository, without placeholders. */
  const paths = [
    ...readDoc(file).matchAll(
      /`((?:functions|shared|infra|local|ops|bench|client|tools|test|docs|\.ci)\/[^`\s]*)`/g,
    ),
  ]
    .map((match) => match[1] ?? '')
    .filter((path) => !/[<>*{}]/.test(path));

  it('exist', () => {
    // Act
    const missing = [...new Set(paths)].filter((path) => !existsSync(join(ROOT, path)));

    // Assess
    expect(missing).toEqual([]);
  });
});
