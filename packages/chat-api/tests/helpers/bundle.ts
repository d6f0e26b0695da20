import { loadLambdaBundle } from '@game-chat/testing/lambda-bundle';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected freely in tests
  readonly json: any;
}

export type Invoke = (event: APIGatewayProxyEventV2) => Promise<ApiResponse>;

/** A fresh copy of the bundled handler (settings read at import), answering as HTTP responses. */
export async function loadBundle(instance: string, env: Record<string, string>): Promise<Invoke> {
  const handler = await loadLambdaBundle<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
    {
      bundle: new URL('../../dist/handler.mjs', import.meta.url),
      functionName: 'chat-api',
      env,
      instance,
    },
  );
  return async (event) => {
    const result = await handler(event);
    const text = result.body ?? '';
    return {
      status: result.statusCode ?? 200,
      headers: (result.headers ?? {}) as Record<string, string>,
      text,
      json: text === '' ? undefined : JSON.parse(text),
    };
  };
}
