import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { BodyTooLargeError, readBody } from './http-body.js';
import type { AwsLocation } from './limits.js';
import type { Logger } from './logger.js';
import { closeServer, listen, urlHost } from './servers.js';

/**
 * An API Gateway HTTP API (payload format 2.0) in front of one Lambda integration
 * (aws-fidelity §7): routes from a route table, events built field by field as API Gateway
 * builds them, results mapped back to HTTP (including the rule for results without a
 * `statusCode`), and CORS answered by the gateway itself, as a CORS-configured API does.
 */

export interface RouteDefinition {
  /** `GET /channels/{channel}/messages`, `ANY /{proxy+}` or `$default`. */
  readonly routeKey: string;
}

export interface RouteMatch {
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>> | undefined;
}

interface CompiledRoute {
  readonly routeKey: string;
  readonly method: string;
  readonly segments: readonly string[];
  readonly greedy: boolean;
  readonly literals: number;
}

export interface Router {
  match(method: string, path: string): RouteMatch | undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchSegments(
  route: CompiledRoute,
  segments: readonly string[],
): Record<string, string> | undefined {
  if (
    route.greedy
      ? segments.length < route.segments.length
      : segments.length !== route.segments.length
  ) {
    return undefined;
  }
  const parameters: Record<string, string> = {};
  for (const [index, part] of route.segments.entries()) {
    const segment = segments[index] as string;
    if (!part.startsWith('{')) {
      if (part !== segment) return undefined;
      continue;
    }
    if (part.endsWith('+}')) {
      const rest = segments.slice(index).join('/');
      if (rest === '') return undefined;
      parameters[part.slice(1, -2)] = decodeSegment(rest);
      return parameters;
    }
    if (segment === '') return undefined;
    parameters[part.slice(1, -1)] = decodeSegment(segment);
  }
  return parameters;
}

/**
 * Compiles a route table with API Gateway's precedence: a route of literal segments beats one
 * with parameters, parameters beat a greedy `{proxy+}`, a method beats `ANY`, and `$default`
 * catches the rest.
 */
export function compileRoutes(routes: readonly RouteDefinition[]): Router {
  const compiled: CompiledRoute[] = [];
  let hasDefault = false;
  for (const { routeKey } of routes) {
    if (routeKey === '$default') {
      hasDefault = true;
      continue;
    }
    const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
    if (!match) throw new TypeError(`route key "${routeKey}" is not "METHOD /path" or "$default"`);
    const segments = (match[2] as string).split('/').slice(1);
    const greedy = segments.at(-1)?.endsWith('+}') ?? false;
    const literals = segments.filter((segment) => !segment.startsWith('{')).length;
    compiled.push({ routeKey, method: match[1] as string, segments, greedy, literals });
  }
  compiled.sort(
    (a, b) =>
      Number(a.greedy) - Number(b.greedy) ||
      b.literals - a.literals ||
      Number(a.method === 'ANY') - Number(b.method === 'ANY'),
  );
  return {
    match(method, path) {
      const segments = path.split('/').slice(1);
      for (const route of compiled) {
        if (route.method !== method && route.method !== 'ANY') continue;
        const parameters = matchSegments(route, segments);
        if (!parameters) continue;
        const named = Object.keys(parameters).length > 0;
        return { routeKey: route.routeKey, pathParameters: named ? parameters : undefined };
      }
      return hasDefault ? { routeKey: '$default', pathParameters: undefined } : undefined;
    },
  };
}

/** What the gateway knows about one HTTP request. */
export interface GatewayRequest {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/channels/Town137/messages?limit=5`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
}

export interface EventContext {
  readonly location: AwsLocation;
  readonly apiId: string;
  readonly requestId: string;
  readonly now: Date;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|application\/[\w.+-]+\+(json|xml))/i;

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const pad = (value: number) => String(value).padStart(2, '0');

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
export function formatRequestTime(date: Date): string {
  const day = pad(date.getUTCDate());
  const month = MONTHS[date.getUTCMonth()];
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}/${month}/${date.getUTCFullYear()}:${time} +0000`;
}

/** Name-value pairs with duplicates joined by commas, as payload 2.0 joins them. */
function joinDuplicates(
  pairs: Iterable<readonly [string, string]>,
): Record<string, string> | undefined {
  const joined: Record<string, string> = {};
  let any = false;
  for (const [name, value] of pairs) {
    joined[name] = Object.hasOwn(joined, name) ? `${joined[name]},${value}` : value;
    any = true;
  }
  return any ? joined : undefined;
}

/** Builds the payload 2.0 event for a request that matched `route` on the `$default` stage. */
export function buildHttpApiEvent(
  request: GatewayRequest,
  route: RouteMatch,
  context: EventContext,
): APIGatewayProxyEventV2 {
  const mark = request.url.indexOf('?');
  const rawPath = mark === -1 ? request.url : request.url.slice(0, mark);
  const rawQueryString = mark === -1 ? '' : request.url.slice(mark + 1);
  const header = (name: string) => request.headers[name]?.join(',');
  const cookies = (request.headers.cookie ?? [])
    .flatMap((line) => line.split(';'))
    .map((cookie) => cookie.trim())
    .filter((cookie) => cookie !== '');
  const headerPairs = Object.entries(request.headers)
    .filter(([name]) => name !== 'cookie')
    .flatMap(([name, values]) => values.map((value) => [name, value] as const));
  const host = header('host') ?? '';
  const domainName = host.replace(/:\d+$/, '');
  const traceId = `Root=1-${Math.floor(context.now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const headers = joinDuplicates([
    ...headerPairs,
    ['x-forwarded-for', request.sourceIp],
    ['x-forwarded-proto', 'http'],
    ['x-amzn-trace-id', traceId],
  ]) as Record<string, string>;
  const queryStringParameters = joinDuplicates(new URLSearchParams(rawQueryString));
  const textual = TEXT_TYPES.test(header('content-type') ?? '');
  const hasBody = request.body.length > 0;
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: context.location.accountId,
      apiId: context.apiId,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: header('user-agent') ?? '',
      },
      requestId: context.requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: formatRequestTime(context.now),
      timeEpoch: context.now.getTime(),
    },
    ...(hasBody ? { body: request.body.toString(textual ? 'utf8' : 'base64') } : {}),
    ...(route.pathParameters ? { pathParameters: { ...route.pathParameters } } : {}),
    isBase64Encoded: hasBody && !textual,
  };
}

export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

const json = (statusCode: number, body: unknown): GatewayResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify(body)),
});

export const NOT_FOUND = json(404, { message: 'Not Found' });
export const INTERNAL_SERVER_ERROR = json(500, { message: 'Internal Server Error' });
const TOO_LARGE = json(413, { message: 'Request Entity Too Large' });

/** The integration returned something API Gateway cannot turn into a response. */
export class MalformedResultError extends Error {
  readonly code = 'malformed_lambda_result';
  constructor(message: string) {
    super(message);
    this.name = 'MalformedResultError';
  }
}

/**
 * Maps a payload 2.0 result to HTTP. A result with `statusCode` is taken field by field; any
 * other valid JSON (an object, a string, a number) means 200 with that JSON as the body.
 */
export function mapLambdaResult(result: unknown): GatewayResponse {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    return json(200, result);
  }
  const {
    statusCode,
    headers = {},
    cookies = [],
    body = '',
    isBase64Encoded = false,
  } = result as Record<string, unknown>;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new MalformedResultError('statusCode must be a whole number 100-599');
  }
  if (typeof body !== 'string') throw new MalformedResultError('body must be a string');
  if (typeof headers !== 'object' || headers === null) {
    throw new MalformedResultError('headers must be an object');
  }
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) {
    throw new MalformedResultError('cookies must be a list of strings');
  }
  const plainHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new MalformedResultError(`header ${name} must be a string, number or boolean`);
    }
    plainHeaders[name.toLowerCase()] = String(value);
  }
  return {
    statusCode,
    headers: plainHeaders,
    cookies,
    body: Buffer.from(body, isBase64Encoded === true ? 'base64' : 'utf8'),
  };
}

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

/** An endpoint the local stack serves next to the API's routes (`POST /dev/tokens`). */
export type LocalEndpoint = (
  body: Buffer,
) => Promise<{ readonly statusCode: number; readonly body: unknown }>;

export interface HttpApiOptions {
  readonly host: string;
  readonly port: number;
  readonly routes: readonly RouteDefinition[];
  /** Invokes the integration Lambda with an event and resolves to its result. */
  readonly invoke: (event: APIGatewayProxyEventV2) => Promise<unknown>;
  readonly cors: CorsConfig;
  /** Keyed by `METHOD /path`. */
  readonly localEndpoints?: Readonly<Record<string, LocalEndpoint>>;
  readonly location: AwsLocation;
  readonly log: Logger;
}

export interface HttpApi {
  readonly url: string;
  close(): Promise<void>;
}

/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** API Gateway request ids look like `JKJaXmPLvHcESHA=`. */
const newRequestId = () => `${randomBytes(10).toString('base64').slice(0, 14)}=`;

export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const { cors, log } = options;
  const router = compileRoutes(options.routes);

  async function respond(request: IncomingMessage, requestId: string): Promise<GatewayResponse> {
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const headers = request.headersDistinct as Record<string, string[]>;
    let body: Buffer;
    try {
      body = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return TOO_LARGE;
      throw error;
    }
    const path = url.split('?')[0] as string;
    const local = options.localEndpoints?.[`${method} ${path}`];
    if (local) {
      const result = await local(body);
      return json(result.statusCode, result.body);
    }
    const route = router.match(method, path);
    if (!route) return NOT_FOUND;
    const event = buildHttpApiEvent(
      {
        method,
        url,
        headers,
        body,
        sourceIp: (request.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        protocol: `HTTP/${request.httpVersion}`,
      },
      route,
      { location: options.location, apiId: 'local', requestId, now: new Date() },
    );
    try {
      return mapLambdaResult(await options.invoke(event));
    } catch (error) {
      log.error('integration failed', { routeKey: route.routeKey, requestId, error });
      return INTERNAL_SERVER_ERROR;
    }
  }

  async function respondOrFail(
    request: IncomingMessage,
    requestId: string,
  ): Promise<GatewayResponse> {
    try {
      return await respond(request, requestId);
    } catch (error) {
      log.error('request failed', { requestId, error });
      return INTERNAL_SERVER_ERROR;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = newRequestId();
    const headers = request.headersDistinct as Record<string, string[]>;
    const preflight = answerPreflight(request.method ?? 'GET', headers, cors);
    if (preflight) request.resume();
    const final =
      preflight ?? applyCors(await respondOrFail(request, requestId), headers.origin?.[0], cors);
    response.writeHead(final.statusCode, {
      ...final.headers,
      'apigw-requestid': requestId,
      ...(final.cookies.length > 0 ? { 'set-cookie': [...final.cookies] } : {}),
      // An oversized upload is not read to its end: close the connection instead.
      ...(final.statusCode === 413 ? { connection: 'close' } : {}),
    });
    response.end(final.body);
    log.info('http', {
      method: request.method,
      path: request.url?.split('?')[0],
      status: final.statusCode,
      ms: Date.now() - started,
    });
  }

  const server = createServer((request, response) => void handle(request, response));
  const port = await listen(server, options.port, options.host);
  return {
    url: `http://${urlHost(options.host)}:${port}`,
    close: () => closeServer(server),
  };
}
