import { type BundleInvoke, loadLambdaBundle } from '@game-chat/testing/lambda-bundle';
import type { IoTCustomAuthorizerEvent, IoTCustomAuthorizerResult } from 'aws-lambda';

export type Authorize = BundleInvoke<IoTCustomAuthorizerEvent, IoTCustomAuthorizerResult>;

/** A fresh copy of the bundled handler, its settings read at import as at a cold start. */
export function loadBundle(instance: string, env: Record<string, string>): Promise<Authorize> {
  return loadLambdaBundle({
    bundle: new URL('../../dist/handler.mjs', import.meta.url),
    functionName: 'authorizer',
    env,
    instance,
  });
}
