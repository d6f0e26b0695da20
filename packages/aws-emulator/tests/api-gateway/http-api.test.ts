import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerPreflight, applyCors, type CorsConfig } from '../../src/api-gateway/cors.js';
import { buildHttpApiEvent, formatRequestTime } from '../../src/api-gateway/event.js';
import { MalformedResultError, mapLambdaResult } from '../../src/api-gateway/result.js';
import { compileRoutes } from '../../src/api-gateway/router.js';
import { type HttpApi, startHttpApi } from '../../src/api-gateway/server.js';
import { LOCAL_AWS } from '../../src/aws-location.js';
import { createLogger } from '../../src/logger.js';

const cors: CorsConfig = {
  allowOrigins: ['*'],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['authorization', 'content-type'],
  maxAgeSeconds: 600,
};

describe('routing', () => {
  const router = compileRoutes([
    { routeKey: 'GET /channels/{channel}/messages' },
    { routeKey: 'GET /channels/lobby/messages' },
    { routeKey: 'DELETE /channels/{channel}/messages/{id}' },
    { routeKey: 'ANY /channels/{channel}' },
    { routeKey: 'GET /channels/{channel}' },
    { routeKey: 'GET /files/{proxy+}' },
    { routeKey: '$default' },
  ]);

  it.each<[string, string, string, Record<string, string> | undefined]>([
    [
      'GET',
      '/channels/Town137/messages',
      'GET /channels/{channel}/messages',
      { channel: 'Town137' },
    ],
    ['GET', '/channels/lobby/messages', 'GET /channels/lobby/messages', undefined],
    [
      'DELETE',
      '/channels/a/messages/1-2',
      'DELETE /channels/{channel}/messages/{id}',
      { channel: 'a', id: '1-2' },
    ],
    ['GET', '/channels/a', 'GET /channels/{channel}', { channel: 'a' }],
    ['PUT', '/channels/a', 'ANY /channels/{channel}', { channel: 'a' }],
    ['GET', '/files/a/b/c', 'GET /files/{proxy+}', { proxy: 'a/b/c' }],
    [
      'GET',
      '/channels/Town%20137/messages',
      'GET /channels/{channel}/messages',
      { channel: 'Town 137' },
    ],
    ['GET', '/channels/%E0%A4/messages', 'GET /channels/{channel}/messages', { channel: '%E0%A4' }],
    ['GET', '/channels//messages', '$default', undefined],
    ['POST', '/channels/a/messages', '$default', undefined],
    ['GET', '/files/', '$default', undefined],
  ])('%s %s → %s', (method, path, routeKey, pathParameters) => {
    expect(router.match(method, path)).toEqual({ routeKey, pathParameters });
  });

  it('finds nothing without $default', () => {
    expect(compileRoutes([{ routeKey: 'GET /a' }]).match('GET', '/b')).toBeUndefined();
  });

  it('refuses a malformed route key', () => {
    expect(() => compileRoutes([{ routeKey: 'GET channels' }])).toThrow(/METHOD \/path/);
  });
});

describe('buildHttpApiEvent', () => {
  const now = new Date(Date.UTC(2020, 2, 12, 19, 3, 58, 123));

  it('builds every payload 2.0 field as API Gateway does', () => {
    const event = buildHttpApiEvent(
      {
        method: 'PUT',
        url: '/players/al%20ice/mute?a=1&b=x%2By&a=2&empty=',
        headers: {
          host: ['localhost:21880'],
          'user-agent': ['test/1.0'],
          'content-type': ['application/json'],
          'x-multi': ['one', 'two'],
          cookie: ['s=1; t=2', 'u=3'],
        },
        body: Buffer.from('{"seconds":60}'),
        sourceIp: '127.0.0.1',
        protocol: 'HTTP/1.1',
      },
      { routeKey: 'PUT /players/{playerId}/mute', pathParameters: { playerId: 'al ice' } },
      { location: LOCAL_AWS, apiId: 'local', requestId: 'abc=', now },
    );
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'PUT /players/{playerId}/mute',
      rawPath: '/players/al%20ice/mute',
      rawQueryString: 'a=1&b=x%2By&a=2&empty=',
      cookies: ['s=1', 't=2', 'u=3'],
      headers: {
        host: 'localhost:21880',
        'user-agent': 'test/1.0',
        'content-type': 'application/json',
        'x-multi': 'one,two',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-amzn-trace-id': expect.stringMatching(
          new RegExp(`^Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-[0-9a-f]{24}$`),
        ),
      },
      queryStringParameters: { a: '1,2', b: 'x+y', empty: '' },
      requestContext: {
        accountId: LOCAL_AWS.accountId,
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: {
          method: 'PUT',
          path: '/players/al%20ice/mute',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'test/1.0',
        },
        requestId: 'abc=',
        routeKey: 'PUT /players/{playerId}/mute',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: now.getTime(),
      },
      body: '{"seconds":60}',
      pathParameters: { playerId: 'al ice' },
      isBase64Encoded: false,
    });
  });

  it('leaves out empty parts and base64-encodes a binary body', () => {
    const base = { url: '/x', headers: {}, sourceIp: '::1', protocol: 'HTTP/1.1' };
    const context = { location: LOCAL_AWS, apiId: 'local', requestId: 'r', now };
    const empty = buildHttpApiEvent(
      { ...base, method: 'GET', body: Buffer.alloc(0) },
      { routeKey: '$default', pathParameters: undefined },
      context,
    );
    for (const absent of [
      'cookies',
      'queryStringParameters',
      'body',
      'pathParameters',
      'stageVariables',
    ]) {
      expect(empty).not.toHaveProperty(absent);
    }
    expect(empty.isBase64Encoded).toBe(false);
    const binary = buildHttpApiEvent(
      {
        ...base,
        method: 'POST',
        body: Buffer.from([0, 255]),
        headers: { 'content-type': ['application/octet-stream'] },
      },
      { routeKey: '$default', pathParameters: undefined },
      context,
    );
    expect(binary).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
  });

  it('formats requestContext.time with two-digit days', () => {
    expect(formatRequestTime(new Date(Date.UTC(2026, 0, 5, 1, 2, 3)))).toBe(
      '05/Jan/2026:01:02:03 +0000',
    );
  });
});

describe('mapLambdaResult', () => {
  it('takes a structured result field by field', () => {
    const response = mapLambdaResult({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'X-Count': 3 },
      cookies: ['a=1; Path=/'],
      body: Buffer.from('héllo').toString('base64'),
      isBase64Encoded: true,
    });
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-count': '3' },
      cookies: ['a=1; Path=/'],
      body: Buffer.from('héllo'),
    });
  });

  it.each([
    [{ messages: [] }, '{"messages":[]}'],
    ['plain text', '"plain text"'],
    [42, '42'],
    [null, 'null'],
  ])('infers 200 JSON for a result without statusCode: %j', (result, body) => {
    expect(mapLambdaResult(result)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body),
    });
  });

  it.each([
    [{ statusCode: '200' }],
    [{ statusCode: 99 }],
    [{ statusCode: 200, body: { not: 'a string' } }],
    [{ statusCode: 200, headers: { x: { nested: true } } }],
    [{ statusCode: 200, cookies: 'a=1' }],
  ])('refuses a malformed result %j', (result) => {
    expect(() => mapLambdaResult(result)).toThrow(MalformedResultError);
  });
});

describe('CORS', () => {
  const preflightHeaders = {
    origin: ['http://game.example'],
    'access-control-request-method': ['GET'],
  };

  it('answers a preflight itself', () => {
    expect(answerPreflight('OPTIONS', preflightHeaders, cors)).toEqual({
      statusCode: 204,
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET,POST',
        'access-control-allow-headers': 'authorization,content-type',
        'access-control-max-age': '600',
      },
      cookies: [],
      body: Buffer.alloc(0),
    });
  });

  it('is not a preflight without an origin or a requested method', () => {
    expect(answerPreflight('OPTIONS', { origin: ['http://x'] }, cors)).toBeUndefined();
    expect(answerPreflight('GET', preflightHeaders, cors)).toBeUndefined();
  });

  it('names only an allowed origin', () => {
    const exact = { ...cors, allowOrigins: ['http://game.example'] };
    expect(answerPreflight('OPTIONS', preflightHeaders, exact)?.headers).toMatchObject({
      'access-control-allow-origin': 'http://game.example',
      vary: 'origin',
    });
    const other = { ...preflightHeaders, origin: ['http://evil.example'] };
    expect(answerPreflight('OPTIONS', other, exact)?.headers).toEqual({});
  });

  it('replaces the CORS headers the integration set', () => {
    const response = mapLambdaResult({
      statusCode: 200,
      headers: { 'Access-Control-Allow-Origin': 'http://wrong', 'x-kept': '1' },
      body: '',
    });
    expect(applyCors(response, 'http://game.example', cors).headers).toEqual({
      'x-kept': '1',
      'access-control-allow-origin': '*',
    });
    expect(applyCors(response, undefined, cors).headers).toEqual({ 'x-kept': '1' });
  });
});

describe('the HTTP API server', () => {
  let api: HttpApi;
  const events: APIGatewayProxyEventV2[] = [];
  beforeAll(async () => {
    api = await startHttpApi({
      host: '127.0.0.1',
      port: 0,
      routes: [{ routeKey: 'GET /echo/{name}' }, { routeKey: 'POST /fail' }],
      invoke: async (event) => {
        events.push(event);
        if (event.routeKey === 'POST /fail') throw new Error('boom');
        return { statusCode: 200, headers: { 'x-name': event.pathParameters?.name }, body: 'ok' };
      },
      cors,
      localEndpoints: {
        'POST /local': async (body) => ({ statusCode: 202, body: { size: body.length } }),
      },
      location: LOCAL_AWS,
      log: createLogger({ mode: 'silent' }),
    });
  });
  afterAll(() => api.close());

  it('invokes the integration with the built event and maps the result', async () => {
    const response = await fetch(`${api.url}/echo/b%C3%A9?q=1`, { headers: { 'X-Test': 'yes' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-name')).toBe('bé');
    expect(response.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9+/]{14}=$/);
    expect(await response.text()).toBe('ok');
    expect(events.at(-1)).toMatchObject({
      routeKey: 'GET /echo/{name}',
      rawPath: '/echo/b%C3%A9',
      rawQueryString: 'q=1',
      headers: { 'x-test': 'yes' },
      requestContext: { http: { method: 'GET', sourceIp: '127.0.0.1' } },
    });
  });

  it('answers 500 without details when the integration fails', async () => {
    const response = await fetch(`${api.url}/fail`, { method: 'POST' });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('answers 404 Not Found for no route, without invoking anything', async () => {
    const before = events.length;
    const response = await fetch(`${api.url}/echo`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(events).toHaveLength(before);
  });

  it('serves its local endpoints', async () => {
    const response = await fetch(`${api.url}/local`, { method: 'POST', body: 'abc' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ size: 3 });
  });

  it('refuses a body over 10 MB by its declared length', async () => {
    const url = new URL(`${api.url}/echo/x`);
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-length': 11 * 1024 * 1024 },
        },
        (response) => resolve(response.statusCode ?? 0),
      );
      request.on('error', reject);
      request.write('x');
    });
    expect(status).toBe(413);
  });
});
