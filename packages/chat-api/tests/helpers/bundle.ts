import { fileURLToPath } from 'node:url';
import { freshBundleUrl, withEnvironment } from '@game-chat/testing/lambda-bundle';
import { lambdaContext } from '@game-chat/testing/lambda-context';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const bundlePath = fileURLToPath(new URL('../../dist/handler.mjs', import.meta.url));

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely in tests
  readonly json: any;
}

export type Invoke = (event: APIGatewayProxyEventV2) => Promise<ApiResponse>;

/**
 * Imports a fresh copy of the bundled handler with `env` applied while it loads: the bundle
 * reads its settings once, at import, as a Lambda container does at cold start.
 */
export async function loadBundle(instance: string, env: Record<string, string>): Promise<Invoke> {
  const { handler } = await withEnvironment<{
    handler: (event: unknown, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
  }>(env, () => import(freshBundleUrl(bundlePath, instance)));
  return async (event) => {
    const result = await handler(event, lambdaContext({ functionName: 'chat-api' }));
    const text = result.body ?? '';
    return {
      status: result.statusCode ?? 200,
      headers: (result.headers ?? {}) as Record<string, string>,
      text,
      json: text === '' ? undefined : JSON.parse(text),
    };
  };
}
