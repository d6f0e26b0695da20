import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDataPlaneRecorder } from '@game-chat/testing/data-plane-recorder';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createPublisher, PublishError, TRIMMED_MIDDLEWARE } from '../src/publisher.js';

const recorder = await startDataPlaneRecorder();
afterAll(() => recorder.stop());
beforeEach(() => recorder.clear());

// No AWS credentials in this environment: the local endpoint gets dummy ones.
const publisher = createPublisher({ endpoint: recorder.endpoint, env: {} });

/** One request as a plain HTTP server saw it. */
async function captureOneRequest(send: (endpoint: string) => Promise<void>) {
  const seen: { method?: string; url?: string; headers?: IncomingHttpHeaders; body?: string } = {};
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      Object.assign(seen, {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
  return seen;
}

describe('publisher', () => {
  it('publishes JSON bytes with the SDK (real HTTP), QoS 1 by default', async () => {
    await publisher.publish('chat/room/Town137', { v: 1, text: 'héllo 😀' });
    const [record] = recorder.published;
    expect(record?.topic).toBe('chat/room/Town137');
    expect(record?.qos).toBe(1);
    expect(record?.retain).toBe(false);
    expect(record?.json()).toEqual({ v: 1, text: 'héllo 😀' });
  });

  it('still signs every request with SigV4 after the trimmed middleware (no user agent)', async () => {
    expect(TRIMMED_MIDDLEWARE).not.toContain('httpSigningMiddleware');
    const seen = await captureOneRequest(async (endpoint) => {
      const signed = createPublisher({ endpoint, region: 'eu-west-1', env: {} });
      await signed.publish('chat/room/Town1', { n: 1 });
      // A second publish goes through the cached middleware chain and is signed as well.
      await signed.publish('chat/room/Town1', { n: 2 });
    });
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/topics/chat%2Froom%2FTown1?qos=1');
    expect(seen.body).toBe('{"n":2}');
    expect(seen.headers?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/eu-west-1\/iotdata\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-date[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(seen.headers?.['x-amz-user-agent']).toBeUndefined();
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
