import type { ChannelName } from '@game-chat/protocol/names';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, notices, roomMessages, ruleEvent, startHarness } from './helpers/harness.js';

const profane = 'what the fuck is this sh1t';

describe.each([
  ['mask', undefined],
  ['reject', 'reject'],
  ['off', 'off'],
] as const)('CHAT_PROFANITY=%s', (policy, value) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: value === undefined ? {} : { CHAT_PROFANITY: value } });
    await h.online('bob');
  });
  afterAll(() => h.close());

  it('treats profanity by the policy and leaves clean text alone', async () => {
    const outcome = await h.invoke(
      ruleEvent('chat/send/Mod', { text: profane, clientMsgId: 'p1' }),
    );
    const clean = await h.invoke(ruleEvent('chat/send/Mod', { text: 'good game, well played' }));
    expect(clean.status).toBe('published');
    const room = roomMessages(h.recorder, 'Mod');
    const stored = (await h.store.recent('Mod' as ChannelName, { limit: 10 })).messages;
    if (policy === 'mask') {
      expect(outcome.status).toBe('published');
      expect(room[0]?.moderated).toBe(true);
      expect(room[0]?.text).toMatch(/^what the \*+ is this \*+$/);
      expect(room[0]?.text).toHaveLength(profane.length);
      expect(stored[0]).toEqual(room[0]);
    } else if (policy === 'reject') {
      expect(outcome).toEqual({ status: 'refused', code: 'blocked' });
      expect(notices(h.recorder)).toEqual([
        expect.objectContaining({ code: 'blocked', clientMsgId: 'p1' }),
      ]);
      expect(stored.map((m) => m.text)).toEqual(['good game, well played']);
    } else {
      expect(room[0]?.text).toBe(profane);
      expect(room[0]).not.toHaveProperty('moderated');
    }
    expect(room.at(-1)).not.toHaveProperty('moderated');
  });

  it('also moderates whispers', async () => {
    const outcome = await h.invoke(ruleEvent('chat/whisper/bob', { text: profane }));
    if (policy === 'reject') {
      expect(outcome).toEqual({ status: 'refused', code: 'blocked' });
      return;
    }
    const whisper = await h.recorder.waitFor((p) => p.topic === 'chat/inbox/bob');
    expect(whisper.json<{ text: string }>().text === profane).toBe(policy === 'off');
  });
});
