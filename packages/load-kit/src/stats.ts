/** Summaries of measured samples, shared by the load generator and the benchmarks. */

export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The nearest-rank percentile of samples sorted ascending: the smallest sample that at least
 * `p` percent of the samples are less than or equal to. NaN when there are no samples.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] as number;
}

/** Count, extremes, mean and p50/p95/p99 of the samples (NaN for an empty list). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  let total = 0;
  for (const value of values) total += value;
  return {
    count: values.length,
    min: values.length === 0 ? Number.NaN : (values[0] as number),
    mean: values.length === 0 ? Number.NaN : total / values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length === 0 ? Number.NaN : (values[values.length - 1] as number),
  };
}

/** The middle value (nearest rank), e.g. of several timing runs. */
export function median(samples: readonly number[]): number {
  return summarize(samples).p50;
}
