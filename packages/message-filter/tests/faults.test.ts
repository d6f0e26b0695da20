import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, roomMessages, ruleEvent, startHarness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ privateRedis: true });
});
beforeEach(() => h.recorder.clear());
afterAll(() => h.close());

describe('Data Plane publish failure', () => {
  it('throws so Lambda retries; the retry publishes once, a later redelivery nothing', async () => {
    const event = ruleEvent('chat/send/Flaky', { text: 'important', clientMsgId: 'imp' });
    // Both attempts of the SDK (one quick retry) fail.
    h.recorder.failNext(2, 500, 'InternalFailureException');
    await expect(h.invoke(event)).rejects.toMatchObject({ code: 'publish_failed' });
    expect(roomMessages(h.recorder, 'Flaky')).toEqual([]);
    // It was stored before the publish failed; the retry must not store it twice.
    const stored = (await h.store.recent('Flaky', { limit: 5 })).messages;
    expect(stored).toHaveLength(1);

    expect((await h.invoke(event)).status).toBe('published');
    expect(roomMessages(h.recorder, 'Flaky')).toEqual(stored);
    expect(await h.invoke(event)).toEqual({ status: 'duplicate' });
    expect(roomMessages(h.recorder, 'Flaky')).toHaveLength(1);
  });

  it('throws for a whisper too, and the retry publishes it', async () => {
    const event = ruleEvent('chat/whisper/bob', { text: 'psst' });
    h.recorder.failNext(100, 503, 'ThrottlingException');
    await expect(h.invoke(event)).rejects.toMatchObject({ code: 'publish_failed' });
    expect(h.recorder.published).toEqual([]);
    h.recorder.failNext(0);
    expect((await h.invoke(event)).status).toBe('published');
    expect(await h.invoke(event)).toEqual({ status: 'duplicate' });
    expect(h.recorder.published.map((p) => p.topic).sort()).toEqual([
      'chat/inbox/alice',
      'chat/inbox/bob',
    ]);
  });
});

describe('Redis down', () => {
  it('makes the handler throw store_unavailable, and it recovers when Redis is back', async () => {
    expect((await h.invoke(ruleEvent('chat/send/Down', { text: 'before' }))).status).toBe(
      'published',
    );
    await h.stopRedis();
    const during = ruleEvent('chat/send/Down', { text: 'during' });
    await expect(h.invoke(during)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(roomMessages(h.recorder, 'Down').map((m) => m.text)).toEqual(['before']);

    await h.startRedis();
    // Lambda retries the same event; the container's client reconnects by itself.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        expect((await h.invoke(during)).status).toBe('published');
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'store_unavailable' || Date.now() > deadline) {
          throw error;
        }
      }
    }
    expect(roomMessages(h.recorder, 'Down').map((m) => m.text)).toEqual(['before', 'during']);
  });
});
