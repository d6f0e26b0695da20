/** Runs `work` over `items` with at most `limit` running at a time; rejects on the first failure. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  if (!(Number.isInteger(limit) && limit >= 1)) {
    throw new RangeError(`limit must be a whole number of at least 1, got ${limit}`);
  }
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}
