import type { ChannelName } from '@game-chat/protocol/names';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, roomMessages, ruleEvent, startHarness, until } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: {
      CHAT_HISTORY_SECONDS: '1',
      CHAT_HISTORY_MAX: '3',
      CHAT_CHANNEL_CLASSES: 'guild-*=1h/10',
    },
  });
});
afterAll(() => h.close());

async function send(channel: string, count: number) {
  for (let i = 0; i < count; i++) {
    const outcome = await h.invoke(
      ruleEvent(`chat/send/${channel}`, { text: `m${i}` }, { clientId: `p${i}` }),
    );
    expect(outcome.status).toBe('published');
  }
}

describe('history written by the filter', () => {
  it('keeps at most CHAT_HISTORY_MAX messages', async () => {
    await send('Count', 5);
    const { messages, retentionSeconds } = await h.store.recent('Count' as ChannelName, {
      limit: 50,
    });
    expect(messages.map((m) => m.text)).toEqual(['m2', 'm3', 'm4']);
    expect(retentionSeconds).toBe(1);
    const first = roomMessages(h.recorder, 'Count')[0];
    const missed = await h.store.recent('Count' as ChannelName, { limit: 50, after: first?.id });
    expect(missed.recovered).toBe(false);
  });

  it('forgets messages after CHAT_HISTORY_SECONDS, and the channel keys expire', async () => {
    await send('Time', 2);
    expect((await h.store.recent('Time' as ChannelName, { limit: 50 })).messages).toHaveLength(2);
    await until(
      async () =>
        (await h.store.recent('Time' as ChannelName, { limit: 50 })).messages.length === 0,
    );
    await until(async () => !(await h.keys()).some((key) => key.endsWith(':ch:{Time}:log')));
  });

  it("stores a class channel's messages with its class: past the window and the default cap", async () => {
    await send('guild-7', 5);
    await send('Plain', 1);
    const guild = { retentionSeconds: 3600, maxMessages: 10 };
    const read = (channel: string, retention?: typeof guild) =>
      h.store.recent(channel as ChannelName, { limit: 50, ...(retention && { retention }) });
    // Once the default window has passed (the default channel is empty), the class still holds
    // all five: the filter appended them with the class's window and cap.
    await until(async () => (await read('Plain')).messages.length === 0);
    await until(async () => (await read('guild-7')).messages.length === 0);
    const kept = await read('guild-7', guild);
    expect(kept.messages.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const ttl = Number(await h.redis.command(['PTTL', `${h.prefix}:ch:{guild-7}:log`]));
    expect(ttl).toBeGreaterThan(3_000_000);
  });
});
