import { startRedisCluster } from '@game-chat/testing/redis-cluster';
import { freePort } from '@game-chat/testing/redis-server';
import { describe, expect, it } from 'vitest';
import { createRedisClient } from '../src/connection.js';
import { StoreUnavailableError } from '../src/errors.js';
import { createChatStore } from '../src/store.js';
import { channel, chat, player, redisForBlock } from './helpers.js';
import { describeStoreContract } from './store-contract.js';

// Keys of one channel (one player) share a {hash tag}, so every script runs on one node.
describe('the store contract on a 3-master Redis Cluster (?cluster=true)', () => {
  describeStoreContract(() => startRedisCluster());
});

describe('cluster connections', () => {
  const block = redisForBlock(() => startRedisCluster());

  const connection = (url: string) =>
    block.track(createRedisClient({ url, connectTimeoutMs: 500 }));

  it('spreads channels over the masters, each channel whole on one of them', async () => {
    const store = createChatStore({ client: connection(block.redis.url), keyPrefix: 'spread' });
    for (let i = 0; i < 12; i++) {
      const stored = await store.append(channel(`Town${i}`), chat(`m${i}`));
      expect(stored.status).toBe('stored');
    }
    const sizes = await Promise.all(
      block.redis.nodes.map(async (node) => {
        const single = connection(node.url);
        return Number(await single.command(['DBSIZE']));
      }),
    );
    // 12 channels × 2 keys (log, meta) in all, on more than one node.
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(24);
    expect(sizes.filter((size) => size > 0).length).toBeGreaterThan(1);
    for (let i = 0; i < 12; i++) {
      expect(
        (await store.recent(channel(`Town${i}`), { limit: 5 })).messages.map((m) => m.text),
      ).toEqual([`m${i}`]);
    }
  });

  it('keeps presence across nodes: one event touches channels on several masters', async () => {
    const store = createChatStore({ client: connection(block.redis.url), keyPrefix: 'presence' });
    const channels = Array.from({ length: 6 }, (_, i) => channel(`Room${i}`));
    const at = Date.now();
    const event = { clientId: 'alice.tab1', session: 's1', version: 1 };
    await store.applyLifecycle({ ...event, kind: 'connected', at });
    const joined = await store.applyLifecycle({
      ...event,
      kind: 'subscribed',
      at: at + 1,
      channels,
    });
    expect(joined.channels.map((outcome) => outcome.status)).toEqual(channels.map(() => 'publish'));
    expect(await store.occupancy(channels)).toEqual(
      Object.fromEntries(channels.map((name) => [name, 1])),
    );
    expect(await store.recipientStatus(player('alice'), player('bob'))).toBe('ok');
    await store.applyLifecycle({ ...event, kind: 'disconnected', at: at + 2 });
    expect(await store.occupancy(channels)).toEqual(
      Object.fromEntries(channels.map((name) => [name, 0])),
    );
    expect(await store.recipientStatus(player('alice'), player('bob'))).toBe('offline');
  });

  it('fails with StoreUnavailableError, without a hang, when no cluster answers', async () => {
    const client = connection(`redis://127.0.0.1:${await freePort()}?cluster=true`);
    await expect(client.command(['PING'])).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(client.command(['PING'])).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('accepts only true or false as the cluster parameter', () => {
    expect(() => createRedisClient({ url: 'redis://127.0.0.1:1?cluster=yes' })).toThrow(
      /must be true or false/,
    );
    expect(() => createRedisClient({ url: 'redis://127.0.0.1:1?cluster=false' })).not.toThrow();
  });
});
