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
    '^#shared/(.*)$': '<rootDir>/shared/$1',
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-matchers.ts'],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/plain-summary-reporter.js'],
};
