import { ChatError } from '@game-chat/client';
import { freePort } from '@game-chat/testing/redis-server';
import { rejectionOf } from '@game-chat/testing/rejection';
import { type StubHttpServer, startStubHttpServer } from '@game-chat/testing/stub-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchDevToken } from '../src/dev-token.js';

const SIGNED = { token: 'a.b.c', signature: 'c2lnbmF0dXJl' };

/** A token endpoint that answers each path its own way, like a broken or strict backend. */
let server: StubHttpServer;
let base: string;
const requests: unknown[] = [];

beforeAll(async () => {
  server = await startStubHttpServer((request, response) => {
    requests.push({
      path: request.url,
      method: request.method,
      body: JSON.parse(request.body || 'null'),
    });
    const send = (status: number, text: string) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(text);
    if (request.url === '/ok') send(200, JSON.stringify(SIGNED));
    else if (request.url === '/unsigned') send(200, JSON.stringify({ token: 'a.b.c' }));
    else if (request.url === '/invalid') {
      send(400, JSON.stringify({ error: { code: 'invalid', message: 'name is too long' } }));
    } else if (request.url === '/no-token') send(200, JSON.stringify({ nope: true }));
    else if (request.url === '/html') send(502, '<html>bad gateway</html>');
    else send(404, '');
  });
  base = server.url;
});

afterAll(() => server.close());

const errorOf = (promise: Promise<unknown>) => rejectionOf(promise, ChatError);

const request = { playerId: 'Zoe', name: 'Zoë', role: 'moderator' } as const;

describe('fetchDevToken', () => {
  it('posts the player and resolves with the token and its signature', async () => {
    expect(await fetchDevToken(`${base}/ok`, request)).toEqual(SIGNED);
    expect(requests.at(-1)).toEqual({ path: '/ok', method: 'POST', body: request });
  });

  it("rejects with the endpoint's own code and message, or the HTTP status", async () => {
    expect(await errorOf(fetchDevToken(`${base}/invalid`, request))).toMatchObject({
      code: 'invalid',
      message: 'name is too long',
      status: 400,
    });
    expect(await errorOf(fetchDevToken(`${base}/no-token`, request))).toMatchObject({
      code: 'http_200',
    });
    expect(await errorOf(fetchDevToken(`${base}/unsigned`, request))).toMatchObject({
      code: 'http_200',
      message: expect.stringMatching(/without a signed token/),
    });
    expect(await errorOf(fetchDevToken(`${base}/html`, request))).toMatchObject({
      code: 'http_502',
      status: 502,
    });
  });

  it('rejects with network when nothing listens', async () => {
    const port = await freePort();
    expect(
      (await errorOf(fetchDevToken(`http://127.0.0.1:${port}/dev/tokens`, request))).code,
    ).toBe('network');
  });
});
