import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    globalSetup: ['tests/global-setup.ts'],
    // Node itself loads the bundle, as Lambda does, instead of vitest's transform pipeline.
    server: { deps: { external: [/\/dist\/handler\.mjs/] } },
  },
});
