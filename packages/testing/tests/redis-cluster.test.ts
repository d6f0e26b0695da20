import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCluster, startRedisCluster } from '../src/redis-cluster.js';

const run = promisify(execFile);

describe('startRedisCluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 30_000);
  afterAll(() => cluster?.stop());

  it('joins three masters that split all slots between them', async () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(cluster.url).toBe(`redis://127.0.0.1:${cluster.nodes[0]?.port}?cluster=true`);
    const { stdout } = await run('redis-cli', [
      '-p',
      String(cluster.nodes[1]?.port),
      'CLUSTER',
      'NODES',
    ]);
    const masters = stdout.split('\n').filter((line) => line.includes('master'));
    expect(masters).toHaveLength(3);
    // Every master owns a slot range.
    for (const line of masters) expect(line).toMatch(/ \d+-\d+$/);
  });

  it('redirects a key to the node that owns its slot', async () => {
    const { stdout } = await run('redis-cli', [
      '-p',
      String(cluster.nodes[0]?.port),
      '-c',
      'SET',
      '{other-slot}',
      'x',
    ]);
    expect(stdout.trim()).toBe('OK');
  });

  it('refuses fewer than three masters', async () => {
    await expect(startRedisCluster({ masters: 2 })).rejects.toThrow(RangeError);
  });

  it('stops every node', async () => {
    const small = await startRedisCluster();
    const ports = small.nodes.map((node) => node.port);
    await small.stop();
    for (const port of ports) {
      await expect(run('redis-cli', ['-p', String(port), 'PING'])).rejects.toBeDefined();
    }
  });
});
