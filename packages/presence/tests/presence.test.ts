import { validateChannel } from '@game-chat/protocol/names';
import { waitFor } from '@game-chat/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, lifecycle, startHarness } from './helpers/harness.js';

const channel = (name: string) => {
  const checked = validateChannel(name);
  if (!checked.ok) throw new Error(checked.message);
  return checked.value;
};

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ CHAT_PRESENCE_INTERVAL_MS: '300' });
}, 30_000);
afterAll(() => harness?.close());

const members = async (name: string) =>
  (await harness.store.members(channel(name), 100)).members.map((member) => member.id).sort();

describe('the presence bundle', () => {
  it('publishes the first join of a quiet channel at once, with the member', async () => {
    await harness.invoke(lifecycle.connected('alice'));
    const outcome = await harness.invoke(lifecycle.subscribed('alice', 'First1'));
    expect(outcome).toEqual({ status: 'applied', published: 1, deferred: 0 });
    expect(harness.broadcasts('First1')).toEqual([
      {
        v: 1,
        kind: 'presence',
        channel: 'First1',
        count: 1,
        joined: [{ id: 'alice', name: 'alice' }],
        left: [],
      },
    ]);
  });

  it('coalesces a burst of 200 joins into a few broadcasts, the last with the truth', async () => {
    const events = Array.from({ length: 200 }, (_, i) => lifecycle.subscribed(`p${i}`, 'Burst1'));
    const outcomes = await Promise.all(events.map((event) => harness.invoke(event)));
    const broadcasts = harness.broadcasts('Burst1');
    // The first join at once, the rest within the next interval or two (the owners' flushes).
    expect(broadcasts.length).toBeLessThanOrEqual(3);
    expect(
      outcomes.filter((o) => o.status === 'applied' && o.deferred === 1).length,
    ).toBeLessThanOrEqual(2);
    expect(broadcasts.at(-1)?.count).toBe(200);
    // Above CHAT_PRESENCE_MAX_MEMBERS (100) only the count goes out.
    expect(broadcasts.at(-1)).toMatchObject({ joined: [], left: [] });
  });

  it('leaves the right members after events replayed twice and out of order', async () => {
    const events = [
      lifecycle.connected('bob'),
      lifecycle.subscribed('bob', 'Order1'),
      lifecycle.connected('carol'),
      lifecycle.subscribed('carol', 'Order1'),
      lifecycle.unsubscribed('carol', 'Order1'),
      lifecycle.connected('dave.tab1'),
      lifecycle.subscribed('dave.tab1', 'Order1'),
      lifecycle.disconnected('dave.tab1'),
      lifecycle.connected('erin'),
      lifecycle.subscribed('erin', 'Order1'),
    ];
    for (const event of [...events].reverse()) await harness.invoke(event);
    for (const event of events) await harness.invoke(event);
    expect(await members('Order1')).toEqual(['bob', 'erin']);
    await waitFor(
      'the last broadcast to count 2',
      () => harness.broadcasts('Order1').at(-1)?.count === 2,
    );
  });

  it('ignores events that are not lifecycle events of player clients, storing nothing', async () => {
    const before = await harness.redis.command(['KEYS', `${harness.prefix}:*`]);
    for (const event of [
      { foo: 1 },
      { ...lifecycle.connected('x'), clientId: 'device/7' },
      { ...lifecycle.subscribed('y', 'Town1'), topics: ['other/room/Town1'] },
      null,
    ]) {
      expect(await harness.invoke(event)).toMatchObject({ status: 'ignored' });
    }
    expect(await harness.redis.command(['KEYS', `${harness.prefix}:*`])).toEqual(before);
    expect(harness.broadcasts('Town1')).toEqual([]);
  });
});
