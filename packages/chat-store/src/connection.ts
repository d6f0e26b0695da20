import { createHash } from 'node:crypto';
import { createClient, ErrorReply } from '@redis/client';
import { StoreUnavailableError } from './errors.js';

export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS (ElastiCache). */
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

function openClient(options: ClientSettings, onError: (error: unknown) => void) {
  const client = createClient({
    url: options.url,
    RESP: 2,
    // Never hold a command while disconnected (node-redis #2205, #2688): fail it, and let
    // the caller (Lambda's async retry, the HTTP client) try again.
    disableOfflineQueue: true,
    maintNotifications: 'disabled',
    socket: {
      connectTimeout: options.connectTimeoutMs,
      ...(options.tlsCa === undefined ? {} : { ca: options.tlsCa }),
      reconnectStrategy: (retries: number) => reconnectDelayMs(retries),
    },
  });
  // node-redis emits every failed (re)connection attempt; without a listener it would crash.
  client.on('error', onError);
  client.connect().catch(onError);
  return client;
}

type NodeRedisClient = ReturnType<typeof openClient>;

export function createRedisClient(options: RedisConnectionOptions): RedisConnection {
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  let client: NodeRedisClient | undefined;
  let lastError: unknown;

  const settings = { url: options.url, commandTimeoutMs, connectTimeoutMs, tlsCa: options.tlsCa };
  const open = () =>
    openClient(settings, (error) => {
      lastError = error;
    });

  async function ready(): Promise<NodeRedisClient> {
    client ??= open();
    const current = client;
    if (current.isReady) return current;
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        current.off('ready', onReady);
        reject(
          new StoreUnavailableError(`Redis is not reachable: ${describe(lastError ?? 'timeout')}`, {
            cause: lastError,
          }),
        );
      }, connectTimeoutMs);
      current.once('ready', onReady);
    });
    return current;
  }

  /** Drops the connection so that the next command resolves the endpoint afresh. */
  function discard(stale: NodeRedisClient) {
    if (client === stale) client = undefined;
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
          reject(new StoreUnavailableError(`Redis did not answer within ${commandTimeoutMs} ms`)),
        commandTimeoutMs,
      );
    });
    reply.catch(() => {});
    return Promise.race([reply, timeout]).finally(() => clearTimeout(timer));
  }

  async function command(args: readonly string[]): Promise<RedisReply> {
    const current = await ready();
    try {
      return (await withTimeout(current.sendCommand([...args]))) as RedisReply;
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      if (error instanceof ErrorReply) {
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
    command,
    async evalScript(script, keys, args) {
      const tail = [String(keys.length), ...keys, ...args];
      try {
        return await command(['EVALSHA', script.sha1, ...tail]);
      } catch (error) {
        if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
        // EVAL also caches the script, so the next call is a single EVALSHA again.
        return command(['EVAL', script.source, ...tail]);
      }
    },
    async close() {
      const current = client;
      client = undefined;
      if (current === undefined) return;
      if (current.isReady) await current.close();
      else current.destroy();
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
