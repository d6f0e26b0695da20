import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { describe, expect, it } from 'vitest';
import { harnessForFile } from './helpers/file-harness.js';
import { type Harness, notices, roomMessages, ruleEvent } from './helpers/harness.js';

let h: Harness;
harnessForFile((started) => (h = started), {
  profiles: { mod1: { name: 'Mod', role: 'moderator' } },
});

describe('a whisper to a player who blocked the sender', () => {
  it('is refused with ignored: nothing reaches the recipient, and the block list stays private', async () => {
    for (const player of ['bella', 'mallory']) await h.online(player);
    await h.store.block('bella' as PlayerId, 'mallory' as PlayerId);
    const outcome = await h.invoke(
      ruleEvent('chat/whisper/bella', { text: 'hey', clientMsgId: 'w1' }, { clientId: 'mallory' }),
    );
    expect(outcome).toEqual({ status: 'refused', code: 'ignored' });
    expect(h.recorder.published.map((p) => p.topic)).toEqual(['chat/inbox/mallory']);
    const [notice] = notices(h.recorder, 'mallory');
    expect(notice).toMatchObject({ code: 'ignored', clientMsgId: 'w1' });
    expect(notice?.detail).toMatch(/not delivered/);
    expect(notice?.detail).not.toMatch(/block/i);
    // Others still whisper to her, and she to the player she blocked.
    h.recorder.clear();
    expect(
      (await h.invoke(ruleEvent('chat/whisper/bella', { text: 'hi' }, { clientId: 'carl' })))
        .status,
    ).toBe('published');
    expect(
      (await h.invoke(ruleEvent('chat/whisper/mallory', { text: 'stop' }, { clientId: 'bella' })))
        .status,
    ).toBe('published');
    await h.store.unblock('bella' as PlayerId, 'mallory' as PlayerId);
    expect(
      (await h.invoke(ruleEvent('chat/whisper/bella', { text: 'sorry' }, { clientId: 'mallory' })))
        .status,
    ).toBe('published');
  });

  it('is refused with offline, not ignored, while that player is not online: nobody learns more', async () => {
    await h.store.block('zoe' as PlayerId, 'mallory' as PlayerId);
    const outcome = await h.invoke(
      ruleEvent('chat/whisper/zoe', { text: 'hey', clientMsgId: 'w2' }, { clientId: 'mallory' }),
    );
    expect(outcome).toEqual({ status: 'refused', code: 'offline' });
    expect(h.recorder.published.map((p) => p.topic)).toEqual(['chat/inbox/mallory']);
  });
});

describe('slow mode', () => {
  it('refuses a second message inside the interval with rate_limited and retryAfterMs', async () => {
    await h.store.setSlowMode('Slow' as ChannelName, 30);
    const send = (text: string, clientId = 'sam') =>
      h.invoke(ruleEvent('chat/send/Slow', { text, clientMsgId: text }, { clientId }));
    const started = Date.now();
    expect((await send('first')).status).toBe('published');
    expect(await send('second')).toEqual({ status: 'refused', code: 'rate_limited' });
    const elapsed = Date.now() - started;
    const [notice] = notices(h.recorder, 'sam');
    expect(notice).toMatchObject({ code: 'rate_limited', clientMsgId: 'second' });
    expect(notice?.detail).toMatch(/Slow mode: one message every 30 seconds/);
    expect(notice?.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(notice?.retryAfterMs).toBeGreaterThanOrEqual(30_000 - elapsed);
    // Another player, and a moderator, are not held back by sam's post.
    expect((await send('other', 'tess')).status).toBe('published');
    expect((await send('modsays', 'mod1')).status).toBe('published');
    expect((await send('modagain', 'mod1')).status).toBe('published');
    expect(roomMessages(h.recorder, 'Slow').map((m) => m.text)).toEqual([
      'first',
      'other',
      'modsays',
      'modagain',
    ]);
  });

  it('lets the refused message through once the interval has passed (by receipt time)', async () => {
    await h.store.setSlowMode('Slow2' as ChannelName, 5);
    const at = Date.now();
    const send = (text: string, receivedAt: number) =>
      h.invoke(ruleEvent('chat/send/Slow2', { text }, { clientId: 'uma', receivedAt }));
    expect((await send('one', at)).status).toBe('published');
    expect((await send('two', at + 4_000)).status).toBe('refused');
    expect((await send('three', at + 5_000)).status).toBe('published');
  });
});
