import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { type ChatStore, createChatStore } from '@game-chat/chat-store/store';
import {
  type DataPlaneRecorder,
  startDataPlaneRecorder,
} from '@game-chat/testing/data-plane-recorder';
import { redisForTests, type TestRedis } from '@game-chat/testing/redis-server';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Invoke, loadBundle } from '../helpers/bundle.js';
import { SECRET } from '../helpers/requests.js';

export interface ApiLambda {
  readonly redis: TestRedis;
  readonly recorder: DataPlaneRecorder;
  /** A connection and a store on the bundle's Redis and key prefix, to arrange and inspect. */
  readonly connection: RedisConnection;
  readonly store: ChatStore;
  /** The bundle's environment: a base for loading another copy with a setting changed. */
  readonly env: Record<string, string>;
  readonly invoke: Invoke;
}

export interface ApiLambdaOptions {
  readonly keyPrefix: string;
  /** The test store's history cap; give it when `env` sets CHAT_HISTORY_MAX. */
  readonly historyMax?: number;
  /** Settings on top of Redis, the Data Plane recorder, the token secret and the key prefix. */
  readonly env?: Record<string, string>;
}

/**
 * The chat-api bundle (loaded as `instance`) on a Redis and a Data Plane recorder of the test
 * file's own: started before its tests, the recorder cleared before each test, all stopped after.
 * Read its parts inside tests, once started.
 */
export function apiLambdaForFile(instance: string, options: ApiLambdaOptions): ApiLambda {
  const parts: Partial<ApiLambda> = {};
  const started = parts as { -readonly [K in keyof ApiLambda]: ApiLambda[K] };
  beforeAll(async () => {
    started.redis = await redisForTests();
    started.recorder = await startDataPlaneRecorder();
    started.connection = createRedisClient({ url: started.redis.url });
    started.store = createChatStore({
      client: started.connection,
      keyPrefix: options.keyPrefix,
      historyMax: options.historyMax,
    });
    started.env = {
      REDIS_URL: started.redis.url,
      IOT_DATA_ENDPOINT: started.recorder.endpoint,
      CHAT_TOKEN_SECRET: SECRET,
      CHAT_REDIS_KEY_PREFIX: options.keyPrefix,
      ...options.env,
    };
    started.invoke = await loadBundle(instance, started.env);
  });
  afterAll(async () => {
    await parts.connection?.close();
    await parts.recorder?.stop();
    await parts.redis?.stop();
  });
  beforeEach(() => parts.recorder?.clear());
  return started;
}
