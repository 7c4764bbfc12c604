/**
 * mulberry32 stepped through state: the seed is a plain uint32 that lives in the game state, so a
 * snapshot restores the exact random sequence and a replay draws the same prompts and missions.
 */
export interface Draw {
  /** Uniform in [0, 1). */
  value: number;
  /** The seed to store for the next draw. */
  seed: number;
}

export function draw(seed: number): Draw {
  const next = (seed + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, seed: next };
}

/** A mutable cursor over the seed, for code that draws several numbers in one step. */
export class Rng {
  constructor(public seed: number) {}

  next(): number {
    const d = draw(this.seed);
    this.seed = d.seed;
    return d.value;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.int(items.length)];
  }
}
