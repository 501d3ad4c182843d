import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The README and the pages under docs/, as the tests that hold them to the code read them: a page, a
 * section of it, its headings' anchors and its links.
 */

/** The repository's root. */
export const ROOT = join(__dirname, '..', '..');

/** A Markdown file of the repository, by its path from the root (`README.md`, `docs/contract.md`). */
export function readDoc(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The pages under docs/, as paths from the root, sorted. */
export function docsPages(): string[] {
  return readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`)
    .sort();
}

/** Each line of a Markdown text, with whether it is inside a fenced code block (where `#` is a comment). */
function linesOf(markdown: string): { line: string; fenced: boolean }[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (line.startsWith('```')) {
      fenced = !fenced;
      return { line, fenced: true };
    }
    return { line, fenced };
  });
}

/** The headings of a Markdown text (not the `#` lines of its code blocks): level and text. */
export function headingsOf(markdown: string): { level: number; text: string }[] {
  return linesOf(markdown).flatMap(({ line, fenced }) => {
    const match = fenced ? null : /^(#{1,6}) (.+)$/.exec(line);
    return match?.[1] === undefined || match[2] === undefined
      ? []
      : [{ level: match[1].length, text: match[2].trim() }];
  });
}

/**
 * A section of a Markdown text: from the line `heading` (e.g. `## Signed webhooks`) up to the next
 * heading of the same level or higher, code blocks not counting. Throws when there is no such heading,
 * so that a test of a section that moved fails instead of checking nothing.
 */
export function sectionOf(markdown: string, heading: string): string {
  const lines = linesOf(markdown);
  const start = lines.findIndex(({ line, fenced }) => !fenced && line === heading);
  if (start < 0) throw new Error(`no heading '${heading}'`);
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  const end = lines.findIndex(
    ({ line, fenced }, index) => index > start && !fenced && new RegExp(`^#{1,${level}} `).test(line),
  );
  return lines
    .slice(start, end < 0 ? undefined : end)
    .map(({ line }) => line)
    .join('\n');
}

/** The fenced code blocks of a Markdown text in one language (`sh`, `ts`, `json`, `mermaid`). */
export function codeBlocksOf(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map(
    (match) => match[1] ?? '',
  );
}

/**
 * The anchor GitHub gives a heading: its text as rendered (code spans and links reduced to their text),
 * lower-cased, without punctuation but hyphens and underscores, spaces made hyphens.
 */
export function slugOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replaceAll('`', '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-');
}

/** Every anchor of a Markdown text, a repeated heading's numbered as GitHub numbers it (`-1`, `-2`). */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of headingsOf(markdown)) {
    const slug = slugOf(text);
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** The targets of a Markdown text's inline links `[text](target)`, outside code blocks and code spans. */
export function linksOf(markdown: string): string[] {
  return linesOf(markdown)
    .filter(({ fenced }) => !fenced)
    .flatMap(({ line }) =>
      [...line.replace(/`[^`]*`/g, 'code').matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? ''),
    );
}
