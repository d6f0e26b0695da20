import { rejectionOf } from '@game-chat/testing/rejection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatClient, ChatError, type PresenceUpdate } from '../src/client.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { nextEvent, waitUntil } from './support/wait.js';

/** Presence through the local stack: IoT lifecycle events, the presence bundle, the HTTP API. */

let stack: LocalStack;
let players: Players;
beforeAll(async () => {
  stack = await startStack({ CHAT_PRESENCE_INTERVAL_MS: '200' });
  players = new Players(stack);
});
afterAll(async () => {
  await players?.closeAll();
  await stack?.stop();
});

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ChatError);

const ids = (client: ChatClient, channel: string) =>
  (client.presence(channel)?.members ?? []).map((member) => member.id).sort();

describe('presence in the SDK', () => {
  it('join gives the members, then presence events follow joins, tabs and leaves', async () => {
    const alice = await players.connect('alice');
    const updates: PresenceUpdate[] = [];
    alice.on('presence', (update) => updates.push(update));
    await alice.join('Lobby');
    expect(updates[0]?.channel).toBe('Lobby');

    const bob = await players.connect('bob');
    await bob.join('Lobby');
    await waitUntil(() => alice.presence('Lobby')?.count === 2, 'bob in the count');
    expect(ids(alice, 'Lobby')).toEqual(['alice', 'bob']);
    // Bob's join read the members: himself too, once his subscription counted.
    await waitUntil(() => bob.presence('Lobby')?.count === 2, 'bob to see 2');

    // A second tab of bob: still two players.
    const bobTab = await players.connect('bob', {}, { clientSuffix: 'tab2' });
    await bobTab.join('Lobby');
    await waitUntil(async () => (await alice.members('Lobby')).count === 2, 'tab counted once');
    await bob.leave('Lobby');
    expect((await alice.members('Lobby')).members.map((m) => m.id).sort()).toEqual([
      'alice',
      'bob',
    ]);
    await bobTab.leave('Lobby');
    await waitUntil(() => alice.presence('Lobby')?.count === 1, 'bob gone');
    expect(ids(alice, 'Lobby')).toEqual(['alice']);
    expect(updates.at(-1)?.left).toEqual([{ id: 'bob' }]);
    expect(alice.presence('Nowhere')).toBeUndefined();
  });

  it('occupancy counts channels without joining them', async () => {
    const carol = await players.connect('carol');
    await carol.join('Arena');
    const dave = await players.connect('dave');
    await waitUntil(async () => (await dave.occupancy(['Arena', 'Empty'])).Arena === 1, 'carol');
    expect(await dave.occupancy(['Arena', 'Empty'])).toEqual({ Arena: 1, Empty: 0 });
  });

  it('refuses bad arguments before any request', async () => {
    const erin = await players.connect('erin');
    expect((await rejection(erin.occupancy([]))).code).toBe('invalid');
    expect((await rejection(erin.occupancy(['a', 'a']))).code).toBe('invalid');
    expect((await rejection(erin.occupancy(['bad name']))).code).toBe('invalid');
    expect(
      (await rejection(erin.occupancy(Array.from({ length: 101 }, (_, i) => `c${i}`)))).code,
    ).toBe('invalid');
    expect((await rejection(erin.members('Lobby', 0))).code).toBe('invalid');
    expect((await rejection(erin.members('Lob/by'))).code).toBe('invalid');
  });

  it('whisper to a player who is not online rejects with offline, ids being case-sensitive', async () => {
    const frank = await players.connect('frank');
    const alice = await players.connect('alicia');
    await alice.join('Garden');
    await waitUntil(async () => (await frank.members('Garden')).count === 1, 'alicia online');
    // What a new user types: `/w Alicia` for the player `alicia`.
    expect((await rejection(frank.whisper('Alicia', 'hi'))).code).toBe('offline');
    expect((await rejection(frank.whisper('nobody', 'hi'))).code).toBe('offline');
    const received = nextEvent(alice, 'whisper');
    await frank.whisper('alicia', 'found you');
    expect((await received).text).toBe('found you');
  });

  it('leaves players this player blocked out of the members, not out of the count', async () => {
    const gina = await players.connect('gina');
    const [hal, ida] = [await players.connect('hal'), await players.connect('ida')];
    for (const client of [gina, hal, ida]) await client.join('Den');
    await waitUntil(() => gina.presence('Den')?.count === 3, 'three in the den');
    await gina.block('hal');
    expect(ids(gina, 'Den')).toEqual(['gina', 'ida']);
    expect(gina.presence('Den')?.count).toBe(3);
    expect((await gina.members('Den')).members.map((m) => m.id).sort()).toEqual(['gina', 'ida']);
    // Only gina's view: ida still lists hal.
    await waitUntil(() => ida.presence('Den')?.count === 3, 'ida to see three');
    expect(ids(ida, 'Den')).toEqual(['gina', 'hal', 'ida']);

    // hal's leave and return are not announced to gina; ida's are.
    const updates: PresenceUpdate[] = [];
    gina.on('presence', (update) => updates.push(update));
    await hal.leave('Den');
    await ida.leave('Den');
    await waitUntil(() => gina.presence('Den')?.count === 1, 'both gone');
    await hal.join('Den');
    await waitUntil(() => gina.presence('Den')?.count === 2, 'hal back');
    const mentioned = updates.flatMap((u) => [...u.joined, ...u.left].map((member) => member.id));
    expect(mentioned).toContain('ida');
    expect(mentioned).not.toContain('hal');

    await gina.unblock('hal');
    expect(ids(gina, 'Den')).toEqual(['gina', 'hal']);
  });
});
