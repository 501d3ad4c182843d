/**
 * `npm run test:conformance`: the bridge and its local stand-ins against implementations written by
 * others (moto's server, the AWS CLI, cfn-lint). They are Python programs that `npm ci` does not
 * install, which is why these tests are kept out of `npm test`. The global setup fails the run, naming
 * the pip command, when one is missing; a run never passes without them.
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/conformance/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/conformance/global-setup.ts',
  testTimeout: 60_000,
};
