import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run test:reliability`: storms, malformed input, faults and races against real servers on a
 * real PostgreSQL. One file at a time (some restart the database or kill processes), long timeouts.
 */
export default defineConfig({
  root,
  resolve: {
    // graphql ships CJS and ESM copies; loading both breaks instanceof checks across the schema.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
  },
});
