import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

/** Invokes a loaded bundle's handler with a Lambda context (30 s left unless `context` says). */
export type BundleInvoke<Event, Result> = (
  event: Event,
  context?: Partial<Context>,
) => Promise<Result>;

export interface BundleOptions {
  /** The bundle file (`packages/<fn>/dist/handler.mjs`): a path or a `file:` URL. */
  readonly bundle: string | URL;
  /** The function's name in the contexts it is invoked with. */
  readonly functionName: string;
  /** Settings in `process.env` while the bundle loads. */
  readonly env: Readonly<Record<string, string>>;
  /** Names the module instance (the import URL's `?instance=`); a fresh UUID unless given. */
  readonly instance?: string;
}

/** The bundle is not built, or exports no handler: the message says how to build it. */
export class BundleNotBuiltError extends Error {
  readonly code = 'bundle_not_built';
  constructor(message: string) {
    super(message);
    this.name = 'BundleNotBuiltError';
  }
}

/**
 * Imports a fresh copy of a Lambda bundle, the very file Terraform zips, with `env` applied to
 * `process.env` while it loads (restored afterwards): the bundle reads its settings once, at
 * import, as a Lambda container does at cold start.
 */
export async function loadLambdaBundle<Event = unknown, Result = unknown>(
  options: BundleOptions,
): Promise<BundleInvoke<Event, Result>> {
  const path = options.bundle instanceof URL ? fileURLToPath(options.bundle) : options.bundle;
  if (!existsSync(path)) {
    throw new BundleNotBuiltError(`${path} does not exist: run \`pnpm build\` first`);
  }
  const saved = { ...process.env };
  Object.assign(process.env, options.env);
  let module: { handler?: unknown };
  try {
    module = await import(
      `${pathToFileURL(path).href}?instance=${options.instance ?? randomUUID()}`
    );
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  if (typeof module.handler !== 'function') {
    throw new BundleNotBuiltError(`${path} does not export a handler function`);
  }
  const handler = module.handler as (event: Event, context: Context) => Promise<Result>;
  const { functionName } = options;
  return (event, context = {}) => handler(event, lambdaContext({ functionName, ...context }));
}
