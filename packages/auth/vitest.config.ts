import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    // Property tests run a few hundred cases; leave room for a busy 2-core machine.
    testTimeout: 20_000,
  },
});
