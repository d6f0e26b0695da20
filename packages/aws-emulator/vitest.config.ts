import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // Hang guards, not performance limits: CI machines are small and often busy.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    include: ['tests/**/*.test.ts'],
    // The Lambda bundles are imported by Node as they are, not transformed by Vite: they are
    // the shipped artefacts, and transforming ~1 MB of minified code per import is slow.
    server: { deps: { external: [/\/dist\/handler\.mjs/] } },
  },
});
