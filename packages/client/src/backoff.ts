export interface BackoffOptions {
  /** Delay ceiling before the first retry, in milliseconds. */
  readonly initialDelayMs: number;
  /** Largest delay, however many attempts failed. */
  readonly maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before reconnect attempt `attempt` (1, 2, ...): exponential growth capped at
 * `maxDelayMs`, with "equal jitter" (half fixed, half random) so that thousands of players
 * dropped by the same network blip do not all come back in the same millisecond, while no
 * retry ever fires with zero delay.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** A wait that can be cut short: `done` resolves after `ms`, or at once on `skip()`. */
export interface Delay {
  readonly done: Promise<void>;
  readonly skip: () => void;
}

export function startDelay(ms: number): Delay {
  let skip = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    skip = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, skip };
}
