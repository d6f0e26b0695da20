import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    // Upper bounds for a busy CI machine (several local stacks and a browser on 2 cores);
    // tests wait on events, so a quiet machine finishes far sooner.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The local stack imports the Lambda bundles; Node should load them as shipped rather
    // than Vite transforming ~1 MB of minified code per import.
    server: { deps: { external: [/\/dist\/handler\.mjs/] } },
  },
});
