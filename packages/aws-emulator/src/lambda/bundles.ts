import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { EmulatorError } from '../errors.js';
import type { LambdaHandler } from './invoke.js';

/**
 * Loads the Lambda bundles, the very files Terraform zips (`packages/<fn>/dist/handler.mjs`).
 * They read their settings from `process.env` at import time, like a Lambda cold start, so the
 * environment is set first. Each load imports a fresh module instance (a distinct URL), so two
 * stacks in one process never share a bundle configured for the other. Its chunks (library code
 * shared with dynamic imports, scripts/bundle-lambda.mjs) load once per process: they read no
 * settings when they load.
 */

export const FUNCTIONS = {
  messageFilter: '@game-chat/message-filter',
  chatApi: '@game-chat/chat-api',
  authorizer: '@game-chat/authorizer',
  presence: '@game-chat/presence',
} as const;

export type FunctionKey = keyof typeof FUNCTIONS;
export type Bundles = Readonly<Record<FunctionKey, LambdaHandler>>;

/** A bundle is missing or does not export a handler: the message says how to build it. */
export class BundleError extends EmulatorError<'bundle_unavailable'> {
  constructor(message: string) {
    super('bundle_unavailable', message);
  }
}

const require = createRequire(import.meta.url);
let instances = 0;
let loading: Promise<unknown> = Promise.resolve();

function bundlePath(packageName: string): string {
  let path: string | undefined;
  try {
    path = require.resolve(`${packageName}/bundle`);
  } catch {
    path = undefined;
  }
  if (path === undefined || !existsSync(path)) {
    throw new BundleError(
      `${packageName} is not built: run \`pnpm --filter ${packageName} build\` (or \`pnpm build\`)`,
    );
  }
  return path;
}

async function importHandler(packageName: string, instance: number): Promise<LambdaHandler> {
  const url = `${pathToFileURL(bundlePath(packageName)).href}?instance=${instance}`;
  const module = (await import(url)) as { handler?: unknown };
  if (typeof module.handler !== 'function') {
    throw new BundleError(`${packageName}'s bundle does not export a handler function`);
  }
  return module.handler as LambdaHandler;
}

/**
 * Sets `environment` on `process.env` and imports every bundle. Loads are serialised, so the
 * environment of one stack is in place while its bundles initialise.
 */
export function loadBundles(environment: Readonly<Record<string, string>>): Promise<Bundles> {
  const load = loading.then(async () => {
    Object.assign(process.env, environment);
    const instance = ++instances;
    const entries = await Promise.all(
      (Object.entries(FUNCTIONS) as [FunctionKey, string][]).map(
        async ([key, packageName]) => [key, await importHandler(packageName, instance)] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<FunctionKey, LambdaHandler>;
  });
  loading = load.catch(() => undefined);
  return load;
}
