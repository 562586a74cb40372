import assert from "node:assert/strict";
import {
  DHASH_DISTANCE,
  NearIndex,
  type NearIndexOptions,
  type NearMatch,
  PHASH_DISTANCE,
} from "../../src/cache/near_index.ts";
import { hammingHex, type PerceptualHashes } from "../../workers/image/perceptual.ts";
import { prng } from "../support/prng.ts";

const hex64 = (random: () => number) =>
  Array.from({ length: 2 }, () => ((random() * 2 ** 32) >>> 0).toString(16).padStart(8, "0"))
    .join("");

/** `hex` with `bits` distinct bits flipped. */
function flip(hex: string, bits: number, random: () => number): string {
  const digits = [...hex].map((d) => parseInt(d, 16));
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(random() * 64));
  for (const bit of chosen) digits[bit >> 2] ^= 8 >> (bit & 3);
  return digits.map((d) => d.toString(16)).join("");
}

const randomHashes = (random: () => number): PerceptualHashes => ({
  phash: hex64(random),
  dhash: hex64(random),
});

/** What a linear scan finds: the smallest (pHash, dHash, id) within both thresholds. */
function bruteForce(
  entries: Map<string, PerceptualHashes>,
  query: PerceptualHashes,
  maxP: number,
  maxD: number,
): NearMatch | undefined {
  let best: NearMatch | undefined;
  for (const [id, h] of entries) {
    const p = hammingHex(h.phash, query.phash), d = hammingHex(h.dhash, query.dhash);
    if (p > maxP || d > maxD) continue;
    if (
      !best || p < best.phashDistance || (p === best.phashDistance && d < best.dhashDistance) ||
      (p === best.phashDistance && d === best.dhashDistance && id < best.id)
    ) best = { id, phashDistance: p, dhashDistance: d };
  }
  return best;
}

/** A few thousand random entries, clusters sharing bands, and queries planted near them. */
function workload(seed: number) {
  const random = prng(seed);
  const entries = new Map<string, PerceptualHashes>();
  for (let i = 0; i < 3_000; i++) entries.set(`r${i}`, randomHashes(random));
  // Crowded buckets: 200 entries a few bits from one another.
  const centre = randomHashes(random);
  for (let i = 0; i < 200; i++) {
    entries.set(`c${i}`, {
      phash: flip(centre.phash, Math.floor(random() * 20), random),
      dhash: flip(centre.dhash, Math.floor(random() * 20), random),
    });
  }
  const stored = [...entries.values()];
  const queries: PerceptualHashes[] = [];
  for (let q = 0; q < 600; q++) {
    const near = stored[Math.floor(random() * stored.length)];
    queries.push(
      q % 3 === 0 ? randomHashes(random) : {
        // Up to a few bits past each threshold, so both sides of every boundary are asked.
        phash: flip(near.phash, Math.floor(random() * (PHASH_DISTANCE + 6)), random),
        dhash: flip(near.dhash, Math.floor(random() * (DHASH_DISTANCE + 6)), random),
      },
    );
  }
  return { entries, queries };
}

for (
  const options of [
    {},
    { phashDistance: 5, dhashDistance: 64 },
    { phashDistance: 11, dhashDistance: 9 },
    { phashDistance: 23, dhashDistance: 20 },
  ] as NearIndexOptions[]
) {
  Deno.test(`the index finds exactly what a linear scan finds (${JSON.stringify(options)})`, () => {
    const { entries, queries } = workload(20_261_101);
    const index = new NearIndex(options);
    for (const [id, h] of entries) index.add(id, h);
    const maxP = options.phashDistance ?? PHASH_DISTANCE;
    const maxD = options.dhashDistance ?? DHASH_DISTANCE;
    let found = 0;
    for (const query of queries) {
      const expected = bruteForce(entries, query, maxP, maxD);
      assert.deepEqual(index.nearest(query), expected, JSON.stringify(query));
      if (expected) found++;
    }
    // The workload asks on both sides of the thresholds.
    assert.ok(found >= 50 && found <= queries.length - 100, `${found} found`);
  });
}

Deno.test("the least recently added or matched entry is evicted first", () => {
  const random = prng(7);
  const [a, b, c, d] = Array.from({ length: 4 }, () => randomHashes(random));
  const index = new NearIndex({ maxEntries: 3 });
  index.add("a", a);
  index.add("b", b);
  index.add("c", c);
  assert.equal(index.nearest(a)?.id, "a");
  index.add("d", d);
  assert.equal(index.size, 3);
  assert.equal(index.nearest(b), undefined);
  assert.equal(index.nearest(c)?.id, "c");
  index.add("b", b);
  // a was matched before c, so a goes next.
  assert.equal(index.nearest(a), undefined);
  assert.deepEqual(["b", "c", "d"].map((id) => index.nearest({ b, c, d }[id]!)?.id), [
    "b",
    "c",
    "d",
  ]);
});

Deno.test("delete removes an entry once and says whether it was there", () => {
  const random = prng(11);
  const [a, b] = [randomHashes(random), randomHashes(random)];
  const index = new NearIndex();
  index.add("a", a);
  index.add("b", b);
  assert.equal(index.delete("a"), true);
  assert.equal(index.delete("a"), false);
  assert.equal(index.delete("never"), false);
  assert.equal(index.size, 1);
  assert.equal(index.nearest(a), undefined);
  assert.equal(index.nearest(b)?.id, "b");
  index.add("a", a);
  assert.deepEqual(index.nearest(a), { id: "a", phashDistance: 0, dhashDistance: 0 });
});

Deno.test("adding an id again replaces its hashes", () => {
  const random = prng(13);
  const [first, second] = [randomHashes(random), randomHashes(random)];
  const index = new NearIndex();
  index.add("x", first);
  index.add("x", second);
  assert.equal(index.size, 1);
  assert.equal(index.nearest(first), undefined);
  assert.equal(index.nearest(second)?.id, "x");
});

Deno.test("under churn (adds, replacements, deletes, evictions) it matches an LRU model", () => {
  const random = prng(17);
  const maxEntries = 1_500;
  const index = new NearIndex({ maxEntries });
  // Map order is the model's recency: oldest first.
  const model = new Map<string, PerceptualHashes>();
  const use = (id: string, h: PerceptualHashes) => {
    model.delete(id);
    model.set(id, h);
  };
  // Phases alternate between scattered hashes (many small buckets) and hashes near a few bases
  // (a few large ones), so buckets grow, empty, move and the pools are compacted.
  const bases = Array.from({ length: 8 }, () => randomHashes(random));
  const near = (bits: number) => {
    const base = bases[Math.floor(random() * bases.length)];
    return { phash: flip(base.phash, bits, random), dhash: flip(base.dhash, bits, random) };
  };
  for (let step = 0; step < 12_000; step++) {
    const clustered = Math.floor(step / 2_000) % 2 === 1;
    const roll = random(), id = `k${Math.floor(random() * 3_000)}`;
    if (roll < 0.5) {
      const h = clustered ? near(Math.floor(random() * 8)) : randomHashes(random);
      use(id, h);
      if (model.size > maxEntries) model.delete(model.keys().next().value!);
      index.add(id, h);
    } else if (roll < 0.75) {
      assert.equal(index.delete(id), model.delete(id));
    } else {
      const query = near(Math.floor(random() * 12));
      const expected = bruteForce(model, query, PHASH_DISTANCE, DHASH_DISTANCE);
      assert.deepEqual(index.nearest(query), expected);
      if (expected) use(expected.id, model.get(expected.id)!);
    }
    assert.equal(index.size, model.size);
  }
  // At the threshold few bands are within their probe radius: every band must still be intact.
  for (const h of [...model.values()]) {
    const query = { phash: flip(h.phash, PHASH_DISTANCE, random), dhash: h.dhash };
    const expected = bruteForce(model, query, PHASH_DISTANCE, DHASH_DISTANCE);
    assert.ok(expected);
    assert.deepEqual(index.nearest(query), expected);
  }
});
