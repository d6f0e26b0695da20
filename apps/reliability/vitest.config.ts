import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    // Each file starts a whole local stack (and some thousands of sockets): one file at a time
    // keeps a 2-core CI machine from timing out its own tests.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The Lambda bundles are imported by Node as they are, the shipped artefacts.
    server: { deps: { external: [/\/dist\/handler\.mjs/] } },
  },
});
