import { endAll, record, subscribe, waitFor } from '@game-chat/testing/mqtt-client';
import { type RedisServer, startRedisServer } from '@game-chat/testing/redis-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalStack, type LocalStack } from '../src/stack.js';
import { joinAs, parse } from './helpers/chat.js';

/**
 * Redis goes away and comes back (a restart, an ElastiCache failover) while the stack runs: the
 * message sent during the outage is retried inside the filter's invocation until it goes
 * through (no Lambda retry is needed: those come a minute later), and the stack serves again
 * without being restarted.
 */

let redis: RedisServer;
let stack: LocalStack;

beforeAll(async () => {
  redis = await startRedisServer();
  stack = await createLocalStack({ log: 'silent', redisUrl: redis.url });
}, 30_000);

afterAll(async () => {
  await endAll();
  await stack?.stop();
  await redis?.stop();
});

it('recovers from a Redis restart without restarting the stack', async () => {
  const alice = await joinAs(stack, 'alice');
  const bob = await joinAs(stack, 'bob');
  const bobGot = record(bob);
  await subscribe(bob, 'chat/room/Town137');
  await alice.publishAsync('chat/send/Town137', '{"text":"before"}', { qos: 1 });
  await waitFor('the first message', () => bobGot.length === 1);

  await redis.stop();
  const invocations = stack.stats().rules.chat_send?.invocations ?? 0;
  await alice.publishAsync('chat/send/Town137', '{"text":"during the outage"}', { qos: 1 });
  await waitFor(
    'the filter to be invoked while Redis is down',
    () => (stack.stats().rules.chat_send?.invocations ?? 0) > invocations,
    10_000,
  );
  redis = await startRedisServer({ port: redis.port });

  await waitFor('the retried message', () => bobGot.length === 2, 10_000);
  await alice.publishAsync('chat/send/Town137', '{"text":"after"}', { qos: 1 });
  await waitFor('the next message', () => bobGot.length === 3, 10_000);
  expect(bobGot.map((message) => parse(message))).toMatchObject([
    { text: 'before' },
    { text: 'during the outage' },
    { text: 'after' },
  ]);
  const token = await stack.issueToken('carol');
  const response = await fetch(`${stack.urls.api}/channels/Town137/messages`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  const { messages } = (await response.json()) as { messages: { text: string }[] };
  // The restarted Redis is empty (no persistence): history holds what came after it.
  expect(messages.map((message) => message.text)).toEqual(['during the outage', 'after']);
  // One invocation rode the outage out: Lambda's async retry never ran.
  expect(stack.stats().rules.chat_send).toMatchObject({
    failed: 0,
    retried: 0,
    discarded: 0,
    expired: 0,
  });
}, 30_000);
