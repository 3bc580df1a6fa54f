/**
 * Jest runs the TypeScript sources through ts-jest. jose is ESM-only: on the project's Node (24, see
 * package.json) Jest loads it as it is, through require() of ES modules, so nothing in node_modules
 * is transformed.
 * globalSetup asks PostgreSQL once per run whether it is there (see README, Development).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  globalSetup: '<rootDir>/test/globalSetup.ts',
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  // fhir-kit-client publishes only an `import` entry point, which Jest's require-based resolver
  // does not look at: pointed at the file itself, loaded as jose is.
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
  testTimeout: 30000,
  // Two worker processes, each replaced once it has grown past the limit: on a 2-core machine Jest
  // would otherwise run every suite in its own process, where the embedded stores of a hundred
  // suites (each a WebAssembly PostgreSQL) accumulate until the process falls over.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
};
