import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLocalStack, type LocalStack, type LocalStackOptions } from '@game-chat/aws-emulator';
import { type ChatClient, ChatError, createChatClient } from '@game-chat/client';
import { customAuthUrl, customAuthUsername } from '@game-chat/protocol/custom-auth';
import type { Role } from '@game-chat/protocol/names';
import { connect, endAll, subscribe } from '@game-chat/testing/mqtt-client';
import { type RedisServer, startRedisServer } from '@game-chat/testing/redis-server';
import { waitFor as pollUntil } from '@game-chat/testing/wait';
import type { MqttClient } from 'mqtt';

/**
 * What every suite of this package shares: a local stack on its own `redis-server` (so a test
 * may stop, restart or inspect it), real MQTT players, a well-behaved chatter that measures
 * send-to-receive latency, and bounded waits.
 */

export interface StackUnderTest {
  readonly stack: LocalStack;
  /** The stack's own Redis: stop it, start it again on the same port. */
  redis: RedisServer;
  stop(): Promise<void>;
}

/** Player and channel rate limits out of the way, for suites that send more than players would. */
export const RATE_LIMITS_OFF = {
  CHAT_RATE_BURST: '1000',
  CHAT_RATE_PER_SECOND: '1000',
  CHAT_CHANNEL_RATE_PER_SECOND: '1000',
} as const;

/** A local stack with silent logs and its own Redis, on AWS's Lambda schedule unless told. */
export async function startStack(
  options: Omit<LocalStackOptions, 'log'> & { redis?: RedisServer } = {},
): Promise<StackUnderTest> {
  const { redis: given, ...stackOptions } = options;
  const redis = given ?? (await startRedisServer());
  const stack = await createLocalStack({
    log: 'silent',
    ...stackOptions,
    redisUrl: stackOptions.redisUrl ?? redis.url,
  });
  const underTest: StackUnderTest = {
    stack,
    redis,
    async stop() {
      await stack.stop();
      await underTest.redis.stop();
    },
  };
  return underTest;
}

/** Polls `condition` until it holds; fails after `timeoutMs`, naming `what`. Room for a stack. */
export function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  return pollUntil(what, condition, timeoutMs);
}

/** mqtt.js clients: connect resolves on CONNACK 0, rejects with the refusal; no reconnects. */
export { connect as connectMqtt, endAll as endMqttClients, subscribe };

export interface PlayerOptions {
  readonly role?: Role;
  /** Defaults to the player id. */
  readonly clientId?: string;
  readonly transport?: 'tcp' | 'ws';
  /** A token to use (signed with the stack's key) instead of one the stack issues. */
  readonly token?: string;
}

/**
 * A player connected over MQTT as the SDK connects: a signed token in the WebSocket URL, or in
 * the user name's query string over TCP.
 */
export async function connectPlayer(
  stack: LocalStack,
  playerId: string,
  options: PlayerOptions = {},
): Promise<MqttClient> {
  const credentials =
    options.token === undefined
      ? await stack.issueSignedToken(playerId, { role: options.role ?? 'player' })
      : stack.signToken(options.token);
  const clientId = options.clientId ?? playerId;
  return options.transport === 'ws'
    ? connect(customAuthUrl(stack.urls.ws, credentials), { clientId, username: '' })
    : connect(stack.urls.mqtt, {
        clientId,
        username: customAuthUsername(clientId, credentials),
      });
}

/** An SDK client for a player of the stack, with a token the stack issues. */
export function sdkClient(
  stack: LocalStack,
  playerId: string,
  options: { role?: Role; transport?: 'tcp' | 'ws'; sendTimeoutMs?: number } = {},
): ChatClient {
  return createChatClient({
    endpoint: options.transport === 'ws' ? stack.urls.ws : stack.urls.mqtt,
    apiUrl: stack.urls.api,
    authorizerName: stack.authorizerName,
    getToken: () => stack.issueSignedToken(playerId, { role: options.role ?? 'player' }),
    sendTimeoutMs: options.sendTimeoutMs ?? 10_000,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
  });
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0
      ? Number.NaN
      : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
  return {
    count: sorted.length,
    p50: Math.round(at(0.5)),
    p95: Math.round(at(0.95)),
    max: Math.round(sorted.at(-1) ?? Number.NaN),
  };
}

export interface ChatterReport {
  readonly sent: number;
  /** `send()` resolved: the server stored and published it. */
  readonly confirmed: number;
  /** Failed sends by error code (e.g. `timeout` while Redis was down). */
  readonly failed: Readonly<Record<string, number>>;
  /** Confirmed messages the listener never received. */
  readonly missing: readonly string[];
  /** Messages the listener received more than once (by id). */
  readonly duplicates: number;
  /** From `send()` to the listener's `message` event, ms. */
  readonly latency: LatencySummary;
}

export interface Chatter {
  /** Sends so far that were confirmed. */
  confirmed(): number;
  /**
   * Stops sending, waits (bounded) for outstanding sends and deliveries, closes the clients.
   * Calling it again returns the same report.
   */
  stop(): Promise<ChatterReport>;
}

/**
 * A well-behaved pair of players on the real SDK: one sends to `channel` every `intervalMs`,
 * the other listens. Proves that the stack keeps serving ordinary players while it is abused.
 */
export async function startChatter(
  stack: LocalStack,
  options: { channel: string; intervalMs: number; sender?: string; listener?: string },
): Promise<Chatter> {
  const senderId = options.sender ?? 'chatterA';
  const listenerId = options.listener ?? 'chatterB';
  const sender = sdkClient(stack, senderId);
  const listener = sdkClient(stack, listenerId);
  // Keyed by message id, not text: the profanity filter may mask a text (`chatter 455`).
  const receivedAt = new Map<string, number>();
  /** When each confirmed message was sent, by the id its delivery carries. */
  const confirmed = new Map<string, number>();
  const failed: Record<string, number> = {};
  let duplicates = 0;
  listener.on('message', (message) => {
    if (message.from.id !== senderId) return;
    if (receivedAt.has(message.id)) duplicates++;
    else receivedAt.set(message.id, performance.now());
  });
  await Promise.all([sender.connect(), listener.connect()]);
  await Promise.all([sender.join(options.channel), listener.join(options.channel)]);

  const outstanding = new Set<Promise<void>>();
  let seq = 0;
  const tick = () => {
    const started = performance.now();
    const sending = sender.send(options.channel, `chatter ${seq++}`).then(
      (message) => {
        confirmed.set(message.id, started);
      },
      (error: unknown) => {
        const code = error instanceof ChatError ? error.code : 'error';
        failed[code] = (failed[code] ?? 0) + 1;
      },
    );
    outstanding.add(sending);
    void sending.finally(() => outstanding.delete(sending));
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);

  let stopped: Promise<ChatterReport> | undefined;
  const stop = async (): Promise<ChatterReport> => {
    clearInterval(timer);
    await Promise.all(outstanding);
    await waitFor(
      'every confirmed chatter message to reach the listener',
      () => [...confirmed.keys()].every((id) => receivedAt.has(id)),
      5000,
    ).catch(() => {
      // Reported below as `missing`, for the test to judge.
    });
    await Promise.all([sender.close(), listener.close()]);
    const latencies = [...receivedAt]
      .filter(([id]) => confirmed.has(id))
      .map(([id, at]) => at - (confirmed.get(id) as number));
    return {
      sent: seq,
      confirmed: confirmed.size,
      failed,
      missing: [...confirmed.keys()].filter((id) => !receivedAt.has(id)),
      duplicates,
      latency: summarizeLatencies(latencies),
    };
  };
  return {
    confirmed: () => confirmed.size,
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
  };
}

/**
 * Sends `count` messages one after another from a fresh sender to a fresh listener (mqtt.js,
 * raw topics) and returns the send-to-receive latencies: a probe of "does chat still work, and
 * how fast" at one moment.
 */
export async function probeLatency(
  stack: LocalStack,
  options: { channel: string; count: number; sender: string; listener: string; timeoutMs?: number },
): Promise<LatencySummary> {
  const sender = await connectPlayer(stack, options.sender);
  const listener = await connectPlayer(stack, options.listener);
  const room = `${stack.topicPrefix}/room/${options.channel}`;
  await subscribe(listener, room);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < options.count; i++) {
      // Matched by clientMsgId: the profanity filter may mask a text (digits read as leet
      // speak: `455` is masked), and a masked probe still arrived.
      const clientMsgId = `probe-${i}-${randomUUID()}`;
      const started = performance.now();
      const arrived = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`probe message ${i} did not arrive`)),
          options.timeoutMs ?? 10_000,
        );
        const onMessage = (topic: string, payload: Buffer) => {
          if (topic === room && payload.toString().includes(JSON.stringify(clientMsgId))) {
            clearTimeout(timer);
            listener.off('message', onMessage);
            resolve();
          }
        };
        listener.on('message', onMessage);
      });
      await sender.publishAsync(
        `${stack.topicPrefix}/send/${options.channel}`,
        JSON.stringify({ text: `probe ${i}`, clientMsgId }),
        {
          qos: 1,
        },
      );
      await arrived;
      latencies.push(performance.now() - started);
    }
  } finally {
    await Promise.all([sender.endAsync(true), listener.endAsync(true)]);
  }
  return summarizeLatencies(latencies);
}

/**
 * Records unhandled rejections and uncaught exceptions of this process while a suite runs:
 * "no unhandled rejection" is one of the fuzzing invariants.
 */
export function watchProcessErrors(): { readonly errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const record = (error: unknown) => errors.push(error);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    errors,
    stop() {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}
