import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.js';

const options = { initialDelayMs: 100, maxDelayMs: 5_000 };

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt and caps it, with half of it jittered', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(2, options, () => 1)).toBe(200);
    expect(backoffDelay(4, options, () => 0)).toBe(400);
    expect(backoffDelay(20, options, () => 1)).toBe(5_000);
    expect(backoffDelay(20, options, () => 0)).toBe(2_500);
  });

  it('stays within [ceiling / 2, ceiling] for any attempt and any random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, random) => {
          const delay = backoffDelay(attempt, options, () => random);
          const ceiling = Math.min(5_000, 100 * 2 ** (Math.max(attempt, 1) - 1));
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('spreads clients that retry at the same attempt', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, options)));
    expect(delays.size).toBeGreaterThan(10);
  });
});
