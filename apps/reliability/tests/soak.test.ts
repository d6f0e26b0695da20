import { describe, expect, it } from 'vitest';
import {
  formatReport,
  growth,
  isFlat,
  parseSoakArgs,
  type SoakReport,
  verdict,
} from '../src/soak.js';

/** The soak script's judgement, without running a soak (that is `pnpm soak`, not CI). */

const MB = 1024 * 1024;

const load = (lost: number, duplicated: number, confirmed = 100): SoakReport['load'] =>
  ({
    connect: { connected: 10, failed: {}, latencyMs: {}, wallMs: 1 },
    sends: { attempted: 100, confirmed, failed: {}, achievedRate: 10, confirmMs: {} },
    deliveries: { expected: 1000, received: 1000 - lost, lost, duplicated, unconfirmedReceived: 0 },
    latencyMs: { count: 1, min: 1, mean: 1, p50: 1, p95: 1, p99: 1, max: 1 },
    wallMs: 1,
  }) as unknown as SoakReport['load'];

describe('growth', () => {
  it('measures from the first sample to the last', () => {
    expect(growth([100, 150, 110])).toEqual({ from: 100, to: 110, max: 150, percent: 10 });
    expect(growth([200, 100])).toMatchObject({ percent: -50 });
  });
});

describe('isFlat', () => {
  it('allows 20 % or 2 MB of wobble, whichever is more, and no more', () => {
    expect(isFlat(growth([4 * MB, 5.9 * MB]))).toBe(true);
    expect(isFlat(growth([4 * MB, 6.1 * MB]))).toBe(false);
    expect(isFlat(growth([100 * MB, 119 * MB]))).toBe(true);
    expect(isFlat(growth([100 * MB, 121 * MB]))).toBe(false);
    expect(isFlat(growth([100 * MB, 50 * MB]))).toBe(true);
  });
});

describe('verdict', () => {
  const flat = growth([4 * MB, 4 * MB]);

  it('passes a run with nothing lost, nothing doubled, flat Redis and no stream left', () => {
    expect(verdict(load(0, 0), flat, 0)).toEqual({ passed: true, failures: [] });
  });

  it('names every failure', () => {
    const result = verdict(load(3, 2, 0), growth([4 * MB, 40 * MB]), 5);
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual([
      '3 deliveries lost',
      '2 duplicated',
      'no message was confirmed',
      expect.stringMatching(/^Redis memory grew/),
      '5 message streams outlived the history window',
    ]);
  });
});

describe('parseSoakArgs', () => {
  it('defaults to 30 minutes of 200 bots in 20 channels at 40 messages/s', () => {
    expect(parseSoakArgs([])).toEqual({
      minutes: 30,
      players: 200,
      channels: 20,
      rate: 40,
      sampleSeconds: 15,
      historySeconds: 30,
    });
  });

  it('reads every option and refuses nonsense', () => {
    expect(parseSoakArgs(['--minutes', '0.5', '--rate', '5', '--out', 'x.json'])).toMatchObject({
      minutes: 0.5,
      rate: 5,
      out: 'x.json',
    });
    expect(() => parseSoakArgs(['--minutes=-1'])).toThrow(/--minutes must be a positive/);
    expect(() => parseSoakArgs(['--minutes', '0'])).toThrow(/--minutes must be a positive/);
    expect(() => parseSoakArgs(['--players', 'many'])).toThrow(/--players/);
    expect(() => parseSoakArgs(['--bogus', '1'])).toThrow();
  });
});

describe('formatReport', () => {
  it('says PASSED or FAILED with the reasons', () => {
    const report = {
      options: parseSoakArgs([]),
      load: load(1, 0),
      samples: [],
      rss: growth([50 * MB, 55 * MB]),
      heapUsed: growth([20 * MB, 21 * MB]),
      redisMemory: growth([4 * MB, 4 * MB]),
      streamsLeftAfterWindow: 0,
      verdict: verdict(load(1, 0), growth([4 * MB, 4 * MB]), 0),
    } satisfies SoakReport;
    const text = formatReport(report);
    expect(text).toContain('lost 1');
    expect(text).toMatch(/FAILED: 1 deliveries lost$/);
  });
});
