import { spawn } from 'node:child_process';
import type { RedisConnection } from '@game-chat/chat-store/connection';
import { childOutput } from './child-output.js';

/** One line of `INFO commandstats`. */
export interface CommandStat {
  readonly calls: number;
  /** Microseconds of Redis CPU spent in the command. */
  readonly usec: number;
}

/** `cmdstat_evalsha:calls=2,usec=88,...` lines into a map keyed by command name. */
export function parseCommandStats(info: string): Map<string, CommandStat> {
  const stats = new Map<string, CommandStat>();
  for (const line of info.split(/\r?\n/)) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (match) stats.set(match[1] as string, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}

/**
 * What ran between two `INFO commandstats` snapshots, leaving out the `INFO` that took the
 * snapshot (and `CONFIG`, `SCRIPT`, `COMMAND`: bookkeeping, not the work measured).
 */
export function commandStatsDelta(
  before: ReadonlyMap<string, CommandStat>,
  after: ReadonlyMap<string, CommandStat>,
): Map<string, CommandStat> {
  const delta = new Map<string, CommandStat>();
  for (const [name, stat] of after) {
    if (/^(info|config|script|command)(\||$)/.test(name)) continue;
    const previous = before.get(name) ?? { calls: 0, usec: 0 };
    const calls = stat.calls - previous.calls;
    if (calls > 0) delta.set(name, { calls, usec: stat.usec - previous.usec });
  }
  return delta;
}

export function totalUsec(stats: ReadonlyMap<string, CommandStat>): number {
  let usec = 0;
  for (const stat of stats.values()) usec += stat.usec;
  return usec;
}

/** A connection that counts its round trips: requests issued in one tick go out in one write. */
export interface CountedConnection extends RedisConnection {
  readonly roundTrips: number;
}

export function countRoundTrips(inner: RedisConnection): CountedConnection {
  let roundTrips = 0;
  let sameTick = false;
  // node-redis writes the commands issued in one tick together: they share one round trip.
  const count = () => {
    if (sameTick) return;
    roundTrips++;
    sameTick = true;
    setImmediate(() => {
      sameTick = false;
    });
  };
  return {
    cluster: inner.cluster,
    get roundTrips() {
      return roundTrips;
    },
    command(args) {
      count();
      return inner.command(args);
    },
    evalScript(script, keys, args) {
      count();
      return inner.evalScript(script, keys, args);
    },
    close: () => inner.close(),
  };
}

export async function commandStats(redis: RedisConnection): Promise<Map<string, CommandStat>> {
  return parseCommandStats(String(await redis.command(['INFO', 'commandstats'])));
}

/** A field of `INFO <section>`, as a number. */
export async function infoNumber(
  redis: RedisConnection,
  section: string,
  field: string,
): Promise<number> {
  const info = String(await redis.command(['INFO', section]));
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  if (!match) throw new Error(`INFO ${section} has no ${field}`);
  return Number(match[1]);
}

/** CPU time the server has used (`used_cpu_user` + `used_cpu_sys` of `INFO cpu`), µs. */
export async function serverCpuUsec(redis: RedisConnection): Promise<number> {
  const info = String(await redis.command(['INFO', 'cpu']));
  const field = (name: string) => {
    const match = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info);
    if (!match) throw new Error(`INFO cpu has no ${name}`);
    return Number(match[1]) * 1e6;
  };
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** A command in the Redis protocol, as `redis-cli --pipe` reads it. */
export function encodeCommand(args: readonly string[]): string {
  let resp = `*${args.length}\r\n`;
  for (const arg of args) resp += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return resp;
}

/**
 * Sends many commands through `redis-cli --pipe` (the fast bulk loader Redis documents) and
 * resolves when Redis has answered them all without an error.
 */
export function pipeCommands(
  target: { port: number; db: number },
  commands: Iterable<readonly string[]>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-p', String(target.port), '-n', String(target.db), '--pipe'];
    const child = spawn('redis-cli', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    childOutput(child).then(({ code, stdout, stderr }) => {
      const output = `${stdout}${stderr}`;
      if (code === 0 && /errors: 0,/.test(output)) resolve();
      else reject(new Error(`redis-cli --pipe failed (${code}): ${output.trim()}`));
    }, reject);
    const iterator = commands[Symbol.iterator]();
    // Write in chunks and respect back-pressure: a million commands do not fit one string.
    const writeMore = () => {
      let chunk = '';
      for (let next = iterator.next(); !next.done; next = iterator.next()) {
        chunk += encodeCommand(next.value);
        if (chunk.length > 1 << 20) {
          if (!child.stdin.write(chunk)) {
            child.stdin.once('drain', writeMore);
            return;
          }
          chunk = '';
        }
      }
      child.stdin.end(chunk);
    };
    writeMore();
  });
}

/** One row of `redis-benchmark --csv`. */
export interface RedisBenchmarkRow {
  readonly test: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Parses `redis-benchmark --csv` output (a header row, then one row per test). */
export function parseRedisBenchmarkCsv(csv: string): RedisBenchmarkRow[] {
  const rows = csv
    .trim()
    .split(/\r?\n/)
    .map((line) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((match) => match[1] ?? ''));
  const header = rows[0] ?? [];
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`redis-benchmark CSV has no ${name} column`);
    return index;
  };
  const test = column('test');
  const rps = column('rps');
  const p50 = column('p50_latency_ms');
  const p99 = column('p99_latency_ms');
  return rows.slice(1).map((row) => ({
    test: (row[test] ?? '').replace(/""/g, '"'),
    requestsPerSecond: Number(row[rps]),
    p50Ms: Number(row[p50]),
    p99Ms: Number(row[p99]),
  }));
}

/** Runs `redis-benchmark --csv` with these arguments and returns its rows. */
export async function redisBenchmark(
  port: number,
  args: readonly string[],
): Promise<RedisBenchmarkRow[]> {
  const child = spawn('redis-benchmark', ['-p', String(port), '--csv', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, stdout, stderr } = await childOutput(child);
  if (code === 0) return parseRedisBenchmarkCsv(stdout);
  throw new Error(`redis-benchmark failed (${code}): ${stderr.trim()}`);
}
