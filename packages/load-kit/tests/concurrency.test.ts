import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { forEachLimited } from '../src/concurrency.js';

describe('forEachLimited', () => {
  it('runs every item once with at most `limit` at a time', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (item, index) => {
        expect(item).toBe(index);
        running++;
        peak = Math.max(peak, running);
        await nextTurn(); // let the other lanes start
        seen.push(item);
        running--;
      },
    );
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('rejects with the first failure and refuses a bad limit', async () => {
    await expect(
      forEachLimited([1, 2, 3], 2, async (item) => {
        if (item === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(forEachLimited([1], 0, async () => {})).rejects.toThrow(RangeError);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await forEachLimited([], 5, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });
});
