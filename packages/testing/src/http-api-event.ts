import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** API Gateway HTTP API requests (payload format 2.0) as the Lambda receives them. */

export interface RequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Raw query string without `?`, as the client sent it. */
  readonly query?: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/** Query parameters as payload 2.0 gives them: decoded, duplicates joined with commas. */
function queryParameters(query: string): Record<string, string> | undefined {
  if (query === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  }
  return parameters;
}

/** Header names lower-cased, duplicates joined with commas, as API Gateway does. */
function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    result[key] = result[key] === undefined ? value : `${result[key]},${value}`;
  }
  return result;
}

function baseEvent(
  method: string,
  rawPath: string,
  routeKey: string,
  pathParameters: Record<string, string> | undefined,
  options: RequestOptions,
): APIGatewayProxyEventV2 {
  // On the `$default` stage `rawPath` carries no stage prefix (aws-fidelity.md §7).
  const now = new Date();
  const query = options.query ?? '';
  const headers = lowerCased({
    host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'user-agent': 'vitest',
    ...options.headers,
  });
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: query,
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
  const parameters = queryParameters(query);
  if (parameters) event.queryStringParameters = parameters;
  if (pathParameters) event.pathParameters = pathParameters;
  if (options.body !== undefined) event.body = options.body;
  return event;
}

/**
 * An event for a request that API Gateway matched to `routeKey`: the path is the template with
 * the parameters filled in (URL-encoded), and `pathParameters` holds them.
 */
export function routedEvent(
  routeKey: string,
  pathParameters: Record<string, string>,
  options: RequestOptions = {},
): APIGatewayProxyEventV2 {
  const [method = '', template = ''] = routeKey.split(' ');
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(pathParameters[name] ?? ''),
  );
  return baseEvent(method, path, routeKey, pathParameters, options);
}
