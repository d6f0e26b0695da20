import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatClient, ConnectionEvent } from '../src/client.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { nextEvent } from './support/wait.js';

/**
 * The network's `online` and `offline` events, from an EventTarget standing in for `window`,
 * against a real stack. The backoff is long (30-60 s before the first reconnect), longer than
 * a test may take: only the `online` event can bring a client back in time.
 */
const SLOW_RECONNECT = { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } };

let stack: LocalStack;
let players: Players;

beforeAll(async () => {
  stack = await startStack();
  players = new Players(stack);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

afterAll(async () => {
  await players?.closeAll();
  await stack?.stop();
});

/** An EventTarget that remembers which listeners are attached. */
class RecordingTarget extends EventTarget {
  readonly listening = new Set<string>();

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
    this.listening.add(type);
    super.addEventListener(type, listener);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
    this.listening.delete(type);
    super.removeEventListener(type, listener);
  }
}

function recordConnection(client: ChatClient): ConnectionEvent[] {
  const events: ConnectionEvent[] = [];
  client.on('connection', (event) => events.push(event));
  return events;
}

describe('network events', () => {
  it('offline drops the connection at once; online reconnects at once and catches up', async () => {
    const network = new RecordingTarget();
    const ann = players.create('ann', {}, { ...SLOW_RECONNECT, networkEvents: network });
    const ben = await players.connect('ben');
    await ann.connect();
    await ann.join('Cafe');
    await ben.join('Cafe');
    const events = recordConnection(ann);

    network.dispatchEvent(new Event('offline'));
    expect(ann.state).toBe('reconnecting');
    expect(events[0]).toMatchObject({ previous: 'online', state: 'offline' });
    expect(events[0]?.reason).toBe('network_offline');
    expect(events[0]?.error?.code).toBe('not_connected');
    expect(events[1]).toMatchObject({ state: 'reconnecting', reason: 'reconnect', attempt: 1 });
    expect(events[1]?.delayMs).toBeGreaterThanOrEqual(30_000);
    expect((await ann.send('Cafe', 'hello?').catch((error) => error)).code).toBe('not_connected');
    const missed = await ben.send('Cafe', 'said while ann was offline');

    const caughtUp = nextEvent(ann, 'message', (message) => message.id === missed.id);
    const online = nextEvent(ann, 'connection', (event) => event.state === 'online');
    network.dispatchEvent(new Event('online'));
    expect((await online).reason).toBe('connected');
    await caughtUp;
    expect((await ann.send('Cafe', 'back')).text).toBe('back');
  });

  it('changes nothing when the state already agrees with the network', async () => {
    const network = new RecordingTarget();
    const cid = players.create('cid', {}, { ...SLOW_RECONNECT, networkEvents: network });
    await cid.connect();
    const events = recordConnection(cid);
    network.dispatchEvent(new Event('online')); // Online already.
    network.dispatchEvent(new Event('offline'));
    network.dispatchEvent(new Event('offline')); // Reconnecting already.
    const online = nextEvent(cid, 'connection', (event) => event.state === 'online');
    network.dispatchEvent(new Event('online'));
    await online;
    expect(events.map((event) => event.reason)).toEqual([
      'network_offline',
      'reconnect',
      'connected',
    ]);

    // After connect() failed, the game decides whether to try again: online does not.
    const proxy = await startTcpProxy(Number(new URL(stack.urls.mqtt).port));
    proxy.cut({ refuse: true });
    const refused = players.create(
      'dot',
      {},
      { endpoint: `mqtt://127.0.0.1:${proxy.port}`, networkEvents: network },
    );
    try {
      expect((await refused.connect().catch((error) => error)).code).toBe('network');
      const after = recordConnection(refused);
      network.dispatchEvent(new Event('online'));
      expect(refused.state).toBe('offline');
      expect(after).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('listens from connect() until close(), and only to the target it was given', async () => {
    const network = new RecordingTarget();
    const window = new RecordingTarget();
    vi.stubGlobal('addEventListener', window.addEventListener.bind(window));
    vi.stubGlobal('removeEventListener', window.removeEventListener.bind(window));

    const dee = players.create('dee', {}, { networkEvents: network });
    const eve = players.create('eve', {}, { networkEvents: false });
    const fay = players.create('fay'); // The default: globalThis, here the stubbed window.
    expect(network.listening.size).toBe(0);
    await Promise.all([dee.connect(), eve.connect(), fay.connect()]);
    expect([...network.listening].sort()).toEqual(['offline', 'online']);
    expect([...window.listening].sort()).toEqual(['offline', 'online']);

    window.dispatchEvent(new Event('offline')); // Listeners run before dispatchEvent returns.
    expect(fay.state).toBe('reconnecting');
    expect(eve.state).toBe('online');
    expect(dee.state).toBe('online');

    await Promise.all([dee.close(), eve.close(), fay.close()]);
    expect(network.listening.size).toBe(0);
    expect(window.listening.size).toBe(0);
  });
});
