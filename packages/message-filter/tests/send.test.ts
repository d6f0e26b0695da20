import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, notices, roomMessages, ruleEvent, startHarness } from './helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h ??= await startHarness();
  h.recorder.clear();
});
afterAll(() => h.close());

describe('a chat message', () => {
  it('is stamped, stored and published to the room with QoS 1', async () => {
    await h.store.setProfile('alice' as PlayerId, { name: 'Alice', role: 'player' }, 600);
    const event = ruleEvent('chat/send/Town137', { text: '  hello   ', clientMsgId: 'a1b2c3' });
    const outcome = await h.invoke(event);
    expect(outcome.status).toBe('published');
    const publish = await h.recorder.waitFor((p) => p.topic === 'chat/room/Town137');
    expect(publish.qos).toBe(1);
    const message = publish.json();
    expect(message).toEqual({
      v: 1,
      id: expect.stringMatching(/^\d+-\d+$/),
      kind: 'chat',
      channel: 'Town137',
      from: { id: 'alice', name: 'Alice' },
      text: 'hello',
      sentAt: expect.any(Number),
      clientMsgId: 'a1b2c3',
    });
    const { messages } = await h.store.recent('Town137' as ChannelName, { limit: 10 });
    expect(messages).toEqual([message]);
  });

  it('takes the sender from the client id, never from the payload', async () => {
    await h.store.setProfile('mallory' as PlayerId, { name: 'Mallory', role: 'player' }, 600);
    const spoof = { text: 'I am the admin', from: { id: 'admin', name: 'Admin' }, name: 'Admin' };
    await h.invoke(ruleEvent('chat/send/Spoof', spoof, { clientId: 'mallory.tab2' }));
    const [message] = roomMessages(h.recorder, 'Spoof');
    expect(message?.from).toEqual({ id: 'mallory', name: 'Mallory' });
  });

  it('falls back to the player id when no profile was recorded', async () => {
    await h.invoke(ruleEvent('chat/send/NoProfile', { text: 'hi' }, { clientId: 'ghost' }));
    expect(roomMessages(h.recorder, 'NoProfile')[0]?.from).toEqual({ id: 'ghost', name: 'ghost' });
  });

  it('accepts the original design shape and ignores its channel and publish_id', async () => {
    const legacy = { message: 'old client', publish_id: 'p-1', channel: 'Elsewhere' };
    await h.invoke(ruleEvent('chat/send/Legacy', legacy));
    const [message] = roomMessages(h.recorder, 'Legacy');
    expect(message).toMatchObject({ channel: 'Legacy', text: 'old client' });
    expect(message).not.toHaveProperty('clientMsgId');
    expect(roomMessages(h.recorder, 'Elsewhere')).toEqual([]);
    expect((await h.store.recent('Elsewhere' as ChannelName, { limit: 5 })).messages).toEqual([]);
  });

  it('is published once when the rule event is redelivered', async () => {
    const event = ruleEvent('chat/send/Redeliver', { text: 'once' });
    expect((await h.invoke(event)).status).toBe('published');
    expect(await h.invoke(event)).toEqual({ status: 'duplicate' });
    expect(await h.invoke({ ...event })).toEqual({ status: 'duplicate' });
    expect(roomMessages(h.recorder, 'Redeliver')).toHaveLength(1);
    expect((await h.store.recent('Redeliver' as ChannelName, { limit: 5 })).messages).toHaveLength(
      1,
    );
  });

  it('is published once when the client resends with the same clientMsgId', async () => {
    await h.invoke(ruleEvent('chat/send/Resend', { text: 'x', clientMsgId: 'm-7' }));
    await h.invoke(ruleEvent('chat/send/Resend', { text: 'x', clientMsgId: 'm-7' }));
    expect(roomMessages(h.recorder, 'Resend')).toHaveLength(1);
  });
});

describe('a delivered message redelivered', () => {
  let own: Harness;
  afterAll(() => own?.close());

  /** Commands Redis ran since the last call (scripts' own commands counted too). */
  async function commandsSinceReset(): Promise<Record<string, number>> {
    const info = String(await own.redis.command(['INFO', 'commandstats']));
    await own.redis.command(['CONFIG', 'RESETSTAT']);
    const calls = [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)]
      // INFO and CONFIG RESETSTAT are this helper's own.
      .filter(([, name]) => !/^(info|config)/.test(name ?? ''));
    return Object.fromEntries(calls.map(([, name, n]) => [name, Number(n)]));
  }

  it('is answered by the admission alone: one round trip, nothing written', async () => {
    // A Redis of its own, so that no other test's commands are counted.
    own = await startHarness({ privateRedis: true });
    const event = ruleEvent('chat/send/Once', { text: 'hi', clientMsgId: 'o-1' });
    expect((await own.invoke(event)).status).toBe('published');
    await commandsSinceReset();
    expect(await own.invoke(event)).toEqual({ status: 'duplicate' });
    const redelivery = await commandsSinceReset();
    expect(redelivery.evalsha).toBe(1);
    expect(Object.keys(redelivery).filter((name) => /set|add|del|expire|trim/.test(name))).toEqual(
      [],
    );
  });
});

describe('refusals become a notice on the sender inbox', () => {
  const tooLongText = 'x'.repeat(501);
  it.each([
    ['invalid', 'not json at all', undefined],
    ['invalid', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), undefined],
    ['invalid', '[1,2,3]', undefined],
    ['invalid', { text: 42, clientMsgId: 'c-1' }, 'c-1'],
    ['invalid', { text: 'hi', clientMsgId: 'has space' }, undefined],
    ['invalid', { text: 'bell\u0007' }, undefined],
    ['too_long', { text: tooLongText, clientMsgId: 'c-2' }, 'c-2'],
    ['too_long', { text: 'hi', pad: 'x'.repeat(9000) }, undefined],
    ['empty', { text: ' \n\t ', clientMsgId: 'c-3' }, 'c-3'],
    ['empty', { text: '\u200b\u200b' }, undefined],
    ['invalid', '', undefined],
  ])('%s for %j', async (code, payload, clientMsgId) => {
    const outcome = await h.invoke(ruleEvent('chat/send/Refused', payload as object));
    expect(outcome).toEqual({ status: 'refused', code });
    const [notice] = notices(h.recorder);
    expect(notice).toEqual({
      v: 1,
      kind: 'notice',
      code,
      ...(clientMsgId === undefined ? {} : { clientMsgId }),
      detail: expect.any(String),
    });
    expect(roomMessages(h.recorder, 'Refused')).toEqual([]);
  });

  it.each([
    ['another prefix', 'other/send/Town'],
    ['the room topic', 'chat/room/Town'],
    ['the inbox topic', 'chat/inbox/bob'],
    ['a deeper topic', 'chat/send/Town/extra'],
    ['a bad channel name', 'chat/send/Town$1'],
    ['a bad recipient', 'chat/whisper/bob.tab'],
  ])('forbidden for %s', async (_, topic) => {
    const outcome = await h.invoke(ruleEvent(topic, { text: 'hi', clientMsgId: 'f-1' }));
    expect(outcome).toEqual({ status: 'refused', code: 'forbidden' });
    expect(notices(h.recorder)).toEqual([
      expect.objectContaining({ code: 'forbidden', clientMsgId: 'f-1' }),
    ]);
    expect(h.recorder.published).toHaveLength(1);
  });

  it('is published to the player inbox even when the client id has a suffix', async () => {
    await h.invoke(ruleEvent('chat/send/Town', 'nope', { clientId: 'alice.phone' }));
    expect(notices(h.recorder, 'alice')).toHaveLength(1);
  });

  it('nothing refused is ever stored', async () => {
    const channelKeys = (await h.keys()).filter((key) => key.includes(':ch:{Refused}'));
    expect(channelKeys).toEqual([]);
  });
});

describe('events not from our rule', () => {
  it.each([
    ['null', null],
    ['a string', 'hello'],
    ['no ingestId', { payload: '', topic: 'chat/send/A', clientId: 'alice', receivedAt: 1 }],
    [
      'a client id that is not a player (HTTP publish)',
      { ...ruleEvent('chat/send/A', { text: 'x' }), clientId: 'n/a' },
    ],
    ['a payload that is not base64', { ...ruleEvent('chat/send/A', { text: 'x' }), payload: '%%' }],
  ])('are logged and dropped: %s', async (_, event) => {
    const outcome = await h.invoke(event);
    expect(outcome.status).toBe('dropped');
    expect(h.recorder.published).toEqual([]);
  });
});
