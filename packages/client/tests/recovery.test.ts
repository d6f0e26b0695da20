import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChatMessage,
  type ConnectionState,
  createChatClient,
  type GapEvent,
} from '../src/client.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { nextEvent, waitUntil } from './support/wait.js';

/** A short history window, so that a test can outlast it. */
const WINDOW_SECONDS = 3;

let stack: LocalStack;
let players: Players;
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  stack = await startStack({ CHAT_HISTORY_SECONDS: String(WINDOW_SECONDS) });
  players = new Players(stack);
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function proxyTo(url: string): Promise<TcpProxy> {
  const proxy = await startTcpProxy(Number(new URL(url).port));
  proxies.push(proxy);
  return proxy;
}

afterAll(async () => {
  await players?.closeAll();
  await stack?.stop();
});

/**
 * A player connected through TCP proxies (to the broker and the HTTP API) that the test can
 * cut, and a second player on the same channel.
 */
async function playersOnChannel(channel: string, name: string) {
  const proxy = await proxyTo(stack.urls.mqtt);
  const apiProxy = await proxyTo(stack.urls.api);
  const dropped = players.create(
    name,
    {},
    {
      endpoint: `mqtt://127.0.0.1:${proxy.port}`,
      apiUrl: `http://127.0.0.1:${apiProxy.port}`,
    },
  );
  await dropped.connect();
  const other = await players.connect(`${name}-friend`);
  await dropped.join(channel);
  await other.join(channel);
  const seen = nextEvent(dropped, 'message', (message) => message.text === 'before the drop');
  await other.send(channel, 'before the drop');
  const lastBeforeDrop = (await seen).id;
  const received: ChatMessage[] = [];
  const gaps: GapEvent[] = [];
  dropped.on('message', (message) => received.push(message));
  dropped.on('gap', (gap) => gaps.push(gap));
  return { dropped, other, received, gaps, lastBeforeDrop, proxy, apiProxy };
}

async function inHistory(channel: string, id: string): Promise<boolean> {
  const token = await stack.issueToken('observer', {});
  const response = await fetch(`${stack.urls.api}/channels/${channel}/messages?limit=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { messages: ChatMessage[] };
  return body.messages.some((message) => message.id === id);
}

describe('reconnect recovery', () => {
  it('a dropped connection comes back and recovers missed messages once each, without a gap', async () => {
    const { dropped, other, received, gaps, proxy } = await playersOnChannel('Town', 'alice');
    const states: ConnectionState[] = [];
    dropped.on('connection', (event) => states.push(event.state));

    const offline = nextEvent(dropped, 'connection', (event) => event.state === 'offline');
    proxy.cut({ refuse: true });
    await offline;
    expect((await dropped.send('Town', 'while offline').catch((error) => error)).code).toBe(
      'not_connected',
    );
    const missed: ChatMessage[] = [];
    for (const text of ['missed 1', 'missed 2', 'missed 3'])
      missed.push(await other.send('Town', text));
    proxy.accept();
    await dropped.connect(); // While reconnecting: retries now and resolves once online.
    expect(dropped.state).toBe('online');
    await waitUntil(() => received.length >= missed.length, 'the missed messages');

    expect(received.map((message) => message.id)).toEqual(missed.map((message) => message.id));
    expect(gaps).toEqual([]);
    expect(states).toEqual(expect.arrayContaining(['offline', 'reconnecting', 'online']));
    expect(dropped.channels).toEqual(['Town']);

    // Live traffic flows again on the new connection.
    const live = nextEvent(dropped, 'message', (message) => message.text === 'welcome back');
    await other.send('Town', 'welcome back');
    await live;
    expect(received.filter((message) => message.text === 'welcome back')).toHaveLength(1);
  });

  it('emits gap when the messages missed while offline have expired', async () => {
    const { dropped, other, gaps, lastBeforeDrop, proxy } = await playersOnChannel(
      'Forest',
      'carol',
    );

    const offline = nextEvent(dropped, 'connection', (event) => event.state === 'offline');
    proxy.cut({ refuse: true });
    await offline;
    const expired = await other.send('Forest', 'said while carol was away');
    await waitUntil(
      async () => !(await inHistory('Forest', expired.id)),
      'the message to leave the history window',
      (WINDOW_SECONDS + 5) * 1000,
    );
    const gap = nextEvent(dropped, 'gap');
    proxy.accept();

    expect(await gap).toEqual({ channel: 'Forest', afterId: lastBeforeDrop });
    expect(gaps).toHaveLength(1);
    expect(dropped.messages('Forest').map((message) => message.id)).not.toContain(expired.id);
  });
});

describe('reconnect recovery when history cannot be read', () => {
  it('emits gap with the error, and live messages flow again', async () => {
    const { dropped, other, received, lastBeforeDrop, proxy, apiProxy } = await playersOnChannel(
      'Cave',
      'dora',
    );
    const offline = nextEvent(dropped, 'connection', (event) => event.state === 'offline');
    proxy.cut({ refuse: true });
    apiProxy.cut({ refuse: true });
    await offline;
    const unseen = await other.send('Cave', 'said while dora was away');
    const gap = nextEvent(dropped, 'gap');
    proxy.accept();

    const event = await gap;
    expect(event).toMatchObject({ channel: 'Cave', afterId: lastBeforeDrop });
    expect(event.error?.code).toBe('network');
    const live = nextEvent(dropped, 'message', (message) => message.text === 'back again');
    await other.send('Cave', 'back again');
    await live;
    expect(received.map((message) => message.id)).not.toContain(unseen.id);
  });
});

describe('token refresh', () => {
  it('reconnects with a new, newly signed token before expiry and keeps the channels it allows', async () => {
    let tokensIssued = 0;
    const tina = createChatClient({
      endpoint: stack.urls.mqtt,
      apiUrl: stack.urls.api,
      authorizerName: stack.authorizerName,
      getToken: () => {
        tokensIssued += 1;
        // The game backend revokes channel Guild after the first token, and renames the player:
        // the name the authorizer records shows which token the new connection presented.
        const first = tokensIssued === 1;
        const channels = first ? ['Refresh', 'Guild'] : ['Refresh'];
        const name = first ? 'Tina' : 'Tina Two';
        // Each token comes with its own signature: the broker refuses any other pairing.
        return stack.issueSignedToken('tina', { name, channels, expiresInSeconds: 4 });
      },
    });
    const friend = await players.connect('tina-friend');
    try {
      await tina.connect();
      await tina.join('Refresh');
      await tina.join('Guild');
      await friend.join('Refresh');
      const states: ConnectionState[] = [];
      tina.on('connection', (event) => states.push(event.state));

      // A 4 s token is refreshed halfway, about 2 s in; the new connection reports online.
      await nextEvent(tina, 'connection', (event) => event.state === 'online', 10_000);
      expect(tokensIssued).toBe(2);
      expect(states).not.toContain('offline');
      expect(tina.channels).toEqual(['Refresh']);

      const live = nextEvent(tina, 'message', (message) => message.text === 'still there?');
      await friend.send('Refresh', 'still there?');
      await live;
      // The authorizer saw the new token (its signature matched, or IoT would have refused it).
      expect((await tina.send('Refresh', 'yes')).from).toEqual({ id: 'tina', name: 'Tina Two' });
    } finally {
      await tina.close();
    }
  });
});
