import { fileURLToPath, pathToFileURL } from 'node:url';
import { lambdaContext } from '@game-chat/testing/lambda-context';
import type { Context, IoTCustomAuthorizerEvent, IoTCustomAuthorizerResult } from 'aws-lambda';

const bundlePath = fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url));

export type Authorize = (
  event: IoTCustomAuthorizerEvent,
  context?: Partial<Context>,
) => Promise<IoTCustomAuthorizerResult>;

/**
 * Imports a fresh copy of the bundled handler with `env` applied while it loads: the bundle
 * reads its settings once, at import, as a Lambda container does at cold start.
 */
export async function loadBundle(
  instance: string,
  env: Record<string, string>,
): Promise<Authorize> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let module: { handler: (event: unknown, context: Context) => Promise<IoTCustomAuthorizerResult> };
  try {
    module = await import(`${pathToFileURL(bundlePath).href}?instance=${instance}`);
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return (event, context = {}) =>
    module.handler(event, lambdaContext({ functionName: 'authorizer', ...context }));
}
