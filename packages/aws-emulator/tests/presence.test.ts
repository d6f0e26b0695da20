import type { PresenceEvent } from '@game-chat/protocol/presence';
import { endAll, type Received, record, subscribe, waitFor } from '@game-chat/testing/mqtt-client';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStack, type LocalStack } from '../src/stack.js';
import { joinAs } from './helpers/chat.js';

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
});
