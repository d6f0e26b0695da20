import type { ChannelName } from '@game-chat/protocol/names';
import { type ChatMessage, compareMessageIds } from '@game-chat/protocol/payloads';
import { describe, expect, it } from 'vitest';
import type { HistorySince } from '../src/api.js';
import { ChannelSubscription, type GapEvent } from '../src/channel-subscription.js';
import { ChatError } from '../src/errors.js';
import { chatMessage as message } from './support/messages.js';

interface HistoryRead {
  readonly after: string | undefined;
  readonly caughtUp: (lastId: string) => boolean;
  answer(messages: ChatMessage[], recovered?: boolean): void;
  fail(error: unknown): void;
}

/** A subscription whose history reads the test answers one by one, recording what comes out. */
function subscription() {
  const reads: HistoryRead[] = [];
  const delivered: { id: string; emit: boolean }[] = [];
  const gaps: GapEvent[] = [];
  /** What the channel's scrollback pages are cut from; `olderReads` the cursors asked for. */
  const older: ChatMessage[] = [];
  const olderReads: (string | undefined)[] = [];
  const channel = new ChannelSubscription({
    name: 'Town' as ChannelName,
    capacity: 50,
    history: (after, caughtUp) =>
      new Promise<HistorySince>((resolve, reject) => {
        reads.push({
          after,
          caughtUp,
          answer: (messages, recovered = true) =>
            resolve({ messages, recovered, slowModeSeconds: 0 }),
          fail: reject,
        });
      }),
    olderPage: async ({ before, limit }) => {
      olderReads.push(before);
      const below = older.filter(
        (m) => before === undefined || compareMessageIds(m.id, before) < 0,
      );
      return { messages: below.slice(-limit), hasMore: below.length > limit };
    },
    deliver: (delivery, emit) => delivered.push({ id: delivery.id, emit }),
    gap: (event) => gaps.push(event),
  });
  /** The read the subscription has started by now (history waits for the subscription). */
  const read = async (index: number): Promise<HistoryRead> => {
    for (let turn = 0; turn < 50 && reads[index] === undefined; turn++) await Promise.resolve();
    const started = reads[index];
    if (!started) throw new Error(`history read ${index} never started`);
    return started;
  };
  /** Joins, the history window holding `messages`. */
  const joinWith = async (...messages: ChatMessage[]): Promise<void> => {
    const joining = channel.join(Promise.resolve());
    (await read(reads.length)).answer(messages);
    await joining;
  };
  return { channel, reads, read, joinWith, delivered, gaps, older, olderReads };
}

describe('ChannelSubscription', () => {
  it('reads history only once subscribed, so that nothing falls between the two', async () => {
    const { channel, reads, read } = subscription();
    let subscribe = () => {};
    const joining = channel.join(
      new Promise<void>((resolve) => {
        subscribe = resolve;
      }),
    );
    await Promise.resolve();
    expect(reads).toHaveLength(0);
    subscribe();
    (await read(0)).answer([]);
    expect(await joining).toEqual([]);
  });

  it('holds live messages back while history loads, then gives one ordered list, each id once', async () => {
    const { channel, read, delivered } = subscription();
    const joining = channel.join(Promise.resolve());
    const history = await read(0);
    channel.receive(message('30-0'));
    channel.receive(message('20-0')); // Also in the history page.
    expect(delivered).toEqual([]);
    // History stops paging once it reaches what came live.
    expect(history.caughtUp('10-0')).toBe(false);
    expect(history.caughtUp('20-0')).toBe(true);
    history.answer([message('10-0'), message('20-0')]);

    const joined = await joining;
    expect(joined.map((m) => m.id)).toEqual(['10-0', '20-0', '30-0']);
    expect(delivered).toEqual([
      { id: '10-0', emit: false },
      { id: '20-0', emit: false },
      { id: '30-0', emit: false },
    ]);

    channel.receive(message('40-0'));
    channel.receive(message('40-0')); // A QoS 1 redelivery.
    channel.receive(message('30-0'));
    expect(delivered.slice(3)).toEqual([{ id: '40-0', emit: true }]);
    expect(channel.lastId).toBe('40-0');
  });

  it('catches up after the last id it holds and emits what was missed', async () => {
    const { channel, read, joinWith, delivered, gaps } = subscription();
    await joinWith(message('10-0'));

    const caughtUp = channel.catchUp(Promise.resolve());
    const catchUp = await read(1);
    expect(catchUp.after).toBe('10-0');
    channel.receive(message('30-0'));
    catchUp.answer([message('20-0'), message('30-0')]);
    await caughtUp;

    expect(delivered.slice(1)).toEqual([
      { id: '20-0', emit: true },
      { id: '30-0', emit: true },
    ]);
    expect(gaps).toEqual([]);
  });

  it('reports a gap when the missed messages had expired', async () => {
    const { channel, read, joinWith, delivered, gaps } = subscription();
    await joinWith(message('10-0'));

    const caughtUp = channel.catchUp(Promise.resolve());
    (await read(1)).answer([message('90-0')], false);
    await caughtUp;

    expect(gaps).toEqual([{ channel: 'Town', afterId: '10-0' }]);
    expect(delivered.at(-1)).toEqual({ id: '90-0', emit: true });
  });

  it('reports a gap with the error when history cannot be read, and live messages flow again', async () => {
    const { channel, read, joinWith, delivered, gaps } = subscription();
    await joinWith(message('10-0'));

    const caughtUp = channel.catchUp(Promise.resolve());
    channel.receive(message('50-0'));
    (await read(1)).fail(new ChatError('network', 'unreachable'));
    await caughtUp;

    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ channel: 'Town', afterId: '10-0', error: { code: 'network' } });
    expect(delivered.slice(1)).toEqual([{ id: '50-0', emit: true }]);
    channel.receive(message('60-0'));
    expect(delivered.at(-1)).toEqual({ id: '60-0', emit: true });
  });

  it('rejects a join when history cannot be read or the subscription is refused', async () => {
    const unread = subscription();
    const joining = unread.channel.join(Promise.resolve());
    (await unread.read(0)).fail(new ChatError('network', 'unreachable'));
    await expect(joining).rejects.toMatchObject({ code: 'network' });
    expect(unread.gaps).toEqual([]);

    const refused = subscription();
    const forbidden = new ChatError('forbidden', 'not allowed');
    await expect(refused.channel.join(Promise.reject(forbidden))).rejects.toBe(forbidden);
    expect(refused.reads).toEqual([]);
  });

  it('chains history reads: the next starts when the last ends, after the id it reached', async () => {
    const { channel, reads, read } = subscription();
    const joining = channel.join(Promise.resolve());
    const first = channel.catchUp(Promise.resolve());
    const join = await read(0);
    await Promise.resolve();
    expect(reads).toHaveLength(1);
    join.answer([message('10-0')]);
    await joining;
    const second = await read(1);
    expect(second.after).toBe('10-0');
    second.answer([]);
    await first;
    expect(channel.messages.map((m) => m.id)).toEqual(['10-0']);
  });

  it('delivers nothing once left, not even the history read under way', async () => {
    const { channel, read, delivered } = subscription();
    const joining = channel.join(Promise.resolve());
    const history = await read(0);
    channel.receive(message('20-0'));
    channel.leave();
    history.answer([message('10-0')]);
    await joining;
    channel.receive(message('30-0'));
    expect(delivered).toEqual([]);
  });

  it('loads older pages after the join, one after the other, each continuing below the last', async () => {
    const { channel, joinWith, delivered, older, olderReads } = subscription();
    older.push(...['1-1', '1-2', '1-3', '1-4', '1-5', '1-6'].map(message));
    const joined = joinWith(message('1-5'), message('1-6'));
    const first = channel.loadOlder(2);
    const second = channel.loadOlder(2);
    const third = channel.loadOlder(2);
    await joined;
    expect((await first).messages.map((m) => m.id)).toEqual(['1-3', '1-4']);
    expect(await second).toMatchObject({ hasMore: false });
    expect((await second).messages.map((m) => m.id)).toEqual(['1-1', '1-2']);
    expect(await third).toEqual({ messages: [], hasMore: false });
    expect(olderReads).toEqual(['1-5', '1-3', '1-1']);
    expect(channel.messages.map((m) => m.id)).toEqual(['1-1', '1-2', '1-3', '1-4', '1-5', '1-6']);
    // Scrollback is not news: only the join's messages went through `deliver`.
    expect(delivered.map((d) => d.id)).toEqual(['1-5', '1-6']);
  });
});
