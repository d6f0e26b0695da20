import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { type ChatStore, createChatStore } from '@game-chat/chat-store/store';
import { SETTING_DEFAULTS } from '@game-chat/lambda-runtime/settings';
import { forEachLimited } from '@game-chat/load-kit/concurrency';
import { type Summary, summarize } from '@game-chat/load-kit/stats';
import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { originalWrite, readOriginalHistory } from './original-design.js';
import {
  type CountedConnection,
  commandStats,
  commandStatsDelta,
  countRoundTrips,
  infoNumber,
  pipeCommands,
  totalUsec,
} from './redis-tools.js';

export const CHANNELS = 1000;
/**
 * Both designs keep data this long in the benchmark instead of 30 s (contract §6, the blog's TTL):
 * loading and reading a million messages takes longer than 30 s, and expiring data mid-run
 * would shrink the keyspace being measured.
 */
export const BENCH_TTL_SECONDS = 3600;
/** `CHAT_HISTORY_MAX`'s default: the store's cap per channel, and the SDK's page on join. */
const HISTORY_MAX = SETTING_DEFAULTS.historyMax;
/** A read whose result size is the same at every keyspace size: isolates the keyspace effect. */
const FIXED_LIMIT = 10;
/** The project's data in db 0, the original's in db 1: the blog's SCAN walks only its own keys. */
const PROJECT_DB = 0;
const ORIGINAL_DB = 1;
const PROJECT_READS = 2000;
const LOAD_CONCURRENCY = 256;
const MEMORY_SAMPLE_CHANNELS = 20;
const MEMORY_SAMPLE_KEYS = 200;

export function channelName(index: number): ChannelName {
  // `Town` and digits: a valid channel name (contract §2) for any index.
  return `Town${index}` as ChannelName;
}

/** Reads of the original design per size: enough for a p99 at small sizes, minutes at most at 1M. */
export function originalReadCount(messages: number): number {
  return Math.max(15, Math.min(300, Math.round(4_000_000 / messages)));
}

/** A reproducible sequence of channel indexes (mulberry32), the same for both designs. */
export function channelSample(count: number, seed: number, channels = CHANNELS): number[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => Math.floor(next() * channels));
}

export interface ReadStats {
  readonly reads: number;
  readonly latencyMs: Summary;
  /** Messages a read returned, on average. */
  readonly returned: number;
  /** Redis CPU per read, from `INFO commandstats`. */
  readonly redisUsecPerRead: number;
  readonly roundTripsPerRead: number;
}

export interface HistoryPoint {
  /** Messages stored in total (both designs hold the same ones). */
  readonly messages: number;
  readonly perChannel: number;
  readonly keys: { readonly project: number; readonly original: number };
  readonly loadSeconds: { readonly project: number; readonly original: number };
  /** `store.recent(channel, { limit: 200 })`: everything retained, what the SDK asks on join. */
  readonly project: ReadStats;
  /** `store.recent(channel, { limit: 10 })`: same result size at every keyspace size. */
  readonly projectFixed: ReadStats;
  /**
   * A bare `XREVRANGE key + - COUNT 200` of the same streams: the floor under the project's
   * read, without its Lua script (window, cap, `recovered`) and message mapping.
   */
  readonly streamOnly: ReadStats;
  readonly original: ReadStats & {
    readonly scanCallsPerRead: number;
    /** Messages of other channels per read that `SCAN MATCH channel*` let in. */
    readonly foreignPerRead: number;
  };
  /** original ÷ project (limit 200). */
  readonly ratio: { readonly p50: number; readonly p99: number };
  /** `Town1*` also matches Town10–19 and Town100–199. */
  readonly town1: { readonly returned: number; readonly foreign: number; readonly project: number };
  readonly memory: {
    /** `MEMORY USAGE` of a channel's stream ÷ its entries. */
    readonly projectStreamBytesPerMessage: number;
    /** All of a channel's keys (stream, de-duplication, meta, rate) ÷ retained entries. */
    readonly projectBytesPerRetainedMessage: number;
    /** `MEMORY USAGE` of one `channel:timestamp` key. */
    readonly originalBytesPerMessage: number;
    /** `used_memory` growth per message written while loading this step. */
    readonly usedMemoryPerMessage: { readonly project: number; readonly original: number };
  };
}

export interface HistoryResult {
  readonly channels: number;
  readonly ttlSeconds: number;
  readonly historyMax: number;
  readonly points: HistoryPoint[];
}

function textOf(channel: number, seq: number): string {
  return `message ${seq} in ${channelName(channel)}: see you at the gate`;
}

/** Times `read` on each channel; Redis CPU from `INFO commandstats`, round trips counted. */
async function timedReads<T>(
  redis: CountedConnection,
  channels: readonly number[],
  read: (channel: ChannelName) => Promise<T>,
  size: (result: T) => number,
): Promise<{ stats: ReadStats; results: T[] }> {
  const latencies: number[] = [];
  const results: T[] = [];
  const before = await commandStats(redis);
  const roundTripsBefore = redis.roundTrips;
  for (const index of channels) {
    const started = performance.now();
    const result = await read(channelName(index));
    latencies.push(performance.now() - started);
    results.push(result);
  }
  const roundTrips = redis.roundTrips - roundTripsBefore;
  const delta = commandStatsDelta(before, await commandStats(redis));
  const returned = results.reduce((sum, result) => sum + size(result), 0) / results.length;
  return {
    results,
    stats: {
      reads: channels.length,
      latencyMs: summarize(latencies),
      returned,
      redisUsecPerRead: totalUsec(delta) / channels.length,
      roundTripsPerRead: roundTrips / channels.length,
    },
  };
}

async function memoryUsage(redis: RedisConnection, key: string): Promise<number> {
  const bytes = await redis.command(['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
  return typeof bytes === 'number' ? bytes : 0;
}

/** Keys of one channel in the layout of docs/design.md ("Redis layout"), default prefix. */
function projectKeys(channel: string) {
  const base = `gc:ch:{${channel}}`;
  return {
    log: `${base}:log`,
    all: [`${base}:log`, `${base}:dedupe:0`, `${base}:dedupe:1`, `${base}:meta`],
  };
}

interface Loader {
  readonly store: ChatStore;
  readonly project: CountedConnection;
  readonly original: CountedConnection;
  readonly port: number;
  readonly startedAt: number;
}

/** Appends messages `from`..`to` (exclusive) of every channel, round-robin like live traffic. */
async function loadProject(loader: Loader, from: number, to: number): Promise<void> {
  const count = (to - from) * CHANNELS;
  const indexes = Array.from({ length: count }, (_, k) => k);
  await forEachLimited(indexes, LOAD_CONCURRENCY, async (k) => {
    const channel = k % CHANNELS;
    const seq = from + Math.floor(k / CHANNELS);
    // `p`, digits, `x`, digits: a valid player id (contract §2).
    const sender = `p${channel}x${seq % 20}` as PlayerId;
    const appended = await loader.store.append(channelName(channel), {
      kind: 'chat',
      from: { id: sender, name: sender },
      text: textOf(channel, seq),
      // As the filter stores them: the rule event's id and the SDK's clientMsgId.
      ingestId: randomUUID(),
      clientMsgId: `m${seq}`,
    });
    if (appended.status === 'rate_limited') throw new Error('append refused: rate_limited');
  });
}

function* originalWrites(loader: Loader, from: number, to: number): Generator<string[]> {
  for (let seq = from; seq < to; seq++) {
    for (let channel = 0; channel < CHANNELS; channel++) {
      // `p`, digits, `x`, digits: a valid player id (contract §2).
      const sender = `p${channel}x${seq % 20}` as PlayerId;
      yield originalWrite(
        {
          channel: channelName(channel),
          playerId: sender,
          text: textOf(channel, seq),
          // One millisecond apart within a channel, so no two messages share a key.
          at: new Date(loader.startedAt + seq),
        },
        BENCH_TTL_SECONDS,
      );
    }
  }
}

async function measureMemory(loader: Loader, perChannel: number) {
  const channels = channelSample(MEMORY_SAMPLE_CHANNELS, 7);
  let streamBytes = 0;
  let allBytes = 0;
  let entries = 0;
  for (const index of channels) {
    const keys = projectKeys(channelName(index));
    streamBytes += await memoryUsage(loader.project, keys.log);
    for (const key of keys.all) allBytes += await memoryUsage(loader.project, key);
    entries += Number(await loader.project.command(['XLEN', keys.log]));
  }
  let originalBytes = 0;
  const samples = channelSample(MEMORY_SAMPLE_KEYS, 11);
  for (const [i, channel] of samples.entries()) {
    const seq = i % perChannel;
    const [, key] = originalWrite(
      {
        channel: channelName(channel),
        playerId: '',
        text: '',
        at: new Date(loader.startedAt + seq),
      },
      BENCH_TTL_SECONDS,
    );
    originalBytes += await memoryUsage(loader.original, key as string);
  }
  return {
    projectStreamBytesPerMessage: streamBytes / entries,
    projectBytesPerRetainedMessage: allBytes / entries,
    originalBytesPerMessage: originalBytes / samples.length,
  };
}

async function dbSize(redis: RedisConnection): Promise<number> {
  return Number(await redis.command(['DBSIZE']));
}

/**
 * History read of both designs on one private redis-server, growing the same data set through
 * `sizes` (messages in total over 1,000 channels) and measuring at each size.
 */
export async function benchHistory(options: {
  readonly redisUrl: string;
  readonly port: number;
  readonly sizes: readonly number[];
  readonly log: (line: string) => void;
}): Promise<HistoryResult> {
  const connection = (db: number) =>
    countRoundTrips(
      createRedisClient({ url: `${options.redisUrl}/${db}`, commandTimeoutMs: 60_000 }),
    );
  const project = connection(PROJECT_DB);
  const original = connection(ORIGINAL_DB);
  const loader: Loader = {
    project,
    original,
    port: options.port,
    startedAt: Date.now(),
    store: createChatStore({
      client: project,
      historySeconds: BENCH_TTL_SECONDS,
      historyMax: HISTORY_MAX,
    }),
  };
  const points: HistoryPoint[] = [];
  let perChannel = 0;
  try {
    for (const size of options.sizes) {
      const target = Math.round(size / CHANNELS);
      options.log(`history: loading ${size.toLocaleString('en')} messages`);
      const memoryBefore = await infoNumber(project, 'memory', 'used_memory');
      let started = performance.now();
      await pipeCommands(
        { port: options.port, db: ORIGINAL_DB },
        originalWrites(loader, perChannel, target),
      );
      const originalSeconds = (performance.now() - started) / 1000;
      const memoryBetween = await infoNumber(project, 'memory', 'used_memory');
      started = performance.now();
      await loadProject(loader, perChannel, target);
      const projectSeconds = (performance.now() - started) / 1000;
      const memoryAfter = await infoNumber(project, 'memory', 'used_memory');
      const written = (target - perChannel) * CHANNELS;
      perChannel = target;

      options.log(`history: reading at ${size.toLocaleString('en')} messages`);
      const warmUp = channelSample(20, 3);
      for (const index of warmUp) await loader.store.recent(channelName(index), { limit: 10 });
      await readOriginalHistory(original, channelName(warmUp[0] as number));

      const projectRead = await timedReads(
        project,
        channelSample(PROJECT_READS, size),
        (channel) => loader.store.recent(channel, { limit: HISTORY_MAX }),
        (result) => result.messages.length,
      );
      const projectFixed = await timedReads(
        project,
        channelSample(PROJECT_READS, size + 1),
        (channel) => loader.store.recent(channel, { limit: FIXED_LIMIT }),
        (result) => result.messages.length,
      );
      const streamOnly = await timedReads(
        project,
        channelSample(PROJECT_READS, size),
        (channel) =>
          project.command([
            'XREVRANGE',
            projectKeys(channel).log,
            '+',
            '-',
            'COUNT',
            String(HISTORY_MAX),
          ]),
        (result) => (Array.isArray(result) ? result.length : 0),
      );
      const originalRead = await timedReads(
        original,
        channelSample(originalReadCount(size), size),
        (channel) => readOriginalHistory(original, channel),
        (result) => result.items.length,
      );
      const mean = (values: number[]) =>
        values.reduce((sum, value) => sum + value, 0) / values.length;
      const town1 = await readOriginalHistory(original, channelName(1));
      const town1Project = await loader.store.recent(channelName(1), { limit: HISTORY_MAX });

      points.push({
        messages: size,
        perChannel,
        keys: { project: await dbSize(project), original: await dbSize(original) },
        loadSeconds: { project: projectSeconds, original: originalSeconds },
        project: projectRead.stats,
        projectFixed: projectFixed.stats,
        streamOnly: streamOnly.stats,
        original: {
          ...originalRead.stats,
          scanCallsPerRead: mean(originalRead.results.map((result) => result.scanCalls)),
          foreignPerRead: mean(originalRead.results.map((result) => result.foreign)),
        },
        ratio: {
          p50: originalRead.stats.latencyMs.p50 / projectRead.stats.latencyMs.p50,
          p99: originalRead.stats.latencyMs.p99 / projectRead.stats.latencyMs.p99,
        },
        town1: {
          returned: town1.items.length,
          foreign: town1.foreign,
          project: town1Project.messages.length,
        },
        memory: {
          ...(await measureMemory(loader, perChannel)),
          usedMemoryPerMessage: {
            original: (memoryBetween - memoryBefore) / written,
            project: (memoryAfter - memoryBetween) / written,
          },
        },
      });
    }
  } finally {
    await project.close();
    await original.close();
  }
  return { channels: CHANNELS, ttlSeconds: BENCH_TTL_SECONDS, historyMax: HISTORY_MAX, points };
}
