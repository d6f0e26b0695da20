import { startDataPlaneRecorder } from '@game-chat/testing/data-plane-recorder';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createPublisher, PublishError } from '../src/publisher.js';

const recorder = await startDataPlaneRecorder();
afterAll(() => recorder.stop());
beforeEach(() => recorder.clear());

// No AWS credentials in this environment: the local endpoint gets dummy ones.
const publisher = createPublisher({ endpoint: recorder.endpoint, env: {} });

describe('publisher', () => {
  it('publishes JSON bytes with the SDK (real HTTP), QoS 1 by default', async () => {
    await publisher.publish('chat/room/Town137', { v: 1, text: 'héllo 😀' });
    const [record] = recorder.published;
    expect(record?.topic).toBe('chat/room/Town137');
    expect(record?.qos).toBe(1);
    expect(record?.retain).toBe(false);
    expect(record?.json()).toEqual({ v: 1, text: 'héllo 😀' });
  });

  it('passes QoS 0 through', async () => {
    await publisher.publish('chat/inbox/alice', { ok: true }, 0);
    expect(recorder.published[0]?.qos).toBe(0);
  });

  it('makes one attempt per call and throws a transient PublishError on a server error', async () => {
    recorder.failNext(1, 503, 'ThrottlingException');
    const error = await publisher.publish('chat/room/A', { n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ code: 'publish_failed', topic: 'chat/room/A', transient: true });
    expect((error as Error).message).toMatch(/ThrottlingException/);
    expect(recorder.published).toHaveLength(0);
    // The caller retries: the next call goes through.
    await publisher.publish('chat/room/A', { n: 1 });
    expect(recorder.published).toHaveLength(1);
  });

  it('calls a refused request not transient: trying it again would fail the same way', async () => {
    recorder.failNext(1, 400, 'InvalidRequestException');
    await expect(publisher.publish('chat/room/A', {})).rejects.toMatchObject({
      message: expect.stringMatching(/InvalidRequestException/),
      transient: false,
    });
  });

  it('throws a transient PublishError when nothing listens', async () => {
    const dead = createPublisher({ endpoint: 'http://127.0.0.1:1', env: {} });
    await expect(dead.publish('chat/room/A', {})).rejects.toMatchObject({
      code: 'publish_failed',
      transient: true,
    });
  });
});
