import { createRequire } from 'node:module';
import { loadLambdaBundle } from '@game-chat/testing/lambda-bundle';

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
  const invoke = await loadLambdaBundle({
    bundle: require.resolve(`${packageName}/bundle`),
    functionName: packageName.slice('@game-chat/'.length),
    env,
  });
  return (event) => invoke(event);
}
