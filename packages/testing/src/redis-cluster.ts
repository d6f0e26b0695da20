import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, type RedisServer, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisCluster {
  /** `redis://127.0.0.1:{port of the first node}?cluster=true`, the chat store's cluster form. */
  readonly url: string;
  /** The master nodes, in creation order. */
  readonly nodes: readonly RedisServer[];
  /** Stops every node and removes the cluster's config files. */
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  /** Number of masters (at least 3, as `redis-cli --cluster create` requires). */
  readonly masters?: number;
  /** How long to wait for every node to report `cluster_state:ok`. */
  readonly readyTimeoutMs?: number;
}

export class RedisCliNotFoundError extends Error {
  readonly code = 'redis_cli_not_found';
  constructor(cause: unknown) {
    super(
      'redis-cli was not found on the PATH. Install it (Debian/Ubuntu: `apt-get install ' +
        'redis-tools`, macOS: `brew install redis`).',
      { cause },
    );
    this.name = 'RedisCliNotFoundError';
  }
}

async function redisCli(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', [...args], { timeout: 10_000 });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new RedisCliNotFoundError(error);
    throw error;
  }
}

/** True once the node serves all 16,384 slots and knows every other node. */
async function clusterReady(port: number, masters: number): Promise<boolean> {
  const info = await redisCli(['-p', String(port), 'CLUSTER', 'INFO']);
  return (
    info.includes('cluster_state:ok') &&
    info.includes('cluster_slots_assigned:16384') &&
    info.includes(`cluster_known_nodes:${masters}`)
  );
}

/**
 * A throwaway Redis Cluster on loopback: `masters` redis-server processes with
 * `cluster-enabled yes` (no replicas, no persistence), joined by `redis-cli --cluster create`.
 * Resolves once every node reports the cluster healthy.
 */
export async function startRedisCluster(
  options: StartRedisClusterOptions = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new RangeError('a Redis Cluster needs at least 3 masters');
  }
  const dir = mkdtempSync(join(tmpdir(), 'gc-cluster-'));
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < masters; index++) {
      nodes.push(
        await startRedisServer({
          args: [
            '--cluster-enabled',
            'yes',
            // The bus port defaults to port + 10000, which may be taken or out of range.
            '--cluster-port',
            String(await freePort()),
            '--cluster-config-file',
            join(dir, `nodes-${index}.conf`),
            '--cluster-node-timeout',
            '2000',
            '--dir',
            dir,
          ],
        }),
      );
    }
    await redisCli([
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
    for (const node of nodes) {
      while (!(await clusterReady(node.port, masters))) {
        if (Date.now() > deadline) {
          throw new Error(`Redis Cluster node ${node.port} did not become ready in time`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${(nodes[0] as RedisServer).port}?cluster=true`,
    nodes,
    stop,
  };
}
