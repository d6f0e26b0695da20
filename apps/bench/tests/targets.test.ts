import { summarize } from '@game-chat/load-kit/stats';
import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../src/history.js';
import { channelSample, originalReadCount } from '../src/history.js';
import { historyChart, renderSummary, table } from '../src/summary.js';
import { type BenchResults, checkTargets } from '../src/targets.js';

const machine = {
  cpus: 2,
  cpuModel: 'Test CPU',
  memoryGiB: 24,
  node: 'v20.0.0',
  redis: '7.0.15',
  loadAverage: 0.5,
};

function read(p50: number, p99 = p50 * 2) {
  return {
    reads: 10,
    latencyMs: { ...summarize([p50]), p50, p99 },
    returned: 10,
    redisUsecPerRead: 50,
    roundTripsPerRead: 1,
  };
}

function point(messages: number, projectMs: number, originalMs: number): HistoryPoint {
  return {
    messages,
    perChannel: messages / 1000,
    keys: { project: 3000, original: messages },
    loadSeconds: { project: 1, original: 1 },
    project: read(projectMs),
    projectFixed: read(projectMs / 2),
    streamOnly: read(projectMs / 3),
    original: { ...read(originalMs), scanCallsPerRead: messages / 1000, foreignPerRead: 7 },
    ratio: { p50: originalMs / projectMs, p99: originalMs / projectMs },
    town1: { returned: 1110, foreign: 1100, project: 10 },
    memory: {
      projectStreamBytesPerMessage: 150,
      projectBytesPerRetainedMessage: 250,
      originalBytesPerMessage: 180,
      usedMemoryPerMessage: { project: 200, original: 240 },
    },
  };
}

const base: BenchResults = { mode: 'quick', startedAt: '2025-11-25T00:00:00.000Z', machine };

/** A history run over these points, 1,000 channels as the benchmark measures. */
const historyOf = (...points: HistoryPoint[]): BenchResults => ({
  ...base,
  history: { channels: 1000, ttlSeconds: 3600, historyMax: 200, points },
});

describe('checkTargets', () => {
  it('marks every target as not measured when nothing ran', () => {
    const checks = checkTargets(base);
    expect(checks).toHaveLength(10);
    expect(checks.every((check) => check.met === undefined)).toBe(true);
  });

  it('judges history speed-up at 100k and flatness over the sizes measured', () => {
    const met = checkTargets(historyOf(point(10_000, 0.4, 5), point(100_000, 0.5, 80)));
    expect(met[0]).toMatchObject({ met: true, measured: '160× (80.0 ms vs 0.50 ms)' });
    expect(met[1]?.met).toBe(true);
    expect(met[1]?.measured).toContain('quick run');

    const missed = checkTargets(
      historyOf(point(10_000, 0.4, 5), point(100_000, 1, 80), point(1_000_000, 0.9, 900)),
    );
    expect(missed[0]?.met).toBe(false);
    expect(missed[1]).toMatchObject({ met: false, measured: '2.25× from 10,000 to 1,000,000' });
  });

  it('judges round trips, end-to-end p99 and losses, and import time', () => {
    const report = (p99: number, lost: number) => ({
      report: {
        plan: { players: 500 },
        latencyMs: { ...summarize([1]), p99 },
        deliveries: { lost, expected: 1000 },
      },
    });
    const results = (p99: number, lost: number, importMs: number, trips: number) =>
      ({
        ...base,
        filter: {
          roundTripsPerMessage: trips,
          monitoredMessages: 200,
          runs: [
            {
              concurrency: 1,
              cpuMsPerMessage: importMs / 100,
              commandsPerMessage: 9,
              redisCpuUsecPerMessage: 40,
            },
          ],
          baselineRuns: [{ concurrency: 1, cpuMsPerMessage: 1.1 }],
          xaddLoops: [{ concurrency: 1, xadds: 100, usecPerXadd: 1, cpuUsecPerXadd: 12 }],
        },
        endToEnd: { runs: [report(p99, lost)] },
        coldStart: [
          {
            name: 'message-filter',
            importMs,
            runs: 7,
            coldStart: { wall: importMs * 4, cpu: importMs * 2 },
            baselineColdStart: { wall: 400, cpu: 200 },
            ratio: { wall: importMs / 100, cpu: importMs / 100 },
          },
        ],
      }) as unknown as BenchResults;
    expect(
      checkTargets(results(20, 0, 30, 2))
        .slice(2)
        .map((c) => c.met),
    ).toEqual([true, true, true, true, true, true, true, undefined]);
    expect(
      checkTargets(results(60, 0, 30, 3))
        .slice(2)
        .map((c) => c.met),
    ).toEqual([false, false, true, true, true, true, true, undefined]);
    expect(
      checkTargets(results(20, 1, 80, 2))
        .slice(2)
        .map((c) => c.met),
    ).toEqual([true, false, false, false, false, true, true, undefined]);
  });
});

describe('issue 17 targets', () => {
  const fanOut = (stackMs: number, aedesMs: number) => ({
    players: 100,
    messagesPerSecond: 5,
    durationSeconds: 10,
    stack: {
      report: {
        sends: { confirmed: 50 },
        deliveries: { received: 5000, lost: 0 },
        latencyMs: { ...summarize([1]), p50: 20, p95: 80, p99: 120 },
      },
      cpuMsPerDelivery: stackMs,
    },
    aedes: { messages: 50, deliveries: 5000, cpuMsPerDelivery: aedesMs },
    ratio: stackMs / aedesMs,
  });
  const results = (stackMs: number) =>
    ({ ...base, fanOut: fanOut(stackMs, 0.08) }) as unknown as BenchResults;

  it('judges Redis commands and server CPU per message against the same-concurrency XADD loop', () => {
    const redis = (commands: number, cpuUsec: number) =>
      ({
        ...base,
        filter: {
          runs: [
            {
              concurrency: 1,
              cpuMsPerMessage: 1,
              commandsPerMessage: 9.2,
              redisCpuUsecPerMessage: 40,
            },
            { concurrency: 50, commandsPerMessage: commands, redisCpuUsecPerMessage: cpuUsec },
          ],
          baselineRuns: [],
          xaddLoops: [
            { concurrency: 1, xadds: 100, usecPerXadd: 1, cpuUsecPerXadd: 12 },
            { concurrency: 50, xadds: 100, usecPerXadd: 1, cpuUsecPerXadd: 8 },
          ],
        },
      }) as unknown as BenchResults;
    const [commands, cpu] = checkTargets(redis(10, 30)).slice(-3, -1);
    expect(commands).toMatchObject({
      met: true,
      measured: '9.2 at concurrency 1, 10.0 at concurrency 50',
    });
    expect(cpu).toMatchObject({
      met: true,
      measured: '3.3× at concurrency 1 (40.0 vs 12.0 µs), 3.8× at concurrency 50 (30.0 vs 8.0 µs)',
    });
    const missed = checkTargets(redis(13, 40)).slice(-3, -1);
    expect(missed.map((check) => check.met)).toEqual([false, false]);
  });

  it('judges the stack CPU per delivery and shows it beside bare aedes', () => {
    const [met] = checkTargets(results(0.15)).slice(-1);
    expect(met).toMatchObject({ met: true, measured: '0.150 ms; bare aedes 0.080 ms (1.9×)' });
    expect(checkTargets(results(0.25)).at(-1)?.met).toBe(false);
    const markdown = renderSummary(results(0.15));
    expect(markdown).toContain('## Fan-out in one room');
    expect(markdown).toMatch(
      /\| local stack +\| 50 +\| 5,000 +\| 0 +\| 20\.0 \/ 80\.0 \/ 120\.0 +\| 0\.150 +\|/,
    );
    expect(markdown).toContain('Stack over bare aedes, CPU per delivery: **1.9×**.');
  });
});

describe('renderSummary and historyChart', () => {
  const results = historyOf(point(10_000, 0.4, 5), point(100_000, 0.5, 80));

  it('writes the machine, the targets and a table row per size', () => {
    const markdown = renderSummary(results);
    expect(markdown).toContain('2 × Test CPU, 24 GiB, Node v20.0.0, Redis 7.0.15');
    expect(markdown).toMatch(/\| 100,000 +\| 0\.50 \/ 1\.00 +\|/);
    expect(markdown).toMatch(/\| met +\|/);
    expect(markdown).not.toContain('## Cold start');
  });

  it('charts both designs at every size', () => {
    const svg = historyChart(results.history as NonNullable<BenchResults['history']>);
    expect(svg.match(/<polyline /g)).toHaveLength(5);
    expect(svg).toContain('original SCAN+GET p50');
  });
});

describe('table', () => {
  it('pads every column to its widest cell, as the markdown formatter does', () => {
    expect(table(['a', 'long header'], [['wide cell', 'x']])).toBe(
      [
        '| a         | long header |',
        '| --------- | ----------- |',
        '| wide cell | x           |',
      ].join('\n'),
    );
  });
});

describe('history sampling', () => {
  it('picks the same channels for the same seed, all in range', () => {
    const sample = channelSample(500, 42);
    expect(channelSample(500, 42)).toEqual(sample);
    expect(channelSample(500, 43)).not.toEqual(sample);
    expect(sample.every((index) => Number.isInteger(index) && index >= 0 && index < 1000)).toBe(
      true,
    );
    expect(new Set(sample).size).toBeGreaterThan(300);
  });

  it('reads the slow design fewer times as it grows, within bounds', () => {
    expect(originalReadCount(10_000)).toBe(300);
    expect(originalReadCount(100_000)).toBe(40);
    expect(originalReadCount(1_000_000)).toBe(15);
  });
});
