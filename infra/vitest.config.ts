import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    // The HCL parser is WASM; its first calls are slow on a busy machine.
    testTimeout: 30_000,
  },
});
