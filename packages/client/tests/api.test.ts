import { freePort } from '@game-chat/testing/redis-server';
import { rejectionOf } from '@game-chat/testing/rejection';
import {
  jsonAnswer as json,
  type StubAnswer,
  type StubHttpServer,
  startStubHttpServer,
} from '@game-chat/testing/stub-http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatApi } from '../src/api.js';
import { ChatError } from '../src/errors.js';
import { chatMessage } from './support/messages.js';

/**
 * A real HTTP server with canned answers: these tests check how the SDK reads answers and
 * errors, and that bad arguments never reach the network. The real API is exercised by the
 * integration tests against the local stack.
 */
interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

let server: StubHttpServer;
let baseUrl: string;
let requests: Recorded[] = [];
let answer: StubAnswer;

beforeAll(async () => {
  server = await startStubHttpServer(({ method, url, headers, body }, response) => {
    requests.push({ method, url, authorization: headers.authorization, body });
    answer({ method, url, headers, body }, response);
  });
  baseUrl = server.url;
});

afterAll(() => server.close());

beforeEach(() => {
  requests = [];
  answer = (_request, response) => response.writeHead(204).end();
});

function api(timeoutMs = 2_000): ChatApi {
  return new ChatApi({
    apiUrl: `${baseUrl}/`,
    getToken: async () => 'token-1',
    timeoutMs,
    maxTextLength: 20,
  });
}

const failure = (promise: Promise<unknown>) => rejectionOf(promise, ChatError);

describe('ChatApi', () => {
  it('reads a history page with the bearer token and drops malformed entries', async () => {
    answer = json(200, {
      channel: 'Town',
      messages: [
        chatMessage('5-1'),
        { v: 1, id: 'nope' },
        null,
        '{"v":1}',
        { v: 1, kind: 'notice', code: 'muted', detail: 'a notice is no history' },
        chatMessage('5-2'),
      ],
      retentionSeconds: 30,
      recovered: false,
    });
    const page = await api().history('Town', { after: '4-0', limit: 10 });
    expect(page.messages.map((entry) => entry.id)).toEqual(['5-1', '5-2']);
    expect(page).toMatchObject({ channel: 'Town', retentionSeconds: 30, recovered: false });
    expect(requests).toEqual([
      {
        method: 'GET',
        url: '/channels/Town/messages?after=4-0&limit=10',
        authorization: 'Bearer token-1',
        body: '',
      },
    ]);
  });

  it('follows `after` pages while hasMore, and stops early once caught up with live messages', async () => {
    const pages = new Map<string | null, string[]>([
      ['0-0', Array.from({ length: 200 }, (_, n) => `1-${n}`)],
      ['1-199', Array.from({ length: 200 }, (_, n) => `2-${n}`)],
      ['2-199', ['3-0']],
    ]);
    answer = (request, response) => {
      const after = new URL(request.url, baseUrl).searchParams.get('after');
      const ids = pages.get(after) ?? [];
      json(200, { messages: ids.map(chatMessage), recovered: true, hasMore: ids.length === 200 })(
        request,
        response,
      );
    };
    const all = await api().historySince('Town', '0-0');
    expect(all.messages).toHaveLength(401);
    expect(requests.map((request) => request.url)).toEqual([
      '/channels/Town/messages?after=0-0&limit=200',
      '/channels/Town/messages?after=1-199&limit=200',
      '/channels/Town/messages?after=2-199&limit=200',
    ]);

    requests = [];
    const early = await api().historySince('Town', '0-0', (lastId) => lastId === '1-199');
    expect(early.messages).toHaveLength(200);
    expect(requests).toHaveLength(1);
  });

  it('reads one newest page on join: it ends at the newest message, older ones are scrollback', async () => {
    answer = json(200, {
      messages: Array.from({ length: 200 }, (_, n) => chatMessage(`1-${n}`)),
      recovered: true,
      hasMore: true,
    });
    expect((await api().historySince('Town', undefined)).messages).toHaveLength(200);
    expect(requests.map((request) => request.url)).toEqual(['/channels/Town/messages?limit=200']);
  });

  it('reads a before page with the class fields and hasMore', async () => {
    answer = json(200, {
      channel: 'guild-1',
      messages: [chatMessage('5-1')],
      retentionSeconds: 604_800,
      maxMessages: 1000,
      recovered: true,
      hasMore: true,
    });
    const page = await api().history('guild-1', { before: '5-2', limit: 1 });
    expect(page).toMatchObject({ retentionSeconds: 604_800, maxMessages: 1000, hasMore: true });
    expect(requests[0]?.url).toBe('/channels/guild-1/messages?before=5-2&limit=1');
    const refused = await failure(api().history('guild-1', { before: 'oldest' }));
    expect(refused).toMatchObject({ code: 'invalid', message: /^before must be a message id/ });
    expect(requests).toHaveLength(1);
  });

  it('reports recovered from the first page of a catch-up', async () => {
    answer = json(200, { messages: [], recovered: false });
    expect((await api().historySince('Town', '9-9')).recovered).toBe(false);
  });

  it('turns API error bodies into ChatError with the API code and status', async () => {
    answer = json(403, { error: { code: 'forbidden', message: 'moderators only' } });
    const error = await failure(api().announce('Town', 'hello'));
    expect(error).toMatchObject({ code: 'forbidden', status: 403, message: 'moderators only' });
    expect(requests[0]).toMatchObject({ method: 'POST', body: '{"text":"hello"}' });
  });

  it('uses http_<status> when the error has no known code', async () => {
    answer = (_request, response) => response.writeHead(502).end('<html>bad gateway</html>');
    expect(await failure(api().unmute('alice'))).toMatchObject({ code: 'http_502', status: 502 });
    answer = json(418, { error: { code: 'teapot', message: 'no' } });
    expect((await failure(api().unmute('alice'))).code).toBe('http_418');
  });

  it('refuses a success answer that is not JSON, or a history without messages', async () => {
    answer = (_request, response) => response.writeHead(200).end('not json');
    expect((await failure(api().announce('Town', 'x'))).code).toBe('invalid');
    answer = json(200, { channel: 'Town' });
    expect((await failure(api().history('Town'))).code).toBe('invalid');
  });

  it('times out a request that gets no answer', async () => {
    answer = () => undefined; // Never answers.
    expect((await failure(api(200).history('Town'))).code).toBe('timeout');
  });

  it('reports network when nothing listens', async () => {
    const port = await freePort();
    const closed = new ChatApi({
      apiUrl: `http://127.0.0.1:${port}`,
      getToken: async () => 't',
      timeoutMs: 2_000,
      maxTextLength: 20,
    });
    expect((await failure(closed.history('Town'))).code).toBe('network');
  });

  it('sends moderation requests with their bodies and reads the answers', async () => {
    const deletion = { ...chatMessage('18-0'), kind: 'delete', text: '', targetId: '17-3' };
    const answers = [
      json(201, { message: { ...chatMessage('17-9'), kind: 'system' } }),
      json(200, { playerId: 'bob', muted: true, until: 1_900_000_000_000 }),
      json(200, { message: deletion }),
      json(200, { playerId: 'bob', muted: false, wasMuted: true }),
    ];
    answer = (request, response) => answers.shift()?.(request, response);
    expect((await api().announce('Town', ' Server restart ')).kind).toBe('system');
    expect(await api().mute('bob', 600, ' spam\n')).toEqual({ until: 1_900_000_000_000 });
    expect((await api().deleteMessage('Town', '17-3')).targetId).toBe('17-3');
    expect(await api().unmute('bob')).toEqual({ wasMuted: true });
    expect(requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
      { method: 'POST', url: '/channels/Town/announcements', body: '{"text":"Server restart"}' },
      { method: 'PUT', url: '/players/bob/mute', body: '{"seconds":600,"reason":"spam"}' },
      { method: 'DELETE', url: '/channels/Town/messages/17-3', body: '' },
      { method: 'DELETE', url: '/players/bob/mute', body: '' },
    ]);
  });

  it('refuses moderation answers of the wrong shape', async () => {
    answer = json(200, { message: { text: 'not a message' } });
    expect((await failure(api().announce('Town', 'x'))).code).toBe('invalid');
    answer = json(200, { muted: true });
    expect((await failure(api().mute('bob', 60))).code).toBe('invalid');
  });

  it('refuses bad arguments with the protocol codes before any request', async () => {
    const calls: [Promise<unknown>, string][] = [
      [api().history('bad channel'), 'invalid'],
      [api().history('', {}), 'empty'],
      [api().history('Town', { after: '../../etc' }), 'invalid'],
      [api().announce('Town', '   '), 'empty'],
      [api().announce('Town', 'x'.repeat(21)), 'too_long'],
      [api().announce('Town/x', 'hi'), 'invalid'],
      [api().deleteMessage('Town', 'abc'), 'invalid'],
      [api().mute('bob', 0), 'invalid'],
      [api().mute('bob', 1.5), 'invalid'],
      [api().mute('bob', 31 * 86_400), 'invalid'],
      [api().mute('bob', 60, ''), 'empty'],
      [api().mute('b?b', 60), 'invalid'],
      [api().unmute('x'.repeat(65)), 'invalid'],
    ];
    for (const [call, code] of calls) expect((await failure(call)).code).toBe(code);
    expect(requests).toEqual([]);
  });
});
