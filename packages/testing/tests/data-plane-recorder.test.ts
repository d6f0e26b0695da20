import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startDataPlaneRecorder } from '../src/data-plane-recorder.js';

const recorder = await startDataPlaneRecorder();
afterAll(() => recorder.stop());
beforeEach(() => recorder.clear());

function publish(topic: string, body: string, query = 'qos=1') {
  return fetch(`${recorder.endpoint}/topics/${encodeURIComponent(topic)}?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
}

describe('data plane recorder', () => {
  it('answers 200 {} and records topic, qos, retain and the raw payload', async () => {
    const response = await publish('chat/room/Town137', '{"text":"hi"}', 'qos=1&retain=true');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    const [record] = recorder.published;
    expect(record?.topic).toBe('chat/room/Town137');
    expect(record?.qos).toBe(1);
    expect(record?.retain).toBe(true);
    expect(record?.payload.toString()).toBe('{"text":"hi"}');
    expect(record?.json()).toEqual({ text: 'hi' });
  });

  it('defaults qos to 0 like the real API', async () => {
    await publish('a/b', 'x', '');
    expect(recorder.published[0]?.qos).toBe(0);
  });

  it('waitFor resolves for a publish already recorded and for one still to come', async () => {
    await publish('t/one', '1');
    await expect(recorder.waitFor((p) => p.topic === 't/one')).resolves.toMatchObject({
      topic: 't/one',
    });
    const later = recorder.waitFor((p) => p.topic === 't/two', 2000);
    await publish('t/two', '2');
    await expect(later).resolves.toMatchObject({ topic: 't/two' });
  });

  it('waitFor rejects when nothing matches in time', async () => {
    await expect(recorder.waitFor((p) => p.topic === 'never', 50)).rejects.toThrow(/50 ms/);
  });

  it('failNext answers errors the SDK understands, then recovers', async () => {
    recorder.failNext(2, 503, 'ThrottlingException');
    for (let i = 0; i < 2; i++) {
      const response = await publish('t/x', 'x');
      expect(response.status).toBe(503);
      expect(response.headers.get('x-amzn-errortype')).toBe('ThrottlingException');
      expect(await response.json()).toEqual({ message: expect.any(String) });
    }
    expect((await publish('t/x', 'x')).status).toBe(200);
    expect(recorder.published).toHaveLength(1);
  });

  it('failNext with a topic filter fails only those topics', async () => {
    recorder.clear();
    recorder.failNext(5, 500, 'InternalFailureException', (topic) => topic.startsWith('room/'));
    expect((await publish('room/a', 'x')).status).toBe(500);
    expect((await publish('inbox/a', 'x')).status).toBe(200);
    expect(recorder.published.map((p) => p.topic)).toEqual(['inbox/a']);
    recorder.clear();
  });

  it('refuses what IoT Core refuses: wildcards, qos 2, too many levels, other routes', async () => {
    expect((await publish('chat/+/x', 'x')).status).toBe(400);
    expect((await publish('a/b', 'x', 'qos=2')).status).toBe(400);
    expect((await publish('a/b/c/d/e/f/g/h/i', 'x')).status).toBe(400);
    expect((await fetch(`${recorder.endpoint}/things`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${recorder.endpoint}/topics/a`)).status).toBe(405);
    expect(recorder.published).toHaveLength(0);
  });
});
