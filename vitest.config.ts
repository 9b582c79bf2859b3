import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Docker and miniflare suites start real processes; give them room without hiding hangs.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
