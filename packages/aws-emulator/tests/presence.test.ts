import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import type { PresenceEvent } from '@game-chat/protocol/presence';
import { endAll, type Received, record, subscribe, waitFor } from '@game-chat/testing/mqtt-client';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStack, type LocalStack } from '../src/stack.js';
import { connectSigned, joinAs } from './helpers/chat.js';

/**
 * Presence through the local stack: real MQTT clients, the broker's lifecycle events through the
 * rules of infra/rules, the presence bundle, a real Redis, broadcasts on `chat/presence/{channel}`.
 */

let stack: LocalStack;
beforeAll(async () => {
  stack = await createLocalStack({ log: 'silent', settings: { CHAT_PRESENCE_INTERVAL_MS: '200' } });
}, 30_000);
afterEach(() => endAll());
afterAll(() => stack?.stop());

/** Watches a channel's presence topic and folds the broadcasts, as the SDK does. */
async function watch(channel: string) {
  const watcher = await joinAs(stack, `watcher${channel}`);
  const received: Received[] = record(watcher);
  await subscribe(watcher, `chat/presence/${channel}`);
  const events = () =>
    received
      .filter((message) => message.topic === `chat/presence/${channel}`)
      .map((message) => JSON.parse(message.payload.toString()) as PresenceEvent);
  return {
    events,
    count: () => events().at(-1)?.count,
    members() {
      const members = new Set<string>();
      for (const event of events()) {
        for (const { id } of event.joined) members.add(id);
        for (const { id } of event.left) members.delete(id);
      }
      return [...members].sort();
    },
  };
}

async function enter(playerId: string, channel: string, clientId = playerId): Promise<MqttClient> {
  const client = await joinAs(stack, playerId, { clientId, name: playerId.toUpperCase() });
  await subscribe(client, `chat/room/${channel}`);
  return client;
}

/**
 * A TCP hop to the broker that can go silent: bytes stop flowing both ways and no socket closes,
 * as when a phone loses its network. Only the broker's keep-alive can notice.
 */
async function silentHop(port: number) {
  const sockets: Socket[] = [];
  let silent = false;
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port });
    sockets.push(client, upstream);
    client.on('data', (chunk) => silent || upstream.write(chunk));
    upstream.on('data', (chunk) => silent || client.write(chunk));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    url: `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    goSilent: () => {
      silent = true;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('presence through the local stack', () => {
  it('counts three players within 2 s, a second tab once, and drops a cut socket', async () => {
    const town = await watch('Presence1');
    const alice = await enter('alice', 'Presence1');
    const bob = await enter('bob', 'Presence1');
    await enter('carol', 'Presence1');
    await waitFor('a count of 3', () => town.count() === 3, 2000);
    expect(town.members()).toEqual(['alice', 'bob', 'carol']);
    expect(town.events().flatMap((event) => event.joined)).toContainEqual({
      id: 'alice',
      name: 'ALICE',
    });

    // A second tab of alice: still 3. Then her first tab goes, cleanly: she stays, on the second.
    await enter('alice', 'Presence1', 'alice.tab2');
    await alice.endAsync();
    // Bob's socket is cut without DISCONNECT: IoT sees the connection lost.
    bob.stream.destroy();
    await waitFor('bob to leave', () => town.members().join() === 'alice,carol', 3000);
    await waitFor('a count of 2', () => town.count() === 2, 2000);
    expect(town.events().every((event) => event.count <= 3)).toBe(true);
  });

  it('follows UNSUBSCRIBE, and coalesces a burst of joins', async () => {
    const lobby = await watch('Presence2');
    const players = await Promise.all(
      Array.from({ length: 20 }, (_, i) => enter(`burst${i}`, 'Presence2')),
    );
    await waitFor('a count of 20', () => lobby.count() === 20, 3000);
    // 20 joins: the first at once, the rest coalesced, one broadcast per 200 ms at most.
    expect(lobby.events().length).toBeLessThan(20);
    await (players[0] as MqttClient).unsubscribeAsync('chat/room/Presence2');
    await waitFor('a count of 19', () => lobby.count() === 19, 2000);
    expect(lobby.members()).not.toContain('burst0');
  });

  it('drops a player whose network went silent within 1.5 × the keep-alive (30 s at least on IoT)', async () => {
    const hall = await watch('Presence3');
    await enter('olga', 'Presence3');
    const hop = await silentHop(Number(new URL(stack.urls.mqtt).port));
    try {
      const credentials = await stack.issueSignedToken('pavel', { name: 'pavel' });
      const pavel = await connectSigned(hop.url, credentials, {
        clientId: 'pavel',
        keepalive: 30,
        // The client must not notice either: no reconnect, no close of its own.
        reconnectPeriod: 0,
      });
      await subscribe(pavel, 'chat/room/Presence3');
      await waitFor('two members', () => hall.count() === 2, 3000);
      hop.goSilent();
      const silentAt = Date.now();
      await waitFor('pavel to leave', () => hall.members().join() === 'olga', 60_000);
      // IoT closes a connection after 1.5 × its keep-alive without traffic.
      expect(Date.now() - silentAt).toBeLessThan(1.5 * 30_000 + 5_000);
      expect(hall.count()).toBe(1);
    } finally {
      hop.close();
    }
  }, 90_000);
});
