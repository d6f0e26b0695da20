import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NAME_PATTERN } from '@game-chat/protocol/limits';
import {
  type ChannelName,
  type PlayerId,
  validateChannel,
  validatePlayerId,
} from '@game-chat/protocol/names';
import { freePort, startRedisServer } from '@game-chat/testing/redis-server';
import fc from 'fast-check';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createRedisClient,
  defineLuaScript,
  getSharedRedisClient,
  type RedisConnection,
  reconnectDelayMs,
} from '../src/connection.js';
import { StoreInputError, StoreUnavailableError } from '../src/errors.js';
import { type AdmitInput, createChatStore, type StoreEntry } from '../src/store.js';
import { channel, player, until } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function privateServer(args: string[] = []) {
  const server = await startRedisServer({ args });
  cleanup.push(() => server.stop());
  return server;
}

function connection(url: string, options: { commandTimeoutMs?: number; tlsCa?: string } = {}) {
  const client = createRedisClient({ url, connectTimeoutMs: 300, ...options });
  cleanup.push(() => client.close());
  return client;
}

/** Calls per command since the last CONFIG RESETSTAT, without the observer's own. */
async function commandCalls(observer: RedisConnection): Promise<Record<string, number>> {
  const stats = await info(observer, 'commandstats');
  return Object.fromEntries(
    Object.entries(stats)
      .filter(([key]) => key !== 'cmdstat_info' && !key.startsWith('cmdstat_config'))
      .map(([key, value]) => [
        key.slice('cmdstat_'.length),
        Number(/calls=(\d+)/.exec(value)?.[1]),
      ]),
  );
}

async function info(client: RedisConnection, section: string): Promise<Record<string, string>> {
  const text = String(await client.command(['INFO', section]));
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

describe('reconnectDelayMs', () => {
  it('grows exponentially, is capped at 2 s and jittered within [cap/2, cap]', () => {
    expect(reconnectDelayMs(0, () => 1)).toBe(50);
    expect(reconnectDelayMs(0, () => 0)).toBe(25);
    expect(reconnectDelayMs(3, () => 1)).toBe(400);
    expect(reconnectDelayMs(40, () => 1)).toBe(2000);
    expect(reconnectDelayMs(40, () => 0)).toBe(1000);
  });
});

describe('getSharedRedisClient', () => {
  it('hands out one connection per url, created lazily', () => {
    const a = getSharedRedisClient('redis://127.0.0.1:1');
    expect(getSharedRedisClient('redis://127.0.0.1:1')).toBe(a);
    expect(getSharedRedisClient('redis://127.0.0.1:2')).not.toBe(a);
  });
});

describe('round trips', () => {
  it('makes every store operation exactly one command, never SCAN or KEYS', async () => {
    const server = await privateServer();
    const client = connection(server.url);
    const observer = connection(server.url);
    const store = createChatStore({ client });
    const rate = { burst: 5, perSecond: 1 };
    const entry = { kind: 'chat' as const, from: { id: player('alice'), name: 'A' }, text: 'hi' };
    // Warm up: the first use of each script loads it (NOSCRIPT, then EVAL).
    const warm = await store.append(channel('Town'), entry);
    if (warm.status !== 'stored') throw new Error('refused');
    await store.admit({ playerId: player('alice'), ingestId: 'w', rate });
    await store.recent(channel('Town'), { limit: 5 });
    await store.recent(channel('Town'), { limit: 5, after: warm.message.id });
    await store.setProfile(player('alice'), { name: 'A', role: 'player' }, 60);
    await store.mute(player('bob'), { seconds: 5, by: player('mod') });
    await store.completeAdmission(player('alice'), 'w');
    await store.remove(channel('Town'), '1-1');
    await store.getProfile(player('alice'));
    await store.getMute(player('bob'));
    await store.unmute(player('carol'));
    await store.post({
      admission: { playerId: player('alice'), ingestId: 'wp', rate },
      channel: channel('Town'),
      entry,
    });

    const operations: Array<[string, () => Promise<unknown>]> = [
      ['admit', () => store.admit({ playerId: player('alice'), ingestId: 'x1', rate })],
      [
        'admit (whisper)',
        () =>
          store.admit({
            playerId: player('alice'),
            ingestId: 'x2',
            rate,
            receivedAt: Date.now(),
            resendKey: 'whisper/bob:c9',
            whisperId: '1-1',
          }),
      ],
      [
        'append',
        () => store.append(channel('Town'), { ...entry, clientMsgId: 'c1', ingestId: 'i1' }),
      ],
      ['append (duplicate)', () => store.append(channel('Town'), { ...entry, clientMsgId: 'c1' })],
      [
        'append (rate limited)',
        () =>
          store.append(channel('Town'), entry, {
            channelRatePerSecond: 50,
            receivedAt: Date.now(),
          }),
      ],
      ['recent', () => store.recent(channel('Town'), { limit: 50 })],
      ['recent after', () => store.recent(channel('Town'), { limit: 50, after: warm.message.id })],
      ['remove', () => store.remove(channel('Town'), warm.message.id)],
      ['setProfile', () => store.setProfile(player('alice'), { name: 'A', role: 'player' }, 60)],
      ['getProfile', () => store.getProfile(player('alice'))],
      ['mute', () => store.mute(player('bob'), { seconds: 5, by: player('mod') })],
      ['getMute', () => store.getMute(player('bob'))],
      ['unmute', () => store.unmute(player('bob'))],
      [
        'admit (in progress)',
        () => store.admit({ playerId: player('alice'), ingestId: 'x1', rate }),
      ],
      ['completeAdmission', () => store.completeAdmission(player('alice'), 'x1')],
      ['admit (completed)', () => store.admit({ playerId: player('alice'), ingestId: 'x1', rate })],
      [
        'post',
        () =>
          store.post({
            admission: {
              playerId: player('alice'),
              ingestId: 'p1',
              rate,
              resendKey: 'send/Town:c2',
            },
            channel: channel('Town'),
            entry: { ...entry, clientMsgId: 'c2' },
            options: { channelRatePerSecond: 50, receivedAt: Date.now() },
          }),
      ],
      [
        'post (duplicate)',
        () =>
          store.post({
            admission: {
              playerId: player('alice'),
              ingestId: 'p2',
              rate,
              resendKey: 'send/Town:c2',
            },
            channel: channel('Town'),
            entry: { ...entry, clientMsgId: 'c2' },
          }),
      ],
    ];
    for (const [name, run] of operations) {
      await observer.command(['CONFIG', 'RESETSTAT']);
      await run();
      const calls = await commandCalls(observer);
      expect(Object.keys(calls).join(), name).not.toMatch(/scan|keys/);
      // Commands a script runs are counted too, under their own names, inside that one trip.
      const scripts = (calls.evalsha ?? 0) + (calls.eval ?? 0);
      if (scripts > 0) {
        expect(calls, name).toMatchObject({ evalsha: 1 });
        expect(calls.eval, name).toBeUndefined();
      } else {
        expect(Object.values(calls), name).toEqual([1]);
      }
    }
  });
});

describe('Redis work per message', () => {
  it("a player's channel message costs 8 commands in one script, and its completion one", async () => {
    const server = await privateServer();
    const client = connection(server.url);
    const observer = connection(server.url);
    // A long window: no upkeep (a tenth of it) falls due during the test.
    const store = createChatStore({ client, historySeconds: 600 });
    const rate = { burst: 100, perSecond: 100 };
    const alice = player('alice');
    let n = 0;
    const post = () =>
      store.post({
        admission: { playerId: alice, ingestId: `e${++n}`, rate, resendKey: `send/Town:c${n}` },
        channel: channel('Town'),
        entry: { kind: 'chat', from: { id: alice, name: 'A' }, text: 'hi', clientMsgId: `c${n}` },
        options: { channelRatePerSecond: 100, receivedAt: Date.now() },
      });
    // The first message of a player and of a channel also sets their TTLs and loads the script.
    await store.setProfile(alice, { name: 'Alice', role: 'player' }, 3600);
    await post();
    await observer.command(['CONFIG', 'RESETSTAT']);
    const posted = await post();
    if (posted.status !== 'posted') throw new Error(posted.status);
    expect(await commandCalls(observer)).toEqual({
      evalsha: 1,
      time: 1,
      hmget: 2,
      get: 1,
      xadd: 1,
      hset: 2,
    });
    await observer.command(['CONFIG', 'RESETSTAT']);
    expect(await store.completeAdmission(alice, posted.admission.key)).toBe(true);
    expect(await commandCalls(observer)).toEqual({ hdel: 1 });
  });
});

describe('hostile input', () => {
  it('names: the store takes only names the protocol checked, never a plain string', () => {
    const store = createChatStore({ client: connection('redis://127.0.0.1:1') });
    expectTypeOf(store.append).parameter(0).toEqualTypeOf<ChannelName>();
    expectTypeOf(store.recent).parameter(0).toEqualTypeOf<ChannelName>();
    expectTypeOf(store.remove).parameter(0).toEqualTypeOf<ChannelName>();
    expectTypeOf<StoreEntry['from']['id']>().toEqualTypeOf<PlayerId | 'system'>();
    expectTypeOf<AdmitInput['playerId']>().toEqualTypeOf<PlayerId>();
    for (const method of [store.getProfile, store.unmute, store.getMute, store.mute]) {
      expectTypeOf(method).parameter(0).toEqualTypeOf<PlayerId>();
    }
    // What the protocol refuses is everything that could bend a key: braces, spaces, slashes.
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }).filter((name) => !NAME_PATTERN.test(name)),
        (name) => !validateChannel(name).ok && !validatePlayerId(name).ok,
      ),
    );
  });

  it('the plain strings it takes never reach Redis: refused with a typed error first', async () => {
    const server = await privateServer();
    const client = connection(server.url);
    const observer = connection(server.url);
    const store = createChatStore({ client });
    await observer.command(['CONFIG', 'RESETSTAT']);
    const town = channel('Town');
    const alice = player('alice');
    const rate = { burst: 1, perSecond: 1 };
    const entry = { kind: 'chat' as const, from: { id: alice, name: 'Alice' }, text: 'hi' };
    const refusals: Array<[string, () => Promise<unknown>]> = [
      ['a message id', () => store.remove(town, '1-1 OR 1')],
      ['an after id', () => store.recent(town, { limit: 5, after: '0; DEL' })],
      ['a clientMsgId', () => store.append(town, { ...entry, clientMsgId: 'has space' })],
      ['an ingestId', () => store.append(town, { ...entry, ingestId: 'a}b' })],
      ['a display name', () => store.append(town, { ...entry, from: { id: alice, name: '' } })],
      ['a lone surrogate', () => store.append(town, { ...entry, text: 'a\ud800' })],
      ['a huge text', () => store.append(town, { ...entry, text: 'x'.repeat(10_001) })],
      ['a delete target', () => store.append(town, { ...entry, kind: 'delete', text: '' })],
      ['an admit ingestId', () => store.admit({ playerId: alice, ingestId: 'a b', rate })],
      [
        'a resend key',
        () => store.admit({ playerId: alice, ingestId: 'i', rate, resendKey: 'send/{x}:m' }),
      ],
      ['a whisper id', () => store.admit({ playerId: alice, ingestId: 'i', rate, whisperId: 'w' })],
      ['an admission key', () => store.completeAdmission(alice, 'a}b')],
      ['a profile name', () => store.setProfile(alice, { name: '\u0000', role: 'player' }, 60)],
      [
        'a mute reason',
        () => store.mute(alice, { seconds: 5, by: 'system', reason: 'x'.repeat(1000) }),
      ],
    ];
    for (const [what, refused] of refusals) {
      await expect(refused(), what).rejects.toBeInstanceOf(StoreInputError);
    }
    expect(await commandCalls(observer)).toEqual({});
    expect(await observer.command(['DBSIZE'])).toBe(0);
  });
});

describe('Redis down and back', () => {
  it('fails fast with StoreUnavailableError, then recovers on the same port', async () => {
    const server = await startRedisServer();
    const client = connection(server.url);
    const store = createChatStore({ client });
    await store.setProfile(player('alice'), { name: 'Alice', role: 'player' }, 60);
    await server.stop();
    const error = await store.getProfile(player('alice')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: 'store_unavailable' });
    expect((error as Error).cause).toBeDefined();
    // Still down: the next call fails the same way instead of queueing.
    await expect(
      store.admit({ playerId: player('alice'), ingestId: 'x', rate: { burst: 1, perSecond: 1 } }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);

    const restarted = await startRedisServer({ port: server.port });
    cleanup.push(() => restarted.stop());
    // Data was not persisted; what matters is that the same client works again.
    await until(async () => {
      try {
        await store.setProfile(player('alice'), { name: 'Alice', role: 'player' }, 60);
        return true;
      } catch (caught) {
        if (!(caught instanceof StoreUnavailableError)) throw caught;
        return false;
      }
    }, 8000);
    expect(await store.getProfile(player('alice'))).toEqual({ name: 'Alice', role: 'player' });
  });

  it('fails a command that gets no answer within the command timeout', async () => {
    const server = await privateServer();
    const client = connection(server.url, { commandTimeoutMs: 200 });
    const admin = connection(server.url);
    const store = createChatStore({ client });
    await store.getProfile(player('alice'));
    // Redis stops serving other clients for a second, like a server that hangs.
    await admin.command(['CLIENT', 'PAUSE', '1000', 'ALL']);
    await expect(store.getProfile(player('alice'))).rejects.toBeInstanceOf(StoreUnavailableError);
    await admin.command(['CLIENT', 'UNPAUSE']);
    expect(await store.getProfile(player('alice'))).toBeNull();
  });

  it('lets a burst of calls share one wait for the connection, without a listener leak', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const client = connection(`redis://127.0.0.1:${await freePort()}`);
      const calls = Array.from({ length: 25 }, () => client.command(['PING']));
      for (const call of calls) await expect(call).rejects.toBeInstanceOf(StoreUnavailableError);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual(
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('fails without a hang when nothing listens at all', async () => {
    const client = connection(`redis://127.0.0.1:${await freePort()}`);
    await expect(client.command(['PING'])).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('failover', () => {
  it('answers READONLY with StoreUnavailableError and reconnects afresh', async () => {
    const primary = await privateServer();
    const replica = await privateServer(['--replicaof', '127.0.0.1', String(primary.port)]);
    const client = connection(replica.url);
    const observer = connection(replica.url);
    const store = createChatStore({ client });
    await store.getProfile(player('alice'));
    const before = Number((await info(observer, 'stats')).total_connections_received);
    await expect(
      store.setProfile(player('alice'), { name: 'A', role: 'player' }, 60),
    ).rejects.toThrow(StoreUnavailableError);
    // The failover promotes the replica; the client must not keep its old connection.
    await observer.command(['REPLICAOF', 'NO', 'ONE']);
    await store.setProfile(player('alice'), { name: 'A', role: 'player' }, 60);
    const after = Number((await info(observer, 'stats')).total_connections_received);
    expect(after).toBeGreaterThan(before);
  });

  it('reloads scripts after the server lost its script cache', async () => {
    const server = await privateServer();
    const client = connection(server.url);
    const script = defineLuaScript('return ARGV[1] .. KEYS[1]');
    expect(await client.evalScript(script, ['k'], ['v'])).toBe('vk');
    await client.command(['SCRIPT', 'FLUSH']);
    expect(await client.evalScript(script, ['k'], ['w'])).toBe('wk');
  });
});

describe('rediss:// with AUTH', () => {
  it('connects over TLS with a password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gc-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const tlsPort = await freePort();
    await privateServer([
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(dir, 'cert.pem'),
      '--tls-key-file',
      join(dir, 'key.pem'),
      '--tls-auth-clients',
      'no',
      '--requirepass',
      's3cret/pw',
    ]);
    const tlsCa = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const good = connection(`rediss://:${encodeURIComponent('s3cret/pw')}@127.0.0.1:${tlsPort}`, {
      tlsCa,
    });
    expect(await good.command(['PING'])).toBe('PONG');
    const store = createChatStore({ client: good });
    await store.setProfile(player('alice'), { name: 'A', role: 'admin' }, 60);
    expect(await store.getProfile(player('alice'))).toEqual({ name: 'A', role: 'admin' });
    const wrongPassword = connection(`rediss://:nope@127.0.0.1:${tlsPort}`, { tlsCa });
    await expect(wrongPassword.command(['PING'])).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
