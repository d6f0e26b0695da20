import { randomUUID } from 'node:crypto';
import { issuePlayerToken } from '@game-chat/auth/tokens';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { type ChatStore, createChatStore } from '@game-chat/chat-store/store';
import type { ChannelName } from '@game-chat/protocol/names';
import {
  type DataPlaneRecorder,
  startDataPlaneRecorder,
} from '@game-chat/testing/data-plane-recorder';
import { routedEvent } from '@game-chat/testing/http-api-event';
import { redisForTests, type TestRedis } from '@game-chat/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Invoke, loadBundle } from './helpers/bundle.js';

const SECRET = 'chat-api-test-secret-long-enough-for-hs256';
const keyPrefix = `pres-${randomUUID().slice(0, 8)}`;
const PRESENCE = 'GET /channels/{channel}/presence';
const OCCUPANCY = 'GET /occupancy';

let redis: TestRedis;
let recorder: DataPlaneRecorder;
let connection: RedisConnection;
let store: ChatStore;
let invoke: Invoke;

beforeAll(async () => {
  redis = await redisForTests();
  recorder = await startDataPlaneRecorder();
  connection = createRedisClient({ url: redis.url });
  store = createChatStore({ client: connection, keyPrefix });
  invoke = await loadBundle('presence', {
    REDIS_URL: redis.url,
    IOT_DATA_ENDPOINT: recorder.endpoint,
    CHAT_TOKEN_SECRET: SECRET,
    CHAT_REDIS_KEY_PREFIX: keyPrefix,
  });
  // alice (two tabs) and bob in Lobby, carol in Guild1.
  let at = Date.now();
  for (const [clientId, channel] of [
    ['alice.tab1', 'Lobby'],
    ['alice.tab2', 'Lobby'],
    ['bob', 'Lobby'],
    ['carol', 'Guild1'],
  ] as const) {
    at += 1;
    await store.setProfile(
      clientId.split('.')[0] as never,
      { name: clientId.toUpperCase(), role: 'player' },
      600,
    );
    await store.applyLifecycle({
      kind: 'subscribed',
      clientId,
      session: `s-${clientId}`,
      at,
      channels: [channel as ChannelName],
    });
  }
});

afterAll(async () => {
  await connection?.close();
  await recorder?.stop();
  await redis?.stop();
});

const headers = async (extra: { channels?: string[] } = {}) => ({
  authorization: `Bearer ${await issuePlayerToken({ sub: 'reader', role: 'player', ...extra }, { secret: SECRET }, { expiresInSeconds: 600 })}`,
});

async function presence(channel: string, query = '', extra = {}) {
  return invoke(routedEvent(PRESENCE, { channel }, { headers: await headers(extra), query }));
}

async function occupancy(query: string, extra = {}) {
  return invoke(routedEvent(OCCUPANCY, {}, { headers: await headers(extra), query }));
}

function expectError(response: { status: number; json: unknown }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.json).toEqual({ error: { code, message: expect.any(String) } });
}

describe('GET /channels/{channel}/presence', () => {
  it('lists the members, two tabs counted once', async () => {
    const response = await presence('Lobby');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      channel: 'Lobby',
      count: 2,
      members: expect.arrayContaining([
        { id: 'alice', name: 'ALICE.TAB1' },
        { id: 'bob', name: 'BOB' },
      ]),
      truncated: false,
    });
  });

  it('lists at most limit members and says it truncated', async () => {
    const response = await presence('Lobby', 'limit=1');
    expect(response.json).toMatchObject({ count: 2, truncated: true });
    expect((response.json as { members: unknown[] }).members).toHaveLength(1);
  });

  it('answers an empty channel with a count of 0', async () => {
    expect((await presence('Nobody')).json).toEqual({
      channel: 'Nobody',
      count: 0,
      members: [],
      truncated: false,
    });
  });

  it('respects the channels claim', async () => {
    expectError(await presence('Lobby', '', { channels: ['Guild*'] }), 403, 'forbidden');
    expect((await presence('Guild1', '', { channels: ['Guild*'] })).status).toBe(200);
  });

  it.each([['limit=0'], ['limit=1001'], ['limit=abc'], ['limit=-1'], ['limit=1&limit=2']])(
    'refuses %s with 400',
    async (query) => {
      expectError(await presence('Lobby', query), 400, 'invalid');
    },
  );

  it('refuses a bad channel name and a missing token', async () => {
    expectError(await presence('Lob by'), 400, 'invalid');
    const anonymous = await invoke(routedEvent(PRESENCE, { channel: 'Lobby' }));
    expectError(anonymous, 401, 'unauthorized');
  });
});

describe('GET /occupancy', () => {
  it('counts each channel, 0 for an empty one', async () => {
    const response = await occupancy('channels=Lobby,Guild1,Nobody');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ counts: { Lobby: 2, Guild1: 1, Nobody: 0 } });
  });

  it('takes 100 channels', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `c${i}`).join(',');
    expect((await occupancy(`channels=${names}`)).status).toBe(200);
  });

  it.each([
    ['no channels parameter', ''],
    ['an empty list', 'channels='],
    ['101 channels', `channels=${Array.from({ length: 101 }, (_, i) => `c${i}`).join(',')}`],
    ['a duplicate', 'channels=Lobby,Lobby'],
    ['a duplicate across repeated parameters', 'channels=Lobby&channels=Lobby'],
    ['a bad name', 'channels=Lobby,bad%20name'],
    ['a wildcard', 'channels=%2B'],
    ['an empty name', 'channels=Lobby,,Guild1'],
  ])('refuses %s with 400 and the reason', async (_why, query) => {
    expectError(await occupancy(query), 400, 'invalid');
  });

  it('refuses a channel the token does not allow', async () => {
    expectError(
      await occupancy('channels=Guild1,Lobby', { channels: ['Guild*'] }),
      403,
      'forbidden',
    );
  });
});
