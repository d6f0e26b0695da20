import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStack } from '@game-chat/aws-emulator';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import type { ChatMessage } from '@game-chat/protocol/payloads';
import { type RedisServer, startRedisServer } from '@game-chat/testing/redis-server';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Chatter,
  connectPlayer,
  endMqttClients,
  type StackUnderTest,
  startChatter,
  startStack,
  subscribe,
  waitFor,
} from '../src/harness.js';
import { startTraffic, type Traffic, type TrafficReport } from '../src/sdk-traffic.js';
import { startTcpProxy, type TcpProxy } from '../src/tcp-proxy.js';

/**
 * Redis and the Data Plane go away under steady SDK traffic, on AWS's Lambda schedule (the
 * stack's default: Lambda would retry only a minute later): the filter's own retry budget and the
 * SDK's resend carry the messages through. Every `send()` settles (resolved with the delivered
 * message, or rejected with a typed error), nothing is delivered twice, and every delivered
 * message is in history. Also a planned failover (FAILOVER) and an unplanned one (the primary
 * dies, the replica is promoted with REPLICAOF NO ONE): clients follow the primary endpoint and
 * drop connections that answer READONLY.
 */

/** Raw-MQTT senders in the failover tests send quickly; the SDK traffic keeps the defaults. */
const SETTINGS = { CHAT_RATE_BURST: '1000', CHAT_RATE_PER_SECOND: '1000' };
/**
 * History long and large enough that every message of an outage test is still inside the window
 * when the test reads it at the end (the default 30 s window would have let the first ones go).
 */
const LONG_HISTORY = { CHAT_HISTORY_SECONDS: '600', CHAT_HISTORY_MAX: '1000' };

/** Records the room of `channel` as a raw MQTT listener sees it (no SDK de-duplication). */
async function roomListener(stack: LocalStack, playerId: string, channel: string) {
  const client = await connectPlayer(stack, playerId);
  const messages: ChatMessage[] = [];
  client.on('message', (_topic, payload) => messages.push(JSON.parse(payload.toString())));
  expect(await subscribe(client, `chat/room/${channel}`)).toEqual([1]);
  return messages;
}

/** How often each text arrived. */
function arrivals(messages: readonly ChatMessage[], texts: readonly string[]): number[] {
  return texts.map((text) => messages.filter((message) => message.text === text).length);
}

async function history(stack: LocalStack, channel: string) {
  const token = await stack.issueToken('reader');
  const response = await fetch(`${stack.urls.api}/channels/${channel}/messages?limit=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function send(sender: MqttClient, channel: string, texts: readonly string[]) {
  for (const text of texts) {
    await sender.publishAsync(`chat/send/${channel}`, JSON.stringify({ text }), { qos: 1 });
  }
}

async function expectChatterUnharmed(chatter: Chatter) {
  const report = await chatter.stop();
  // Sends during the outage may time out in the SDK; none that was confirmed went missing.
  expect(report.missing).toEqual([]);
  expect(report.duplicates).toBe(0);
  expect(report.confirmed).toBeGreaterThan(0);
  return report;
}

/** Keeps an outage going for its length: the scenario's duration, not a wait for an event. */
const outageOf = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What every outage test promises, whatever the outage. */
function expectEverySendSettledOnce(report: TrafficReport) {
  expect(report.unsettled).toBe(0);
  expect(report.resolved + Object.values(report.rejected).reduce((a, b) => a + b, 0)).toBe(
    report.sent,
  );
  // Typed errors only: a ChatError's code, never something else.
  expect(report.rejected).not.toHaveProperty('error');
  expect(report.resolvedNotDelivered).toBe(0);
  expect(report.deliveredAfterRejection).toBe(0);
  expect(report.duplicates).toBe(0);
  expect(report.missingFromHistory).toBe(0);
}

afterEach(async () => {
  await endMqttClients();
});

describe("outages under steady SDK traffic, on AWS's Lambda schedule", () => {
  let sut: StackUnderTest;
  let dir: string;
  /**
   * Redis with an append-only file synced on every write, so a SIGKILL loses nothing that was
   * acknowledged (as a replica keeps it through an ElastiCache failover): what was in history
   * before the outage is still there after it, and "every delivered message is in history" holds.
   */
  const durable = () => ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gc-outage-'));
    sut = await startStack({
      settings: LONG_HISTORY,
      redis: await startRedisServer({ args: durable() }),
    });
  });
  afterAll(async () => {
    await sut?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Kills Redis (SIGKILL), keeps it down for `ms`, and starts it again on its port and data. */
  async function killRedisFor(ms: number) {
    await sut.redis.stop();
    await outageOf(ms);
    sut.redis = await startRedisServer({ port: sut.redis.port, args: durable() });
  }

  /** Traffic until some sends went through, so the outage starts in the middle of a chat. */
  async function chatting(channel: string) {
    const traffic = await startTraffic(sut.stack, { channel, senders: 4, intervalMs: 2000 });
    await waitFor('traffic to flow', () => traffic.resolved() >= 8);
    return traffic;
  }

  /** Keeps the traffic going until `count` more sends resolved after the outage. */
  async function afterRecovery(traffic: Traffic, count: number) {
    const resolved = traffic.resolved();
    await waitFor(
      'sends to go through again',
      () => traffic.resolved() >= resolved + count,
      45_000,
    );
  }

  const rules = () => sut.stack.stats().rules.chat_send;

  /** Traffic in `channel` while Redis is killed for `ms`, until 8 more sends after it. */
  async function redisKilled(channel: string, ms: number) {
    const traffic = await chatting(channel);
    const before = { ...rules() };
    await killRedisFor(ms);
    await afterRecovery(traffic, 8);
    const report = await traffic.stop();
    console.info(`Redis killed for ${ms / 1000} s`, report);
    expectEverySendSettledOnce(report);
    return { report, before };
  }

  it('Redis killed for 5 s: the filter rides it out, every send resolves once', async () => {
    const { report, before } = await redisKilled('Short', 5000);
    expect(report.resolved).toBe(report.sent);
    // No Lambda retry was needed, and none was dropped.
    expect(rules()).toMatchObject({ failed: before.failed, discarded: 0, expired: 0 });
  });

  it('Redis killed for 40 s: early sends are told unavailable, the rest resolve once after it', async () => {
    const { report, before } = await redisKilled('Long', 40_000);
    // Longer than a send's 25 s: the first sends of the outage gave up, typed `unavailable`.
    expect(report.rejected.unavailable).toBeGreaterThan(0);
    // Nothing else: no rate_limited for messages sent within the limits.
    expect(
      Object.keys(report.rejected).filter((code) => code !== 'unavailable' && code !== 'timeout'),
    ).toEqual([]);
    expect(report.resolved).toBeGreaterThan(16);
    // The filter answered every time (the notice went out): Lambda's retry was never needed.
    expect(rules()).toMatchObject({ failed: before.failed, discarded: 0, expired: 0 });
  }, 150_000);

  it('Data Plane publishes failing for 5 s: retried inside the invocation, every send resolves once', async () => {
    const traffic = await chatting('Publish');
    const before = { ...rules() };
    sut.stack.setDataPlaneFault({});
    await outageOf(5000);
    sut.stack.setDataPlaneFault(undefined);
    await afterRecovery(traffic, 8);
    const report = await traffic.stop();
    console.info('Data Plane failing for 5 s', report);
    expectEverySendSettledOnce(report);
    expect(report.resolved).toBe(report.sent);
    expect(rules()).toMatchObject({ failed: before.failed, discarded: 0, expired: 0 });
  });
});

/** A primary and its replica on loopback, behind one "primary endpoint" (a TCP proxy). */
interface ReplicatedRedis {
  primary: RedisServer;
  replica: RedisServer;
  endpoint: TcpProxy;
  admin: { primary: RedisConnection; replica: RedisConnection };
  stop(): Promise<void>;
}

async function startReplicatedRedis(): Promise<ReplicatedRedis> {
  // A full sync writes an RDB file: into a temporary directory, not the working tree.
  const dir = mkdtempSync(join(tmpdir(), 'gc-replication-'));
  const primary = await startRedisServer({ args: ['--dir', dir] });
  const replica = await startRedisServer({
    args: ['--dir', dir, '--replicaof', '127.0.0.1', String(primary.port)],
  });
  const endpoint = await startTcpProxy(primary.port);
  const admin = {
    primary: createRedisClient({ url: primary.url }),
    replica: createRedisClient({ url: replica.url }),
  };
  await waitFor('the replica to be in sync', async () =>
    String(await admin.replica.command(['INFO', 'replication'])).includes('master_link_status:up'),
  );
  return {
    primary,
    replica,
    endpoint,
    admin,
    async stop() {
      await Promise.all([admin.primary.close(), admin.replica.close()]);
      await endpoint.close();
      await Promise.all([primary.stop(), replica.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** READONLY errors a server answered (INFO errorstats, Redis 7). */
async function readonlyErrors(redis: RedisConnection): Promise<number> {
  const stats = String(await redis.command(['INFO', 'errorstats']));
  return Number(/errorstat_READONLY:count=(\d+)/.exec(stats)?.[1] ?? 0);
}

describe.each([
  ['a planned failover (FAILOVER)', 'planned'],
  ['an unplanned failover (the primary dies, REPLICAOF NO ONE)', 'unplanned'],
] as const)('%s', (_name, kind) => {
  let redis: ReplicatedRedis;
  let sut: StackUnderTest;
  beforeAll(async () => {
    redis = await startReplicatedRedis();
    sut = await startStack({
      settings: SETTINGS,
      redisUrl: redis.endpoint.url,
      redis: redis.primary,
    });
  });
  afterAll(async () => {
    await sut?.stack.stop();
    await redis?.stop();
  });

  it('moves every client to the new primary; messages before, during and after arrive once', async () => {
    const { stack } = sut;
    const chatter = await startChatter(stack, { channel: 'Lobby', intervalMs: 150 });
    const room = await roomListener(stack, 'listener', 'Town1');
    const sender = await connectPlayer(stack, 'sender');
    const before = ['before 1', 'before 2'];
    await send(sender, 'Town1', before);
    await waitFor('the messages before', () => arrivals(room, before).every((n) => n === 1));
    // Replication is asynchronous: what the replica has not got is lost in a failover
    // (perf-reliability.md §6). Wait for it, so this test checks the clients, not the race.
    await redis.admin.primary.command(['WAIT', '1', '2000']);

    if (kind === 'planned') {
      // The primary hands over and becomes a replica; open connections now get READONLY.
      await redis.admin.primary.command(['FAILOVER', 'TIMEOUT', '5000']);
      await waitFor('the replica to be promoted', async () =>
        String(await redis.admin.replica.command(['ROLE'])).startsWith('master'),
      );
    } else {
      await redis.primary.stop();
      await redis.admin.replica.command(['REPLICAOF', 'NO', 'ONE']);
    }
    // The endpoint now names the new primary, as ElastiCache moves its DNS name.
    redis.endpoint.retarget(redis.replica.port);

    const during = ['during 1', 'during 2'];
    await send(sender, 'Town1', during);
    await waitFor('the messages after the failover', () =>
      arrivals(room, during).every((n) => n >= 1),
    );
    await waitFor(
      'history from the new primary',
      async () => (await history(stack, 'Town1')).status === 200,
    );
    const after = ['after 1'];
    await send(sender, 'Town1', after);
    await waitFor('the last message', () => arrivals(room, after)[0] === 1);

    expect(arrivals(room, [...before, ...during, ...after])).toEqual([1, 1, 1, 1, 1]);
    const { body } = await history(stack, 'Town1');
    // The new primary has the whole conversation, what was replicated and what came later.
    expect((body.messages as ChatMessage[]).map((message) => message.text)).toEqual(
      expect.arrayContaining([...before, ...during, ...after]),
    );
    if (kind === 'planned') {
      // The stack's old connections did get READONLY from the demoted primary and let go.
      expect(await readonlyErrors(redis.admin.primary)).toBeGreaterThan(0);
    }
    // The filter's own retries carried the messages across: no Lambda retry, nothing dropped.
    expect(stack.stats().rules.chat_send).toMatchObject({ failed: 0, discarded: 0, expired: 0 });
    const report = await expectChatterUnharmed(chatter);
    console.info(`chatter across ${kind} failover`, report);
  });
});
