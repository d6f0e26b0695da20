import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // Hang guards, not performance limits: CI machines are small and often busy.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    include: ['tests/**/*.test.ts'],
    server: { deps: { external: [/\/dist\/handler\.mjs/] } },
  },
});
