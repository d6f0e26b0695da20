import { startRedisServer } from '@game-chat/testing/redis-server';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient } from '../src/connection.js';
import { StoreUnavailableError } from '../src/errors.js';
import {
  encodeCommand,
  RedisErrorReply,
  RespClient,
  RespParser,
  type RespReply,
} from '../src/resp-client.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A reply as Redis writes it. */
function encodeReply(reply: RespReply): string {
  if (reply === null) return '$-1\r\n';
  if (typeof reply === 'number') return `:${reply}\r\n`;
  if (typeof reply === 'string') return `$${Buffer.byteLength(reply)}\r\n${reply}\r\n`;
  if (reply instanceof RedisErrorReply) return `-${reply.message}\r\n`;
  return `*${reply.length}\r\n${reply.map(encodeReply).join('')}`;
}

const replyArbitrary: fc.Arbitrary<RespReply> = fc.letrec<{ reply: RespReply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'binary' }),
    fc.integer(),
    fc.constant(null),
    tie('reply').map((item) => [item]),
    fc.array(tie('reply'), { maxLength: 4 }),
  ),
})).reply;

describe('RespParser', () => {
  it('decodes any reply sequence however the bytes are split (UTF-8 split mid-character too)', () => {
    fc.assert(
      fc.property(
        fc.array(replyArbitrary, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (replies, cuts) => {
          const bytes = Buffer.from(replies.map(encodeReply).join(''));
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const parser = new RespParser();
          const decoded: RespReply[] = [];
          let from = 0;
          for (const point of [...points, bytes.length]) {
            decoded.push(...parser.push(bytes.subarray(from, point)));
            from = point;
          }
          expect(decoded).toEqual(replies);
        },
      ),
    );
  });

  it('reads simple strings, error replies (inside arrays too) and null arrays', () => {
    const parser = new RespParser();
    const [ok, error, nested, nullArray] = parser.push(
      Buffer.from('+OK\r\n-NOSCRIPT No matching script\r\n*2\r\n:1\r\n-ERR inner\r\n*-1\r\n'),
    );
    expect(ok).toBe('OK');
    expect(error).toBeInstanceOf(RedisErrorReply);
    expect((error as Error).message).toBe('NOSCRIPT No matching script');
    expect((nested as RespReply[])[1]).toBeInstanceOf(RedisErrorReply);
    expect(nullArray).toBeNull();
  });

  it('refuses a byte stream that is not RESP', () => {
    expect(() => new RespParser().push(Buffer.from('HTTP/1.1 400\r\n'))).toThrow(/RESP type/);
  });
});

describe('encodeCommand', () => {
  it('counts bytes, not characters', () => {
    expect(encodeCommand(['SET', 'k', 'é'])).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
  });
});

describe('RespClient against redis-server', () => {
  it('selects the database of the URL and authenticates an ACL user', async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    const admin = createRedisClient({ url: server.url });
    cleanup.push(() => admin.close());
    await admin.command(['ACL', 'SETUSER', 'chat', 'on', '>pw/1', '~*', '+@all']);
    await admin.command(['SELECT', '0']);
    await admin.command(['SET', 'where', 'db0']);
    const url = `redis://chat:${encodeURIComponent('pw/1')}@127.0.0.1:${server.port}/3`;
    const client = createRedisClient({ url });
    cleanup.push(() => client.close());
    await client.command(['SET', 'where', 'db3']);
    expect(await client.command(['ACL', 'WHOAMI'])).toBe('chat');
    expect(await client.command(['GET', 'where'])).toBe('db3');
    expect(await admin.command(['GET', 'where'])).toBe('db0');
  });

  it('fails commands in flight when the server goes away, and refuses new ones until back', async () => {
    const server = await startRedisServer();
    const client = new RespClient({
      url: server.url,
      connectTimeoutMs: 500,
      reconnectDelayMs: () => 50,
    });
    cleanup.push(() => client.destroy());
    await client.ready(() => new Error('not ready'));
    // Expected before the server stops: the rejection may come while stop() is awaited.
    const blocked = expect(client.send(['BLPOP', 'nothing', '0'])).rejects.toThrow(/closed/);
    await server.stop();
    await blocked;
    await expect(client.send(['PING'])).rejects.toThrow(/not open/);
  });

  it('reports a wrong password as unreachable, naming the reply', async () => {
    const server = await startRedisServer({ args: ['--requirepass', 'right'] });
    cleanup.push(() => server.stop());
    const client = createRedisClient({
      url: `redis://:wrong@127.0.0.1:${server.port}`,
      connectTimeoutMs: 300,
    });
    cleanup.push(() => client.close());
    const error = await client.command(['PING']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/WRONGPASS|invalid/);
  });
});
