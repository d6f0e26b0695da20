import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, percentile, summarize } from '../src/stats.js';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 95)).toBe(10);
    expect(percentile(sorted, 10)).toBe(1);
    expect(percentile(sorted, 11)).toBe(2);
    expect(percentile(sorted, 100)).toBe(10);
  });

  it('is NaN without samples and refuses a percentile outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('is a sample with at least p percent of the samples at or below it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1 }),
        fc.double({ min: 0.001, max: 100, noNaN: true }),
        (samples, p) => {
          const sorted = [...samples].sort((a, b) => a - b);
          const value = percentile(sorted, p);
          expect(sorted).toContain(value);
          const atOrBelow = sorted.filter((sample) => sample <= value).length;
          expect(atOrBelow / sorted.length).toBeGreaterThanOrEqual(p / 100 - 1e-9);
          const below = sorted.filter((sample) => sample < value).length;
          expect(below / sorted.length).toBeLessThan(p / 100);
        },
      ),
    );
  });
});

describe('summarize', () => {
  it('sorts numerically, not as text', () => {
    const summary = summarize([10, 9, 100, 1, 2]);
    expect(summary).toMatchObject({ count: 5, min: 1, max: 100, p50: 9, mean: 24.4 });
  });

  it('gives NaN figures for no samples', () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    for (const value of [summary.min, summary.mean, summary.p50, summary.p99, summary.max]) {
      expect(value).toBeNaN();
    }
  });

  it('keeps p50 <= p95 <= p99 between min and max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: 0, max: 1e6 }), { minLength: 1 }),
        (samples) => {
          const s = summarize(samples);
          expect(s.min).toBeLessThanOrEqual(s.p50);
          expect(s.p50).toBeLessThanOrEqual(s.p95);
          expect(s.p95).toBeLessThanOrEqual(s.p99);
          expect(s.p99).toBeLessThanOrEqual(s.max);
        },
      ),
    );
  });

  it('has the middle value as median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([40, 10, 30, 20])).toBe(20);
  });
});
