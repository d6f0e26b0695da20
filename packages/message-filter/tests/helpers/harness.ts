import { randomUUID } from 'node:crypto';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { type ChatStore, createChatStore } from '@game-chat/chat-store/store';
import { loadConfig } from '@game-chat/lambda-runtime/config';
import type { ChatMessage, Notice } from '@game-chat/protocol/payloads';
import {
  type DataPlaneRecorder,
  type RecordedPublish,
  startDataPlaneRecorder,
} from '@game-chat/testing/data-plane-recorder';
import { loadLambdaBundle } from '@game-chat/testing/lambda-bundle';
import { redisForTests, startRedisServer } from '@game-chat/testing/redis-server';
import type { Context } from 'aws-lambda';
import type { ChatRuleEvent } from '../../src/event.js';
import type { FilterOutcome } from '../../src/filter.js';

export interface Harness {
  /** Invokes the bundle with a Lambda context (30 s left unless `context` says otherwise). */
  invoke(event: unknown, context?: Partial<Context>): Promise<FilterOutcome>;
  readonly recorder: DataPlaneRecorder;
  /** The same Redis and key prefix as the bundle, to arrange and inspect state. */
  readonly store: ChatStore;
  readonly redis: RedisConnection;
  readonly redisUrl: string;
  readonly prefix: string;
  /** Records a live connection of the player, as its `connected` lifecycle event would. */
  online(playerId: string): Promise<void>;
  /** Every key the bundle wrote (test-only KEYS on this harness's own prefix). */
  keys(): Promise<string[]>;
  /** Stops the private redis-server; `startRedis` brings a fresh one up on the same port. */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly env?: Record<string, string>;
  /** A redis-server of its own (to stop and restart it), even when REDIS_URL is set. */
  readonly privateRedis?: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  let server: { url: string; stop(): Promise<void> } = options.privateRedis
    ? await startRedisServer()
    : await redisForTests();
  const url = server.url;
  const recorder = await startDataPlaneRecorder();
  const prefix = `f${randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    REDIS_URL: url,
    IOT_DATA_ENDPOINT: recorder.endpoint,
    CHAT_REDIS_KEY_PREFIX: prefix,
    ...options.env,
  };
  const invoke = await loadLambdaBundle<unknown, FilterOutcome>({
    bundle: new URL('../../dist/handler.mjs', import.meta.url),
    functionName: 'message-filter',
    env,
  });
  const redis = createRedisClient({ url });
  // The bundle's own reading of the same settings, so both sides use one window and cap.
  const config = loadConfig(env);
  const store = createChatStore({
    client: redis,
    keyPrefix: prefix,
    historySeconds: config.historySeconds,
    historyMax: config.historyMax,
  });
  return {
    invoke,
    recorder,
    store,
    redis,
    redisUrl: url,
    prefix,
    async online(playerId) {
      await store.applyLifecycle({
        kind: 'connected',
        clientId: playerId,
        session: randomUUID(),
        at: Date.now(),
        version: 1,
      });
    },
    async keys() {
      const keys = await redis.command(['KEYS', `${prefix}:*`]);
      return (keys as string[]).sort();
    },
    async stopRedis() {
      if (!options.privateRedis) throw new Error('stopRedis needs privateRedis: true');
      await server.stop();
    },
    async startRedis() {
      server = await startRedisServer({ port: Number(new URL(url).port) });
    },
    async close() {
      await redis.close();
      await recorder.stop();
      await server.stop();
    },
  };
}

/** A rule event as `infra/rules/chat-send.sql` builds it. */
export function ruleEvent(
  topic: string,
  payload: string | Uint8Array | object,
  overrides: Partial<ChatRuleEvent> = {},
): ChatRuleEvent {
  const bytes =
    typeof payload === 'string' || payload instanceof Uint8Array
      ? Buffer.from(payload as string)
      : Buffer.from(JSON.stringify(payload));
  return {
    payload: bytes.toString('base64'),
    topic,
    clientId: 'alice',
    principal: 'alice',
    receivedAt: Date.now(),
    ingestId: randomUUID(),
    ...overrides,
  };
}

export function isNotice(publish: RecordedPublish): boolean {
  return publish.json<{ kind?: string }>().kind === 'notice';
}

export function notices(recorder: DataPlaneRecorder, to = 'alice'): Notice[] {
  return recorder.published
    .filter((publish) => publish.topic === `chat/inbox/${to}` && isNotice(publish))
    .map((publish) => publish.json<Notice>());
}

export function roomMessages(recorder: DataPlaneRecorder, channel: string): ChatMessage[] {
  return recorder.published
    .filter((publish) => publish.topic === `chat/room/${channel}`)
    .map((publish) => publish.json<ChatMessage>());
}

/** Polls `check` until it holds; fails after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
