/** @type {import('jest').Config} */
module.exports = {
  // Node's, and it fails a file that leaves a Temporal worker running (test/support/running-workers.ts).
  testEnvironment: '<rootDir>/test/support/node-environment.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/track-workers.ts'],
  preset: 'ts-jest',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Every file talks to the same PostgreSQL, Redis and Temporal: one at a time keeps 2 cores honest.
  maxWorkers: 1,
  testTimeout: 60_000,
  verbose: true,
};
