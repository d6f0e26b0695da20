import type { PlayerId } from '@game-chat/protocol/names';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, notices, ruleEvent, startHarness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.store.setProfile('alice' as PlayerId, { name: 'Alice', role: 'player' }, 600);
});
beforeEach(() => h.recorder.clear());
afterAll(() => h.close());

describe('whispers', () => {
  it('go to the recipient and the sender inbox, and are not stored', async () => {
    const event = ruleEvent(
      'chat/whisper/bob',
      { text: 'meet at the bridge', clientMsgId: 'w1' },
      { ingestId: '00000000-00ff-4000-8000-000000000000' },
    );
    const outcome = await h.invoke(event);
    expect(outcome.status).toBe('published');
    const topics = h.recorder.published.map((p) => p.topic).sort();
    expect(topics).toEqual(['chat/inbox/alice', 'chat/inbox/bob']);
    const [toBob, toAlice] = ['bob', 'alice'].map((id) =>
      h.recorder.published.find((p) => p.topic === `chat/inbox/${id}`),
    );
    expect(toBob?.qos).toBe(1);
    expect(toBob?.json()).toEqual({
      v: 1,
      // {receivedAt}-{first 12 hex digits of ingestId, as decimal}: 0x00000000 00ff = 255
      id: `${event.receivedAt}-255`,
      kind: 'whisper',
      from: { id: 'alice', name: 'Alice' },
      to: { id: 'bob' },
      text: 'meet at the bridge',
      sentAt: event.receivedAt,
      clientMsgId: 'w1',
    });
    expect(toAlice?.json()).toEqual(toBob?.json());
    expect((await h.keys()).filter((key) => key.includes(':ch:'))).toEqual([]);
  });

  it('to oneself are published once', async () => {
    await h.invoke(ruleEvent('chat/whisper/alice', { text: 'note to self' }));
    expect(h.recorder.published.map((p) => p.topic)).toEqual(['chat/inbox/alice']);
  });

  it('are published once when the rule event is redelivered', async () => {
    const event = ruleEvent('chat/whisper/bob', { text: 'once' });
    await h.invoke(event);
    expect(await h.invoke(event)).toEqual({ status: 'duplicate' });
    expect(h.recorder.published).toHaveLength(2);
  });

  it('are refused like chat messages', async () => {
    const outcome = await h.invoke(ruleEvent('chat/whisper/bob', { text: '', clientMsgId: 'e' }));
    expect(outcome).toEqual({ status: 'refused', code: 'empty' });
    expect(notices(h.recorder)).toEqual([
      expect.objectContaining({ code: 'empty', clientMsgId: 'e' }),
    ]);
    expect(h.recorder.published).toHaveLength(1);
  });
});
