import type { LocalStack } from '@game-chat/aws-emulator';
import type { RedisConnection } from '@game-chat/chat-store/connection';
import { ROUTE_KEYS } from '@game-chat/protocol/http';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Invoke, loadBundle } from '../src/bundles.js';
import { grownStreams, newKeys, snapshotKeyspace, without } from '../src/redis-snapshot.js';
import { nowSeconds, signJwt, unsignedJwt } from '../src/tokens.js';
import { fuzzSuite } from './support/fuzz-suite.js';

/**
 * The history API under random requests: over real HTTP through the local stack's API Gateway
 * emulator, and as random routed events straight into the bundle (any route key, any path
 * parameters, as API Gateway would hand them over). Two well-behaved players chat on the same
 * stack meanwhile.
 */

const SECRET = 'fuzz-history-secret-that-is-long-enough-for-hs256';
const suite = fuzzSuite({ stack: { tokenSecret: SECRET }, chatterIntervalMs: 1100 });
let stack: LocalStack;
let redis: RedisConnection;
let tokens: string[] = [];

/** What a client may see from a healthy stack; never a 5xx. */
const STATUSES = [200, 201, 204, 400, 401, 403, 404, 413];
const STACK_TRACE = /\bat .+[(:]\d+|node_modules|\.m?[jt]s:\d+|Error:|ECONN|redis/i;

beforeAll(async () => {
  ({ stack, redis } = suite);
  tokens = await Promise.all([
    stack.issueToken('fz-player'),
    stack.issueToken('fz-mod', { role: 'moderator' }),
    stack.issueToken('fz-admin', { role: 'admin' }),
    stack.issueToken('fz-scoped', { role: 'admin', channels: ['Town*'] }),
  ]);
});

const authorization = fc.oneof(
  { weight: 4, arbitrary: fc.nat(3).map((index) => `Bearer ${tokens[index]}`) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((token) => `Bearer ${token}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      `Bearer ${signJwt({ sub: 'x', role: 'admin', exp: nowSeconds() - 60 }, SECRET)}`,
      `Bearer ${signJwt({ sub: 'x', role: 'admin', exp: nowSeconds() + 600 }, 'k'.repeat(40))}`,
      `Bearer ${unsignedJwt({ sub: 'x', role: 'admin', exp: nowSeconds() + 600 })}`,
      `Bearer ${signJwt({ sub: '+', role: 'admin', exp: nowSeconds() + 600 }, SECRET)}`,
      `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    ),
  },
);

const segment = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/) },
  { weight: 1, arbitrary: fc.constantFrom('Town1', 'Town2', '+', '#', '$SYS', '..', '%00', '%2F') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constant(0).map(() => `${Date.now() - 1000}-1`) },
);

const path = fc.oneof(
  {
    weight: 3,
    arbitrary: segment.map((channel) => `/channels/${channel}/messages`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(segment, segment)
      .map(([channel, id]) => `/channels/${channel}/messages/${id}`),
  },
  { weight: 2, arbitrary: segment.map((channel) => `/channels/${channel}/announcements`) },
  { weight: 2, arbitrary: segment.map((player) => `/players/${player}/mute`) },
  {
    weight: 1,
    arbitrary: fc.array(segment, { maxLength: 6 }).map((parts) => `/${parts.join('/')}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('/', '//channels//messages', '/dev/tokens/x') },
);

const query = fc.option(
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom('after', 'limit', 'token'), fc.string({ maxLength: 8 })),
        fc.oneof(
          fc.constantFrom('0', '1', '200', '201', '-1', '1e3', 'NaN', '1-1', '99999999999999999-1'),
          fc.string({ maxLength: 20 }),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${new URLSearchParams(pairs).toString()}`),
  { nil: '' },
);

const body = fc.option(
  fc.oneof(
    fc
      .record(
        {
          text: fc.oneof(fc.string({ maxLength: 30 }), fc.anything({ maxDepth: 0 })),
          seconds: fc.oneof(fc.integer({ min: -5, max: 3_000_000 }), fc.anything({ maxDepth: 0 })),
          reason: fc.string({ maxLength: 250 }),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
    fc.anything({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? ''),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.string({ minLength: 20_000, maxLength: 20_100 }),
  ),
  { nil: undefined },
);

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  path,
  query,
  authorization,
  contentType: fc.constantFrom(
    undefined,
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
  ),
  origin: fc.constantFrom(undefined, 'https://game.example.com', 'null', 'javascript:alert(1)'),
  body,
});

/** The chatter's keys: it writes meanwhile. */
const CHATTER_KEYS = /\{(Lobby|chatterA|chatterB)\}/;

type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;
const plain: Request = {
  method: 'GET',
  path: '/',
  query: '',
  authorization: undefined,
  contentType: undefined,
  origin: undefined,
  body: undefined,
};

describe('random requests over HTTP through the API Gateway emulator', () => {
  it('answer with a known status, a clean JSON body, and store nothing unless they succeed', async () => {
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const before = without(await snapshotKeyspace(redis, 'gc'), CHATTER_KEYS);
        const headers: Record<string, string> = {};
        if (input.authorization !== undefined) headers.authorization = input.authorization;
        if (input.contentType !== undefined) headers['content-type'] = input.contentType;
        if (input.origin !== undefined) headers.origin = input.origin;
        const hasBody = input.body !== undefined && !['GET', 'HEAD'].includes(input.method);
        const response = await fetch(`${stack.urls.api}${input.path}${input.query}`, {
          method: input.method,
          headers,
          ...(hasBody ? { body: input.body } : {}),
        });
        const text = await response.text();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        expect(STATUSES).toContain(response.status);
        expect(text).not.toMatch(STACK_TRACE);
        if (text !== '') {
          const json = JSON.parse(text) as Record<string, unknown>;
          if (response.status >= 400) {
            // The Lambda's error shape, or API Gateway's own for a route it does not know.
            expect([
              ...(typeof json.message === 'string' ? ['gateway'] : []),
              ...(typeof (json.error as { code?: unknown })?.code === 'string' ? ['lambda'] : []),
            ]).toHaveLength(1);
          }
        }
        const after = without(await snapshotKeyspace(redis, 'gc'), CHATTER_KEYS);
        if (response.status >= 300) {
          expect(newKeys(before, after)).toEqual([]);
          expect(grownStreams(before, after)).toEqual([]);
        }
      }),
      {
        numRuns: 200,
        // Always also run one request of each kind of answer, whatever the random ones hit.
        examples: [
          [{ ...plain, path: '/channels/Town1/messages', authorization: `Bearer ${tokens[0]}` }],
          [
            {
              ...plain,
              method: 'POST',
              path: '/channels/Town1/announcements',
              authorization: `Bearer ${tokens[1]}`,
              contentType: 'application/json',
              body: '{"text":"hi"}',
            },
          ],
          [{ ...plain, path: '/channels/Town%24/messages', authorization: `Bearer ${tokens[0]}` }],
          [{ ...plain, path: '/channels/Town1/messages' }],
          [{ ...plain, path: '/channels/Lobby/messages', authorization: `Bearer ${tokens[3]}` }],
          [{ ...plain, method: 'PATCH', path: '/channels/Town1/messages' }],
        ],
      },
    );
    // The property met the handler's every kind of answer, not only the gateway's 404.
    expect(Object.keys(statuses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404']),
    );
  });
});

describe('random routed events straight into the bundle', () => {
  let handler: Invoke;
  beforeAll(async () => {
    handler = await loadBundle('@game-chat/chat-api', {
      REDIS_URL: stack.redisUrl,
      IOT_DATA_ENDPOINT: stack.urls.iotData,
      CHAT_TOKEN_SECRET: SECRET,
      CHAT_REDIS_KEY_PREFIX: 'fuzzh',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });

  // API Gateway hands the function the route it matched and the decoded path parameters.
  const routeKey = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ROUTE_KEYS) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('$default', 'GET /admin', 'PATCH /players/{playerId}/mute'),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
  const pathParameters = fc.dictionary(
    fc.constantFrom('channel', 'id', 'playerId', '__proto__'),
    fc.oneof(segment, fc.string({ unit: 'binary', maxLength: 80 })),
    { maxKeys: 3 },
  );

  const event = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .record({
          request,
          routeKey,
          pathParameters,
          base64: fc.boolean(),
          extraHeaders: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), {
            maxKeys: 3,
          }),
        })
        .map(
          ({
            request: input,
            routeKey: key,
            pathParameters: parameters,
            base64,
            extraHeaders,
          }) => ({
            version: '2.0',
            routeKey: key,
            rawPath: input.path,
            rawQueryString: input.query.slice(1),
            headers: {
              ...extraHeaders,
              ...(input.authorization === undefined ? {} : { authorization: input.authorization }),
            },
            pathParameters: parameters,
            requestContext: {
              http: { method: input.method, path: input.path, sourceIp: '127.0.0.1' },
              routeKey: key,
              stage: '$default',
            },
            ...(input.body === undefined
              ? {}
              : {
                  body: base64 ? Buffer.from(input.body).toString('base64') : input.body,
                  isBase64Encoded: base64,
                }),
          }),
        ),
    },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  );

  it('always return a response, never throw, and store nothing unless they succeed', async () => {
    await fc.assert(
      fc.asyncProperty(event, async (input) => {
        const before = await snapshotKeyspace(redis, 'fuzzh');
        const response = (await handler(input)) as {
          statusCode: number;
          body?: string;
        };
        // Anything that is not an API Gateway event is a wiring mistake: no route (404), or
        // 500 when it cannot even be read, both with the clean error body.
        const isEvent =
          typeof (input as { requestContext?: { http?: { method?: unknown } } } | null)
            ?.requestContext?.http?.method === 'string';
        expect(isEvent ? STATUSES : [404, 500]).toContain(response.statusCode);
        expect(response.body ?? '').not.toMatch(STACK_TRACE);
        if (response.statusCode >= 400) {
          expect(JSON.parse(response.body ?? '')).toEqual({
            error: { code: expect.any(String), message: expect.any(String) },
          });
          const after = await snapshotKeyspace(redis, 'fuzzh');
          expect(newKeys(before, after)).toEqual([]);
          expect(grownStreams(before, after)).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the well-behaved players', () => {
  it('kept chatting during all of it', async () => {
    await suite.expectPlayersUnharmed('history fuzzing');
  });
});
