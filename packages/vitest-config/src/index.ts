import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** What a package's own config may set; everything else is the same for every package. */
export type ChatTestOptions = NonNullable<ViteUserConfig['test']>;

/** The fast-check set-up every test file runs first: seeds reported on failure, FC_SEED replays. */
export const fastCheckSetupFile = sibling('fast-check-setup');

/** Hang guards, not performance limits: CI machines are small and often busy. */
export const HANG_GUARDS = { testTimeout: 20_000, hookTimeout: 30_000 } as const;

/**
 * The vitest configuration of every package and app: tests are `tests/**\/*.test.ts`, workspace
 * packages resolve to their TypeScript source (the `source` export condition), Lambda bundles are
 * loaded by Node as shipped, and fast-check is configured once (see `fast-check-seed.ts`).
 * `test` adds the package's own needs: timeouts, global set-up, parallelism, coverage.
 */
export function defineChatVitestConfig(test: ChatTestOptions = {}): ViteUserConfig {
  return defineConfig({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      include: ['tests/**/*.test.ts'],
      ...test,
      setupFiles: [fastCheckSetupFile, ...toList(test.setupFiles)],
      // The Lambda bundles (`dist/handler.mjs`) are imported by Node as they are, as Lambda does:
      // they are the shipped artefacts, and transforming ~1 MB of minified code per import is slow.
      server: { deps: { external: [/\/dist\/handler\.mjs/] } },
    },
  });
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** A module next to this one: `.ts` when this runs from source (this package's own tests), else `.js`. */
function sibling(name: string): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./${name}${extname(here)}`, import.meta.url));
}
