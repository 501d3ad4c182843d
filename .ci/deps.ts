/**
 * The rules of `.ci/update-deps.ts` (docs/dependencies.md), as functions of what package.json, the
 * lockfile and the npm registry say, so that a test can hold them without the registry.
 *
 * Which pins move, and how:
 * - A **line** is a set of packages released together under one version number: every pin of a line
 *   gets the same version, the newest that each of them has published and whose `engines` admit every
 *   Node.js that package.json's `engines` admits (the AWS SDK clients; Powertools).
 * - A **follower** is a pin that the AWS SDK itself depends on (`@aws-sdk/credential-provider-node`, the
 *   `@smithy/*` packages): it gets the newest version that every range the rest of the tree declares for
 *   it admits, so that the tree holds it once.
 * - A package **alone** is kept at its newest version that admits our Node.js versions.
 */
import semver from 'semver';

/** One published version of a package, as `npm view <name>@<range> version engines --json` gives it. */
export type Published = { version: string; engines?: { node?: string } };

/** What this module reads of a lockfile (lockfileVersion 3): its packages by install path. */
export type Lockfile = {
  packages: Record<
    string,
    {
      version?: string;
      link?: boolean;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    }
  >;
};

export type Group = 'sdk' | 'powertools' | 'follower' | 'alone';

/** The packages kept at their newest version on their own. */
export const ALONE: readonly string[] = ['standardwebhooks'];

/** Which group a pin of package.json belongs to, or `undefined` for one this update leaves alone. */
export function groupOf(name: string): Group | undefined {
  if (/^@aws-sdk\/(client|lib)-/.test(name)) return 'sdk';
  if (name.startsWith('@aws-lambda-powertools/')) return 'powertools';
  if (name.startsWith('@aws-sdk/') || name.startsWith('@smithy/')) return 'follower';
  if (ALONE.includes(name)) return 'alone';
  return undefined;
}

/** The packages that must be in the tree once only: everything of the AWS SDK and Powertools. */
export const isKeptSingle = (name: string): boolean =>
  /^@(aws-sdk|smithy|aws-lambda-powertools)\//.test(name);

/**
 * The lowest Node.js of each range of an `engines.node` ("^20.19.0 || ^22.12.0 || ^24.0.0" gives
 * 20.19.0, 22.12.0 and 24.0.0): a package admits our Node.js versions when it admits each of these.
 */
export function nodeFloors(enginesNode: string): string[] {
  return new semver.Range(enginesNode).set.map((comparators) => {
    const floor = semver.minVersion(comparators.map((comparator) => comparator.value).join(' '));
    if (floor === null) throw new Error(`engines.node "${enginesNode}" has a range that admits no version`);
    return floor.version;
  });
}

/** Whether a published version's `engines.node` (none: any) admits every one of `floors`. */
export const admits = (published: Published, floors: readonly string[]): boolean => {
  const range = published.engines?.node;
  return range === undefined || floors.every((floor) => semver.satisfies(floor, range));
};

const newestFirst = (versions: Iterable<string>): string[] => [...versions].sort(semver.rcompare);

/**
 * The version for a line: the newest that every package of the line has published and admits `floors`,
 * and why a newer one of any package was not taken (for the plan that is printed).
 */
export function lineVersion(
  publishedByName: ReadonlyMap<string, readonly Published[]>,
  floors: readonly string[],
): { version: string | undefined; notes: string[] } {
  const names = [...publishedByName.keys()];
  const usable = new Map(
    [...publishedByName].map(([name, list]) => [
      name,
      new Set(list.filter((p) => admits(p, floors)).map((p) => p.version)),
    ]),
  );
  const all = newestFirst(new Set([...usable.values()].flatMap((set) => [...set])));
  const version = all.find((candidate) => names.every((name) => usable.get(name)?.has(candidate)));

  // Why not newer: for each package whose newest version is past the chosen one, the reason.
  const notes: string[] = [];
  for (const [name, list] of publishedByName) {
    const newest = list.find((p) => p.version === newestFirst(list.map((q) => q.version))[0]);
    if (newest === undefined || (version !== undefined && !semver.gt(newest.version, version))) continue;
    if (!admits(newest, floors)) {
      notes.push(`${name}@${newest.version} needs Node.js ${newest.engines?.node}: not ${floors.join(', ')}`);
      continue;
    }
    const missing = names.filter((other) => !usable.get(other)?.has(newest.version));
    notes.push(
      `${name}@${newest.version} is newer, but ${missing.join(', ')} ${missing.length > 1 ? 'have' : 'has'} no ${newest.version} for our Node.js`,
    );
  }
  return { version, notes };
}

/** The newest published version that admits `floors` and satisfies every one of `ranges`. */
export function newestSatisfying(
  published: readonly Published[],
  ranges: readonly string[],
  floors: readonly string[],
): string | undefined {
  return newestFirst(
    published
      .filter((p) => admits(p, floors) && ranges.every((range) => semver.satisfies(p.version, range)))
      .map((p) => p.version),
  )[0];
}

/** The name of the package at a lockfile path (`node_modules/a/node_modules/@s/b` is `@s/b`). */
export function nameAt(path: string): string | undefined {
  const at = path.lastIndexOf('node_modules/');
  return at < 0 ? undefined : path.slice(at + 'node_modules/'.length);
}

/**
 * The ranges that the packages of the tree (not the root, whose pins are what is being chosen) declare
 * for `name`, as dependency, optional dependency or peer.
 */
export function declaredRanges(lock: Lockfile, name: string): string[] {
  const ranges = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '') continue;
    for (const declared of [entry.dependencies, entry.optionalDependencies, entry.peerDependencies]) {
      const range = declared?.[name];
      if (range !== undefined) ranges.add(range);
    }
  }
  return [...ranges];
}

/** The packages that `keep` selects and that the lockfile holds at more than one version. */
export function duplicates(lock: Lockfile, keep: (name: string) => boolean): Map<string, string[]> {
  const versions = new Map<string, Set<string>>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const name = nameAt(path);
    if (name === undefined || entry.link === true || entry.version === undefined || !keep(name)) continue;
    versions.set(name, (versions.get(name) ?? new Set()).add(entry.version));
  }
  return new Map(
    [...versions].filter(([, set]) => set.size > 1).map(([name, set]) => [name, newestFirst(set)]),
  );
}
