/**
 * Drawing from a case's seeded generator: one item of a list, each as likely, or one by weight.
 * Every choice a case makes goes through its own generator, so the case is the same on every run.
 *
 * @module
 */

/** A seeded generator of numbers in [0, 1) (`prng` in `../prng.ts`). */
export type Rng = () => number;

/** One of `items`, each as likely. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** One of `items`, each as likely as its `weight`. */
export function pickWeighted<T extends { weight: number }>(rng: Rng, items: readonly T[]): T {
  let at = rng() * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) {
    at -= item.weight;
    if (at < 0) return item;
  }
  return items[0];
}
