import type { ReportEvidence } from '@game-chat/protocol/safety';
import { describe, expect, it } from 'vitest';
import type { RedisConnection } from '../src/connection.js';
import type { ChatStore, ChatStoreOptions } from '../src/store.js';
import { channel, chat, player, until } from './helpers.js';

type Setup = (options?: Omit<ChatStoreOptions, 'client' | 'keyPrefix'>) => {
  store: ChatStore;
  client: RedisConnection;
  prefix: string;
};

/** Block lists, slow mode, evidence and reports (issue 15), on whatever Redis the contract runs. */
export function describeSafetyContract(setup: Setup): void {
  const alice = player('alice');
  const mallory = player('mallory');

  async function stored(store: ChatStore, name: string, text: string, sender = 'alice') {
    const result = await store.append(channel(name), {
      ...chat(text),
      from: { id: player(sender), name: sender },
    });
    if (result.status !== 'stored') throw new Error(`append answered ${result.status}`);
    return result.message;
  }

  describe('block lists', () => {
    it('blocks, lists oldest first, keeps the first since, and unblocks', async () => {
      const { store } = setup();
      const first = await store.block(alice, mallory);
      expect(first).toEqual({ status: 'blocked', since: expect.any(Number) });
      await store.block(alice, player('trent'));
      expect(await store.block(alice, mallory)).toEqual(first);
      expect(await store.blocks(alice)).toEqual([
        { id: 'mallory', since: first.status === 'blocked' ? first.since : 0 },
        { id: 'trent', since: expect.any(Number) },
      ]);
      expect(await store.blocks(mallory)).toEqual([]);
      expect(await store.unblock(alice, mallory)).toBe(true);
      expect(await store.unblock(alice, mallory)).toBe(false);
      expect((await store.blocks(alice)).map((entry) => entry.id)).toEqual(['trent']);
    });

    it('refuses a block past maxBlocks and stores nothing', async () => {
      const { store } = setup({ maxBlocks: 2 });
      await store.block(alice, player('b1'));
      await store.block(alice, player('b2'));
      expect(await store.block(alice, player('b3'))).toEqual({ status: 'full' });
      expect((await store.blocks(alice)).map((entry) => entry.id)).toEqual(['b1', 'b2']);
      // Blocking someone already blocked is no new entry: still fine when full.
      expect((await store.block(alice, player('b2'))).status).toBe('blocked');
    });

    it("answers a whisper's recipient status: ignored only for the players it blocked", async () => {
      const { store } = setup();
      await store.block(alice, mallory);
      // Offline comes first: a recipient with no live connection is offline to everyone.
      expect(await store.recipientStatus(alice, mallory)).toBe('offline');
      for (const online of [alice, mallory]) {
        await store.applyLifecycle({
          kind: 'connected',
          clientId: online,
          session: `${online}-session`,
          at: Date.now(),
          version: 1,
        });
      }
      expect(await store.recipientStatus(alice, mallory)).toBe('ignored');
      expect(await store.recipientStatus(alice, player('bob'))).toBe('ok');
      expect(await store.recipientStatus(mallory, alice)).toBe('ok');
      await store.unblock(alice, mallory);
      expect(await store.recipientStatus(alice, mallory)).toBe('ok');
    });
  });

  describe('slow mode', () => {
    it('lets a player post once per interval, by receipt time, with an honest retryAfterMs', async () => {
      const { store } = setup();
      const town = channel('Slow');
      await store.setSlowMode(town, 10);
      const post = (sender: string, receivedAt?: number) =>
        store.append(
          town,
          { ...chat('hi'), from: { id: player(sender), name: sender } },
          { slowModeSender: player(sender), ...(receivedAt === undefined ? {} : { receivedAt }) },
        );
      const before = Date.now();
      expect((await post('alice')).status).toBe('stored');
      const refused = await post('alice');
      const elapsed = Date.now() - before;
      expect(refused).toEqual({
        status: 'slow_mode',
        retryAfterMs: expect.any(Number),
        seconds: 10,
      });
      if (refused.status !== 'slow_mode') return;
      expect(refused.retryAfterMs).toBeLessThanOrEqual(10_000);
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(10_000 - elapsed - 50);
      // Another player, and a sender slow mode does not apply to (moderators, system), pass.
      expect((await post('bob')).status).toBe('stored');
      expect((await store.append(town, chat('mod'))).status).toBe('stored');
      // A message received a full interval later passes.
      expect((await post('alice', Date.now() + 10_000)).status).toBe('stored');
      expect((await store.recent(town, { limit: 10 })).messages).toHaveLength(4);
    });

    it('is returned by history reads, and cleared with 0', async () => {
      const { store } = setup();
      const town = channel('SlowRead');
      const first = await stored(store, 'SlowRead', 'x');
      await store.setSlowMode(town, 30);
      expect((await store.recent(town, { limit: 5 })).slowModeSeconds).toBe(30);
      expect((await store.recent(town, { limit: 5, after: first.id })).slowModeSeconds).toBe(30);
      await store.setSlowMode(town, 0);
      expect((await store.recent(town, { limit: 5 })).slowModeSeconds).toBe(0);
      const post = () => store.append(town, chat('y'), { slowModeSender: alice });
      expect((await post()).status).toBe('stored');
      expect((await post()).status).toBe('stored');
      await expect(store.setSlowMode(town, -1)).rejects.toThrow(/seconds/);
    });

    it('stores the announcement of a change with its interval', async () => {
      const { store } = setup();
      const result = await store.append(channel('SlowSys'), {
        kind: 'system',
        from: { id: 'system', name: 'System' },
        text: 'Slow mode: one message every 5 seconds',
        slowModeSeconds: 5,
      });
      expect(result).toMatchObject({ message: { kind: 'system', slowModeSeconds: 5 } });
      const { messages } = await store.recent(channel('SlowSys'), { limit: 5 });
      expect(messages[0]?.slowModeSeconds).toBe(5);
    });
  });

  describe('evidence', () => {
    it('copies the message with up to 20 before and 5 after, deletions left out', async () => {
      const { store } = setup();
      const all = [];
      for (let i = 0; i < 30; i++) all.push(await stored(store, 'Ev', `m${i}`));
      await store.append(channel('Ev'), {
        kind: 'delete',
        from: { id: 'system', name: 'System' },
        text: '',
        targetId: all[0]?.id as string,
      });
      const target = all[22];
      const evidence = await store.evidence(channel('Ev'), target?.id as string, {
        before: 20,
        after: 5,
      });
      expect(evidence?.message).toEqual(target);
      expect(evidence?.before.map((m) => m.text)).toEqual(all.slice(2, 22).map((m) => m.text));
      expect(evidence?.after.map((m) => m.text)).toEqual(all.slice(23, 28).map((m) => m.text));
      const last = await store.evidence(channel('Ev'), all[29]?.id as string, {
        before: 2,
        after: 5,
      });
      expect(last?.after).toEqual([]);
      expect(last?.before.map((m) => m.text)).toEqual(['m27', 'm28']);
    });

    it('is null for an unknown message, or one out of history', async () => {
      const { store } = setup({ historySeconds: 1 });
      const message = await stored(store, 'EvOld', 'soon gone');
      const around = { before: 20, after: 5 };
      expect(await store.evidence(channel('EvOld'), '1-1', around)).toBeNull();
      expect(await store.evidence(channel('Nowhere'), message.id, around)).toBeNull();
      expect(await store.evidence(channel('EvOld'), message.id, around)).not.toBeNull();
      await until(
        async () => (await store.evidence(channel('EvOld'), message.id, around)) === null,
      );
    });

    it("reads within the channel's class: its window and its cap", async () => {
      const { store } = setup({ historySeconds: 1, historyMax: 200 });
      const guild = { retentionSeconds: 3600, maxMessages: 3 };
      const append = (text: string) =>
        store.append(channel('EvGuild'), chat(text), { retention: guild });
      const first = await append('first');
      if (first.status !== 'stored') throw new Error(`append answered ${first.status}`);
      const around = { before: 20, after: 5, retention: guild };
      await until(
        async () =>
          (await store.evidence(channel('EvGuild'), first.message.id, {
            before: 20,
            after: 5,
          })) === null,
      );
      // Past the default window, the class's hour still holds it.
      expect(
        (await store.evidence(channel('EvGuild'), first.message.id, around))?.message.text,
      ).toBe('first');
      for (const text of ['second', 'third', 'fourth']) await append(text);
      // Beyond the class's cap of 3 now.
      expect(await store.evidence(channel('EvGuild'), first.message.id, around)).toBeNull();
    });
  });

  describe('reports', () => {
    async function evidenceOf(store: ChatStore, name: string): Promise<ReportEvidence> {
      await stored(store, name, 'before');
      const message = await stored(store, name, 'you are bad', 'mallory');
      const evidence = await store.evidence(channel(name), message.id, { before: 20, after: 5 });
      if (!evidence) throw new Error('no evidence');
      return evidence;
    }

    it('keeps the evidence after the history window, and for the retention', async () => {
      const { store, client, prefix } = setup({ historySeconds: 1, reportRetentionDays: 30 });
      const evidence = await evidenceOf(store, 'Rp');
      const created = await store.createReport({
        reporter: alice,
        channel: channel('Rp'),
        reason: 'harassment',
        note: 'again',
        evidence,
      });
      expect(created).toEqual({
        status: 'created',
        reportId: expect.stringMatching(/^[0-9a-f]{16}$/),
        createdAt: expect.any(Number),
      });
      if (created.status !== 'created') return;
      await until(
        async () => (await store.recent(channel('Rp'), { limit: 5 })).messages.length === 0,
      );
      expect(await store.getReport(created.reportId)).toEqual({
        reportId: created.reportId,
        status: 'open',
        channel: 'Rp',
        messageId: evidence.message.id,
        reporter: 'alice',
        reason: 'harassment',
        note: 'again',
        createdAt: created.createdAt,
        evidence,
      });
      // No TTL: the cache's volatile-ttl policy can never evict a report or its marker.
      const base = `${prefix}:rp:{reports}`;
      expect(await client.command(['PTTL', `${base}:r:${created.reportId}`])).toBe(-1);
      expect(await client.command(['PTTL', `${base}:dup:alice:Rp:${evidence.message.id}`])).toBe(
        -1,
      );
    });

    it('deletes reports past the retention, with their duplicate markers', async () => {
      const { store, client, prefix } = setup({ reportRetentionDays: 30 });
      const evidence = await evidenceOf(store, 'RpOld');
      const report = () =>
        store.createReport({
          reporter: alice,
          channel: channel('RpOld'),
          reason: 'spam',
          evidence,
        });
      const created = await report();
      if (created.status !== 'created') throw new Error(created.status);
      // As if it had been made 31 days ago: its index score is its creation time.
      const base = `${prefix}:rp:{reports}`;
      const old = (Date.now() - 31 * 24 * 3600 * 1000) * 1000;
      await client.command(['ZADD', `${base}:open`, 'XX', String(old), created.reportId]);
      expect((await store.listReports({ status: 'open', limit: 10 })).reports).toEqual([]);
      expect(await store.getReport(created.reportId)).toBeNull();
      expect(
        await client.command(['EXISTS', `${base}:dup:alice:RpOld:${evidence.message.id}`]),
      ).toBe(0);
      // The marker went with it: the same message may be reported again.
      expect((await report()).status).toBe('created');
    });

    it('takes one report per reporter per message, and rate-limits a reporter', async () => {
      const { store } = setup();
      const evidence = await evidenceOf(store, 'RpDup');
      const report = (reporter = alice, with_ = evidence) =>
        store.createReport({
          reporter,
          channel: channel('RpDup'),
          reason: 'spam',
          evidence: with_,
        });
      const first = await report();
      expect(await report()).toEqual({
        status: 'duplicate',
        reportId: first.status === 'created' ? first.reportId : '',
      });
      expect((await report(player('bob'))).status).toBe('created');
      // Nine more messages: ten reports in the window, then the eleventh is refused.
      for (let i = 0; i < 9; i++) {
        const message = await stored(store, 'RpDup', `m${i}`, 'mallory');
        const more = { ...evidence, message };
        expect((await report(alice, more)).status).toBe('created');
      }
      const message = await stored(store, 'RpDup', 'one too many', 'mallory');
      const limited = await report(alice, { ...evidence, message });
      expect(limited).toEqual({ status: 'rate_limited', retryAfterMs: expect.any(Number) });
      if (limited.status === 'rate_limited') {
        expect(limited.retryAfterMs).toBeGreaterThan(590_000);
        expect(limited.retryAfterMs).toBeLessThanOrEqual(600_000);
      }
      const page = await store.listReports({ status: 'open', limit: 100 });
      expect(page.reports).toHaveLength(11);
    });

    it('lists oldest first with a cursor, resolves once, and moves it to the resolved queue', async () => {
      const { store } = setup();
      const evidence = await evidenceOf(store, 'RpList');
      const ids: string[] = [];
      for (const reporter of ['r1', 'r2', 'r3', 'r4', 'r5']) {
        const created = await store.createReport({
          reporter: player(reporter),
          channel: channel('RpList'),
          reason: 'other',
          evidence,
        });
        if (created.status === 'created') ids.push(created.reportId);
      }
      const first = await store.listReports({ status: 'open', limit: 2 });
      expect(first.reports.map((r) => r.reporter)).toEqual(['r1', 'r2']);
      expect(first.next).toBe(ids[1]);
      const second = await store.listReports({ status: 'open', limit: 2, after: first.next });
      expect(second.reports.map((r) => r.reporter)).toEqual(['r3', 'r4']);
      const resolved = await store.resolveReport(ids[2] as string, {
        action: 'mute',
        by: player('mod1'),
        seconds: 600,
        note: 'muted',
      });
      expect(resolved).toMatchObject({
        status: 'resolved',
        report: {
          status: 'resolved',
          resolution: {
            action: 'mute',
            by: 'mod1',
            at: expect.any(Number),
            seconds: 600,
            note: 'muted',
          },
        },
      });
      // The cursor still works for a report resolved meanwhile.
      const third = await store.listReports({ status: 'open', limit: 2, after: second.next });
      expect(third.reports.map((r) => r.reporter)).toEqual(['r5']);
      expect(third.next).toBeUndefined();
      expect((await store.listReports({ status: 'open', limit: 10 })).reports).toHaveLength(4);
      expect(
        (await store.listReports({ status: 'resolved', limit: 10 })).reports.map((r) => r.reporter),
      ).toEqual(['r3']);
      expect(
        await store.resolveReport(ids[2] as string, { action: 'dismiss', by: player('mod2') }),
      ).toEqual({ status: 'resolved_before' });
      expect(
        await store.resolveReport('0000000000000000', { action: 'dismiss', by: player('mod2') }),
      ).toEqual({ status: 'not_found' });
      await expect(
        store.listReports({ status: 'open', limit: 2, after: '0000000000000000' }),
      ).rejects.toThrow(/no report/);
      await expect(store.getReport('nope')).rejects.toThrow(/report id/);
      const bad = { reporter: alice, channel: channel('RpList'), evidence };
      await expect(store.createReport({ ...bad, reason: 'rude' as 'spam' })).rejects.toThrow(
        /reason/,
      );
      await expect(
        store.createReport({ ...bad, reason: 'spam', note: 'x'.repeat(501) }),
      ).rejects.toThrow(/note/);
      await expect(
        store.resolveReport(ids[0] as string, { action: 'ban' as 'mute', by: player('m') }),
      ).rejects.toThrow(/action/);
    });
  });
}
