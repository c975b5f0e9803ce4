import { defineConfig } from 'vitest/config';

// `npm run test:pg`: the store, engine, server and connector suites against PostgreSQL (TEST_DATABASE_URL).
export default defineConfig({
  test: {
    include: [
      'test/store/**/*.test.ts', 'test/engine/**/*.test.ts', 'test/server/**/*.test.ts', 'test/connectors/**/*.test.ts', 'test/pg/**/*.test.ts',
      // The security tests that go through the database (the CLI repair test uses its own PGlite data dir).
      'test/security/{bad-input,big-ids,fuzz,id-case,poison-webhooks,repair-ids}.test.ts',
    ],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
