/**
 * The rules of the dependency update (`npx tsx .ci/update-deps.ts`, docs/dependencies.md), held without
 * the npm registry: which pins move together, to which version, and what the lockfile may hold.
 */
import {
  declaredRanges,
  duplicates,
  groupOf,
  isKeptSingle,
  type Lockfile,
  lineVersion,
  newestSatisfying,
  nodeFloors,
  type Published,
} from '../../.ci/deps';

const FLOORS = nodeFloors('^20.19.0 || ^22.12.0 || ^24.0.0');
const node20 = { node: '>=20.0.0' };
const node22 = { node: '>=22.0.0' };

describe('the groups of pins', () => {
  it.each([
    ['@aws-sdk/client-sqs', 'sdk'],
    ['@aws-sdk/lib-dynamodb', 'sdk'],
    ['@aws-lambda-powertools/batch', 'powertools'],
    ['@aws-sdk/credential-provider-node', 'follower'],
    ['@smithy/signature-v4', 'follower'],
    ['standardwebhooks', 'alone'],
    ['typescript', undefined],
    ['@types/node', undefined],
  ])('puts %s in %s', (name, group) => {
    expect(groupOf(name)).toBe(group);
  });

  it('keeps every AWS SDK, Smithy and Powertools package single in the tree, and nothing else', () => {
    expect(['@aws-sdk/core', '@smithy/types', '@aws-lambda-powertools/commons'].every(isKeptSingle)).toBe(
      true,
    );
    expect(isKeptSingle('semver')).toBe(false);
  });
});

describe('nodeFloors', () => {
  it("takes the lowest Node.js of each range of package.json's engines", () => {
    expect(FLOORS).toEqual(['20.19.0', '22.12.0', '24.0.0']);
  });
});

describe('lineVersion', () => {
  it('takes the newest version that every package of the line has', () => {
    // Prepare: the clients are not all published at every release.
    const published = new Map<string, Published[]>([
      [
        '@aws-sdk/client-sqs',
        ['3.1169.0', '3.1175.0', '3.1178.0'].map((version) => ({ version, engines: node20 })),
      ],
      ['@aws-sdk/client-dynamodb', ['3.1169.0', '3.1178.0'].map((version) => ({ version, engines: node20 }))],
    ]);

    // Act
    const { version, notes } = lineVersion(published, FLOORS);

    // Assess
    expect(version).toBe('3.1178.0');
    expect(notes).toEqual([]);
  });

  it('holds the line back where one package lacks the newest version, and says why', () => {
    // Prepare: as the registry serves Powertools on 2026-12-07.
    const published = new Map<string, Published[]>([
      ['@aws-lambda-powertools/logger', [{ version: '2.35.0' }, { version: '2.36.0' }]],
      ['@aws-lambda-powertools/batch', [{ version: '2.35.0' }]],
    ]);

    // Act
    const { version, notes } = lineVersion(published, FLOORS);

    // Assess
    expect(version).toBe('2.35.0');
    expect(notes).toEqual([
      '@aws-lambda-powertools/logger@2.36.0 is newer, but @aws-lambda-powertools/batch has no 2.36.0 for our Node.js',
    ]);
  });

  it('never takes a version whose engines drop a Node.js that package.json keeps', () => {
    // Prepare: a release that needs Node.js 22.
    const published = new Map<string, Published[]>([
      [
        '@aws-sdk/client-sqs',
        [
          { version: '3.1178.0', engines: node20 },
          { version: '3.1200.0', engines: node22 },
        ],
      ],
    ]);

    // Act
    const { version, notes } = lineVersion(published, FLOORS);

    // Assess
    expect(version).toBe('3.1178.0');
    expect(notes).toEqual([
      '@aws-sdk/client-sqs@3.1200.0 needs Node.js >=22.0.0: not 20.19.0, 22.12.0, 24.0.0',
    ]);
  });

  it('finds no version where the packages have none in common', () => {
    const published = new Map<string, Published[]>([
      ['a', [{ version: '1.0.0' }]],
      ['b', [{ version: '2.0.0' }]],
    ]);
    expect(lineVersion(published, FLOORS).version).toBeUndefined();
  });
});

describe('newestSatisfying', () => {
  const published: Published[] = ['3.41.1', '3.42.0', '4.0.0'].map((version) => ({
    version,
    engines: node20,
  }));

  it('takes the newest version that every declared range admits', () => {
    expect(newestSatisfying(published, ['^3.41.1', '^3.0.0'], FLOORS)).toBe('3.42.0');
    expect(newestSatisfying(published, [], FLOORS)).toBe('4.0.0');
  });

  it('finds none where the ranges disagree, or only a Node.js 22 release would do', () => {
    expect(newestSatisfying(published, ['^3.0.0', '^4.0.0'], FLOORS)).toBeUndefined();
    expect(newestSatisfying([{ version: '5.0.0', engines: node22 }], [], FLOORS)).toBeUndefined();
  });
});

describe('the lockfile checks', () => {
  const lock: Lockfile = {
    packages: {
      '': { dependencies: { '@smithy/core': '3.41.1' } },
      'node_modules/@smithy/core': { version: '3.41.1' },
      'node_modules/@aws-sdk/core': { version: '3.981.2', dependencies: { '@smithy/core': '^3.41.1' } },
      'node_modules/@aws-sdk/client-sqs': {
        version: '3.1178.0',
        peerDependencies: { '@smithy/core': '^3.40.0' },
      },
      'node_modules/@aws-sdk/client-sqs/node_modules/@smithy/core': { version: '3.42.0' },
      'node_modules/a/node_modules/semver': { version: '6.3.2' },
      'node_modules/semver': { version: '7.8.6' },
    },
  };

  it("collects the ranges the tree declares for a package, not the root's pin", () => {
    expect(declaredRanges(lock, '@smithy/core').sort()).toEqual(['^3.40.0', '^3.41.1']);
  });

  it('finds an AWS SDK package held twice, and ignores other packages held twice', () => {
    expect(duplicates(lock, isKeptSingle)).toEqual(new Map([['@smithy/core', ['3.42.0', '3.41.1']]]));
  });
});
