import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { type RedisServer, startRedisServer } from '@game-chat/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isForeignKey,
  originalTimestamp,
  originalWrite,
  readOriginalHistory,
} from '../src/original-design.js';

describe('the original key layout', () => {
  it('stamps keys like the blog, in UTC with milliseconds', () => {
    expect(originalTimestamp(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)))).toBe('20250102030405006');
    const [command, key, value, ex, ttl] = originalWrite(
      {
        channel: 'Town137',
        playerId: 'alice',
        text: 'hi',
        at: new Date(Date.UTC(2025, 10, 25, 23, 59, 59, 999)),
      },
      30,
    );
    expect([command, key, ex, ttl]).toEqual(['SET', 'Town137:20251125235959999', 'EX', '30']);
    expect(JSON.parse(value as string)).toEqual({
      publish_id: 'alice',
      message: 'hi',
      channel: 'Town137',
    });
  });

  it('tells a channel from its prefix twins', () => {
    expect(isForeignKey('Town1:20250102030405006', 'Town1')).toBe(false);
    expect(isForeignKey('Town137:20250102030405006', 'Town1')).toBe(true);
    expect(isForeignKey('Town10:20250102030405006', 'Town1')).toBe(true);
    expect(isForeignKey('Town1:20250102030405006', 'Town137')).toBe(true);
  });
});

describe('readOriginalHistory on a real Redis', () => {
  let server: RedisServer;
  let redis: RedisConnection;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = createRedisClient({ url: server.url });
    const at = (ms: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, 0, ms));
    const writes = [
      { channel: 'Town1', playerId: 'a', text: 'one', at: at(2) },
      { channel: 'Town1', playerId: 'b', text: 'two', at: at(1) },
      { channel: 'Town137', playerId: 'c', text: 'leak', at: at(3) },
      { channel: 'Town13', playerId: 'd', text: 'leak too', at: at(4) },
      { channel: 'Town2', playerId: 'e', text: 'elsewhere', at: at(5) },
    ];
    for (const write of writes) await redis.command(originalWrite(write, 60));
  });

  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });

  it('returns the channel sorted by key, with the foreign keys its prefix match lets in', async () => {
    const history = await readOriginalHistory(redis, 'Town1');
    // Sorted by key as the blog sorts: digits come before ':', so the leaks come first.
    expect(history.items.map(([key]) => key)).toEqual([
      'Town137:20250101000000003',
      'Town13:20250101000000004',
      'Town1:20250101000000001',
      'Town1:20250101000000002',
    ]);
    expect(history.foreign).toBe(2);
    expect(history.scanCalls).toBeGreaterThanOrEqual(1);
    expect(history.roundTrips).toBe(history.scanCalls + 4);
  });

  it('returns nothing for a channel without messages', async () => {
    const history = await readOriginalHistory(redis, 'Town3');
    expect(history).toMatchObject({ items: [], foreign: 0 });
  });
});
