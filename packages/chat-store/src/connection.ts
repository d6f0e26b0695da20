import { createHash } from 'node:crypto';
import { StoreUnavailableError } from './errors.js';
import { RedisErrorReply, RespClient } from './resp-client.js';

export interface RedisConnectionOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS (ElastiCache).
   * `?cluster=true` connects to a Redis Cluster through that node (ElastiCache cluster mode:
   * its configuration endpoint).
   */
  readonly url: string;
  /** A command without an answer after this long fails with StoreUnavailableError. */
  readonly commandTimeoutMs?: number;
  /** How long a command waits for a (re)connection before it fails. */
  readonly connectTimeoutMs?: number;
  /**
   * PEM of a private CA that signed the server certificate of a `rediss://` URL; ElastiCache
   * needs none (its certificates chain to public roots).
   */
  readonly tlsCa?: string;
}

/** What Redis answers to the commands and scripts of this package (RESP2 shapes). */
export type RedisReply = string | number | null | RedisReply[];

/** A reply that must be an array (a script's tuple, a stream entry); anything else is a bug. */
export function asArray(reply: RedisReply): RedisReply[] {
  if (!Array.isArray(reply)) throw new TypeError(`unexpected Redis reply: ${String(reply)}`);
  return reply;
}

/** A Lua script with its SHA1, run by `EVALSHA` and loaded on the server when missing. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export function defineLuaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * One Redis connection that connects on first use and never queues commands while it is
 * down: every failure to reach Redis is a StoreUnavailableError, fast.
 */
export interface RedisConnection {
  /**
   * True for a Redis Cluster: a script then touches one hash slot only. On one node a script
   * may span a player's and a channel's keys.
   */
  readonly cluster: boolean;
  command(args: readonly string[]): Promise<RedisReply>;
  /** Runs a script by `EVALSHA`; on `NOSCRIPT` (first use, or Redis restarted) by `EVAL`. */
  evalScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<RedisReply>;
  close(): Promise<void>;
}

const MIN_RECONNECT_DELAY_MS = 50;
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Exponential backoff capped at 2 s with "equal jitter" (half fixed, half random), so many
 * Lambda containers reconnecting after a failover do not hit Redis in lockstep.
 */
export function reconnectDelayMs(retries: number, random: () => number = Math.random): number {
  const ceiling = Math.min(
    MAX_RECONNECT_DELAY_MS,
    MIN_RECONNECT_DELAY_MS * 2 ** Math.min(retries, 16),
  );
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Error replies that mean "this server cannot serve writes right now" rather than a bug:
 * a replica after a failover (READONLY), a primary still loading its data, a cluster in
 * trouble, a busy script.
 */
const UNAVAILABLE_REPLY = /^(READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY)\b/;

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

type ClientSettings = Required<Omit<RedisConnectionOptions, 'tlsCa'>> &
  Pick<RedisConnectionOptions, 'tlsCa'>;

/** node-redis socket settings for each node of a cluster. */
function socketOptions(options: ClientSettings) {
  return {
    connectTimeout: options.connectTimeoutMs,
    ...(options.tlsCa === undefined ? {} : { ca: options.tlsCa }),
    reconnectStrategy: (retries: number) => reconnectDelayMs(retries),
  };
}

/** One node's or one cluster's connection, as the wrapper drives it. */
interface Transport {
  /** Resolves once commands can be sent; fails with StoreUnavailableError after the timeout. */
  ready(): Promise<void>;
  /** Sends a command to the node that owns `key` (any node when there is none). */
  send(key: string | undefined, args: string[]): Promise<unknown>;
  destroy(): void;
  close(): Promise<void>;
}

function unreachable(lastError: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`Redis is not reachable: ${describe(lastError ?? 'timeout')}`, {
    cause: lastError,
  });
}

/** One node (ElastiCache's primary endpoint, a local redis-server): this package's RESP client. */
function openNode(options: ClientSettings): Transport {
  const client = new RespClient({
    url: options.url,
    connectTimeoutMs: options.connectTimeoutMs,
    tlsCa: options.tlsCa,
    reconnectDelayMs: (retries) => reconnectDelayMs(retries),
  });
  return {
    ready: () => client.ready(() => unreachable(client.lastError)),
    send: (_key, args) => client.send(args),
    destroy: () => client.destroy(),
    close: () => client.close(),
  };
}

/**
 * A Redis Cluster (ElastiCache cluster mode: the configuration endpoint as the one root node).
 * Every store operation touches one hash slot, so it goes to the slot's master; node-redis
 * follows MOVED/ASK and rediscovers the topology itself.
 */
function openCluster(options: ClientSettings): Transport {
  const url = new URL(options.url);
  let lastError: unknown;
  // Loaded only for a cluster URL: node-redis is most of a bundle's start-up cost. A CommonJS
  // package, so its exports are the default export (also as a chunk of a Lambda bundle).
  const client = import('@redis/client').then(({ default: { createCluster, ErrorReply } }) => ({
    ErrorReply,
    cluster: createCluster({
      rootNodes: [{ url: `${url.protocol}//${url.host}` }],
      // Root node settings are not inherited by the discovered nodes: credentials and TLS go here.
      defaults: {
        ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
        ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
        disableOfflineQueue: true,
        maintNotifications: 'disabled',
        socket: { ...socketOptions(options), ...(url.protocol === 'rediss:' ? { tls: true } : {}) },
      },
      RESP: 2,
    }),
  }));
  const connected = client.then(({ cluster }) => {
    cluster.on('error', (error: unknown) => {
      lastError = error;
    });
    return cluster.connect().then(
      () => true,
      (error: unknown) => {
        lastError = error;
        return false;
      },
    );
  });
  return {
    async ready() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), options.connectTimeoutMs);
      });
      const ok = await Promise.race([connected, timeout]).finally(() => clearTimeout(timer));
      if (!ok) throw unreachable(lastError);
    },
    async send(key, args) {
      const { cluster, ErrorReply } = await client;
      try {
        return await cluster.sendCommand(key, false, args);
      } catch (error) {
        // One error type for a reply from Redis, whichever client carried it.
        throw error instanceof ErrorReply ? new RedisErrorReply(error.message) : error;
      }
    },
    destroy: () => {
      void client.then(({ cluster }) => cluster.destroy());
    },
    async close() {
      const { cluster } = await client;
      if (await connected) await cluster.close();
      else cluster.destroy();
    },
  };
}

/** `?cluster=true` on the URL selects Redis Cluster; the parameter is not passed on. */
function parseUrl(raw: string): { url: string; cluster: boolean } {
  const url = new URL(raw);
  const flag = url.searchParams.get('cluster');
  if (flag !== null && flag !== 'true' && flag !== 'false') {
    throw new TypeError('the cluster parameter of a Redis URL must be true or false');
  }
  url.searchParams.delete('cluster');
  return { url: url.href, cluster: flag === 'true' };
}

/**
 * The first key of a command: the argument after the command name (every command the store
 * sends has its key there), or after `numkeys` for scripts. Picks the cluster node.
 */
function keyOf(args: readonly string[]): string | undefined {
  const name = args[0]?.toUpperCase();
  if (name === 'EVALSHA' || name === 'EVAL') return Number(args[2]) > 0 ? args[3] : undefined;
  return args[1];
}

export function createRedisClient(options: RedisConnectionOptions): RedisConnection {
  const { url, cluster } = parseUrl(options.url);
  const settings: ClientSettings = {
    url,
    commandTimeoutMs: options.commandTimeoutMs ?? 1000,
    connectTimeoutMs: options.connectTimeoutMs ?? 2000,
    tlsCa: options.tlsCa,
  };
  const open = cluster ? openCluster : openNode;
  let transport: Transport | undefined;

  async function ready(): Promise<Transport> {
    transport ??= open(settings);
    const current = transport;
    try {
      await current.ready();
    } catch (error) {
      // A cluster whose discovery failed does not retry on its own: start over next time.
      if (cluster) discard(current);
      throw error;
    }
    return current;
  }

  /** Drops the connection so that the next command resolves the endpoint afresh. */
  function discard(stale: Transport) {
    if (transport === stale) transport = undefined;
    stale.destroy();
  }

  /**
   * node-redis's own `timeout` only covers a command that is not written yet; a server that
   * stops answering needs a timer of our own. A late reply is matched to its command and
   * dropped with it.
   */
  function withTimeout(reply: Promise<unknown>): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(
              `Redis did not answer within ${settings.commandTimeoutMs} ms`,
            ),
          ),
        settings.commandTimeoutMs,
      );
    });
    reply.catch(() => {});
    return Promise.race([reply, timeout]).finally(() => clearTimeout(timer));
  }

  async function command(args: readonly string[]): Promise<RedisReply> {
    const current = await ready();
    try {
      return (await withTimeout(current.send(keyOf(args), [...args]))) as RedisReply;
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      if (error instanceof RedisErrorReply) {
        if (!UNAVAILABLE_REPLY.test(error.message)) throw error;
        // After a failover the old primary answers READONLY until we reconnect (ioredis #144).
        if (error.message.startsWith('READONLY')) discard(current);
        throw new StoreUnavailableError(`Redis cannot serve the request: ${error.message}`, {
          cause: error,
        });
      }
      throw new StoreUnavailableError(`Redis request failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  return {
    cluster,
    command,
    async evalScript(script, keys, args) {
      const tail = [String(keys.length), ...keys, ...args];
      try {
        return await command(['EVALSHA', script.sha1, ...tail]);
      } catch (error) {
        if (!(error instanceof RedisErrorReply && error.message.startsWith('NOSCRIPT')))
          throw error;
        // EVAL also caches the script, so the next call is a single EVALSHA again.
        return command(['EVAL', script.source, ...tail]);
      }
    },
    async close() {
      const current = transport;
      transport = undefined;
      await current?.close();
    },
  };
}

const shared = new Map<string, RedisConnection>();

/**
 * The container's connection for `url`: created on the first call, connected on the first
 * command, reused by every later invocation. Options of the first call win.
 */
export function getSharedRedisClient(
  url: string,
  options: Omit<RedisConnectionOptions, 'url'> = {},
): RedisConnection {
  let connection = shared.get(url);
  if (connection === undefined) {
    connection = createRedisClient({ ...options, url });
    shared.set(url, connection);
  }
  return connection;
}
