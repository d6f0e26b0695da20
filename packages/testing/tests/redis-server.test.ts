import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { redisForTests, startRedisServer } from '../src/redis-server.js';

/** Sends one inline command and resolves with the first reply line. */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.split('\r\n')[0] ?? '');
      }
    });
  });
}

describe('startRedisServer', () => {
  const started: Array<{ stop(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
  });

  it('starts a server without persistence that answers at once', async () => {
    const server = await startRedisServer();
    started.push(server);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await send(server.port, 'PING')).toBe('+PONG');
    expect(await send(server.port, 'CONFIG GET appendonly')).toBe('*2');
  });

  it('passes extra arguments, and stop() really ends the process', async () => {
    const server = await startRedisServer({ args: ['--requirepass', 'sesame'] });
    expect(await send(server.port, 'GET x')).toMatch(/^-NOAUTH/);
    await server.stop();
    await expect(send(server.port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('restarts on the same port', async () => {
    const first = await startRedisServer();
    await first.stop();
    const second = await startRedisServer({ port: first.port });
    started.push(second);
    expect(await send(second.port, 'PING')).toBe('+PONG');
  });

  it('reports a bad argument with redis-server output instead of hanging', async () => {
    await expect(startRedisServer({ args: ['--no-such-option', 'x'] })).rejects.toThrow(
      /redis-server exited/,
    );
  });
});

describe('redisForTests', () => {
  it('uses REDIS_URL when it is set and does not own that server', async () => {
    const redis = await redisForTests({ REDIS_URL: 'redis://example.invalid:6390' });
    expect(redis.url).toBe('redis://example.invalid:6390');
    await redis.stop();
  });

  it('starts its own server when REDIS_URL is unset', async () => {
    const redis = await redisForTests({});
    const port = Number(new URL(redis.url).port);
    expect(await send(port, 'PING')).toBe('+PONG');
    await redis.stop();
  });
});
