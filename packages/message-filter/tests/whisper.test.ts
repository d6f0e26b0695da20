import type { PlayerId } from '@game-chat/protocol/names';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, notices, ruleEvent, startHarness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.store.setProfile('alice' as PlayerId, { name: 'Alice', role: 'player' }, 600);
  await h.online('alice');
  await h.online('bob');
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

  it('to a player with no live connection are refused with offline, and nothing reaches them', async () => {
    const outcome = await h.invoke(
      ruleEvent('chat/whisper/carol', { text: 'hi', clientMsgId: 'o1' }, { clientId: 'ivy' }),
    );
    expect(outcome).toEqual({ status: 'refused', code: 'offline' });
    expect(notices(h.recorder, 'ivy')).toEqual([
      expect.objectContaining({
        code: 'offline',
        clientMsgId: 'o1',
        detail: 'carol is not online',
      }),
    ]);
    expect(h.recorder.published.map((p) => p.topic)).toEqual(['chat/inbox/ivy']);
  });

  it('to another case of an online player id are refused: ids are case-sensitive', async () => {
    // What a new user tries: `/w Bob` while the player's id is `bob`.
    const outcome = await h.invoke(
      ruleEvent('chat/whisper/Bob', { text: 'hi' }, { clientId: 'jo' }),
    );
    expect(outcome).toEqual({ status: 'refused', code: 'offline' });
    expect(h.recorder.published.some((p) => p.topic === 'chat/inbox/Bob')).toBe(false);
  });

  it('resent after the recipient came online are delivered', async () => {
    // Its own sender: alice's rate limit is spent by the tests above.
    const from = { clientId: 'gus' };
    await h.invoke(ruleEvent('chat/whisper/dana', { text: 'later', clientMsgId: 'o2' }, from));
    expect(notices(h.recorder, 'gus').map((n) => n.code)).toEqual(['offline']);
    await h.online('dana');
    const resent = await h.invoke(
      ruleEvent('chat/whisper/dana', { text: 'later', clientMsgId: 'o2' }, from),
    );
    expect(resent.status).toBe('published');
    expect(h.recorder.published.filter((p) => p.topic === 'chat/inbox/dana')).toHaveLength(1);
  });

  it('to a player whose connection went away are refused again', async () => {
    const session = 'eve-session-1';
    const at = Date.now();
    await h.store.applyLifecycle({
      kind: 'connected',
      clientId: 'eve.tab1',
      session,
      at,
      version: 1,
    });
    const from = { clientId: 'hal' };
    expect((await h.invoke(ruleEvent('chat/whisper/eve', { text: 'a' }, from))).status).toBe(
      'published',
    );
    await h.store.applyLifecycle({
      kind: 'disconnected',
      clientId: 'eve.tab1',
      session,
      at: at + 1,
      version: 1,
    });
    expect(await h.invoke(ruleEvent('chat/whisper/eve', { text: 'b' }, from))).toEqual({
      status: 'refused',
      code: 'offline',
    });
  });
});
