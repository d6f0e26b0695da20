import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

export interface RedisServer {
  /** `redis://127.0.0.1:{port}` */
  readonly url: string;
  readonly port: number;
  /** Stops the server and waits until the process has exited. */
  stop(): Promise<void>;
}

export interface StartRedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `['--requirepass', 'secret']`. */
  readonly args?: readonly string[];
  /** Listen on this port instead of a free one (to restart a stopped server in place). */
  readonly port?: number;
  /** How long to wait for the first `PONG`. */
  readonly readyTimeoutMs?: number;
}

export class RedisServerNotFoundError extends Error {
  readonly code = 'redis_server_not_found';
  constructor(cause: unknown) {
    super(
      'redis-server was not found on the PATH. Install it (Debian/Ubuntu: `apt-get install ' +
        'redis-server`, macOS: `brew install redis`) or set REDIS_URL to a running Redis.',
      { cause },
    );
    this.name = 'RedisServerNotFoundError';
  }
}

const BIND_ATTEMPTS = 3;

/** Asks the kernel for a free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves true once `PING` on the port gets an answer from a server that is done loading
 * (`+PONG`, or `-NOAUTH` when a password is set), false on any failure.
 */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(/^(\+PONG|-NOAUTH)/.test(reply));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startOnce(port: number, options: StartRedisServerOptions): Promise<RedisServer> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new RedisServerNotFoundError(error) : error);
    });
  });
  spawnError.catch(() => {});
  // A test run that dies must not leave servers behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 5000);
  const ready = (async () => {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`redis-server exited with code ${child.exitCode}: ${output.trim()}`);
      }
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`redis-server on port ${port} did not answer PING in time: ${output.trim()}`);
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (error) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      process.removeListener('exit', killOnExit);
      // No persistence is configured, so there is nothing to save: end it at once.
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}

/**
 * Starts a throwaway `redis-server` (no persistence) on a free loopback port, or on
 * `options.port`, and resolves once it answers `PING`.
 */
export async function startRedisServer(
  options: StartRedisServerOptions = {},
): Promise<RedisServer> {
  if (options.port !== undefined) return startOnce(options.port, options);
  let lastError: unknown;
  // Another process may take the free port between the probe and redis-server's bind.
  for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    try {
      return await startOnce(await freePort(), options);
    } catch (error) {
      if (error instanceof RedisServerNotFoundError) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The Redis a test suite should use: `REDIS_URL` when set (CI services; `stop` does nothing),
 * otherwise a throwaway `redis-server`. Tests that share a Redis must use their own key prefix.
 */
export async function redisForTests(
  env: Record<string, string | undefined> = process.env,
): Promise<TestRedis> {
  const url = env.REDIS_URL;
  if (url !== undefined && url !== '') return { url, stop: async () => {} };
  const server = await startRedisServer();
  return { url: server.url, stop: () => server.stop() };
}
