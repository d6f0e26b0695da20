import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionEvent, createChatClient } from '../src/client.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { nextEvent, waitUntil } from './support/wait.js';

/** The `connection` events of a real session, each with its old state, new state and reason. */

let stack: LocalStack;
let players: Players;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  stack = await startStack();
  players = new Players(stack);
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

afterAll(async () => {
  await players?.closeAll();
  await stack?.stop();
});

async function historyStatus(token: string): Promise<number> {
  const response = await fetch(`${stack.urls.api}/channels/Lobby/messages`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body?.cancel();
  return response.status;
}

/** A backoff longer than any test: a client back online in time was brought back by a call. */
const SLOW_RECONNECT = { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } };

type Step = Pick<ConnectionEvent, 'previous' | 'state' | 'reason'>;

function record(events: ConnectionEvent[]): Step[] {
  return events.map(({ previous, state, reason }) => ({ previous, state, reason }));
}

describe('connection events', () => {
  it('connect, then close: offline → connecting → online → offline, for connect, connected, closed', async () => {
    const client = players.create('ada');
    const events: ConnectionEvent[] = [];
    client.on('connection', (event) => events.push(event));
    await client.connect();
    await client.close();
    expect(record(events)).toEqual([
      { previous: 'offline', state: 'connecting', reason: 'connect' },
      { previous: 'connecting', state: 'online', reason: 'connected' },
      { previous: 'online', state: 'offline', reason: 'closed' },
    ]);
    expect(events[2]?.error).toBeUndefined();
  });

  it('a dropped connection: connection_lost with its error, numbered reconnects, connected', async () => {
    const proxy = await startTcpProxy(Number(new URL(stack.urls.mqtt).port));
    proxies.push(proxy);
    const client = players.create('bea', {}, { endpoint: `mqtt://127.0.0.1:${proxy.port}` });
    await client.connect();
    const events: ConnectionEvent[] = [];
    client.on('connection', (event) => events.push(event));

    const secondAttempt = nextEvent(client, 'connection', (event) => event.attempt === 2);
    proxy.cut({ refuse: true });
    await secondAttempt; // The first reconnect was refused by the proxy.
    proxy.accept();
    await client.connect();

    const lost = events[0];
    expect(lost).toMatchObject({ previous: 'online', state: 'offline', reason: 'connection_lost' });
    expect(lost?.error?.code).toBe('not_connected');
    const attempts = events.filter((event) => event.reason === 'reconnect');
    expect(attempts.map((event) => event.attempt)).toEqual(
      attempts.map((_event, index) => index + 1),
    );
    for (const attempt of attempts) expect(attempt.delayMs).toBeGreaterThan(0);
    expect(record(events.slice(-1))).toEqual([
      { previous: 'reconnecting', state: 'online', reason: 'connected' },
    ]);
  });

  it('a fixed token that expired while offline: the refusal ends the retries', async () => {
    const proxy = await startTcpProxy(Number(new URL(stack.urls.mqtt).port));
    proxies.push(proxy);
    const token = await stack.issueSignedToken('cleo', { expiresInSeconds: 1 });
    const client = createChatClient({
      endpoint: `mqtt://127.0.0.1:${proxy.port}`,
      apiUrl: stack.urls.api,
      authorizerName: stack.authorizerName,
      token,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    try {
      await client.connect();
      const events: ConnectionEvent[] = [];
      client.on('connection', (event) => events.push(event));
      proxy.cut({ refuse: true });
      // The server's verdict on the token (expiry plus its clock leeway), asked over HTTP.
      await waitUntil(
        async () => (await historyStatus(token.token)) === 401,
        'the token to expire',
        15_000,
      );
      const rejected = nextEvent(
        client,
        'connection',
        (event) => event.reason === 'token_rejected',
      );
      proxy.accept();

      expect(await rejected).toMatchObject({ previous: 'reconnecting', state: 'offline' });
      expect((await rejected).error?.code).toBe('unauthorized');
      expect(events[0]).toMatchObject({ previous: 'online', reason: 'connection_lost' });
      expect(client.state).toBe('offline');
    } finally {
      await client.close();
    }
  });

  it('a token refresh: online → online for token_refreshed, never offline', async () => {
    const client = players.create('dina', { expiresInSeconds: 4 });
    await client.connect();
    const events: ConnectionEvent[] = [];
    client.on('connection', (event) => events.push(event));
    await nextEvent(client, 'connection', (event) => event.reason === 'token_refreshed', 10_000);
    expect(record(events)).toEqual([
      { previous: 'online', state: 'online', reason: 'token_refreshed' },
    ]);
  });

  it('listeners may call the client back: close() or connect() from a connection event', async () => {
    const proxy = await startTcpProxy(Number(new URL(stack.urls.mqtt).port));
    proxies.push(proxy);
    const slow = { endpoint: `mqtt://127.0.0.1:${proxy.port}`, ...SLOW_RECONNECT };
    const quitter = players.create('gil', {}, slow);
    const eager = players.create('hal', {}, slow);
    await Promise.all([quitter.connect(), eager.connect()]);
    const quitterEvents: ConnectionEvent[] = [];
    const eagerEvents: ConnectionEvent[] = [];
    quitter.on('connection', (event) => quitterEvents.push(event));
    eager.on('connection', (event) => eagerEvents.push(event));
    quitter.on('connection', (event) => {
      if (event.reason === 'connection_lost') void quitter.close();
    });
    eager.on('connection', (event) => {
      if (event.reason === 'connection_lost') void eager.connect();
    });
    const eagerBack = nextEvent(eager, 'connection', (event) => event.state === 'online');
    const quitterClosed = nextEvent(quitter, 'connection', (event) => event.reason === 'closed');

    proxy.cut();
    await Promise.all([eagerBack, quitterClosed]);
    expect(quitterEvents.map((event) => event.reason)).toEqual(['connection_lost', 'closed']);
    expect(eagerEvents.map((event) => event.reason)).toEqual([
      'connection_lost',
      'connect',
      'connected',
    ]);
  });
});
