/** core/map-bounded.ts: work over many items, a bounded number at once. */
import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../core/map-bounded.js';

describe('mapBounded', () => {
  it.each([1, 3, 8])('runs at most %i at once and keeps the order', async (limit) => {
    // Prepare
    let running = 0;
    let most = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);

    // Act
    const results = await mapBounded(items, limit, async (item) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return item * 2;
    });

    // Assess
    expect(most).toBe(limit);
    expect(results).toEqual(items.map((item) => item * 2));
  });
});
