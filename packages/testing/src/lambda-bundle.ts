import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

/**
 * A URL for a fresh copy of a bundled Lambda handler (`packages/<fn>/dist/handler.mjs`): a
 * distinct query makes each import a new module instance, as a new Lambda container.
 */
export function freshBundleUrl(bundlePath: string, instance: string = randomUUID()): string {
  return `${pathToFileURL(bundlePath).href}?instance=${instance}`;
}

/**
 * Runs `load` (the test's own `import(freshBundleUrl(...))`, so that the test runner loads the
 * bundle as it is configured to) with `env` set: the bundle reads its settings once, at import,
 * as a Lambda container does at cold start. The environment is restored afterwards.
 */
export async function withEnvironment<T>(
  env: Readonly<Record<string, string>>,
  load: () => Promise<T>,
): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await load();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
