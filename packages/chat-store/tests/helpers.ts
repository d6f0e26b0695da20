import { randomUUID } from 'node:crypto';
import {
  type ChannelName,
  type PlayerId,
  validateChannel,
  validatePlayerId,
} from '@game-chat/protocol/names';
import type { Result } from '@game-chat/protocol/result';
import { afterAll, beforeAll } from 'vitest';
import { createRedisClient, type RedisConnection } from '../src/connection.js';
import { type ChatStore, type ChatStoreOptions, createChatStore } from '../src/store.js';

/** A store on its own key prefix, so test files can share one Redis (REDIS_URL in CI). */
export function isolatedStore(
  url: string,
  options: Omit<ChatStoreOptions, 'client' | 'keyPrefix'> = {},
): { store: ChatStore; client: RedisConnection; prefix: string } {
  const client = createRedisClient({ url });
  const prefix = `t${randomUUID().slice(0, 8)}`;
  return { store: createChatStore({ client, keyPrefix: prefix, ...options }), client, prefix };
}

/** Polls `check` until it returns true; fails after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function valid<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

/** A channel name as callers hand it to the store: checked by the protocol. */
export const channel = (name: string): ChannelName => valid(validateChannel(name));
/** A player id as callers hand it to the store: checked by the protocol. */
export const player = (id: string): PlayerId => valid(validatePlayerId(id));

const alice = { id: player('alice'), name: 'Alice' };
export const bob = { id: player('bob'), name: 'Bob' };

export function chat(text: string, extra: { clientMsgId?: string; ingestId?: string } = {}) {
  return { kind: 'chat' as const, from: alice, text, ...extra };
}

/**
 * A Redis (`start`) for one describe block, up before its tests and stopped after them, with
 * every client `track` was given closed first.
 */
export function redisForBlock<R extends { readonly url: string; stop(): Promise<void> }>(
  start: () => Promise<R>,
): { readonly redis: R; track<C extends { close(): Promise<void> }>(client: C): C } {
  let redis: R | undefined;
  const opened: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    redis = await start();
  }, 30_000);
  afterAll(async () => {
    await Promise.all(opened.map((client) => client.close()));
    await redis?.stop();
  });
  return {
    get redis() {
      if (redis === undefined) throw new Error('the block has not started its Redis yet');
      return redis;
    },
    track(client) {
      opened.push(client);
      return client;
    },
  };
}
