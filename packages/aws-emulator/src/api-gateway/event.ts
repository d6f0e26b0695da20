import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AwsLocation } from '../aws-location.js';
import type { RouteMatch } from './router.js';

/** The payload 2.0 event, built field by field as API Gateway builds it (aws-fidelity §7). */

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
