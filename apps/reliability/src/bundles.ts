import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { lambdaContext } from '@game-chat/testing/lambda-context';

/**
 * Loads a Lambda bundle (`packages/<fn>/dist/handler.mjs`, the file Terraform deploys) as a fresh
 * container: its settings are in `process.env` while it loads, as at a Lambda cold start.
 */

export type BundledFunction =
  | '@game-chat/message-filter'
  | '@game-chat/chat-api'
  | '@game-chat/authorizer';

export type Invoke = (event: unknown) => Promise<unknown>;

const require = createRequire(import.meta.url);

export async function loadBundle(
  packageName: BundledFunction,
  env: Readonly<Record<string, string>>,
): Promise<Invoke> {
  const path = require.resolve(`${packageName}/bundle`);
  if (!existsSync(path)) {
    throw new Error(
      `${packageName} is not built: run \`pnpm build\` (or \`pnpm --filter ${packageName} build\`)`,
    );
  }
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let handler: (event: unknown, context: unknown) => Promise<unknown>;
  try {
    const module = (await import(`${pathToFileURL(path).href}?instance=${randomUUID()}`)) as {
      handler: typeof handler;
    };
    handler = module.handler;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  const functionName = packageName.slice('@game-chat/'.length);
  return (event) => handler(event, lambdaContext({ functionName }));
}
