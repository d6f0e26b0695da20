import { randomUUID } from 'node:crypto';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { type ChatStore, createChatStore } from '@game-chat/chat-store/store';
import type { PresenceEvent } from '@game-chat/protocol/presence';
import {
  type DataPlaneRecorder,
  startDataPlaneRecorder,
} from '@game-chat/testing/data-plane-recorder';
import { loadLambdaBundle } from '@game-chat/testing/lambda-bundle';
import { redisForTests } from '@game-chat/testing/redis-server';
import type { PresenceOutcome } from '../../src/presence.js';

export interface Harness {
  invoke(event: unknown): Promise<PresenceOutcome>;
  readonly recorder: DataPlaneRecorder;
  /** The same Redis and key prefix as the bundle. */
  readonly store: ChatStore;
  readonly redis: RedisConnection;
  readonly prefix: string;
  broadcasts(channel: string): PresenceEvent[];
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const server = await redisForTests();
  const recorder = await startDataPlaneRecorder();
  const prefix = `p${randomUUID().slice(0, 8)}`;
  const invoke = await loadLambdaBundle<unknown, PresenceOutcome>({
    bundle: new URL('../../dist/handler.mjs', import.meta.url),
    functionName: 'presence',
    env: {
      REDIS_URL: server.url,
      IOT_DATA_ENDPOINT: recorder.endpoint,
      CHAT_REDIS_KEY_PREFIX: prefix,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...env,
    },
  });
  const redis = createRedisClient({ url: server.url });
  const store = createChatStore({ client: redis, keyPrefix: prefix });
  return {
    invoke: (event) => invoke(event),
    recorder,
    store,
    redis,
    prefix,
    broadcasts: (channel) =>
      recorder.published
        .filter((publish) => publish.topic === `chat/presence/${channel}`)
        .map((publish) => publish.json<PresenceEvent>()),
    async close() {
      await redis.close();
      await recorder.stop();
      await server.stop();
    },
  };
}

let clock = Date.now();
const sessions = new Map<string, string>();
const versions = new Map<string, number>();

/** AWS-shaped lifecycle events with increasing timestamps, one session per client id. */
export const lifecycle = {
  connected(clientId: string) {
    sessions.set(clientId, randomUUID());
    versions.set(clientId, (versions.get(clientId) ?? 0) + 1);
    return connection(clientId, 'connected', { ipAddress: '127.0.0.1' });
  },
  disconnected(clientId: string) {
    return connection(clientId, 'disconnected', {
      clientInitiatedDisconnect: true,
      disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
    });
  },
  subscribed: (clientId: string, ...channels: string[]) =>
    subscription(clientId, 'subscribed', channels),
  unsubscribed: (clientId: string, ...channels: string[]) =>
    subscription(clientId, 'unsubscribed', channels),
};

function base(clientId: string, eventType: string) {
  clock += 5;
  return {
    clientId,
    timestamp: clock,
    eventType,
    sessionIdentifier: sessions.get(clientId) ?? randomUUID(),
    principalIdentifier: clientId.split('.')[0],
  };
}

function connection(clientId: string, eventType: string, extra: object) {
  return { ...base(clientId, eventType), ...extra, versionNumber: versions.get(clientId) ?? 1 };
}

function subscription(clientId: string, eventType: string, channels: string[]) {
  return {
    ...base(clientId, eventType),
    topics: channels.map((channel) => `chat/room/${channel}`),
  };
}
