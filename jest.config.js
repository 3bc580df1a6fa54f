/**
 * Jest runs the TypeScript sources through ts-jest. jose is ESM-only, so it is transformed too.
 * globalSetup asks PostgreSQL once per run whether it is there (see README, Development).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  globalSetup: '<rootDir>/test/globalSetup.ts',
  transform: { '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testTimeout: 30000,
};
