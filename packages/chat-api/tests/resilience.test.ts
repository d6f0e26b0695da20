import { randomUUID } from 'node:crypto';
import { issuePlayerToken } from '@game-chat/auth/tokens';
import { ROUTE_KEYS } from '@game-chat/protocol/http';
import {
  type DataPlaneRecorder,
  startDataPlaneRecorder,
} from '@game-chat/testing/data-plane-recorder';
import { routedEvent } from '@game-chat/testing/http-api-event';
import { redisForTests, startRedisServer } from '@game-chat/testing/redis-server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, type Invoke, loadBundle } from './helpers/bundle.js';

const SECRET = 'chat-api-resilience-secret-long-enough';
const STACK_TRACE = /\bat .+[(:]\d+|node_modules|\.m?[jt]s:\d+|Error:/;

let recorder: DataPlaneRecorder;
let moderator: string;

beforeAll(async () => {
  recorder = await startDataPlaneRecorder();
  moderator = `Bearer ${await issuePlayerToken({ sub: 'mod', role: 'moderator' }, { secret: SECRET }, { expiresInSeconds: 600 })}`;
});

afterAll(async () => {
  await recorder?.stop();
});

const envFor = (redisUrl: string) => ({
  REDIS_URL: redisUrl,
  IOT_DATA_ENDPOINT: recorder.endpoint,
  CHAT_TOKEN_SECRET: SECRET,
  CHAT_REDIS_KEY_PREFIX: `res-${randomUUID().slice(0, 8)}`,
});

/**
 * A Redis of the describe block's own (`start`) and a fresh bundle on it, loaded as `instance`;
 * the Redis stops after the block (a test may swap in another, as `redis`).
 */
function bundleOnOwnRedis<R extends { readonly url: string; stop(): Promise<void> }>(
  instance: string,
  start: () => Promise<R>,
): { redis: R; invoke: Invoke } {
  const block = {} as { redis: R; invoke: Invoke };
  beforeAll(async () => {
    block.redis = await start();
    block.invoke = await loadBundle(instance, envFor(block.redis.url));
  });
  afterAll(async () => {
    await block.redis?.stop();
  });
  return block;
}

/** Every error answer is `{ error: { code, message } }` with nothing from the server's insides. */
function expectCleanError(response: ApiResponse): void {
  expect(response.json).toEqual({
    error: { code: expect.any(String), message: expect.any(String) },
  });
  expect(response.text).not.toMatch(STACK_TRACE);
}

describe('Redis outage', () => {
  const block = bundleOnOwnRedis('outage', () => startRedisServer());

  it('answers 503 store_unavailable while Redis is down, then serves again once it is back', async () => {
    const read = () =>
      block.invoke(
        routedEvent(
          'GET /channels/{channel}/messages',
          { channel: 'Town1' },
          { headers: { authorization: moderator } },
        ),
      );
    const write = () =>
      block.invoke(
        routedEvent(
          'POST /channels/{channel}/announcements',
          { channel: 'Town1' },
          { headers: { authorization: moderator }, body: '{"text":"hi"}' },
        ),
      );
    expect((await read()).status).toBe(200);

    await block.redis.stop();
    const downRead = await read();
    const downWrite = await write();

    for (const response of [downRead, downWrite]) {
      expect(response.status).toBe(503);
      expect(response.json.error.code).toBe('store_unavailable');
      expectCleanError(response);
    }
    expect(recorder.published).toEqual([]);

    block.redis = await startRedisServer({ port: block.redis.port });
    // The client reconnects with backoff: wait for the first success, bounded.
    const deadline = Date.now() + 10_000;
    let recovered = await read();
    while (recovered.status !== 200 && Date.now() < deadline) recovered = await read();
    expect(recovered.status).toBe(200);
    expect((await write()).status).toBe(201);
  }, 30_000);
});

describe('hostile input (fuzz)', () => {
  const block = bundleOnOwnRedis('fuzz', () => redisForTests());

  const anyText = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
  );

  it('answers any route key and path parameters with JSON, never a crash or a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(
            ...ROUTE_KEYS,
            '$default',
            'GET /admin',
            'PATCH /players/{playerId}/mute',
          ),
          anyText,
        ),
        fc.dictionary(fc.constantFrom('channel', 'id', 'playerId', 'x', '__proto__'), anyText, {
          maxKeys: 3,
        }),
        async (routeKey, pathParameters) => {
          const response = await block.invoke(
            routedEvent(routeKey, pathParameters, {
              headers: { authorization: moderator },
              body: '{"seconds":5,"text":"x"}',
            }),
          );
          expect([200, 201, 204, 400, 403, 404]).toContain(response.status);
          if (response.status >= 400) expectCleanError(response);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers any query string with 200 or 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('after', 'limit', 'x', '__proto__'), anyText, { maxKeys: 3 }),
        async (query) => {
          const response = await block.invoke(
            routedEvent(
              'GET /channels/{channel}/messages',
              { channel: 'Fuzz' },
              {
                headers: { authorization: moderator },
                query: new URLSearchParams(query).toString(),
              },
            ),
          );
          expect([200, 400]).toContain(response.status);
          if (response.status === 400) expectCleanError(response);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers any authorization header without a valid token with 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyText,
          anyText.map((text) => `Bearer ${text}`),
        ),
        async (authorization) => {
          const response = await block.invoke(
            routedEvent(
              'GET /channels/{channel}/messages',
              { channel: 'Fuzz' },
              { headers: { authorization } },
            ),
          );
          expect(response.status).toBe(401);
          expectCleanError(response);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('publishes an announcement exactly when it answers 201, whatever the body', async () => {
    const body = fc.oneof(
      anyText,
      fc.json(),
      fc.record({ text: anyText }).map((value) => JSON.stringify(value)),
      fc.record({ text: fc.anything() }).map((value) => JSON.stringify(value) ?? ''),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (text, base64) => {
        recorder.clear();
        const response = await block.invoke(
          routedEvent(
            'POST /channels/{channel}/announcements',
            { channel: 'Fuzz' },
            {
              headers: { authorization: moderator },
              body: base64 ? Buffer.from(text).toString('base64') : text,
              isBase64Encoded: base64,
            },
          ),
        );
        expect([201, 400]).toContain(response.status);
        if (response.status === 400) {
          expectCleanError(response);
          expect(recorder.published).toEqual([]);
        } else {
          await recorder.waitFor((p) => p.json<{ id: string }>().id === response.json.message.id);
        }
      }),
      { numRuns: 150 },
    );
  });
});
