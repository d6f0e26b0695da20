import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AwsLocation } from '../aws-location.js';
import { BodyTooLargeError, readBody } from '../http-body.js';
import type { Logger } from '../logger.js';
import { closeServer, listen, urlHost } from '../servers.js';
import { answerPreflight, applyCors, type CorsConfig } from './cors.js';
import { buildHttpApiEvent } from './event.js';
import {
  type GatewayResponse,
  INTERNAL_SERVER_ERROR,
  json,
  mapLambdaResult,
  NOT_FOUND,
  TOO_LARGE,
} from './result.js';
import { compileRoutes, type RouteDefinition } from './router.js';

/**
 * An API Gateway HTTP API (payload format 2.0) in front of one Lambda integration
 * (aws-fidelity §7): routes from a route table, events built field by field as API Gateway
 * builds them, results mapped back to HTTP (including the rule for results without a
 * `statusCode`), and CORS answered by the gateway itself, as a CORS-configured API does.
 */

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
