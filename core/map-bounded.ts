/**
 * Bounded concurrency: work over many items, a few at once. Used by the `--org` commands (accounts at once,
 * cli/org/fan-out.ts) and by the emulator and the bench (calls at once), so it lives below all of them.
 */

/** `work` over every item, at most `limit` at once, results in the items' order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
