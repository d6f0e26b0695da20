/**
 * Soak: load-generator traffic (SDK bots, `@game-chat/load-kit`) through a local stack in its own
 * process for a long time (30 minutes by default), sampling the stack's memory and Redis's. It
 * passes when no confirmed message was lost or duplicated, Redis memory stayed flat (retention
 * works), and no message stream outlived the history window once traffic stopped. RSS growth of
 * the stack is reported.
 *
 *   pnpm --filter @game-chat/reliability soak [--minutes 30] [--players 200] [--channels 20]
 *     [--rate 40] [--sample-seconds 15] [--out soak.json]
 */
import { parseArgs } from 'node:util';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { valueOptions } from '@game-chat/load-kit/command-line';
import { type LoadReport, runLoad } from '@game-chat/load-kit/run';
import {
  type StackProcess,
  stackTarget,
  startStackProcess,
} from '@game-chat/load-kit/stack-process';

export interface SoakOptions {
  readonly minutes: number;
  readonly players: number;
  readonly channels: number;
  /** Messages per second, all bots together. */
  readonly rate: number;
  readonly sampleSeconds: number;
  /** `CHAT_HISTORY_SECONDS` of the stack: retention is what keeps Redis flat. */
  readonly historySeconds: number;
}

export interface Sample {
  /** Seconds since the load started. */
  readonly at: number;
  /** The stack process's resident set and heap after a GC, bytes. */
  readonly rss: number;
  readonly heapUsed: number;
  /** Redis `used_memory` and number of keys. */
  readonly redisMemory: number;
  readonly redisKeys: number;
}

export interface Growth {
  /** The first sample after the warm-up, and the last. */
  readonly from: number;
  readonly to: number;
  readonly max: number;
  readonly percent: number;
}

export interface SoakReport {
  readonly options: SoakOptions;
  readonly load: Pick<LoadReport, 'connect' | 'sends' | 'deliveries' | 'latencyMs' | 'wallMs'>;
  readonly samples: readonly Sample[];
  readonly rss: Growth;
  readonly heapUsed: Growth;
  readonly redisMemory: Growth;
  /** Message streams left one history window after the traffic stopped (must be 0). */
  readonly streamsLeftAfterWindow: number;
  readonly verdict: { readonly passed: boolean; readonly failures: readonly string[] };
}

/** Redis memory may wobble (allocator, rehashing) but not grow: 20 % or 2 MB, whichever is more. */
const REDIS_FLAT_PERCENT = 20;
const REDIS_FLAT_BYTES = 2 * 1024 * 1024;

export function growth(values: readonly number[]): Growth {
  const from = values[0] ?? 0;
  const to = values.at(-1) ?? 0;
  return {
    from,
    to,
    max: Math.max(...values),
    percent: from === 0 ? 0 : Math.round(((to - from) / from) * 1000) / 10,
  };
}

/** Whether Redis memory stayed flat: the last sample within the allowance of the first. */
export function isFlat(memory: Growth): boolean {
  return (
    memory.to - memory.from <= Math.max(REDIS_FLAT_BYTES, (memory.from * REDIS_FLAT_PERCENT) / 100)
  );
}

export function verdict(
  load: SoakReport['load'],
  redisMemory: Growth,
  streamsLeft: number,
): SoakReport['verdict'] {
  const failures: string[] = [];
  if (load.deliveries.lost > 0) failures.push(`${load.deliveries.lost} deliveries lost`);
  if (load.deliveries.duplicated > 0) failures.push(`${load.deliveries.duplicated} duplicated`);
  if (load.sends.confirmed === 0) failures.push('no message was confirmed');
  if (!isFlat(redisMemory)) {
    failures.push(`Redis memory grew from ${redisMemory.from} to ${redisMemory.to} bytes`);
  }
  if (streamsLeft > 0) failures.push(`${streamsLeft} message streams outlived the history window`);
  return { passed: failures.length === 0, failures };
}

async function info(redis: RedisConnection, field: string): Promise<number> {
  const text = String(await redis.command(['INFO', 'memory']));
  return Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function sample(stack: StackProcess, redis: RedisConnection, startedAt: number) {
  const [process, redisMemory, redisKeys] = await Promise.all([
    stack.sample(),
    info(redis, 'used_memory'),
    redis.command(['DBSIZE']).then(Number),
  ]);
  return {
    at: Math.round((Date.now() - startedAt) / 1000),
    rss: process.rss,
    heapUsed: process.heapUsed,
    redisMemory,
    redisKeys,
  };
}

/** Message streams still in Redis (soak tooling only: KEYS on the stack's own Redis). */
async function streamsLeft(redis: RedisConnection): Promise<number> {
  return ((await redis.command(['KEYS', '*:log'])) as string[]).length;
}

/** The local stack's maximum event age (Terraform's default), the de-duplication window. */
const DEDUPE_SECONDS = 300;

export async function soak(
  options: SoakOptions,
  log: (line: string) => void = console.error,
): Promise<SoakReport> {
  const stack = await startStackProcess({
    settings: { CHAT_HISTORY_SECONDS: String(options.historySeconds) },
  });
  const redis = createRedisClient({ url: stack.redisUrl, commandTimeoutMs: 10_000 });
  const samples: Sample[] = [];
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  let timer: NodeJS.Timeout | undefined;
  try {
    log(
      `soak: ${options.minutes} min, ${options.players} bots in ${options.channels} channels, ${options.rate} msg/s`,
    );
    let startedAt = Date.now();
    const load = await runLoad(
      {
        players: options.players,
        channels: options.channels,
        rate: options.rate,
        durationSeconds: options.minutes * 60,
        connectConcurrency: 50,
        drainSeconds: 30,
      },
      stackTarget(stack),
      {
        signal: abort.signal,
        onConnected: async () => {
          startedAt = Date.now();
          const take = async () => {
            const next = await sample(stack, redis, startedAt);
            samples.push(next);
            log(
              `soak: t=${next.at}s rss=${(next.rss / 1e6).toFixed(1)}MB heap=${(next.heapUsed / 1e6).toFixed(1)}MB ` +
                `redis=${(next.redisMemory / 1e6).toFixed(2)}MB keys=${next.redisKeys}`,
            );
          };
          await take();
          timer = setInterval(() => void take().catch(() => {}), options.sampleSeconds * 1000);
        },
      },
    );
    clearInterval(timer);
    // Once traffic stops, every stream must expire within the history window.
    await new Promise((resolve) => setTimeout(resolve, (options.historySeconds + 5) * 1000));
    const left = await streamsLeft(redis);
    // Growth is measured from the end of the warm-up: two history windows, or a minute, or the
    // life of a de-duplication entry (one to two event ages), whichever is longest.
    const warmUp = Math.max(60, 2 * options.historySeconds, 2 * DEDUPE_SECONDS);
    const steady = samples.filter((s) => s.at >= warmUp);
    const measured = steady.length >= 2 ? steady : samples;
    const redisMemory = growth(measured.map((s) => s.redisMemory));
    const { connect, sends, deliveries, latencyMs, wallMs } = load;
    const loadSummary = { connect, sends, deliveries, latencyMs, wallMs };
    return {
      options,
      load: loadSummary,
      samples,
      rss: growth(measured.map((s) => s.rss)),
      heapUsed: growth(measured.map((s) => s.heapUsed)),
      redisMemory,
      streamsLeftAfterWindow: left,
      verdict: verdict(loadSummary, redisMemory, left),
    };
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    await redis.close();
    await stack.stop();
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const ms = (value: number) => Math.round(value);

export function formatReport(report: SoakReport): string {
  const { load } = report;
  const lines = [
    `soak ${report.options.minutes} min, ${report.options.players} bots, ${report.options.rate} msg/s:`,
    `  sent ${load.sends.attempted}, confirmed ${load.sends.confirmed}, failed ${JSON.stringify(load.sends.failed)}`,
    `  deliveries expected ${load.deliveries.expected}, received ${load.deliveries.received}, lost ${load.deliveries.lost}, duplicated ${load.deliveries.duplicated}`,
    `  send-to-receive ms p50 ${ms(load.latencyMs.p50)} p95 ${ms(load.latencyMs.p95)} p99 ${ms(load.latencyMs.p99)} max ${ms(load.latencyMs.max)}`,
    `  stack RSS ${mb(report.rss.from)} -> ${mb(report.rss.to)} (max ${mb(report.rss.max)}, ${report.rss.percent}%)`,
    `  stack heap ${mb(report.heapUsed.from)} -> ${mb(report.heapUsed.to)} (${report.heapUsed.percent}%)`,
    `  Redis memory ${mb(report.redisMemory.from)} -> ${mb(report.redisMemory.to)} (max ${mb(report.redisMemory.max)}, ${report.redisMemory.percent}%)`,
    `  message streams left one window after the traffic: ${report.streamsLeftAfterWindow}`,
    report.verdict.passed ? 'PASSED' : `FAILED: ${report.verdict.failures.join('; ')}`,
  ];
  return lines.join('\n');
}

function positive(name: string, value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!(parsed > 0 && Number.isFinite(parsed))) {
    throw new Error(`--${name} must be a positive number (got ${value})`);
  }
  return parsed;
}

export function parseSoakArgs(args: readonly string[]): SoakOptions & { out?: string } {
  const { values } = parseArgs({
    args: [...args],
    options: valueOptions(
      'minutes',
      'players',
      'channels',
      'rate',
      'sample-seconds',
      'history-seconds',
      'out',
    ),
    strict: true,
  });
  return {
    minutes: positive('minutes', values.minutes, 30),
    players: Math.round(positive('players', values.players, 200)),
    channels: Math.round(positive('channels', values.channels, 20)),
    rate: positive('rate', values.rate, 40),
    sampleSeconds: positive('sample-seconds', values['sample-seconds'], 15),
    historySeconds: Math.round(positive('history-seconds', values['history-seconds'], 30)),
    ...(values.out === undefined ? {} : { out: values.out }),
  };
}
