/**
 * `npm run test:browser`: pages opened in headless Chromium (Debian's chromium package,
 * installed by scripts/ensure-chromium.sh). Kept out of `npm test`: it needs that system
 * package, and a browser start is slow on a busy machine.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.spec.ts'],
  testTimeout: 180000,
  maxWorkers: 1,
};
