/**
 * Moves the pins that must move together to their newest versions, in one command (docs/dependencies.md):
 *
 *   npx tsx .ci/update-deps.ts             # choose, write package.json and the lockfile, npm ci, npm test
 *   npx tsx .ci/update-deps.ts --dry-run   # choose and print the plan; nothing in the repository changes
 *   npx tsx .ci/update-deps.ts --no-test   # as the first, without npm test
 *
 * The AWS SDK clients move as one line (one version number for all), Powertools as another, the pins the
 * SDK depends on itself (`@aws-sdk/credential-provider-node`, `@smithy/*`) follow to the newest version
 * the SDK's ranges admit, and `standardwebhooks` to its newest: each only to a version whose `engines`
 * admit every Node.js of package.json's `engines` (`.ci/deps.ts` has the rules). The lockfile is worked
 * out in a temporary folder (`npm install --package-lock-only`), checked to hold every AWS SDK, Smithy
 * and Powertools package once, and only then copied over package.json and package-lock.json.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import semver from 'semver';
import {
  declaredRanges,
  duplicates,
  type Group,
  groupOf,
  isKeptSingle,
  type Lockfile,
  lineVersion,
  nameAt,
  newestSatisfying,
  nodeFloors,
  type Published,
} from './deps';

type Section = 'dependencies' | 'devDependencies';
type Manifest = { engines: { node: string } } & Partial<Record<Section, Record<string, string>>>;

const ROOT = resolve(__dirname, '..');
const OPTIONS = ['--dry-run', '--no-test'];
const say = (line = '') => process.stdout.write(`${line}\n`);

function npm(cwd: string, args: string[], capture: true): string;
function npm(cwd: string, args: string[]): void;
function npm(cwd: string, args: string[], capture = false): string | undefined {
  const out = execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
  });
  return capture ? out : undefined;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const writeJson = (path: string, value: unknown) =>
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

/**
 * The versions of `name` from `from` on, with their engines. npm gives one object for one version, an
 * array for several, and a version's bare string where no version has `engines`.
 */
function publishedSince(name: string, from: string): Published[] {
  const out = npm(ROOT, ['view', `${name}@>=${from}`, 'version', 'engines', '--json'], true);
  const parsed = JSON.parse(out) as Published | string | (Published | string)[];
  return (Array.isArray(parsed) ? parsed : [parsed]).map((p) => (typeof p === 'string' ? { version: p } : p));
}

function main(): number {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => !OPTIONS.includes(arg));
  if (unknown.length > 0) {
    process.stderr.write(`usage: npx tsx .ci/update-deps.ts [${OPTIONS.join('] [')}]\n`);
    return 2;
  }
  const dryRun = args.includes('--dry-run');

  const manifest = readJson<Manifest>(join(ROOT, 'package.json'));
  const floors = nodeFloors(manifest.engines.node);
  say(`Node.js versions to keep (the lowest of each range of engines.node): ${floors.join(', ')}`);

  // The pins this command moves, each an exact version (the rule of this repository).
  const pins = new Map<string, { section: Section; group: Group; from: string }>();
  for (const section of ['dependencies', 'devDependencies'] as const) {
    for (const [name, version] of Object.entries(manifest[section] ?? {})) {
      const group = groupOf(name);
      if (group === undefined) continue;
      if (semver.valid(version) === null) {
        process.stderr.write(`${name} is pinned as "${version}": pin it exactly (docs/dependencies.md)\n`);
        return 1;
      }
      pins.set(name, { section, group, from: version });
    }
  }
  const chosen = new Map<string, string>();
  const namesOf = (group: Group) => [...pins].filter(([, pin]) => pin.group === group).map(([name]) => name);
  const setPins = (target: Manifest) => {
    for (const [name, version] of chosen) {
      const pin = pins.get(name);
      const section = pin === undefined ? undefined : target[pin.section];
      if (section !== undefined) section[name] = version;
    }
  };

  // The lines: one version for every package of each.
  for (const [group, title] of [
    ['sdk', 'AWS SDK clients'],
    ['powertools', 'Powertools'],
  ] as const) {
    const names = namesOf(group);
    const published = new Map(
      names.map((name) => [name, publishedSince(name, pins.get(name)?.from ?? '0.0.0')]),
    );
    const { version, notes } = lineVersion(published, floors);
    if (version === undefined) {
      process.stderr.write(
        `no version of ${title} that ${names.join(', ')} all have:\n  ${notes.join('\n  ')}\n`,
      );
      return 1;
    }
    say(`${title}: ${version}${notes.length > 0 ? `, not newer:\n  ${notes.join('\n  ')}` : ''}`);
    for (const name of names) chosen.set(name, version);
  }
  for (const name of namesOf('alone')) {
    const version = newestSatisfying(publishedSince(name, pins.get(name)?.from ?? '0.0.0'), [], floors);
    if (version !== undefined) chosen.set(name, version);
  }

  // The lockfile for those, worked out in a temporary folder, with the SDK's and Powertools' own
  // dependencies moved to the newest their ranges admit.
  const work = mkdtempSync(join(tmpdir(), 'update-deps-'));
  try {
    for (const file of ['package-lock.json', '.npmrc']) {
      if (existsSync(join(ROOT, file))) copyFileSync(join(ROOT, file), join(work, file));
    }
    const draft = readJson<Manifest>(join(ROOT, 'package.json'));
    setPins(draft);
    writeJson(join(work, 'package.json'), draft);
    // As the committed lockfile is: without registry URLs (npm ci takes them from npm's configuration).
    const lockOnly = [
      '--package-lock-only',
      '--omit-lockfile-registry-resolved',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ];
    say('\nThe lockfile, worked out in a temporary folder:');
    npm(work, ['install', ...lockOnly]);
    const transitive = new Set(
      Object.keys(readJson<Lockfile>(join(work, 'package-lock.json')).packages)
        .map(nameAt)
        .filter((name): name is string => name !== undefined && isKeptSingle(name) && !pins.has(name)),
    );
    if (transitive.size > 0) npm(work, ['update', ...lockOnly, ...transitive]);

    // The followers: the newest version that every range the tree declares for them admits.
    const lock = readJson<Lockfile>(join(work, 'package-lock.json'));
    for (const name of namesOf('follower')) {
      const ranges = declaredRanges(lock, name);
      const version = newestSatisfying(publishedSince(name, pins.get(name)?.from ?? '0.0.0'), ranges, floors);
      if (version === undefined) {
        process.stderr.write(
          `no version of ${name} satisfies every range of the tree: ${ranges.join(', ')}\n`,
        );
        return 1;
      }
      chosen.set(name, version);
    }
    setPins(draft);
    writeJson(join(work, 'package.json'), draft);
    npm(work, ['install', ...lockOnly]);

    // Checked: each pin is what the lockfile installs, and nothing of the SDK or Powertools is there twice.
    const final = readJson<Lockfile>(join(work, 'package-lock.json'));
    const twice = duplicates(final, isKeptSingle);
    const off = [...chosen].filter(
      ([name, version]) => final.packages[`node_modules/${name}`]?.version !== version,
    );
    say();
    for (const [name, pin] of pins) {
      const to = chosen.get(name) ?? pin.from;
      say(`  ${name}: ${pin.from}${to === pin.from ? ' (unchanged)' : ` -> ${to}`}`);
    }
    if (twice.size > 0 || off.length > 0) {
      for (const [name, versions] of twice)
        process.stderr.write(`twice in the lockfile: ${name} ${versions.join(', ')}\n`);
      for (const [name, version] of off)
        process.stderr.write(`the lockfile does not install ${name}@${version}\n`);
      process.stderr.write('nothing was changed\n');
      return 1;
    }
    const before = readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
    const after = readFileSync(join(work, 'package-lock.json'), 'utf8');
    say(
      `\nThe lockfile ${before === after ? 'stays as it is' : 'changes'}; every AWS SDK, Smithy and Powertools package is in it once.`,
    );
    if (dryRun) {
      say('Dry run: package.json and package-lock.json are unchanged.');
      return 0;
    }
    writeJson(join(ROOT, 'package.json'), draft);
    copyFileSync(join(work, 'package-lock.json'), join(ROOT, 'package-lock.json'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  say('\n== npm ci');
  npm(ROOT, ['ci', '--no-audit', '--no-fund']);
  if (!args.includes('--no-test')) {
    say('\n== npm test');
    npm(ROOT, ['test']);
  }
  say('\nOther packages with a newer version (not moved by this command; docs/dependencies.md):');
  try {
    npm(ROOT, ['outdated']);
  } catch {
    // `npm outdated` exits 1 when it lists anything.
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  // A failed npm command has said why on stderr already: exit with its status.
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number') throw error;
  process.exitCode = status;
}
