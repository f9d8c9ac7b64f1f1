/** Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The pseudo-terminal tests need tmux and take a minute: `npm run test:tty`, run by .ci/run.
  testPathIgnorePatterns: ['/node_modules/', '\\.tty\\.test\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 60000,
  // The suites are CPU-bound and independent (each end-to-end file has its own local cloud).
  maxWorkers: 2,
};
