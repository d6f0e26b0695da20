import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyRecorder, Pacer, percentile, RateMeter } from '../src/stats.js';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 50)).toBe(35);
    expect(percentile(values, 95)).toBe(50);
    expect(percentile(values, 0)).toBe(15);
    expect(percentile(values, 100)).toBe(50);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('does not reorder its input and refuses p outside 0-100', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
    for (const p of [-1, 101, Number.NaN]) expect(() => percentile(values, p)).toThrow(RangeError);
  });

  it('is a value of the input, and p50 <= p95', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 1 }), (values) => {
        const p50 = percentile(values, 50) as number;
        const p95 = percentile(values, 95) as number;
        expect(values).toContain(p50);
        expect(p50).toBeLessThanOrEqual(p95);
      }),
    );
  });
});

describe('LatencyRecorder', () => {
  it('summarises the latest samples only, ignoring impossible ones', () => {
    const recorder = new LatencyRecorder(4);
    expect(recorder.summary()).toEqual({ count: 0, p50: undefined, p95: undefined });
    for (const ms of [1000, 1000, 10, 20, 30, 40, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      recorder.record(ms);
    }
    expect(recorder.summary()).toEqual({ count: 4, p50: 20, p95: 40 });
    recorder.clear();
    expect(recorder.summary().count).toBe(0);
  });
});

describe('RateMeter', () => {
  it('counts events per second over its window', () => {
    const meter = new RateMeter(2000);
    for (const at of [0, 100, 200, 1500]) meter.record(at);
    expect(meter.perSecond(1500)).toBe(2);
    expect(meter.perSecond(2150)).toBe(1);
    expect(meter.perSecond(3500)).toBe(0);
  });
});

describe('Pacer', () => {
  it('spreads the rate over time, carrying fractions', () => {
    const pacer = new Pacer(4);
    expect(pacer.due(0)).toBe(0);
    expect(pacer.due(100)).toBe(0);
    expect(pacer.due(250)).toBe(1);
    expect(pacer.due(500)).toBe(1);
    expect(pacer.due(1000)).toBe(2);
  });

  it('owes at most one second after a stall, and never a negative count', () => {
    const pacer = new Pacer(10);
    pacer.due(0);
    expect(pacer.due(60_000)).toBe(10);
    expect(pacer.due(59_000)).toBe(0);
    const slow = new Pacer(0.5);
    slow.due(0);
    expect(slow.due(60_000)).toBe(1);
  });

  it('sends rate x time in total, give or take one, however it is polled', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 200, noNaN: true }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 200 }),
        (rate, steps) => {
          const pacer = new Pacer(rate);
          let now = 0;
          let total = pacer.due(now);
          for (const step of steps) {
            now += step;
            total += pacer.due(now);
          }
          const expected = (rate * now) / 1000;
          expect(total).toBeLessThanOrEqual(expected + 1e-9);
          expect(total).toBeGreaterThan(expected - 1 - 1e-9);
        },
      ),
    );
  });

  it('sends what is due when rounding errors would have lost one (a fast-check counterexample)', () => {
    const pacer = new Pacer(1.1682242996495327);
    let now = 0;
    let total = pacer.due(now);
    for (const step of [152, 299, 285, 9, 71, 278, 91, 284, 206, 37]) {
      now += step;
      total += pacer.due(now);
    }
    // 1,712 ms at 125/107 messages per second is exactly 2 messages.
    expect(total).toBe(2);
  });

  it('refuses a rate that is not a positive number', () => {
    for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Pacer(rate)).toThrow(RangeError);
    }
  });
});
