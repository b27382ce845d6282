// Reproducible dice for the chaos runs: SHA-256 of (seed, stream, counter) as a uniform number in
// [0, 1). node:crypto does the mixing, so there is no hand-written generator to get wrong; speed
// does not matter at a few thousand draws a run. Separate streams (actions, vendor faults, operator
// kills) keep one part's draws from shifting another's when timing changes how many it makes.
import { createHash } from 'node:crypto';

export interface Dice {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
}

export function seededDice(seed: string, stream: string): Dice {
  let counter = 0;
  const next = (): number => {
    const digest = createHash('sha256').update(`${seed}\0${stream}\0${counter++}`).digest();
    // 48 bits are exact in a double; more would not be uniform after the division.
    return digest.readUIntBE(0, 6) / 2 ** 48;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    chance: (p) => next() < p,
  };
}
