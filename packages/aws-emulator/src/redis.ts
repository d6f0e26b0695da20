import { RedisServerNotFoundError, startRedisServer } from '@game-chat/testing/redis-server';
import type { Logger } from './logger.js';

/**
 * The stack's Redis: `REDIS_URL` when given, else a `redis-server` from the PATH on a free
 * loopback port (no persistence), stopped with the stack. The throwaway server comes from the
 * test kit, so the tests and the stack start Redis the same way.
 */

export interface StackRedis {
  readonly url: string;
  /** True when the stack started the server (and so stops it). */
  readonly started: boolean;
  stop(): Promise<void>;
}

export { RedisServerNotFoundError };

export async function resolveRedis(url: string | undefined, log: Logger): Promise<StackRedis> {
  if (url !== undefined && url !== '') return { url, started: false, stop: async () => {} };
  const server = await startRedisServer();
  log.info('started redis-server', { url: server.url });
  return { url: server.url, started: true, stop: () => server.stop() };
}
