/**
 * Jest runs the TypeScript sources through SWC (type checking is `tsc --noEmit`, run by `npm test`).
 * @middy/core is ESM-only, so it is transformed to CommonJS along with our code.
 * @type {import('jest').Config}
 */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The conformance tests need moto, the AWS CLI and cfn-lint: `npm run test:conformance`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/conformance/'],
  transform: {
    '^.+\\.(t|j|mj)s$': swc,
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  moduleNameMapper: {
    '^#shared/(.*)$': '<rootDir>/shared/$1/index.ts',
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-matchers.ts'],
  testTimeout: 20000,
  // A worker per core rather than jest's default of one fewer, which is a single worker on 2 cores: the
  // slowest files (the two fault runs, the local stack, the started CLIs) spend most of their time
  // waiting on timers and sockets, so a second worker beside them cuts the wall time of jest there by a
  // third or more (the conformance tests, which use this config too, likewise).
  maxWorkers: '100%',
  reporters: ['default', '<rootDir>/test/plain-summary-reporter.js'],
};
