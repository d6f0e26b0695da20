import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    // Property tests run a few hundred cases; leave room for a busy 2-core machine.
    testTimeout: 20_000,
    globalSetup: ['tests/global-setup.ts'],
    // Node itself loads the bundle, as Lambda does, instead of vitest's transform pipeline.
    server: { deps: { external: [/\/dist\/handler\.mjs/] } },
  },
});
