import type { GatewayResponse } from './result.js';

/** CORS answered by the gateway itself, as a CORS-configured HTTP API does. */

export interface CorsConfig {
  /** `['*']` or exact origins. */
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

function allowedOrigin(origin: string | undefined, cors: CorsConfig): string | undefined {
  if (origin === undefined) return undefined;
  if (cors.allowOrigins.includes('*')) return '*';
  return cors.allowOrigins.includes(origin) ? origin : undefined;
}

/** The preflight answer, or undefined when the request is not a CORS preflight. */
export function answerPreflight(
  method: string,
  headers: Readonly<Record<string, readonly string[]>>,
  cors: CorsConfig,
): GatewayResponse | undefined {
  const origin = headers.origin?.[0];
  if (method !== 'OPTIONS' || origin === undefined || !headers['access-control-request-method']) {
    return undefined;
  }
  const allowed = allowedOrigin(origin, cors);
  const corsHeaders: Record<string, string> = allowed
    ? {
        'access-control-allow-origin': allowed,
        'access-control-allow-methods': cors.allowMethods.join(','),
        'access-control-allow-headers': cors.allowHeaders.join(','),
        'access-control-max-age': String(cors.maxAgeSeconds),
        ...(allowed === '*' ? {} : { vary: 'origin' }),
      }
    : {};
  return { statusCode: 204, headers: corsHeaders, cookies: [], body: Buffer.alloc(0) };
}

/** The gateway's CORS headers replace any the integration set. */
export function applyCors(
  response: GatewayResponse,
  origin: string | undefined,
  cors: CorsConfig,
): GatewayResponse {
  const headers = Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => !name.startsWith('access-control-')),
  );
  const allowed = allowedOrigin(origin, cors);
  if (allowed) {
    headers['access-control-allow-origin'] = allowed;
    if (allowed !== '*') headers.vary = 'origin';
  }
  return { ...response, headers };
}
