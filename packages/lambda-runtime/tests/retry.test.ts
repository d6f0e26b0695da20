import { StoreInputError, StoreUnavailableError } from '@game-chat/chat-store/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PublishError } from '../src/publisher.js';
import {
  createRetryBudget,
  isTransient,
  RetryBudgetExhaustedError,
  retryDelayMs,
} from '../src/retry.js';

afterEach(() => {
  vi.useRealTimers();
});

const down = () => new StoreUnavailableError('Redis is not reachable');
const httpError = (status: number) =>
  Object.assign(new Error('x'), { name: 'X', $metadata: { httpStatusCode: status } });

describe('isTransient', () => {
  it('retries Redis outages and publishes that may pass, nothing else', () => {
    expect(isTransient(down())).toBe(true);
    expect(isTransient(new PublishError('t', new Error('ECONNREFUSED')))).toBe(true);
    expect(isTransient(new PublishError('t', httpError(503)))).toBe(true);
    expect(isTransient(new PublishError('t', httpError(429)))).toBe(true);
    expect(isTransient(new PublishError('t', httpError(400)))).toBe(false);
    expect(isTransient(new StoreInputError('bad name'))).toBe(false);
    expect(isTransient(new TypeError('bug'))).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('doubles from 100 ms up to 1 s, half of it random', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, () => 0.999))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });
});

describe('a retry budget', () => {
  it('tries again after a transient failure until the operation succeeds', async () => {
    vi.useFakeTimers();
    const budget = createRetryBudget(Date.now() + 5000, undefined, () => 0.5);
    let calls = 0;
    const result = budget.run(async () => {
      calls++;
      if (calls < 4) throw down();
      return 'stored';
    });
    await vi.advanceTimersByTimeAsync(2000);
    await expect(result).resolves.toBe('stored');
    expect(calls).toBe(4);
  });

  it('throws any other failure at once', async () => {
    const budget = createRetryBudget(Date.now() + 5000);
    let calls = 0;
    const bad = new StoreInputError('bad name');
    await expect(
      budget.run(async () => {
        calls++;
        throw bad;
      }),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
  });

  it('gives up with the last failure when the next try would pass the deadline', async () => {
    vi.useFakeTimers();
    const budget = createRetryBudget(Date.now() + 1000, undefined, () => 0.999);
    const attempt = vi.fn(async () => Promise.reject(down()));
    const result = budget.run(attempt).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1000);
    const error = await result;
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    // 100 + 200 + 400 ms of waiting fit in 1 s; the 4th wait (800 ms) would not.
    expect(error).toMatchObject({ attempts: 4, cause: expect.any(StoreUnavailableError) });
    expect(attempt).toHaveBeenCalledTimes(4);
  });

  it('stops waiting for an attempt that is still running at the deadline', async () => {
    vi.useFakeTimers();
    const budget = createRetryBudget(Date.now() + 300);
    const result = budget.run(() => new Promise(() => {})).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(300);
    expect(await result).toMatchObject({ code: 'retry_budget_exhausted', attempts: 1 });
    expect(budget.remainingMs()).toBe(0);
  });

  it('with no budget left still lets one attempt run until the hard deadline', async () => {
    vi.useFakeTimers();
    // CHAT_RETRY_BUDGET_MS=0: one try, no retry, and the try is not cut short.
    const budget = createRetryBudget(Date.now(), Date.now() + 1000);
    let calls = 0;
    const slow = budget.run(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 500));
      return 'done';
    });
    await vi.advanceTimersByTimeAsync(500);
    await expect(slow).resolves.toBe('done');
    const failing = budget
      .run(async () => {
        calls++;
        throw down();
      })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(await failing).toMatchObject({ code: 'retry_budget_exhausted', attempts: 1 });
    expect(calls).toBe(2);
  });
});
