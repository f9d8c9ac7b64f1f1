/** Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Slow or needing a system tool, each run by .ci/run as its own step: the README walkthrough drives the AWS
  // CLI for a minute or two (`npm run test:walkthrough`); the pseudo-terminal tests need tmux (`npm run test:tty`).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/docs/', '\\.tty\\.test\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 60000,
  // The suites are CPU-bound and independent (each end-to-end file has its own local cloud).
  maxWorkers: 2,
};
