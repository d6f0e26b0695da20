import { type ChatMessage, compareMessageIds } from '@game-chat/protocol/payloads';
import type { TestRedis } from '@game-chat/testing/redis-server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asArray } from '../src/connection.js';
import { bob, channel, chat, isolatedStore, player, redisForBlock, until } from './helpers.js';
import { describeSafetyContract } from './safety-contract.js';

/**
 * What the store promises, whatever Redis it runs on: run against a single node
 * (store.test.ts) and a Redis Cluster (store-cluster.test.ts) with the same expectations.
 */
export function describeStoreContract(start: () => Promise<TestRedis>): void {
  const block = redisForBlock(start);

  function setup(options: Parameters<typeof isolatedStore>[1] = {}) {
    const context = isolatedStore(block.redis.url, options);
    block.track(context.client);
    return context;
  }

  type Store = ReturnType<typeof setup>['store'];
  type AppendOptions = Parameters<Store['append']>[2];

  async function appendOk(store: Store, name: string, text: string, options?: AppendOptions) {
    const result = await store.append(channel(name), chat(text), options);
    if (result.status !== 'stored') throw new Error(`append answered ${result.status}`);
    return result.message;
  }

  /** `count` messages m0, m1, … appended to channel `name` one after another; them, oldest first. */
  async function appendMany(store: Store, name: string, count: number, options?: AppendOptions) {
    const messages: ChatMessage[] = [];
    for (let i = 0; i < count; i++) messages.push(await appendOk(store, name, `m${i}`, options));
    return messages;
  }

  /** One message for each of `texts`, appended to channel `name` in order; them by their text. */
  async function appendEach<Text extends string>(store: Store, name: string, texts: Text[]) {
    const messages = {} as Record<Text, ChatMessage>;
    for (const text of texts) messages[text] = await appendOk(store, name, text);
    return messages;
  }

  describe('append and recent', () => {
    it('stores the contract §3 message and returns it oldest first', async () => {
      const { store } = setup();
      const result = await store.append(channel('Town137'), {
        ...chat('hello', { clientMsgId: 'a1b2c3', ingestId: 'e1' }),
        moderated: true,
      });
      expect(result).toEqual({
        status: 'stored',
        message: {
          v: 1,
          id: expect.stringMatching(/^\d+-1$/),
          kind: 'chat',
          channel: 'Town137',
          from: { id: 'alice', name: 'Alice' },
          text: 'hello',
          sentAt: expect.any(Number),
          clientMsgId: 'a1b2c3',
          moderated: true,
        },
      });
      const message = result.status === 'stored' ? result.message : undefined;
      expect(message?.id.startsWith(`${message?.sentAt}-`)).toBe(true);
      const second = await appendOk(store, 'Town137', 'again');
      const { messages, recovered, retentionSeconds } = await store.recent(channel('Town137'), {
        limit: 50,
      });
      expect(messages).toEqual([message, second]);
      expect(recovered).toBe(true);
      expect(retentionSeconds).toBe(30);
    });

    it('gives increasing ids with a dense counter, and keeps channels apart', async () => {
      const { store } = setup();
      const ids = (await appendMany(store, 'A', 5)).map((m) => m.id);
      await appendOk(store, 'B', 'other');
      expect([...ids].sort(compareMessageIds)).toEqual(ids);
      expect(ids.map((id) => id.split('-')[1])).toEqual(['1', '2', '3', '4', '5']);
      const { messages } = await store.recent(channel('A'), { limit: 50 });
      expect(messages.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    });

    it('without after returns the newest `limit`; with after, the oldest `limit` after it', async () => {
      const { store } = setup();
      const all = await appendMany(store, 'Page', 6);
      const newest = await store.recent(channel('Page'), { limit: 2 });
      expect(newest.messages.map((m) => m.text)).toEqual(['m4', 'm5']);
      const page = await store.recent(channel('Page'), { limit: 2, after: all[1]?.id });
      expect(page.messages.map((m) => m.text)).toEqual(['m2', 'm3']);
      expect(page.recovered).toBe(true);
    });

    it('stores system and delete events with their fields', async () => {
      const { store } = setup();
      const target = await appendOk(store, 'Sys', 'bad words');
      const announced = await store.append(channel('Sys'), {
        kind: 'system',
        from: { id: 'system', name: 'System' },
        text: 'Server restarts in 5 minutes',
      });
      const deleted = await store.append(channel('Sys'), {
        kind: 'delete',
        from: { id: player('mod1'), name: 'Mod' },
        text: '',
        targetId: target.id,
      });
      expect(announced).toMatchObject({ status: 'stored', message: { from: { id: 'system' } } });
      expect(deleted).toMatchObject({ message: { kind: 'delete', targetId: target.id } });
      const { messages } = await store.recent(channel('Sys'), { limit: 10 });
      expect(messages.map((m) => m.kind)).toEqual(['chat', 'system', 'delete']);
    });
  });

  describe('idempotency', () => {
    it('stores a resend with the same (sender, clientMsgId) once', async () => {
      const { store } = setup();
      const first = await store.append(channel('Dup'), chat('hi', { clientMsgId: 'c-1' }));
      const again = await store.append(channel('Dup'), chat('hi', { clientMsgId: 'c-1' }));
      expect(again).toEqual({ ...first, status: 'duplicate' });
      const fromBob = await store.append(channel('Dup'), {
        ...chat('hi', { clientMsgId: 'c-1' }),
        from: bob,
      });
      expect(fromBob.status).toBe('stored');
      expect((await store.recent(channel('Dup'), { limit: 10 })).messages).toHaveLength(2);
    });

    it('stores a redelivered rule event (same ingestId) once', async () => {
      const { store } = setup();
      const first = await store.append(channel('Dup'), chat('hi', { ingestId: 'evt-1' }));
      const again = await store.append(channel('Dup'), chat('hi', { ingestId: 'evt-1' }));
      expect(first.status).toBe('stored');
      expect(again).toEqual({ ...first, status: 'duplicate' });
      expect((await store.recent(channel('Dup'), { limit: 10 })).messages).toHaveLength(1);
    });

    it('still answers with the original id after the message was removed', async () => {
      const { store } = setup();
      const original = await store.append(channel('Gone'), chat('bye', { ingestId: 'evt-2' }));
      if (original.status !== 'stored') throw new Error('refused');
      expect(await store.remove(channel('Gone'), original.message.id)).toBe(true);
      const again = await store.append(channel('Gone'), chat('bye', { ingestId: 'evt-2' }));
      expect(again).toEqual({ status: 'duplicate', message: original.message });
    });

    it('remembers events for dedupeSeconds, beyond a shorter history window', async () => {
      const { store, client, prefix } = setup({ historySeconds: 1, dedupeSeconds: 300 });
      const first = await store.append(
        channel('Long'),
        chat('x', { clientMsgId: 'l-1', ingestId: 'e-l' }),
      );
      if (first.status !== 'stored') throw new Error('refused');
      await store.admit({
        playerId: player('alice'),
        ingestId: 'e-l',
        rate: { burst: 5, perSecond: 1 },
      });
      const ttls = await Promise.all(
        ['0', '1'].map(async (g) =>
          Number(await client.command(['PTTL', `${prefix}:ch:{Long}:dedupe:${g}`])),
        ),
      );
      // Two dedupe windows: an entry lives one to two of them.
      expect(Math.max(...ttls)).toBeGreaterThan(590_000);
      // The player's hash is pushed out to two windows when it has less than one left.
      expect(Number(await client.command(['PTTL', `${prefix}:pl:{alice}`]))).toBeGreaterThan(
        590_000,
      );
      // The message left history with its 1 s window; its redelivery is still a duplicate.
      await until(
        async () => (await store.recent(channel('Long'), { limit: 5 })).messages.length === 0,
      );
      expect(await store.append(channel('Long'), chat('x', { ingestId: 'e-l' }))).toMatchObject({
        status: 'duplicate',
        message: { id: first.message.id },
      });
    });
    it('finds channel records in the previous generation, and forgets them after two', async () => {
      // One-second generations: a record lives from the generation it was written in through
      // the next one, then both hashes have moved on.
      const { store } = setup({ historySeconds: 1, dedupeSeconds: 1 });
      const append = () => store.append(channel('Gen'), chat('x', { ingestId: 'g-1' }));
      // Start early in a second, so that the write lands early in its generation.
      await until(async () => Date.now() % 1000 < 200);
      const written = Math.floor(Date.now() / 1000);
      expect((await append()).status).toBe('stored');
      await until(async () => Date.now() >= (written + 1) * 1000 + 50);
      expect((await append()).status).toBe('duplicate');
      await until(async () => Date.now() >= (written + 2) * 1000 + 50);
      expect((await append()).status).toBe('stored');
    });

    it("keeps a player's admission for the window, then forgets it and sweeps it away", async () => {
      const { store, client, prefix } = setup({ historySeconds: 1, dedupeSeconds: 2 });
      const rate = { burst: 5, perSecond: 5 };
      const admit = (ingestId: string) => store.admit({ playerId: player('gen'), ingestId, rate });
      const started = Date.now();
      expect((await admit('g-1')).status).toBe('admitted');
      expect((await admit('g-1')).status).toBe('in-progress');
      await until(async () => Date.now() >= started + 2100);
      expect((await admit('g-1')).status).toBe('admitted');
      // The next admission a window later sweeps the records older than the window.
      await until(async () => Date.now() >= started + 4600);
      expect((await admit('g-2')).status).toBe('admitted');
      const fields = asArray(await client.command(['HKEYS', `${prefix}:pl:{gen}`])).map(String);
      expect(fields.filter((field) => /^[epr]:/.test(field)).sort()).toEqual(['e:g-2', 'p:g-2']);
    });
  });

  describe('post: admit, then append, as one operation', () => {
    const rate = { burst: 2, perSecond: 1 };
    const alice = player('alice');
    const post = (
      store: Store,
      ingestId: string,
      extra: { clientMsgId?: string; name?: string; options?: AppendOptions } = {},
    ) =>
      store.post({
        admission: {
          playerId: alice,
          ingestId,
          rate,
          ...(extra.clientMsgId === undefined
            ? {}
            : { resendKey: `send/${extra.name ?? 'Post'}:${extra.clientMsgId}` }),
        },
        channel: channel(extra.name ?? 'Post'),
        entry: chat(
          'hello',
          extra.clientMsgId === undefined ? {} : { clientMsgId: extra.clientMsgId },
        ),
        ...(extra.options === undefined ? {} : { options: extra.options }),
      });
    const texts = async (store: Store, name = 'Post') =>
      (await store.recent(channel(name), { limit: 10 })).messages.map((m) => m.text);

    it('stores once: a redelivered event or a resend answers the stored message until completed', async () => {
      const { store } = setup();
      const first = await post(store, 'e-1', { clientMsgId: 'c-1' });
      if (first.status !== 'posted' || first.appended.status !== 'stored')
        throw new Error('refused');
      expect(first.admission).toMatchObject({ status: 'admitted', key: 'e-1' });
      const redelivered = await post(store, 'e-1', { clientMsgId: 'c-1' });
      const resent = await post(store, 'e-2', { clientMsgId: 'c-1' });
      for (const again of [redelivered, resent]) {
        expect(again).toMatchObject({
          status: 'posted',
          admission: { status: 'in-progress', key: 'e-1' },
          appended: { status: 'duplicate', message: first.appended.message },
        });
      }
      expect(await texts(store)).toEqual(['hello']);
      expect(await store.completeAdmission(alice, 'e-1')).toBe(true);
      expect(await post(store, 'e-1', { clientMsgId: 'c-1' })).toEqual({ status: 'completed' });
      expect(await post(store, 'e-3', { clientMsgId: 'c-1' })).toEqual({ status: 'completed' });
      // Neither charged the rate limit: the burst of 2 still has one left after the first.
      const next = await post(store, 'e-4');
      expect(next).toMatchObject({ status: 'posted', appended: { status: 'stored' } });
    });

    it('refuses a muted or rate-limited player without storing or charging anything', async () => {
      const { store } = setup();
      await store.mute(alice, { seconds: 60, by: player('mod') });
      expect(await post(store, 'm-1', { name: 'Quiet' })).toMatchObject({ status: 'muted' });
      await store.unmute(alice);
      for (const id of ['r-1', 'r-2']) {
        expect(await post(store, id, { name: 'Quiet' })).toMatchObject({ status: 'posted' });
      }
      const limited = await post(store, 'r-3', { name: 'Quiet' });
      expect(limited.status).toBe('rate_limited');
      expect(await texts(store, 'Quiet')).toEqual(['hello', 'hello']);
      // The refused events left no record: admitted later, they are new.
      await store.mute(alice, { seconds: 60, by: player('mod') });
      expect(await post(store, 'm-1', { name: 'Quiet' })).toMatchObject({ status: 'muted' });
    });

    it('keeps the admission open when the channel refuses, so a resend is checked again', async () => {
      const { store } = setup();
      const town = channel('Slow');
      await store.setSlowMode(town, 30);
      const options = {};
      expect(await post(store, 's-1', { name: 'Slow', clientMsgId: 'a', options })).toMatchObject({
        status: 'posted',
        appended: { status: 'stored' },
      });
      const refused = await post(store, 's-2', { name: 'Slow', clientMsgId: 'b', options });
      expect(refused).toMatchObject({
        status: 'posted',
        admission: { status: 'admitted' },
        appended: { status: 'slow_mode', seconds: 30 },
      });
      await store.setSlowMode(town, 0);
      // The resend is the same admission (not charged again), and now stored.
      expect(await post(store, 's-3', { name: 'Slow', clientMsgId: 'b', options })).toMatchObject({
        status: 'posted',
        admission: { status: 'in-progress', key: 's-2' },
        appended: { status: 'stored' },
      });
      expect(await texts(store, 'Slow')).toEqual(['hello', 'hello']);
    });

    it("stores under the profile's name, and spares a moderator the slow mode", async () => {
      const { store } = setup();
      const town = channel('Named');
      await store.setSlowMode(town, 30);
      await store.setProfile(alice, { name: 'Alice W.', role: 'moderator' }, 60);
      const options = {};
      for (const id of ['n-1', 'n-2']) {
        const result = await post(store, id, { name: 'Named', options });
        expect(result).toMatchObject({
          status: 'posted',
          appended: { status: 'stored', message: { from: { id: 'alice', name: 'Alice W.' } } },
        });
      }
      const carol = player('carol');
      await store.setProfile(carol, { name: 'Carol', role: 'player' }, 60);
      const byCarol = (ingestId: string) =>
        store.post({
          admission: { playerId: carol, ingestId, rate },
          channel: town,
          entry: { kind: 'chat', from: { id: carol, name: 'carol' }, text: 'hi' },
        });
      expect(await byCarol('c-1')).toMatchObject({ appended: { status: 'stored' } });
      expect(await byCarol('c-2')).toMatchObject({ appended: { status: 'slow_mode' } });
      const stored = (await store.recent(town, { limit: 5 })).messages;
      expect(stored.map((m) => m.from.name)).toEqual(['Alice W.', 'Alice W.', 'Carol']);
    });

    it('counts the channel rate limit, as append does', async () => {
      const { store } = setup();
      const receivedAt = Date.now();
      const busy = (id: string) =>
        store.post({
          admission: { playerId: player(id), ingestId: id, rate, receivedAt },
          channel: channel('Busy'),
          entry: { kind: 'chat', from: { id: player(id), name: id }, text: id },
          options: { channelRatePerSecond: 2, receivedAt },
        });
      const outcomes = [];
      for (const id of ['b1', 'b2', 'b3']) {
        const result = await busy(id);
        outcomes.push(result.status === 'posted' ? result.appended.status : result.status);
      }
      expect(outcomes).toEqual(['stored', 'stored', 'rate_limited']);
    });

    it('does nothing once the sender stopped waiting', async () => {
      const { store } = setup();
      const late = await store.post({
        admission: { playerId: alice, ingestId: 'late-1', rate },
        channel: channel('Late'),
        entry: chat('too late'),
        expiresAt: Date.now() - 1000,
      });
      expect(late).toEqual({ status: 'expired' });
      expect(await texts(store, 'Late')).toEqual([]);
      // Not admitted either: the same event, in time, is new.
      const inTime = await store.post({
        admission: { playerId: alice, ingestId: 'late-1', rate },
        channel: channel('Late'),
        entry: chat('in time'),
        expiresAt: Date.now() + 60_000,
      });
      expect(inTime).toMatchObject({ admission: { status: 'admitted' } });
    });

    it('refuses an entry under another sender than the admitted player', async () => {
      const { store } = setup();
      await expect(
        store.post({
          admission: { playerId: alice, ingestId: 'x-1', rate },
          channel: channel('Post'),
          entry: { kind: 'chat', from: bob, text: 'spoof' },
        }),
      ).rejects.toThrow(/sender/);
      expect(await texts(store)).toEqual([]);
    });
  });

  describe('remove', () => {
    it('removes one message from history and says whether it was there', async () => {
      const { store } = setup();
      const a = await appendOk(store, 'Rm', 'a');
      const b = await appendOk(store, 'Rm', 'b');
      expect(await store.remove(channel('Rm'), a.id)).toBe(true);
      expect(await store.remove(channel('Rm'), a.id)).toBe(false);
      expect((await store.recent(channel('Rm'), { limit: 10 })).messages).toEqual([b]);
    });
  });

  describe.concurrent('retention', () => {
    it('never returns more than historyMax, even while trimming lags', async () => {
      const { store, client, prefix } = setup({ historyMax: 3 });
      const sent = await appendMany(store, 'Cap', 6);
      // MAXLEN ~ trims whole stream nodes only: the stream still holds all six.
      expect(await client.command(['XLEN', `${prefix}:ch:{Cap}:log`])).toBe(6);
      const { messages } = await store.recent(channel('Cap'), { limit: 50 });
      expect(messages.map((m) => m.text)).toEqual(['m3', 'm4', 'm5']);
      const after = await store.recent(channel('Cap'), { limit: 50, after: sent[0]?.id });
      expect(after.messages.map((m) => m.text)).toEqual(['m3', 'm4', 'm5']);
      expect(after.recovered).toBe(false);
      const fromCapEdge = await store.recent(channel('Cap'), { limit: 50, after: sent[2]?.id });
      expect(fromCapEdge.recovered).toBe(true);
    });

    it('trims the stream on write once it outgrows the cap', async () => {
      const { store, client, prefix } = setup({ historyMax: 5 });
      await appendMany(store, 'Big', 250);
      const length = Number(await client.command(['XLEN', `${prefix}:ch:{Big}:log`]));
      expect(length).toBeLessThan(250);
      expect(length).toBeGreaterThanOrEqual(5);
      const { messages } = await store.recent(channel('Big'), { limit: 200 });
      expect(messages.map((m) => m.text)).toEqual(['m245', 'm246', 'm247', 'm248', 'm249']);
    });

    it('drops messages older than the window on read, and the quiet channel expires', async () => {
      const { store, client, prefix } = setup({ historySeconds: 1 });
      const first = await appendOk(store, 'Old', 'old');
      const log = `${prefix}:ch:{Old}:log`;
      const pttl = (key: string) => client.command(['PTTL', key]).then(Number);
      expect(await pttl(log)).toBeGreaterThan(0);
      // The window, and one upkeep interval (a tenth of the window, 1 s at least).
      expect(await pttl(log)).toBeLessThanOrEqual(2000);
      expect(await pttl(`${prefix}:ch:{Old}:meta`)).toBeGreaterThan(3_500_000);
      await until(
        async () => (await store.recent(channel('Old'), { limit: 10 })).messages.length === 0,
      );
      await until(async () => (await client.command(['EXISTS', log])) === 0);
      // A reader that saw `first` has missed nothing: nothing was appended after it.
      expect((await store.recent(channel('Old'), { limit: 10, after: first.id })).recovered).toBe(
        true,
      );
      const second = await appendOk(store, 'Old', 'new');
      await until(
        async () => (await store.recent(channel('Old'), { limit: 10 })).messages.length === 0,
      );
      const missed = await store.recent(channel('Old'), { limit: 10, after: first.id });
      expect(missed).toEqual({
        messages: [],
        recovered: false,
        hasMore: false,
        retentionSeconds: 1,
        maxMessages: 200,
        slowModeSeconds: 0,
      });
      expect(second.id.split('-')[1]).toBe('2');
    });

    it('keeps no key of a quiet channel beyond its lifetime', async () => {
      const { store, client, prefix } = setup({ historySeconds: 1 });
      await store.append(channel('Quiet'), chat('x', { clientMsgId: 'q1', ingestId: 'e-q' }), {
        channelRatePerSecond: 10,
      });
      const base = `${prefix}:ch:{Quiet}`;
      for (const key of ['log', 'dedupe:0', 'dedupe:1', 'rate', 'meta']) {
        const ttl = Number(await client.command(['PTTL', `${base}:${key}`]));
        // -2: the key does not exist (only one dedupe generation is in use); never -1 (no TTL).
        expect(ttl === -2 || ttl > 0, `${key} has a TTL`).toBe(true);
      }
      await until(
        async () =>
          (await client.command([
            'EXISTS',
            `${base}:log`,
            `${base}:dedupe:0`,
            `${base}:dedupe:1`,
          ])) === 0,
      );
    });
  });

  describe.concurrent('channel classes: retention per call', () => {
    const guild = { retentionSeconds: 3600, maxMessages: 1000 };

    it("keeps a class's messages past the default window while a default channel drops them", async () => {
      const { store } = setup({ historySeconds: 1 });
      await appendOk(store, 'Town', 'town');
      await store.append(channel('guild-1'), chat('guild'), { retention: guild });
      const gone = async (name: string) =>
        (await store.recent(channel(name), { limit: 10 })).messages.length === 0;
      // Past the default (1 s) window for both: the town message is gone, and the guild message
      // too when read without its class.
      await until(async () => (await gone('Town')) && (await gone('guild-1')));
      const kept = await store.recent(channel('guild-1'), { limit: 10, retention: guild });
      expect(kept).toMatchObject({ retentionSeconds: 3600, maxMessages: 1000, hasMore: false });
      expect(kept.messages.map((m) => m.text)).toEqual(['guild']);
    });

    it("applies the class's cap on append, reads and recovery", async () => {
      const { store } = setup({ historyMax: 200 });
      const small = { retentionSeconds: 3600, maxMessages: 3 };
      const sent = await appendMany(store, 'party-1', 6, { retention: small });
      const read = (options: { after?: string; before?: string }) =>
        store.recent(channel('party-1'), { limit: 50, retention: small, ...options });
      expect((await read({})).messages.map((m) => m.text)).toEqual(['m3', 'm4', 'm5']);
      expect((await read({ before: sent[5]?.id })).messages.map((m) => m.text)).toEqual([
        'm3',
        'm4',
      ]);
      // After m1: m2 fell to the cap, so the reader missed it; after m2 nothing is missed.
      expect(await read({ after: sent[1]?.id })).toMatchObject({ recovered: false });
      expect(await read({ after: sent[2]?.id })).toMatchObject({ recovered: true });
    });

    it('remembers deleted counters up to the class cap, not the default one', async () => {
      const { store } = setup({ historyMax: 2 });
      const long = { retentionSeconds: 86_400, maxMessages: 100 };
      const sent = await appendMany(store, 'guild-del', 6, { retention: long });
      for (const message of sent.slice(1, 5)) {
        expect(await store.remove(channel('guild-del'), message.id, { retention: long })).toBe(
          true,
        );
      }
      const after = await store.recent(channel('guild-del'), {
        limit: 10,
        after: sent[0]?.id,
        retention: long,
      });
      expect(after.messages.map((m) => m.text)).toEqual(['m5']);
      expect(after.recovered).toBe(true);
    });

    it('lets a quiet channel expire after its class window, and its meta after two', async () => {
      const { store, client, prefix } = setup({ historySeconds: 1 });
      const week = { retentionSeconds: 7 * 86_400, maxMessages: 1000 };
      await store.append(channel('guild-ttl'), chat('x'), { retention: week });
      const pttl = (key: string) =>
        client.command(['PTTL', `${prefix}:ch:{guild-ttl}:${key}`]).then(Number);
      // The window and one upkeep interval (at most a minute) that the TTL is pushed out by.
      expect(await pttl('log')).toBeGreaterThan(7 * 86_400_000);
      expect(await pttl('log')).toBeLessThanOrEqual(7 * 86_400_000 + 60_000);
      expect(await pttl('meta')).toBeGreaterThan(14 * 86_400_000);
    });

    it('refuses a class out of bounds before it reaches Redis', async () => {
      const { store } = setup();
      const append = (retention: { retentionSeconds: number; maxMessages: number }) =>
        store.append(channel('Bad'), chat('x'), { retention });
      await expect(append({ retentionSeconds: 0, maxMessages: 10 })).rejects.toThrow(
        /retentionSeconds/,
      );
      await expect(append({ retentionSeconds: 31 * 86_400, maxMessages: 10 })).rejects.toThrow(
        /retentionSeconds/,
      );
      await expect(append({ retentionSeconds: 60, maxMessages: 10_001 })).rejects.toThrow(
        /maxMessages/,
      );
      expect((await store.recent(channel('Bad'), { limit: 5 })).messages).toEqual([]);
    });
  });

  describe.concurrent('scrollback: before', () => {
    const guild = { retentionSeconds: 3600, maxMessages: 1000 };

    it('pages from the newest to the first of 1000 messages, each once, in order', async () => {
      const { store } = setup();
      const sent: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const result = await store.append(channel('guild-long'), chat(`m${i}`), {
          retention: guild,
        });
        if (result.status === 'stored') sent.push(result.message.id);
      }
      const seen: string[] = [];
      let page = await store.recent(channel('guild-long'), { limit: 200, retention: guild });
      let pages = 1;
      seen.unshift(...page.messages.map((m) => m.id));
      while (page.hasMore) {
        page = await store.recent(channel('guild-long'), {
          limit: 200,
          before: seen[0],
          retention: guild,
        });
        pages += 1;
        seen.unshift(...page.messages.map((m) => m.id));
      }
      expect(seen).toEqual(sent);
      expect(pages).toBe(5);
    });

    it('says hasMore exactly when an older message is left', async () => {
      const { store } = setup();
      const ids = (await appendMany(store, 'Edge', 4)).map((m) => m.id);
      const read = (limit: number, before?: string) =>
        store.recent(channel('Edge'), { limit, ...(before && { before }) });
      expect(await read(4)).toMatchObject({ hasMore: false });
      expect(await read(3)).toMatchObject({ hasMore: true });
      expect((await read(2, ids[2])).messages.map((m) => m.text)).toEqual(['m0', 'm1']);
      expect(await read(2, ids[2])).toMatchObject({ hasMore: false });
      expect(await read(1, ids[2])).toMatchObject({ hasMore: true });
      expect(await read(5, ids[0])).toMatchObject({ messages: [], hasMore: false });
      // A cursor past the newest message, or one no message has: the page just older than it.
      expect((await read(1, `${Date.now() + 60_000}-0`)).messages.map((m) => m.text)).toEqual([
        'm3',
      ]);
    });

    it('says hasMore for an `after` page when newer messages are left', async () => {
      const { store } = setup();
      const ids = (await appendMany(store, 'Fwd', 4)).map((m) => m.id);
      const after = (limit: number) =>
        store.recent(channel('Fwd'), { limit, after: ids[0] as string });
      expect(await after(2)).toMatchObject({ hasMore: true, recovered: true });
      expect(await after(3)).toMatchObject({ hasMore: false, recovered: true });
    });

    it('hides messages past the window or the cap from a before page', async () => {
      const { store } = setup({ historyMax: 2 });
      const ids = (await appendMany(store, 'Hide', 5)).map((m) => m.id);
      expect(
        await store.recent(channel('Hide'), { limit: 10, before: ids[4] as string }),
      ).toMatchObject({ messages: [expect.objectContaining({ text: 'm3' })], hasMore: false });
    });

    it('refuses a bad cursor, and after with before', async () => {
      const { store } = setup();
      await expect(store.recent(channel('X'), { limit: 5, before: 'abc' })).rejects.toThrow(
        /message id/,
      );
      await expect(
        store.recent(channel('X'), { limit: 5, before: '1-1', after: '1-0' }),
      ).rejects.toThrow(/after and before/);
    });
  });

  describe('recovered', () => {
    it('does not count a deleted message as missed', async () => {
      const { store } = setup();
      const { a, b, c } = await appendEach(store, 'Del', ['a', 'b', 'c']);
      expect(await store.remove(channel('Del'), b.id)).toBe(true);
      // A reader that saw `a` missed nothing: `b` is gone on purpose, `c` is still there.
      expect(await store.recent(channel('Del'), { limit: 10, after: a.id })).toMatchObject({
        messages: [c],
        recovered: true,
      });
      // Only deleted messages after it, nothing left to return: still nothing missed.
      expect(await store.remove(channel('Del'), c.id)).toBe(true);
      expect(await store.recent(channel('Del'), { limit: 10, after: a.id })).toMatchObject({
        messages: [],
        recovered: true,
      });
    });

    it('still reports a miss when a deleted message sits next to a trimmed one', async () => {
      const { store } = setup({ historyMax: 2 });
      const { a, c, d } = await appendEach(store, 'DelCap', ['a', 'b', 'c', 'd']);
      // The cap of 2 drops `b` (missed); deleting `c` must not hide that.
      expect(await store.remove(channel('DelCap'), c.id)).toBe(true);
      expect(await store.recent(channel('DelCap'), { limit: 10, after: a.id })).toMatchObject({
        messages: [d],
        recovered: false,
      });
    });

    it('is true when nothing after `after` was lost, false when something was', async () => {
      const { store } = setup({ historyMax: 2 });
      const a = await appendOk(store, 'Rec', 'a');
      expect((await store.recent(channel('Rec'), { limit: 1, after: a.id })).recovered).toBe(true);
      await appendOk(store, 'Rec', 'b');
      await appendOk(store, 'Rec', 'c');
      // b and c are within the cap of 2: a's successor b is still there.
      expect((await store.recent(channel('Rec'), { limit: 1, after: a.id })).recovered).toBe(true);
      await appendOk(store, 'Rec', 'd');
      expect((await store.recent(channel('Rec'), { limit: 1, after: a.id })).recovered).toBe(false);
    });

    it('follows the meta rules: unknown channel, and a counter that restarted', async () => {
      const { store, client, prefix } = setup();
      const now = Date.now();
      const unknown = channel('Nobody');
      expect(
        (await store.recent(unknown, { limit: 5, after: `${now - 60_000}-3` })).recovered,
      ).toBe(true);
      expect(
        (await store.recent(unknown, { limit: 5, after: `${now - 2 * 3_600_000}-3` })).recovered,
      ).toBe(false);
      const old = await appendOk(store, 'Epoch', 'before');
      // An hour of silence drops meta: the counter starts again.
      await client.command(['DEL', `${prefix}:ch:{Epoch}:meta`, `${prefix}:ch:{Epoch}:log`]);
      await until(async () => Date.now() > old.sentAt + 2);
      const fresh = await appendOk(store, 'Epoch', 'after');
      expect(fresh.id.endsWith('-1')).toBe(true);
      const result = await store.recent(channel('Epoch'), { limit: 5, after: old.id });
      expect(result.messages).toEqual([fresh]);
      expect(result.recovered).toBe(false);
    });
  });

  describe('admit: mutes, rate limits, profiles', () => {
    const rate = { burst: 2, perSecond: 4 };
    const slow = { burst: 2, perSecond: 1 };

    it('returns the stored profile, or null when the authorizer recorded none', async () => {
      const { store, client, prefix } = setup();
      expect(await store.admit({ playerId: player('alice'), ingestId: 'i1', rate })).toEqual({
        status: 'admitted',
        profile: null,
        key: 'i1',
      });
      await store.setProfile(player('alice'), { name: 'Alice W.', role: 'moderator' }, 60);
      expect(await store.getProfile(player('alice'))).toEqual({
        name: 'Alice W.',
        role: 'moderator',
      });
      expect(await store.admit({ playerId: player('alice'), ingestId: 'i2', rate })).toMatchObject({
        status: 'admitted',
        profile: { name: 'Alice W.', role: 'moderator' },
      });
      // The player's hash lives as long as its longest field: here the admissions' window.
      const ttl = Number(await client.command(['PTTL', `${prefix}:pl:{alice}`]));
      expect(ttl).toBeGreaterThan(55_000);
      await client.command(['HSET', `${prefix}:pl:{alice}`, 'role', 'root']);
      expect(await store.getProfile(player('alice'))).toBeNull();
    });

    it('lets a profile expire with its TTL', async () => {
      const { store } = setup();
      await store.setProfile(player('bob'), { name: 'Bob', role: 'player' }, 1);
      await until(async () => (await store.getProfile(player('bob'))) === null);
    });

    it('rate-limits with a retryAfterMs that is honest', async () => {
      const { store } = setup();
      const receivedAt = Date.now();
      const admit = (ingestId: string, at = receivedAt) =>
        store.admit({ playerId: player('carol'), ingestId, rate: slow, receivedAt: at });
      expect((await admit('r1')).status).toBe('admitted');
      expect((await admit('r2')).status).toBe('admitted');
      const limited = await admit('r3');
      if (limited.status !== 'rate_limited') throw new Error('expected rate_limited');
      // Counted per second of receive time: a message received in the next second passes.
      expect(limited.retryAfterMs).toBeGreaterThan(0);
      expect(limited.retryAfterMs).toBeLessThanOrEqual(1000);
      const waitUntil = Date.now() + limited.retryAfterMs;
      await until(async () => Date.now() >= waitUntil);
      expect((await admit('r3', Date.now())).status).toBe('admitted');
    });

    it('charges the second a message was received, whatever order they are handled in', async () => {
      const { store } = setup();
      const start = Date.now() - 10_000;
      // One message a second for ten seconds (within burst 2, 1/s), handled newest first, as
      // delayed messages may be once Redis is back.
      for (let second = 9; second >= 0; second--) {
        const admitted = await store.admit({
          playerId: player('gina'),
          ingestId: `g${second}`,
          rate: slow,
          receivedAt: start + second * 1000,
        });
        expect(admitted.status, `message of second ${second}`).toBe('admitted');
      }
      // The same ten handled at once but received within one second: only the burst passes.
      const results = [];
      for (let n = 0; n < 10; n++) {
        results.push(
          await store.admit({
            playerId: player('hank'),
            ingestId: `h${n}`,
            rate: slow,
            receivedAt: start,
          }),
        );
      }
      expect(results.filter((result) => result.status === 'admitted')).toHaveLength(2);
    });

    it('admits a redelivered event again without a charge until it is completed', async () => {
      const { store } = setup();
      const receivedAt = Date.now();
      const admit = (ingestId: string) =>
        store.admit({ playerId: player('dave'), ingestId, rate: slow, receivedAt });
      expect(await admit('same')).toMatchObject({ status: 'admitted', key: 'same' });
      expect(await admit('same')).toMatchObject({ status: 'in-progress', key: 'same' });
      expect(await admit('same')).toMatchObject({ status: 'in-progress', key: 'same' });
      expect(await store.completeAdmission(player('dave'), 'same')).toBe(true);
      expect(await store.completeAdmission(player('dave'), 'same')).toBe(false);
      expect(await admit('same')).toEqual({ status: 'completed' });
      // Only one token was used: one more fresh message fits in the burst of 2.
      expect((await admit('other')).status).toBe('admitted');
      expect((await admit('third')).status).toBe('rate_limited');
    });

    it('does not charge a resend of the same clientMsgId to the same target again', async () => {
      const { store } = setup();
      const receivedAt = Date.now();
      const admit = (ingestId: string, resendKey: string) =>
        store.admit({ playerId: player('ivy'), ingestId, rate: slow, receivedAt, resendKey });
      expect(await admit('e1', 'send/Town:m1')).toMatchObject({ status: 'admitted', key: 'e1' });
      // The resend is the first admission: its key is the first event's.
      expect(await admit('e2', 'send/Town:m1')).toMatchObject({ status: 'in-progress', key: 'e1' });
      // The same clientMsgId to another channel is another message, charged.
      expect(await admit('e3', 'send/Forest:m1')).toMatchObject({ status: 'admitted', key: 'e3' });
      expect((await admit('e4', 'send/Town:m2')).status).toBe('rate_limited');
      await expect(admit('e5', 'send/Town:has space')).rejects.toThrow(/resendKey/);
    });

    it("keeps a whisper's first id with its admission, for resends and redeliveries", async () => {
      const { store } = setup();
      const whisper = { playerId: player('jo'), rate: slow, resendKey: 'whisper/bob:x' };
      const first = { ...whisper, ingestId: 'w1', whisperId: '1764081600123-42' };
      const admission = { profile: null, key: 'w1', whisperId: '1764081600123-42' };
      expect(await store.admit(first)).toEqual({ status: 'admitted', ...admission });
      // A resend brings a whisper id of its own; the first one is kept.
      const resend = { ...whisper, ingestId: 'w2', whisperId: '1764081600999-7' };
      expect(await store.admit(resend)).toEqual({ status: 'in-progress', ...admission });
      // Completed by whichever try delivered it: the resend and the first event alike are done.
      expect(await store.completeAdmission(player('jo'), 'w1')).toBe(true);
      expect(await store.admit(resend)).toEqual({ status: 'completed' });
      expect(await store.admit(first)).toEqual({ status: 'completed' });
    });

    it('refuses a bad admission key before reaching Redis', async () => {
      const { store } = setup();
      await expect(store.completeAdmission(player('jo'), 'a key')).rejects.toThrow(/ingestId/);
    });

    it('refuses a muted player until the mute ends or is lifted', async () => {
      const { store, client, prefix } = setup();
      const { until: mutedUntil } = await store.mute(player('erin'), {
        seconds: 600,
        reason: 'spam',
        by: player('mod1'),
      });
      expect(mutedUntil).toBeGreaterThan(Date.now() + 590_000);
      expect(await store.getMute(player('erin'))).toEqual({
        until: mutedUntil,
        reason: 'spam',
        by: player('mod1'),
      });
      expect(await store.admit({ playerId: player('erin'), ingestId: 'm1', rate })).toEqual({
        status: 'muted',
        until: mutedUntil,
        reason: 'spam',
      });
      const ttl = Number(await client.command(['PTTL', `${prefix}:pl:{erin}`]));
      expect(ttl).toBeGreaterThan(590_000);
      expect(await store.unmute(player('erin'))).toBe(true);
      expect(await store.unmute(player('erin'))).toBe(false);
      expect(await store.getMute(player('erin'))).toBeNull();
      expect((await store.admit({ playerId: player('erin'), ingestId: 'm2', rate })).status).toBe(
        'admitted',
      );
    });

    it('lets a short mute run out by itself', async () => {
      const { store } = setup();
      await store.mute(player('fred'), { seconds: 1, by: 'system' });
      expect((await store.admit({ playerId: player('fred'), ingestId: 'f1', rate })).status).toBe(
        'muted',
      );
      await until(async () => (await store.getMute(player('fred'))) === null);
      // A refused event left no record: its redelivery is a first admission.
      expect((await store.admit({ playerId: player('fred'), ingestId: 'f1', rate })).status).toBe(
        'admitted',
      );
    });
  });

  describe('the rate limit against its definition', () => {
    /**
     * The ring's rule, written out: with the 64 seconds up to now, a message received in second
     * s (clamped into them) passes when every run of seconds j..i around s holds at most
     * max(1, burst, rate) + rate * (i - j) messages with it.
     */
    function admittedByDefinition(
      receivedAt: readonly number[],
      now: number,
      burst: number,
      rate: number,
    ): boolean[] {
      const current = Math.floor(now / 1000);
      const first = current - 63;
      const counts = new Array<number>(64).fill(0);
      const cap = Math.max(1, burst, rate);
      return receivedAt.map((received) => {
        const at = Math.min(63, Math.max(0, Math.floor(received / 1000) - first));
        for (let j = 0; j <= at; j++) {
          for (let i = at; i < 64; i++) {
            let held = 1;
            for (let k = j; k <= i; k++) held += counts[k] ?? 0;
            if (held > cap + rate * (i - j)) return false;
          }
        }
        counts[at] = (counts[at] ?? 0) + 1;
        return true;
      });
    }

    it('counts past 255 in one second (two bytes a slot), and a raised limit starts afresh', async () => {
      const { store } = setup();
      const receivedAt = Date.now() - 5000;
      const admit = (ingestId: string, burst: number) =>
        store.admit({
          playerId: player('wide'),
          ingestId,
          rate: { burst, perSecond: 1 },
          receivedAt,
        });
      const statuses: string[] = [];
      for (let i = 0; i < 301; i++) statuses.push((await admit(`w${i}`, 300)).status);
      expect(statuses.filter((status) => status === 'admitted')).toHaveLength(300);
      expect(statuses.at(-1)).toBe('rate_limited');
      // A cap past 65,535 needs three bytes a slot: the two-byte ring is not read as one.
      expect((await admit('w-wider', 70_000)).status).toBe('admitted');
      expect((await admit('w-back', 300)).status).toBe('admitted');
    });

    it('admits exactly the messages the rule admits, in any order of receipt', async () => {
      const { store } = setup();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 6 }),
          fc.constantFrom(0.5, 1, 2, 3),
          // Seconds before now each message was received: mostly close together, where the
          // limit bites, some up to 70 (older than the ring).
          fc.array(
            fc.oneof(
              { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 4 },
              { arbitrary: fc.integer({ min: 0, max: 70 }), weight: 1 },
            ),
            { minLength: 1, maxLength: 30 },
          ),
          async (burst, perSecond, agesInSeconds) => {
            const playerId = player(`ring${++run}`);
            const now = Date.now();
            const receivedAt = agesInSeconds.map((age) => now - age * 1000);
            const answers = [];
            for (const [index, at] of receivedAt.entries()) {
              const result = await store.admit({
                playerId,
                ingestId: `r${index}`,
                rate: { burst, perSecond },
                receivedAt: at,
              });
              answers.push(result.status);
              if (result.status === 'rate_limited') expect(result.retryAfterMs).toBeGreaterThan(0);
            }
            // The rule reads whole seconds of Redis' clock: a case that crossed one is void.
            fc.pre(Math.floor(Date.now() / 1000) === Math.floor(now / 1000));
            expect(answers.map((status) => status === 'admitted')).toEqual(
              admittedByDefinition(receivedAt, now, burst, perSecond),
            );
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe('channel rate limit', () => {
    it('refuses a flood into one channel with retryAfterMs, and not duplicates', async () => {
      const { store } = setup();
      const options = { channelRatePerSecond: 2, receivedAt: Date.now() };
      const first = await store.append(channel('Flood'), chat('1', { ingestId: 'f-1' }), options);
      expect(first.status).toBe('stored');
      expect(
        (await store.append(channel('Flood'), { ...chat('2'), from: bob }, options)).status,
      ).toBe('stored');
      // A redelivery of a stored message costs nothing.
      expect(await store.append(channel('Flood'), chat('1', { ingestId: 'f-1' }), options)).toEqual(
        {
          ...first,
          status: 'duplicate',
        },
      );
      const limited = await store.append(channel('Flood'), chat('3'), options);
      expect(limited).toEqual({ status: 'rate_limited', retryAfterMs: expect.any(Number) });
      if (limited.status === 'rate_limited') {
        expect(limited.retryAfterMs).toBeGreaterThan(0);
        expect(limited.retryAfterMs).toBeLessThanOrEqual(1000);
      }
      expect((await store.append(channel('Other'), chat('x'), options)).status).toBe('stored');
      expect((await store.recent(channel('Flood'), { limit: 10 })).messages).toHaveLength(2);
    });

    it('lets through messages sent within the limit but handled together after an outage', async () => {
      const { store } = setup();
      const start = Date.now() - 6000;
      // 240 messages over 6 s (40/s) into a channel allowed 50/s, handled in a burst and in
      // shuffled order: none is refused. The same 240 received in one second: the limit holds.
      const order = Array.from({ length: 240 }, (_, n) => n).sort(
        (a, b) => ((a * 7919) % 240) - ((b * 7919) % 240),
      );
      const late = await Promise.all(
        order.map((n) =>
          store.append(channel('Busy'), chat(`m${n}`), {
            channelRatePerSecond: 50,
            receivedAt: start + Math.floor(n / 40) * 1000 + (n % 40) * 25,
          }),
        ),
      );
      expect(late.filter((result) => result.status !== 'stored')).toHaveLength(0);
      const flood = await Promise.all(
        order.map((n) =>
          store.append(channel('Flooded'), chat(`m${n}`), {
            channelRatePerSecond: 50,
            receivedAt: start,
          }),
        ),
      );
      expect(flood.filter((result) => result.status === 'stored')).toHaveLength(50);
    });

    it('refuses a bad receivedAt or rate before reaching Redis', async () => {
      const { store } = setup();
      await expect(store.append(channel('Bad'), chat('x'), { receivedAt: -1 })).rejects.toThrow(
        /receivedAt/,
      );
      await expect(
        store.append(channel('Bad'), chat('x'), { channelRatePerSecond: Number.NaN }),
      ).rejects.toThrow(/channelRatePerSecond/);
      await expect(
        store.admit({
          playerId: player('a'),
          ingestId: 'i',
          rate: { burst: 1, perSecond: 1 },
          receivedAt: 1.5,
        }),
      ).rejects.toThrow(/receivedAt/);
    });
  });

  describeSafetyContract(setup);
}
