import { randomUUID } from 'node:crypto';
import { createRedisClient } from '@game-chat/chat-store/connection';
import type { ChannelName } from '@game-chat/protocol/names';
import { SYSTEM_SENDER } from '@game-chat/protocol/payloads';
import { startDataPlaneRecorder } from '@game-chat/testing/data-plane-recorder';
import { lambdaContext } from '@game-chat/testing/lambda-context';
import { redisForTests } from '@game-chat/testing/redis-server';
import { afterAll, describe, expect, it } from 'vitest';
import { createChatLambda } from '../src/bootstrap.js';
import { ConfigError } from '../src/config.js';

// Started at collection, as in publisher.test.ts: every test here needs both.
const redis = await redisForTests();
const recorder = await startDataPlaneRecorder();
afterAll(async () => {
  await recorder.stop();
  await redis.stop();
});

const envFor = (extra: Record<string, string> = {}) => ({
  // Passed on as the function's environment: its logger stays silent under vitest.
  VITEST: 'true',
  REDIS_URL: redis.url,
  IOT_DATA_ENDPOINT: recorder.endpoint,
  CHAT_TOKEN_SECRET: 'bootstrap-test-secret-long-enough-for-hs256',
  CHAT_REDIS_KEY_PREFIX: `boot-${randomUUID().slice(0, 8)}`,
  ...extra,
});

describe('createChatLambda', () => {
  it('sets up config, store and publisher from the settings, and calls the core with them', async () => {
    const env = envFor({ CHAT_HISTORY_MAX: '2', CHAT_TOPIC_PREFIX: 'game' });
    const handler = await createChatLambda('chat-api', {
      env,
      require: ['REDIS_URL', 'IOT_DATA_ENDPOINT'],
      errors: 'rethrow',
      init: (runtime) => runtime,
      handler: async (channel: ChannelName, { config, store, publisher }) => {
        for (const text of ['one', 'two', 'three']) {
          await store.append(channel, { kind: 'system', text, from: SYSTEM_SENDER });
        }
        const { messages } = await store.recent(channel, { limit: 10 });
        await publisher.publish(`${config.topicPrefix}/room/${channel}`, { n: messages.length });
        return messages.map((message) => message.text);
      },
    });

    // CHAT_HISTORY_MAX reached the store; the publisher reached the Data Plane.
    expect(await handler('Town1' as ChannelName, lambdaContext())).toEqual(['two', 'three']);
    const published = await recorder.waitFor((p) => p.topic === 'game/room/Town1');
    expect(published.json()).toEqual({ n: 2 });
    // The store writes under CHAT_REDIS_KEY_PREFIX, on the shared connection.
    const inspector = createRedisClient({ url: redis.url });
    const keys = (await inspector.command(['KEYS', `${env.CHAT_REDIS_KEY_PREFIX}:*`])) as string[];
    await inspector.close();
    expect(keys.length).toBeGreaterThan(0);
  });

  it('builds neither store nor publisher for a function that does not require them', async () => {
    let seen: unknown[] = [];
    const handler = await createChatLambda('authorizer', {
      env: envFor(),
      require: ['CHAT_TOKEN_KEY'],
      errors: 'rethrow',
      init: ({ store, publisher }) => {
        seen = [store, publisher];
        return {};
      },
      handler: async () => 'ok',
    });
    expect(await handler({}, lambdaContext())).toBe('ok');
    expect(seen).toEqual([undefined, undefined]);
  });

  it.each([
    ['a bad value', () => envFor({ CHAT_HISTORY_MAX: '0' }), 'CHAT_HISTORY_MAX'],
    ['a required setting missing', () => ({ VITEST: 'true' }), 'REDIS_URL'],
  ])('stops the cold start on %s, naming the variable', async (_case, env, variable) => {
    let initialised = false;
    const creating = createChatLambda('message-filter', {
      env: env(),
      require: ['REDIS_URL'],
      errors: 'rethrow',
      init: () => {
        initialised = true;
      },
      handler: async () => undefined,
    });
    await expect(creating).rejects.toBeInstanceOf(ConfigError);
    await expect(creating).rejects.toMatchObject({ variable });
    expect(initialised).toBe(false);
  });

  /** A Lambda with no settings of its own whose handler always throws `error`. */
  const throwing = (
    name: 'chat-api' | 'message-filter',
    errors: 'http' | 'rethrow',
    error: Error,
  ) =>
    createChatLambda(name, {
      env: envFor(),
      require: [],
      errors,
      init: () => ({}),
      handler: async () => {
        throw error;
      },
    });

  it('answers errors as the function says: an HTTP error body for the API', async () => {
    const handler = await throwing('chat-api', 'http', new TypeError('a bug with a detail'));
    const result = (await handler({}, lambdaContext())) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'internal', message: 'internal error' },
    });
  });

  it('throws errors on for an async function, so that Lambda retries the event', async () => {
    const failure = new Error('Redis down');
    const handler = await throwing('message-filter', 'rethrow', failure);
    await expect(handler({}, lambdaContext())).rejects.toBe(failure);
  });
});
