import { createLocalStack, type LocalStack } from '@game-chat/aws-emulator';
import { createRedisClient } from '@game-chat/chat-store/connection';
import type { ChatMessage } from '@game-chat/protocol/payloads';
import { type RedisCluster, startRedisCluster } from '@game-chat/testing/redis-cluster';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { endMqttClients, sdkClient, waitFor } from '../src/harness.js';

/**
 * The whole stack (the three Lambda bundles) on a 3-master Redis Cluster, selected by
 * `REDIS_URL=redis://host:port?cluster=true` alone: chat, history, moderation.
 */

let cluster: RedisCluster;
let stack: LocalStack;

beforeAll(async () => {
  cluster = await startRedisCluster();
  stack = await createLocalStack({
    log: 'silent',
    redisUrl: cluster.url,
    settings: { CHAT_RATE_BURST: '20' },
  });
});

afterAll(async () => {
  await endMqttClients();
  await stack?.stop();
  await cluster?.stop();
});

it('chats, reads history and moderates with every key on the node of its slot', async () => {
  const alice = sdkClient(stack, 'alice');
  const bob = sdkClient(stack, 'bob');
  const moderator = sdkClient(stack, 'mia', { role: 'moderator' });
  const channels = ['Town1', 'Town2', 'Guild7', 'Arena', 'Lobby'];
  await Promise.all([alice.connect(), bob.connect(), moderator.connect()]);
  for (const channel of channels) await Promise.all([alice.join(channel), bob.join(channel)]);
  const received: ChatMessage[] = [];
  bob.on('message', (message) => received.push(message));

  const sent = [];
  for (const channel of channels) sent.push(await alice.send(channel, `hello ${channel}`));
  await waitFor('bob to get every message', () => received.length === channels.length);

  // A later reader gets the history of each channel from the node that holds it.
  const carol = sdkClient(stack, 'carol');
  await carol.connect();
  for (const channel of channels) {
    expect((await carol.join(channel)).map((message) => message.text)).toEqual([
      `hello ${channel}`,
    ]);
  }

  await moderator.announce('Town1', 'Maintenance at noon');
  const removed = sent[1] as ChatMessage;
  await moderator.deleteMessage('Town2', removed.id);
  await waitFor('the delete to reach carol', () =>
    carol.messages('Town2').every((message) => message.id !== removed.id),
  );
  await moderator.mute('alice', 60, 'spam');
  await expect(alice.send('Town1', 'muted?')).rejects.toMatchObject({ code: 'muted' });
  await moderator.unmute('alice');
  await expect(alice.send('Town1', 'back')).resolves.toMatchObject({ text: 'back' });

  // The keys really are spread over the masters.
  const holding = await Promise.all(
    cluster.nodes.map(async (node) => {
      const client = createRedisClient({ url: node.url });
      const size = Number(await client.command(['DBSIZE']));
      await client.close();
      return size;
    }),
  );
  expect(holding.filter((size) => size > 0).length).toBeGreaterThan(1);
  await Promise.all([alice.close(), bob.close(), carol.close(), moderator.close()]);
});
