import { defineConfig } from 'vitest/config';

// `npm test`: everything on PGlite, no services needed.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // test/pg needs several processes sharing one database server: it runs in npm run test:pg only.
    exclude: ['test/pg/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
