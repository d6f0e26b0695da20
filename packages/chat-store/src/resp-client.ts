import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * A connection to one Redis node speaking RESP2: what the store needs of a client and nothing
 * more (commands as string arrays, pipelined, replies in order). node-redis defines every Redis
 * command when a client is first created and is 417 KiB of each Lambda bundle; parsing it and
 * building its command table was about a third of a cold start (issue 17). Redis Cluster still
 * goes through node-redis (./connection.ts), loaded only for a cluster URL.
 */

/** An error reply from Redis (`-ERR ...`, `-NOSCRIPT ...`, `-READONLY ...`). */
export class RedisErrorReply extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisErrorReply';
  }
}

/** A command that cannot be sent: the connection is down (never queued while down). */
export class RedisOfflineError extends Error {
  constructor(message = 'the Redis connection is not open') {
    super(message);
    this.name = 'RedisOfflineError';
  }
}

/** A reply as this client decodes it: bulk strings as UTF-8 text, integers as numbers. */
export type RespReply = string | number | null | RedisErrorReply | RespReply[];

const CR = 13;

/** Not enough bytes buffered for the whole reply yet. */
const INCOMPLETE = Symbol('incomplete');

/**
 * Splits a byte stream into RESP2 replies. An incomplete reply is parsed again from its start
 * when more bytes arrive: replies here are small (a script's tuple, one history page).
 */
export class RespParser {
  #buffer: Buffer = Buffer.alloc(0);
  #offset = 0;

  /** Adds bytes and returns every reply they complete, in order. */
  push(chunk: Buffer): RespReply[] {
    this.#buffer =
      this.#offset < this.#buffer.length
        ? Buffer.concat([this.#buffer.subarray(this.#offset), chunk])
        : chunk;
    this.#offset = 0;
    const replies: RespReply[] = [];
    for (;;) {
      const start = this.#offset;
      const reply = this.#read();
      if (reply === INCOMPLETE) {
        this.#offset = start;
        return replies;
      }
      replies.push(reply);
    }
  }

  #line(): string | typeof INCOMPLETE {
    const end = this.#buffer.indexOf(CR, this.#offset);
    if (end < 0 || end + 1 >= this.#buffer.length) return INCOMPLETE;
    const line = this.#buffer.toString('utf8', this.#offset, end);
    this.#offset = end + 2;
    return line;
  }

  #read(): RespReply | typeof INCOMPLETE {
    if (this.#offset >= this.#buffer.length) return INCOMPLETE;
    const type = this.#buffer[this.#offset++];
    const line = this.#line();
    if (line === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case 0x2b: // '+'
        return line;
      case 0x2d: // '-'
        return new RedisErrorReply(line);
      case 0x3a: // ':'
        return Number(line);
      case 0x24: {
        // '$'
        const length = Number(line);
        if (length < 0) return null;
        if (this.#offset + length + 2 > this.#buffer.length) return INCOMPLETE;
        const text = this.#buffer.toString('utf8', this.#offset, this.#offset + length);
        this.#offset += length + 2;
        return text;
      }
      case 0x2a: {
        // '*'
        const count = Number(line);
        if (count < 0) return null;
        const items: RespReply[] = [];
        for (let index = 0; index < count; index++) {
          const item = this.#read();
          if (item === INCOMPLETE) return INCOMPLETE;
          items.push(item);
        }
        return items;
      }
      default:
        throw new Error(`unexpected RESP type byte ${String(type)}`);
    }
  }
}

/** One command in RESP2's request form: an array of bulk strings. */
export function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

export interface RespClientOptions {
  /** `redis[s]://[[user]:password@]host[:port][/db]` */
  readonly url: string;
  /** Each connection attempt (TCP, TLS, AUTH, SELECT) fails after this long. */
  readonly connectTimeoutMs: number;
  /** PEM of a private CA for `rediss://`. */
  readonly tlsCa?: string | undefined;
  /** Delay before the next attempt after `retries` failed ones. */
  readonly reconnectDelayMs: (retries: number) => number;
}

interface Pending {
  resolve(reply: RespReply): void;
  reject(error: Error): void;
}

/**
 * Connects at once and keeps reconnecting (with `reconnectDelayMs`) until `close`; a command
 * sent while down fails with RedisOfflineError instead of waiting.
 */
export class RespClient {
  readonly #options: RespClientOptions;
  readonly #url: URL;
  #socket: Socket | undefined;
  #ready = false;
  #closed = false;
  #retries = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #pending: Pending[] = [];
  #waiting: Promise<void> | undefined;
  readonly #onReady = new Set<() => void>();
  /** The last reason a connection attempt failed or a connection ended. */
  lastError: unknown;

  constructor(options: RespClientOptions) {
    this.#options = options;
    this.#url = new URL(options.url);
    this.#connect();
  }

  get isReady(): boolean {
    return this.#ready;
  }

  /**
   * Resolves once commands can be sent; rejects with `onTimeout()` after the connect timeout.
   * Calls that arrive while connecting share one wait (one timer, one listener).
   */
  ready(onTimeout: () => Error): Promise<void> {
    if (this.#ready) return Promise.resolve();
    this.#waiting ??= new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#onReady.delete(onReady);
        reject(onTimeout());
      }, this.#options.connectTimeoutMs);
      this.#onReady.add(onReady);
    }).finally(() => {
      this.#waiting = undefined;
    });
    return this.#waiting;
  }

  send(args: readonly string[]): Promise<RespReply> {
    const socket = this.#socket;
    if (!this.#ready || socket === undefined) return Promise.reject(new RedisOfflineError());
    return this.#write(socket, args);
  }

  /** Sends QUIT after the commands in flight and waits for their replies. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const socket = this.#socket;
    if (!this.#ready || socket === undefined) return this.destroy();
    await this.#write(socket, ['QUIT']).catch(() => {});
    socket.destroy();
  }

  /** Drops the connection now; commands in flight fail. */
  destroy(): void {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#socket?.destroy();
  }

  #write(socket: Socket, args: readonly string[]): Promise<RespReply> {
    return new Promise<RespReply>((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      socket.write(encodeCommand(args));
    });
  }

  #connect(): void {
    const url = this.#url;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port || 6379);
    const socket =
      url.protocol === 'rediss:'
        ? tlsConnect({
            host,
            port,
            ...(this.#options.tlsCa === undefined ? {} : { ca: this.#options.tlsCa }),
            ...(/^[\d.:]+$/.test(host) ? {} : { servername: host }),
          })
        : netConnect({ host, port });
    this.#socket = socket;
    socket.setNoDelay(true);
    const attempt = setTimeout(
      () => socket.destroy(new Error(`connection to Redis timed out`)),
      this.#options.connectTimeoutMs,
    );
    const parser = new RespParser();
    socket.on(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      this.#handshake(socket).then(
        () => {
          clearTimeout(attempt);
          this.#ready = true;
          this.#retries = 0;
          for (const listener of [...this.#onReady]) listener();
          this.#onReady.clear();
        },
        (error: unknown) =>
          socket.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      let replies: RespReply[];
      try {
        replies = parser.push(chunk);
      } catch (error) {
        socket.destroy(error as Error);
        return;
      }
      for (const reply of replies) {
        const pending = this.#pending.shift();
        if (reply instanceof RedisErrorReply) pending?.reject(reply);
        else pending?.resolve(reply);
      }
    });
    socket.on('error', (error) => {
      this.lastError = error;
    });
    socket.on('close', () => {
      clearTimeout(attempt);
      this.#ready = false;
      if (this.#socket === socket) this.#socket = undefined;
      const failed = this.#pending;
      this.#pending = [];
      const reason = new RedisOfflineError(
        `the Redis connection closed${this.lastError instanceof Error ? `: ${this.lastError.message}` : ''}`,
      );
      for (const pending of failed) pending.reject(reason);
      if (this.#closed) return;
      this.#reconnectTimer = setTimeout(
        () => this.#connect(),
        this.#options.reconnectDelayMs(this.#retries++),
      );
    });
  }

  /** AUTH and SELECT as the URL asks, pipelined; the first error reply fails the attempt. */
  async #handshake(socket: Socket): Promise<void> {
    const url = this.#url;
    const steps: Promise<RespReply>[] = [];
    if (url.password !== '') {
      const password = decodeURIComponent(url.password);
      steps.push(
        this.#write(
          socket,
          url.username === ''
            ? ['AUTH', password]
            : ['AUTH', decodeURIComponent(url.username), password],
        ),
      );
    }
    const db = Number(url.pathname.slice(1) || 0);
    if (db !== 0) steps.push(this.#write(socket, ['SELECT', String(db)]));
    await Promise.all(steps);
  }
}
