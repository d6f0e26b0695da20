import { randomUUID } from 'node:crypto';
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

const alice = { id: 'alice', name: 'Alice' };
export const bob = { id: 'bob', name: 'Bob' };

export function chat(text: string, extra: { clientMsgId?: string; ingestId?: string } = {}) {
  return { kind: 'chat' as const, from: alice, text, ...extra };
}
