/**
 * Numbers for the bots panel: latency percentiles over the latest samples and message rates
 * over a sliding window. Pure, so they are tested without a browser.
 */

/** Nearest-rank percentile (`p` in 0-100) of `values`; `undefined` when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (!(p >= 0 && p <= 100)) throw new RangeError('p must be between 0 and 100');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export interface LatencySummary {
  /** Samples the percentiles are taken over. */
  readonly count: number;
  readonly p50: number | undefined;
  readonly p95: number | undefined;
}

/** Keeps the latest `capacity` latencies, so the percentiles follow the current load. */
export class LatencyRecorder {
  readonly #samples: number[] = [];
  #next = 0;

  constructor(readonly capacity = 500) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('capacity must be a positive whole number');
    }
  }

  record(milliseconds: number): void {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) return;
    if (this.#samples.length < this.capacity) this.#samples.push(milliseconds);
    else this.#samples[this.#next] = milliseconds;
    this.#next = (this.#next + 1) % this.capacity;
  }

  summary(): LatencySummary {
    return {
      count: this.#samples.length,
      p50: percentile(this.#samples, 50),
      p95: percentile(this.#samples, 95),
    };
  }

  clear(): void {
    this.#samples.length = 0;
    this.#next = 0;
  }
}

/** Events per second over the last `windowMs`. Times must not go backwards. */
export class RateMeter {
  readonly #times: number[] = [];

  constructor(readonly windowMs = 5_000) {
    if (!(windowMs > 0)) throw new RangeError('windowMs must be positive');
  }

  record(now: number): void {
    this.#times.push(now);
    this.#prune(now);
  }

  perSecond(now: number): number {
    this.#prune(now);
    return (this.#times.length * 1000) / this.windowMs;
  }

  clear(): void {
    this.#times.length = 0;
  }

  #prune(now: number): void {
    const oldest = now - this.windowMs;
    let drop = 0;
    while (drop < this.#times.length && (this.#times[drop] as number) <= oldest) drop++;
    if (drop > 0) this.#times.splice(0, drop);
  }
}

/**
 * Spreads `ratePerSecond` sends evenly over time: each `due(now)` says how many sends are
 * owed since the previous call. It counts from one origin (`rate x elapsed`, minus what was
 * already sent) instead of adding up per-call fractions, whose rounding errors could lose a
 * whole send. A tab that was throttled in the background owes at most one second's worth, so
 * it does not flood the channel on return.
 */
export class Pacer {
  #origin: number | undefined;
  #last = 0;
  #sent = 0;

  constructor(readonly ratePerSecond: number) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError('ratePerSecond must be a positive number');
    }
  }

  due(now: number): number {
    if (this.#origin === undefined) {
      this.#origin = now;
      this.#last = now;
      return 0;
    }
    // Time that goes backwards counts as none.
    this.#last = Math.max(this.#last, now);
    const owedSinceOrigin = ((this.#last - this.#origin) * this.ratePerSecond) / 1000;
    // A billionth of a send is floating-point noise, not a fraction still to be earned.
    const owed = Math.floor(owedSinceOrigin + 1e-9) - this.#sent;
    const cap = Math.max(1, Math.floor(this.ratePerSecond));
    if (owed > cap) {
      this.#origin = this.#last;
      this.#sent = 0;
      return cap;
    }
    this.#sent += owed;
    return owed;
  }
}
