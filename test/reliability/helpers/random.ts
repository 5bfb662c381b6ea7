/** Seeded randomness for the reliability suite: every run of a seed injects the same faults and mutations. */

import { seededRandom } from "../../../src/util/seeded-random.js";

export { seededRandom };

export class Rng {
  constructor(readonly next: () => number) {}

  static seeded(seed: number): Rng {
    return new Rng(seededRandom(seed));
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(list: readonly T[]): T {
    if (list.length === 0) throw new Error("pick from an empty list");
    return list[this.int(list.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Picks a key by weight: `{ a: 3, b: 1 }` gives `a` three times as often. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}

/** Whether the suite runs in soak mode (`CCFLOW_LONG=1`, `npm run test:long`). */
export const LONG = process.env.CCFLOW_LONG === "1" || process.env.CCFLOW_LONG === "true";

/** The base seed: `CCFLOW_SEED` to replay a run, else a fixed one so CI runs are reproducible. */
export const BASE_SEED = Number(process.env.CCFLOW_SEED ?? 20260105) >>> 0;
