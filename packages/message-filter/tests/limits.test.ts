import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Harness,
  notices,
  roomMessages,
  ruleEvent,
  startHarness,
  until,
} from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { CHAT_RATE_BURST: '2', CHAT_RATE_PER_SECOND: '1', CHAT_CHANNEL_RATE_PER_SECOND: '3' },
  });
  await h.online('bob');
});
beforeEach(() => h.recorder.clear());
afterAll(() => h.close());

describe('per-player rate limit', () => {
  it('refuses beyond the burst with retryAfterMs, and lets the player in after it', async () => {
    // Limits count the second IoT received a message (the rule's timestamp()).
    const receivedAt = Date.now();
    const send = (text: string, at = receivedAt) =>
      h.invoke(
        ruleEvent(
          'chat/send/Rate',
          { text, clientMsgId: text },
          { clientId: 'rita', receivedAt: at },
        ),
      );
    expect((await send('one')).status).toBe('published');
    expect((await send('two')).status).toBe('published');
    expect(await send('three')).toEqual({ status: 'refused', code: 'rate_limited' });
    const [notice] = notices(h.recorder, 'rita');
    expect(notice).toMatchObject({ code: 'rate_limited', clientMsgId: 'three' });
    expect(notice?.retryAfterMs).toBeGreaterThan(0);
    expect(notice?.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(notice?.detail).toMatch(/2 messages/);
    const retryAt = Date.now() + (notice?.retryAfterMs ?? 0);
    await until(async () => Date.now() >= retryAt);
    expect((await send('three', Date.now())).status).toBe('published');
    expect(roomMessages(h.recorder, 'Rate').map((m) => m.text)).toEqual(['one', 'two', 'three']);
  });

  it('limits each player on their own', async () => {
    for (const player of ['p1', 'p2']) {
      for (let i = 0; i < 2; i++) {
        const outcome = await h.invoke(
          ruleEvent(`chat/send/Own${player}`, { text: 'x' }, { clientId: player }),
        );
        expect(outcome.status).toBe('published');
      }
    }
  });
});

describe('per-channel rate limit', () => {
  it('protects a channel from a flood of different players', async () => {
    const outcomes = [];
    const receivedAt = Date.now();
    for (let i = 0; i < 5; i++) {
      outcomes.push(
        await h.invoke(
          ruleEvent('chat/send/Flood', { text: `m${i}` }, { clientId: `fl${i}`, receivedAt }),
        ),
      );
    }
    const statuses = outcomes.map((o) => o.status);
    expect(statuses.slice(0, 3)).toEqual(['published', 'published', 'published']);
    expect(statuses.slice(3)).toEqual(['refused', 'refused']);
    const notice = notices(h.recorder, 'fl3')[0];
    expect(notice).toMatchObject({
      code: 'rate_limited',
      detail: expect.stringMatching(/channel/),
    });
    expect(notice?.retryAfterMs).toBeGreaterThan(0);
    // Counted per second of receive time: the next second has room.
    expect(notice?.retryAfterMs).toBeLessThanOrEqual(1000);
    expect((await h.store.recent('Flood' as ChannelName, { limit: 10 })).messages).toHaveLength(3);
  });
});

describe('mutes', () => {
  it('refuses a muted player with until and reason, until unmuted', async () => {
    const { until } = await h.store.mute('molly' as PlayerId, {
      seconds: 300,
      reason: 'spam',
      by: 'mod1' as PlayerId,
    });
    const muted = await h.invoke(
      ruleEvent(
        'chat/send/Mute',
        { text: 'let me talk', clientMsgId: 'mm' },
        { clientId: 'molly' },
      ),
    );
    expect(muted).toEqual({ status: 'refused', code: 'muted' });
    const [notice] = notices(h.recorder, 'molly');
    expect(notice).toMatchObject({ code: 'muted', clientMsgId: 'mm' });
    expect(notice?.detail).toContain(new Date(until).toISOString());
    expect(notice?.detail).toContain('spam');
    expect(roomMessages(h.recorder, 'Mute')).toEqual([]);
    await h.store.unmute('molly' as PlayerId);
    const after = await h.invoke(
      ruleEvent('chat/send/Mute', { text: 'thanks' }, { clientId: 'molly' }),
    );
    expect(after.status).toBe('published');
  });

  it('also stops whispers', async () => {
    await h.store.mute('wendy' as PlayerId, { seconds: 60, by: 'mod1' as PlayerId });
    const outcome = await h.invoke(
      ruleEvent('chat/whisper/bob', { text: 'psst' }, { clientId: 'wendy' }),
    );
    expect(outcome).toEqual({ status: 'refused', code: 'muted' });
    expect(h.recorder.published.map((p) => p.topic)).toEqual(['chat/inbox/wendy']);
  });
});
