/**
 * Seeded randomness for the emulator: the same seed gives the same faults, the same shuffles and the same
 * delays, run after run, so that a failure found once can be replayed.
 */

/** A source of numbers in [0, 1), and what the emulator builds on it. */
export interface Random {
  /** The next number in [0, 1). */
  next(): number;
  /** A whole number from 0 to `n - 1`. */
  below(n: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** A generator seeded with `seed` (mulberry32: small, fast, and good enough to spread faults). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    below: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    shuffle<T>(items: readonly T[]): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
  };
}

/**
 * A generator for one key under a seed: the same seed and key always give the same numbers, whatever
 * else happened before. Faults keyed by what a request asks (`GetRole app-role`, its 2nd time) stay the
 * same when concurrent callers send their requests in another order.
 */
export function keyedRandom(seed: number, key: string): Random {
  // FNV-1a over the key, mixed with the seed.
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return seededRandom(hash >>> 0);
}
