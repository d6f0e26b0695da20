import type { ChannelName } from '@game-chat/protocol/names';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, notices, roomMessages, ruleEvent, startHarness } from './helpers/harness.js';

/**
 * Redis and the Data Plane failing under the filter: short failures are retried inside the
 * invocation; past the budget the sender gets `unavailable` (and resends the same clientMsgId);
 * when not even that notice goes out, the handler throws for Lambda's async retry. Whatever path
 * a message takes, it is stored and published once.
 */

const BUDGET_MS = 1500;
let h: Harness;
beforeAll(async () => {
  // A short budget keeps the "budget runs out" cases quick; the mechanism is the same at 8 s.
  h = await startHarness({ privateRedis: true, env: { CHAT_RETRY_BUDGET_MS: String(BUDGET_MS) } });
  await h.online('bob');
});
beforeEach(() => h.recorder.clear());
afterAll(() => h.close());

const toRoom = (topic: string) => topic.startsWith('chat/room/');

/** A Lambda context whose function times out `ms` from now. */
function timingOutIn(ms: number) {
  const deadline = Date.now() + ms;
  return { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

describe('Data Plane failures', () => {
  it('retries a failed publish inside the invocation: published once, a redelivery nothing', async () => {
    const event = ruleEvent('chat/send/Flaky', { text: 'important', clientMsgId: 'imp' });
    h.recorder.failNext(3, 500, 'InternalFailureException');
    const outcome = await h.invoke(event);
    expect(outcome.status).toBe('published');
    const stored = (await h.store.recent('Flaky' as ChannelName, { limit: 5 })).messages;
    expect(roomMessages(h.recorder, 'Flaky')).toEqual(stored);
    expect(await h.invoke(event)).toEqual({ status: 'duplicate' });
    expect(roomMessages(h.recorder, 'Flaky')).toHaveLength(1);
  });

  it('retries each copy of a whisper; a redelivery publishes nothing more', async () => {
    const event = ruleEvent('chat/whisper/bob', { text: 'psst', clientMsgId: 'w1' });
    h.recorder.failNext(3, 503, 'ThrottlingException');
    expect((await h.invoke(event)).status).toBe('published');
    expect(await h.invoke(event)).toEqual({ status: 'duplicate' });
    const topics = h.recorder.published.map((p) => p.topic).sort();
    expect(topics).toEqual(['chat/inbox/alice', 'chat/inbox/bob']);
  });

  it('does not retry a publish the Data Plane refuses as invalid', async () => {
    const event = ruleEvent('chat/send/Refused', { text: 'x' });
    h.recorder.failNext(1, 400, 'InvalidRequestException', toRoom);
    await expect(h.invoke(event)).rejects.toMatchObject({ code: 'publish_failed' });
    expect(h.recorder.published).toEqual([]);
  });

  it('room down through the budget: the sender is told, and the resend publishes the stored message once', async () => {
    const first = ruleEvent('chat/send/Down', { text: 'hold on', clientMsgId: 'c-down' });
    h.recorder.failNext(1_000_000, 503, 'ServiceUnavailableException', toRoom);
    expect(await h.invoke(first)).toMatchObject({ status: 'unavailable' });
    expect(notices(h.recorder)).toEqual([
      {
        v: 1,
        kind: 'notice',
        code: 'unavailable',
        clientMsgId: 'c-down',
        detail: expect.any(String),
        retryAfterMs: 2000,
      },
    ]);
    const [stored] = (await h.store.recent('Down' as ChannelName, { limit: 5 })).messages;
    expect(stored?.text).toBe('hold on');

    h.recorder.clear();
    // The SDK sends the same payload again: a new rule event, the same clientMsgId.
    const resend = ruleEvent('chat/send/Down', { text: 'hold on', clientMsgId: 'c-down' });
    expect(await h.invoke(resend)).toEqual({ status: 'published', message: stored });
    expect(await h.invoke(resend)).toEqual({ status: 'duplicate' });
    expect(await h.invoke(first)).toEqual({ status: 'duplicate' });
    expect(roomMessages(h.recorder, 'Down')).toEqual([stored]);
  });

  it("a whisper whose recipient's copy fails through the budget: the resend delivers it under its first id", async () => {
    const first = ruleEvent('chat/whisper/bob', { text: 'psst', clientMsgId: 'w-late' });
    h.recorder.failNext(1_000_000, 503, 'ServiceUnavailableException', (topic) =>
      topic.endsWith('/bob'),
    );
    expect(await h.invoke(first)).toMatchObject({ status: 'unavailable' });
    const [own] = h.recorder.published
      .filter((p) => p.topic === 'chat/inbox/alice')
      .map((p) => p.json<{ kind: string; id: string }>())
      .filter((message) => message.kind === 'whisper');
    expect(notices(h.recorder).map((n) => n.code)).toEqual(['unavailable']);

    h.recorder.clear();
    const resend = ruleEvent('chat/whisper/bob', { text: 'psst', clientMsgId: 'w-late' });
    const outcome = await h.invoke(resend);
    expect(outcome).toMatchObject({ status: 'published', message: { id: own?.id } });
    expect(await h.invoke(resend)).toEqual({ status: 'duplicate' });
    const toBob = h.recorder.published.filter((p) => p.topic === 'chat/inbox/bob');
    expect(toBob.map((p) => p.json<{ id: string }>().id)).toEqual([own?.id]);
  });

  it('everything down: throws so Lambda retries, and the redelivery publishes once', async () => {
    const event = ruleEvent('chat/send/Dark', { text: 'anyone?', clientMsgId: 'c-dark' });
    h.recorder.failNext(1_000_000, 503, 'ServiceUnavailableException');
    // The notice is retried until just before the timeout, then the handler throws.
    await expect(h.invoke(event, timingOutIn(3000))).rejects.toMatchObject({
      code: 'retry_budget_exhausted',
    });
    expect(h.recorder.published).toEqual([]);
    const stored = (await h.store.recent('Dark' as ChannelName, { limit: 5 })).messages;
    expect(stored).toHaveLength(1);

    h.recorder.clear();
    expect(await h.invoke(event)).toEqual({ status: 'published', message: stored[0] });
    expect(await h.invoke(event)).toEqual({ status: 'duplicate' });
    expect(roomMessages(h.recorder, 'Dark')).toEqual(stored);
  });

  it('never runs past the function timeout, whatever the budget', async () => {
    const event = ruleEvent('chat/send/Late', { text: 'x' });
    h.recorder.failNext(1_000_000, 503, 'ServiceUnavailableException', toRoom);
    const deadline = Date.now() + 1300;
    const outcome = await h.invoke(event, timingOutIn(1300));
    // The budget (1.5 s) does not fit in 1.3 s: the notice goes out before the timeout.
    expect(outcome.status).toBe('unavailable');
    expect(Date.now()).toBeLessThan(deadline);
    expect(notices(h.recorder).map((n) => n.code)).toEqual(['unavailable']);
  });
});

describe('Redis down', () => {
  it('waits out an outage shorter than the budget inside the invocation', async () => {
    await h.stopRedis();
    const event = ruleEvent('chat/send/Blip', { text: 'during', clientMsgId: 'blip' });
    // Redis is down when the invocation starts, and back while it retries.
    const invocation = h.invoke(event);
    await h.startRedis();
    expect((await invocation).status).toBe('published');
    expect(roomMessages(h.recorder, 'Blip').map((m) => m.text)).toEqual(['during']);
    expect(notices(h.recorder)).toEqual([]);
  });

  it('tells the sender when Redis stays down through the budget; the resend is stored once', async () => {
    await h.stopRedis();
    const first = ruleEvent('chat/send/Out', { text: 'still there?', clientMsgId: 'out-1' });
    expect(await h.invoke(first)).toMatchObject({ status: 'unavailable' });
    expect(notices(h.recorder)).toMatchObject([
      { code: 'unavailable', clientMsgId: 'out-1', retryAfterMs: 2000 },
    ]);
    expect(roomMessages(h.recorder, 'Out')).toEqual([]);

    await h.startRedis();
    h.recorder.clear();
    const resend = ruleEvent('chat/send/Out', { text: 'still there?', clientMsgId: 'out-1' });
    expect((await h.invoke(resend)).status).toBe('published');
    // Lambda may still deliver the first event: it is the same message.
    expect(await h.invoke(first)).toEqual({ status: 'duplicate' });
    expect(roomMessages(h.recorder, 'Out').map((m) => m.text)).toEqual(['still there?']);
    expect((await h.store.recent('Out' as ChannelName, { limit: 5 })).messages).toHaveLength(1);
  });
});

describe('maximum event age', () => {
  it('drops an event older than CHAT_MAX_EVENT_AGE_SECONDS without storing or publishing', async () => {
    const old = ruleEvent(
      'chat/send/Old',
      { text: 'from long ago' },
      { receivedAt: Date.now() - 301_000 },
    );
    expect(await h.invoke(old)).toEqual({ status: 'expired', ageMs: expect.any(Number) });
    expect(h.recorder.published).toEqual([]);
    expect((await h.store.recent('Old' as ChannelName, { limit: 5 })).messages).toEqual([]);
    // Just inside the age, a late event is still handled.
    const late = ruleEvent('chat/send/Old', { text: 'late' }, { receivedAt: Date.now() - 290_000 });
    expect((await h.invoke(late)).status).toBe('published');
  });
});

describe('a sender that gave up (expiresInMs)', () => {
  const inboxTopics = () => h.recorder.published.map((p) => p.topic);

  it('neither admits, stores nor publishes a message that expired before it arrived', async () => {
    const stale = ruleEvent(
      'chat/send/Late',
      { text: 'too late', clientMsgId: 'late-1', expiresInMs: 1000 },
      { receivedAt: Date.now() - 5000 },
    );
    expect(await h.invoke(stale)).toEqual({ status: 'refused', code: 'unavailable' });
    expect(notices(h.recorder)).toMatchObject([
      { code: 'unavailable', clientMsgId: 'late-1', detail: expect.stringContaining('expired') },
    ]);
    expect(roomMessages(h.recorder, 'Late')).toEqual([]);
    expect((await h.store.recent('Late' as ChannelName, { limit: 5 })).messages).toEqual([]);
    // Nothing was admitted: the same clientMsgId sent in time goes through.
    const fresh = ruleEvent('chat/send/Late', {
      text: 'too late',
      clientMsgId: 'late-1',
      expiresInMs: 20_000,
    });
    expect((await h.invoke(fresh)).status).toBe('published');
  });

  it('does not store a message whose sender gave up while Redis was down', async () => {
    await h.stopRedis();
    const receivedAt = Date.now();
    const event = ruleEvent(
      'chat/send/GaveUp',
      { text: 'anyone?', clientMsgId: 'gave-up', expiresInMs: 200 },
      { receivedAt },
    );
    const invocation = h.invoke(event);
    // Redis comes back inside the budget, but only after the sender stopped waiting.
    await expect.poll(() => Date.now() > receivedAt + 200, { interval: 20 }).toBe(true);
    await h.startRedis();
    expect(await invocation).toEqual({ status: 'refused', code: 'unavailable' });
    expect(roomMessages(h.recorder, 'GaveUp')).toEqual([]);
    expect((await h.store.recent('GaveUp' as ChannelName, { limit: 5 })).messages).toEqual([]);
  });

  it('keeps a channel message it stored but could not publish before its sender gave up out of the room', async () => {
    const receivedAt = Date.now();
    const event = ruleEvent(
      'chat/send/NotLive',
      { text: 'stored, never shown live', clientMsgId: 'c-late', expiresInMs: 150 },
      { receivedAt },
    );
    h.recorder.failNext(1_000_000, 503, 'ServiceUnavailableException', (t) =>
      t.endsWith('/room/NotLive'),
    );
    const invocation = h.invoke(event);
    await expect.poll(() => Date.now() > receivedAt + 150, { interval: 20 }).toBe(true);
    h.recorder.failNext(0, 503, 'ServiceUnavailableException');
    expect(await invocation).toEqual({ status: 'refused', code: 'unavailable' });
    expect(roomMessages(h.recorder, 'NotLive')).toEqual([]);
    expect(notices(h.recorder).at(-1)).toMatchObject({
      code: 'unavailable',
      clientMsgId: 'c-late',
    });
    // Stored before its publish failed: a later join shows it, as the contract says.
    const history = await h.store.recent('NotLive' as ChannelName, { limit: 5 });
    expect(history.messages.map((m) => m.text)).toEqual(['stored, never shown live']);
  });

  it('does not deliver a whisper whose sender gave up while the Data Plane failed', async () => {
    // Online again: the Redis restart above lost bob's connection record.
    await h.online('bob');
    const receivedAt = Date.now();
    const event = ruleEvent(
      'chat/whisper/bob',
      { text: 'psst', clientMsgId: 'w-late', expiresInMs: 150 },
      { receivedAt },
    );
    h.recorder.failNext(1_000_000, 503, 'ServiceUnavailableException', (t) => t.endsWith('/bob'));
    const invocation = h.invoke(event);
    await expect.poll(() => Date.now() > receivedAt + 150, { interval: 20 }).toBe(true);
    h.recorder.failNext(0, 503, 'ServiceUnavailableException');
    expect(await invocation).toEqual({ status: 'refused', code: 'unavailable' });
    expect(inboxTopics()).not.toContain('chat/inbox/bob');
  });
});
