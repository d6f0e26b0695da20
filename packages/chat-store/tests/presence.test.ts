import { redisForTests, type TestRedis } from '@game-chat/testing/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../src/connection.js';
import { StoreInputError } from '../src/errors.js';
import type { ChatStore, LifecycleInput } from '../src/store.js';
import { channel, isolatedStore, player, until } from './helpers.js';

const town = channel('Town137');
const guild = channel('Guild42');

let redis: TestRedis;
const opened: RedisConnection[] = [];
beforeAll(async () => {
  redis = await redisForTests();
}, 30_000);
afterAll(async () => {
  await Promise.all(opened.map((client) => client.close()));
  await redis?.stop();
});

/** A store whose Redis round trips are counted: one per batch of calls sent together. */
function setup(presence: { staleSeconds?: number; intervalMs?: number; maxMembers?: number } = {}) {
  const context = isolatedStore(redis.url, { presence: { intervalMs: 60_000, ...presence } });
  opened.push(context.client);
  let scripts = 0;
  const evalScript = context.client.evalScript.bind(context.client);
  context.client.evalScript = (...args) => {
    scripts++;
    return evalScript(...args);
  };
  return { ...context, scripts: () => scripts };
}

let clock = Date.now();
/** Lifecycle events with increasing timestamps, like IoT Core's. */
function event(
  kind: LifecycleInput['kind'],
  clientId: string,
  session: string,
  extra: Partial<LifecycleInput> = {},
): LifecycleInput {
  clock += 10;
  return { kind, clientId, session, at: clock, ...extra };
}
const join = (clientId: string, session: string, channels = [town]) => [
  event('connected', clientId, session, { version: 1 }),
  event('subscribed', clientId, session, { channels }),
];

async function apply(store: ChatStore, events: readonly LifecycleInput[]) {
  const results = [];
  for (const input of events) results.push(await store.applyLifecycle(input));
  return results;
}

const ids = async (store: ChatStore, name = town) =>
  (await store.members(name, 100)).members.map((member) => member.id).sort();

describe('membership from lifecycle events', () => {
  it('counts a player in a channel while one of its connections is subscribed', async () => {
    const { store } = setup();
    await store.setProfile(player('alice'), { name: 'Alice', role: 'player' }, 600);
    await apply(store, [...join('alice', 's1'), ...join('bob', 's2')]);
    expect(await store.members(town, 100)).toEqual({
      count: 2,
      members: expect.arrayContaining([
        { id: 'alice', name: 'Alice' },
        { id: 'bob', name: 'bob' },
      ]),
      truncated: false,
    });
    await apply(store, [event('unsubscribed', 'bob', 's2', { channels: [town] })]);
    expect(await ids(store)).toEqual(['alice']);
  });

  it('counts two tabs of one player once, until the last one leaves', async () => {
    const { store } = setup();
    await apply(store, [...join('alice.tab1', 's1'), ...join('alice.tab2', 's2')]);
    expect((await store.occupancy([town])).Town137).toBe(1);
    await apply(store, [event('disconnected', 'alice.tab1', 's1', { version: 1 })]);
    expect((await store.occupancy([town])).Town137).toBe(1);
    await apply(store, [event('disconnected', 'alice.tab2', 's2', { version: 1 })]);
    expect((await store.occupancy([town])).Town137).toBe(0);
  });

  it('removes a disconnected connection from every channel it was in', async () => {
    const { store } = setup();
    await apply(store, join('alice', 's1', [town, guild]));
    expect(await store.occupancy([town, guild])).toEqual({ Town137: 1, Guild42: 1 });
    await apply(store, [event('disconnected', 'alice', 's1', { version: 1 })]);
    expect(await store.occupancy([town, guild])).toEqual({ Town137: 0, Guild42: 0 });
  });

  it('costs at most two round trips per event, whatever the number of channels', async () => {
    const { store, scripts } = setup();
    const before = scripts();
    const [connected, subscribed] = await apply(store, join('alice', 's1', [town, guild]));
    expect(connected?.channels).toEqual([]);
    expect(subscribed?.channels).toHaveLength(2);
    // One script on the player's slot per event, then one per channel sent together.
    expect(scripts() - before).toBe(1 + 1 + 2);
  });
});

describe('late, duplicated and out-of-order events', () => {
  it('ignores a subscribe that arrives after its own unsubscribe', async () => {
    const { store } = setup();
    const [connected, subscribed] = join('alice', 's1');
    const unsubscribed = event('unsubscribed', 'alice', 's1', { channels: [town] });
    await apply(store, [connected as LifecycleInput, unsubscribed, subscribed as LifecycleInput]);
    expect(await ids(store)).toEqual([]);
  });

  it('never brings back a member with a subscribe or connect replayed after the disconnect', async () => {
    const { store } = setup();
    const events = join('alice', 's1');
    const disconnected = event('disconnected', 'alice', 's1', { version: 1 });
    await apply(store, [...events, disconnected, ...events, disconnected, ...events]);
    expect(await ids(store)).toEqual([]);
  });

  it('applies a disconnect that arrives before the connect and subscribe of its session', async () => {
    const { store } = setup();
    const events = join('alice', 's1');
    const disconnected = event('disconnected', 'alice', 's1', { version: 1 });
    const results = await apply(store, [disconnected, ...events]);
    expect(results.map((result) => result.status)).toEqual(['applied', 'stale', 'stale']);
    expect(await ids(store)).toEqual([]);
  });

  it('lets a new session replace the old one, and ignores the old one’s late disconnect', async () => {
    const { store } = setup();
    const oldDisconnect = (() => {
      const first = join('alice', 's1', [town, guild]);
      return { first, disconnected: event('disconnected', 'alice', 's1', { version: 1 }) };
    })();
    await apply(store, oldDisconnect.first);
    // A second connection with the same client id kicks the first: its events come first here.
    await apply(store, [
      event('connected', 'alice', 's2', { version: 2 }),
      event('subscribed', 'alice', 's2', { channels: [town] }),
      oldDisconnect.disconnected,
    ]);
    expect(await ids(store, town)).toEqual(['alice']);
    // The old session was in Guild42 too; the new one is not.
    expect(await ids(store, guild)).toEqual([]);
  });

  it('orders sessions by versionNumber when the timestamps disagree', async () => {
    const { store } = setup();
    const later = join('alice', 's2').map((input) => ({ ...input, version: 7 }));
    const earlier = event('connected', 'alice', 's1', { version: 6, at: clock + 1000 });
    await apply(store, later);
    const [result] = await apply(store, [earlier]);
    expect(result?.status).toBe('stale');
    expect(await ids(store)).toEqual(['alice']);
  });

  it('handles the same events twice, in any order, with the same members', async () => {
    const { store } = setup();
    const events = [
      ...join('alice', 's1'),
      ...join('bob', 's2'),
      ...join('carol', 's3'),
      event('unsubscribed', 'bob', 's2', { channels: [town] }),
      event('disconnected', 'carol', 's3', { version: 1 }),
    ];
    const shuffled = [...events].reverse().concat(
      events,
      [...events].sort(() => 0.5 - Math.random()),
    );
    await apply(store, shuffled);
    expect(await ids(store)).toEqual(['alice']);
  });

  it('ignores events older than the horizon', async () => {
    const { store } = setup();
    const [result] = await apply(store, [
      { kind: 'connected', clientId: 'alice', session: 's1', at: Date.now() - 60 * 60 * 1000 },
    ]);
    expect(result?.status).toBe('expired');
  });
});

describe('a member whose disconnect is lost', () => {
  it('disappears after CHAT_PRESENCE_STALE_SECONDS', async () => {
    const { store } = setup({ staleSeconds: 1 });
    await apply(store, join('alice', 's1'));
    expect(await store.recipientStatus(player('alice'), player('bob'))).toBe('ok');
    await until(async () => (await store.occupancy([town])).Town137 === 0, 4000);
    expect(await store.recipientStatus(player('alice'), player('bob'))).toBe('offline');
  });
});

describe('broadcasts', () => {
  it('publishes the first change at once, then coalesces until the interval has passed', async () => {
    const { store } = setup({ intervalMs: 500 });
    await store.setProfile(player('bob'), { name: 'Bob', role: 'player' }, 600);
    const [, first] = await apply(store, join('alice', 's1'));
    expect(first?.channels).toEqual([
      {
        channel: town,
        status: 'publish',
        broadcast: { count: 1, joined: [{ id: 'alice', name: 'alice' }], left: [] },
      },
    ]);
    const [, second] = await apply(store, join('bob', 's2'));
    const [, third] = await apply(store, join('carol', 's3'));
    await apply(store, [event('unsubscribed', 'alice', 's1', { channels: [town] })]);
    expect(second?.channels[0]).toMatchObject({ status: 'deferred', owner: true });
    const due = second?.channels[0];
    // Due one interval after the first broadcast, measured on Redis's clock.
    expect(due?.status === 'deferred' && due.dueInMs > 0 && due.dueInMs <= 500).toBe(true);
    expect(third?.channels[0]).toMatchObject({ status: 'deferred', owner: false });
    // The owner waits until it is due, then publishes everything since the last broadcast.
    let flushed = await store.flushPresence(town);
    await until(async () => {
      flushed = await store.flushPresence(town);
      return flushed.status === 'publish';
    });
    expect(flushed).toEqual({
      channel: town,
      status: 'publish',
      broadcast: {
        count: 2,
        joined: expect.arrayContaining([
          { id: 'bob', name: 'Bob' },
          { id: 'carol', name: 'carol' },
        ]),
        left: [{ id: 'alice' }],
      },
    });
    expect(await store.flushPresence(town)).toEqual({
      channel: town,
      status: 'unchanged',
      count: 2,
    });
  });

  it('sends only the count above CHAT_PRESENCE_MAX_MEMBERS', async () => {
    const { store } = setup({ intervalMs: 1, maxMembers: 2 });
    for (const id of ['a', 'b', 'c']) await apply(store, join(id, `s-${id}`));
    await until(async () => (await store.flushPresence(town)).status !== 'deferred');
    const [result] = await apply(store, [event('unsubscribed', 'a', 's-a', { channels: [town] })]);
    await until(async () => {
      const flushed =
        result?.channels[0]?.status === 'publish'
          ? result.channels[0]
          : await store.flushPresence(town);
      if (flushed.status !== 'publish') return false;
      expect(flushed.broadcast).toEqual({ count: 2, joined: [], left: [{ id: 'a' }] });
      return true;
    });
    await apply(store, [...join('d', 's-d')]);
    await until(async () => {
      const flushed = await store.flushPresence(town);
      if (flushed.status === 'deferred') return false;
      if (flushed.status === 'publish')
        expect(flushed.broadcast).toEqual({ count: 3, joined: [], left: [] });
      return true;
    });
  });

  it('turns 1,000 joins into a handful of broadcasts', async () => {
    const { store } = setup({ intervalMs: 200 });
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        store.applyLifecycle(event('subscribed', `p${i}`, `s${i}`, { channels: [town] })),
      ),
    );
    const outcomes = results.flatMap((result) => result.channels);
    expect(outcomes.filter((outcome) => outcome.status === 'publish').length).toBeLessThanOrEqual(
      2,
    );
    expect(
      outcomes.filter((outcome) => outcome.status === 'deferred' && outcome.owner).length,
    ).toBeLessThanOrEqual(2);
    expect((await store.occupancy([town])).Town137).toBe(1000);
  });
});

describe('members, occupancy and recipients', () => {
  it('lists at most limit members and says when it truncated', async () => {
    const { store } = setup();
    for (const id of ['a', 'b', 'c']) await apply(store, join(id, `s-${id}`));
    const page = await store.members(town, 2);
    expect(page.count).toBe(3);
    expect(page.members).toHaveLength(2);
    expect(page.truncated).toBe(true);
  });

  it('answers 0 for a channel nobody is in', async () => {
    const { store } = setup();
    expect(await store.occupancy([channel('Empty')])).toEqual({ Empty: 0 });
    expect(await store.members(channel('Empty'), 10)).toEqual({
      count: 0,
      members: [],
      truncated: false,
    });
  });

  it('says offline for a player with no live connection, ok once one connects', async () => {
    const { store } = setup();
    expect(await store.recipientStatus(player('alice'), player('bob'))).toBe('offline');
    await apply(store, [event('connected', 'alice.tab2', 's1', { version: 1 })]);
    expect(await store.recipientStatus(player('alice'), player('bob'))).toBe('ok');
    // Ids are case-sensitive: `Alice` is someone else.
    expect(await store.recipientStatus(player('Alice'), player('bob'))).toBe('offline');
    await apply(store, [event('disconnected', 'alice.tab2', 's1', { version: 1 })]);
    expect(await store.recipientStatus(player('alice'), player('bob'))).toBe('offline');
  });

  it.each([
    ['a client id that is not a player id', { clientId: 'alice bob' }],
    ['a wildcard client id', { clientId: 'alice.+' }],
    ['a session with spaces', { session: 'a b' }],
    ['a fractional timestamp', { at: 1.5 }],
    ['a negative version', { version: -1 }],
  ])('refuses %s before anything reaches Redis', async (_why, bad) => {
    const { store, scripts } = setup();
    const before = scripts();
    await expect(
      store.applyLifecycle({ ...event('connected', 'alice', 's1'), ...bad }),
    ).rejects.toBeInstanceOf(StoreInputError);
    expect(scripts()).toBe(before);
  });
});
