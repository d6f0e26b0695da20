import { describe, expect, it } from 'vitest';
import {
  commandStatsDelta,
  countRoundTrips,
  encodeCommand,
  parseCommandStats,
  parseRedisBenchmarkCsv,
  totalUsec,
} from '../src/redis-tools.js';

const INFO_BEFORE = [
  '# Commandstats',
  'cmdstat_info:calls=2,usec=88,usec_per_call=44.00,rejected_calls=0,failed_calls=0',
  'cmdstat_evalsha:calls=10,usec=500,usec_per_call=50.00,rejected_calls=0,failed_calls=0',
  'cmdstat_hmget:calls=4,usec=8,usec_per_call=2.00,rejected_calls=0,failed_calls=0',
  'cmdstat_config|resetstat:calls=1,usec=108,usec_per_call=108.00,rejected_calls=0,failed_calls=0',
].join('\r\n');
const INFO_AFTER = [
  '# Commandstats',
  'cmdstat_info:calls=3,usec=130,usec_per_call=43.00,rejected_calls=0,failed_calls=0',
  'cmdstat_evalsha:calls=14,usec=700,usec_per_call=50.00,rejected_calls=0,failed_calls=0',
  'cmdstat_hmget:calls=4,usec=8,usec_per_call=2.00,rejected_calls=0,failed_calls=0',
  'cmdstat_xadd:calls=2,usec=30,usec_per_call=15.00,rejected_calls=0,failed_calls=0',
  'cmdstat_config|resetstat:calls=2,usec=200,usec_per_call=100.00,rejected_calls=0,failed_calls=0',
].join('\r\n');

describe('INFO commandstats', () => {
  it('parses calls and microseconds per command, subcommands included', () => {
    const stats = parseCommandStats(INFO_BEFORE);
    expect(stats.get('evalsha')).toEqual({ calls: 10, usec: 500 });
    expect(stats.get('config|resetstat')).toEqual({ calls: 1, usec: 108 });
    expect(stats.size).toBe(4);
  });

  it('keeps only what ran in between, without the snapshots themselves', () => {
    const delta = commandStatsDelta(parseCommandStats(INFO_BEFORE), parseCommandStats(INFO_AFTER));
    expect(Object.fromEntries(delta)).toEqual({
      evalsha: { calls: 4, usec: 200 },
      xadd: { calls: 2, usec: 30 },
    });
    expect(totalUsec(delta)).toBe(230);
  });
});

describe('encodeCommand', () => {
  it('writes RESP arrays with byte lengths, not character lengths', () => {
    expect(encodeCommand(['SET', 'k', 'é'])).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n');
    expect(encodeCommand(['SET', 'a b', ''])).toBe('*3\r\n$3\r\nSET\r\n$3\r\na b\r\n$0\r\n\r\n');
  });
});

describe('parseRedisBenchmarkCsv', () => {
  it('reads the columns by name, with commas inside quoted test names', () => {
    const csv = [
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
      '"XADD b:{__rand_int__} * t hello, world","21762.79","1.705","0.120","1.271","5.199","7.527","29.023"',
    ].join('\n');
    expect(parseRedisBenchmarkCsv(csv)).toEqual([
      {
        test: 'XADD b:{__rand_int__} * t hello, world',
        requestsPerSecond: 21762.79,
        p50Ms: 1.271,
        p99Ms: 7.527,
      },
    ]);
  });

  it('refuses output without the expected columns', () => {
    expect(() => parseRedisBenchmarkCsv('"test","rps"\n"SET","1"')).toThrow('p50_latency_ms');
  });
});

describe('countRoundTrips', () => {
  // A reply arrives after I/O, in a later macrotask, as a real Redis reply does.
  const afterIo = <T>(value: T) => new Promise<T>((resolve) => setImmediate(() => resolve(value)));

  function recordingConnection(sent: string[]) {
    return countRoundTrips({
      cluster: false,
      command: (args) => {
        sent.push(args[0] as string);
        return afterIo('OK');
      },
      evalScript: () => {
        sent.push('script');
        return afterIo(1);
      },
      close: async () => {},
    });
  }

  it('counts requests that wait for each other as one round trip each', async () => {
    const sent: string[] = [];
    const counted = recordingConnection(sent);
    await counted.command(['GET', 'a']);
    await counted.evalScript({ source: 'return 1', sha1: 'x' }, [], []);
    await counted.command(['GET', 'b']);
    expect(counted.roundTrips).toBe(3);
    expect(sent).toEqual(['GET', 'script', 'GET']);
  });

  it('counts requests issued in the same tick (one pipelined write) as one round trip', async () => {
    const sent: string[] = [];
    const counted = recordingConnection(sent);
    await Promise.all([
      counted.evalScript({ source: 'return 1', sha1: 'x' }, [], []),
      counted.command(['XREVRANGE', 'k', '+', '-']),
    ]);
    await counted.command(['GET', 'b']);
    expect(counted.roundTrips).toBe(2);
    expect(sent).toEqual(['script', 'XREVRANGE', 'GET']);
  });
});
