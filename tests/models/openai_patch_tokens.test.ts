// OpenAI patch models: providers.md §1.3/§1.5 doc examples and the §8 rows, in both doc versions.
import assert from "node:assert/strict";
import { createRegistry, type Detail, imageTokens, type Registry } from "../../src/models/mod.ts";

const late2026 = createRegistry(); // default: "2026-11" [S1]
const mid2026 = createRegistry({ rulesVersion: "2026-06" }); // [S2]
const in2025 = createRegistry({ rulesVersion: "2025" }); // [S3]

function cost(registry: Registry, model: string, w: number, h: number, detail: Detail = "auto") {
  const resolved = registry.resolve(model);
  assert.ok(resolved, `${model} resolves`);
  return imageTokens(resolved.family.image, w, h, detail);
}

/** §8 columns. */
const SIZES: [number, number][] = [[4000, 3000], [1280, 720], [1024, 1024], [2048, 4096]];

function row(registry: Registry, model: string, detail: Detail = "auto"): number[] {
  return SIZES.map(([w, h]) => cost(registry, model, w, h, detail).tokens);
}

Deno.test("a 1,536-patch model counts 1024×1024 as 1024 patches and 1800×2400 as 1056×1408 = 1452 (OpenAI doc)", () => {
  assert.equal(cost(mid2026, "gpt-4.1-mini", 1024, 1024).units, 1024);
  const big = cost(mid2026, "gpt-4.1-mini", 1800, 2400);
  assert.deepEqual([big.width, big.height, big.units], [1056, 1408, 1452]);
});

Deno.test("gpt-5.4 high: 1024×1024 → 1229 tokens; 2048×2048 → 1600×1600 = 2500 patches → 3000 tokens (OpenAI doc)", () => {
  assert.equal(cost(late2026, "gpt-5.4", 1024, 1024, "high").tokens, 1229);
  assert.deepEqual(cost(late2026, "gpt-5.4", 2048, 2048, "high"), {
    tokens: 3000,
    width: 1600,
    height: 1600,
    units: 2500,
    estimated: false,
  });
});

Deno.test("§8 budget-1536 row: 1452 (1408×1056), 920, 1024, 1458 (864×1728) patches", () => {
  const seen = SIZES.map(([w, h]) => {
    const c = cost(mid2026, "gpt-4.1-mini", w, h);
    return [c.units, c.width, c.height];
  });
  assert.deepEqual(seen, [[1452, 1408, 1056], [920, 1280, 720], [1024, 1024, 1024], [
    1458,
    864,
    1728,
  ]]);
});

Deno.test("§8 ×1.62 row: gpt-4.1-mini and gpt-5-mini up to mid-2026 bill 2353, 1491, 1659, 2362", () => {
  for (const registry of [mid2026, in2025]) {
    assert.deepEqual(row(registry, "gpt-4.1-mini"), [2353, 1491, 1659, 2362]);
    assert.deepEqual(row(registry, "gpt-5-mini"), [2353, 1491, 1659, 2362]);
  }
});

Deno.test("§8 ×2.46 row: gpt-4.1-nano (every version) and gpt-5-nano up to mid-2026 bill 3572, 2264, 2520, 3587", () => {
  for (const registry of [late2026, mid2026, in2025]) {
    assert.deepEqual(row(registry, "gpt-4.1-nano"), [3572, 2264, 2520, 3587]);
  }
  assert.deepEqual(row(mid2026, "gpt-5-nano"), [3572, 2264, 2520, 3587]);
});

Deno.test("§8 ×1.72 row: o4-mini bills 2498, 1583, 1762, 2508", () => {
  assert.deepEqual(row(late2026, "o4-mini"), [2498, 1583, 1762, 2508]);
  assert.deepEqual(row(in2025, "o4-mini"), [2498, 1583, 1762, 2508]);
});

Deno.test("§8 late-2026 row: gpt-5-mini ×1.2 bills 1743, 1104, 1229, 1750 and gpt-5-nano ×1.5 2178, 1380, 1536, 2187", () => {
  assert.deepEqual(row(late2026, "gpt-5-mini"), [1743, 1104, 1229, 1750]);
  assert.deepEqual(row(late2026, "gpt-5-nano"), [2178, 1380, 1536, 2187]);
});

Deno.test("§8 high row: gpt-5.4/5.5/5.6 high bill 2942 (1824×1368, 2451 p), 1104, 1229, 2458 (1024×2048, 2048 p)", () => {
  for (const model of ["gpt-5.4", "gpt-5.5", "gpt-5.6-sol", "gpt-5.6-terra", "gpt-5.6-luna"]) {
    assert.deepEqual(row(late2026, model, "high"), [2942, 1104, 1229, 2458], model);
  }
  const wide = cost(late2026, "gpt-5.5", 4000, 3000, "high");
  assert.deepEqual([wide.width, wide.height, wide.units], [1824, 1368, 2451]);
  const tall = cost(late2026, "gpt-5.5", 2048, 4096, "high");
  assert.deepEqual([tall.width, tall.height, tall.units], [1024, 2048, 2048]);
});

Deno.test("§8 original row: gpt-5.4/5.5 original bill 11868 (3669×2752, 9890 p), 1104, 1229, 9831 (8192 p)", () => {
  for (const model of ["gpt-5.4", "gpt-5.5"]) {
    assert.deepEqual(row(late2026, model, "original"), [11_868, 1104, 1229, 9831], model);
  }
  const wide = cost(late2026, "gpt-5.4", 4000, 3000, "original");
  assert.deepEqual([wide.width, wide.height, wide.units], [3669, 2752, 9890]);
  assert.equal(cost(late2026, "gpt-5.4", 2048, 4096, "original").units, 8192);
});

Deno.test("§8 gpt-5.6 row: original and auto have no patch budget and bill 14100 (11,750 p), 1104, 1229, 9831", () => {
  for (const detail of ["original", "auto"] as const) {
    assert.deepEqual(row(late2026, "gpt-5.6-sol", detail), [14_100, 1104, 1229, 9831]);
  }
  assert.equal(cost(late2026, "gpt-5.6-luna", 4000, 3000, "original").units, 11_750);
});

Deno.test("§8 low row: gpt-5.5/5.6 low fits 512² and bills 231 (512×384), 173 (512×288), 308, 154 (256×512)", () => {
  for (const model of ["gpt-5.5", "gpt-5.6-sol"]) {
    assert.deepEqual(row(late2026, model, "low"), [231, 173, 308, 154], model);
  }
  const sizes = SIZES.map(([w, h]) => {
    const c = cost(late2026, "gpt-5.6-terra", w, h, "low");
    return [c.width, c.height];
  });
  assert.deepEqual(sizes, [[512, 384], [512, 288], [512, 512], [256, 512]]);
});

Deno.test("§8 6,144-budget row (newest doc): gpt-5.2 ×1.2 bills 3687, 1104, 1229, 2458 and gpt-4.1-mini ×1.62 4977, 1491, 1659, 3318", () => {
  assert.deepEqual(row(late2026, "gpt-5.2"), [3687, 1104, 1229, 2458]);
  assert.deepEqual(row(late2026, "gpt-4.1-mini"), [4977, 1491, 1659, 3318]);
  const c = cost(late2026, "gpt-5.2", 4000, 3000);
  assert.deepEqual([c.width, c.height], [2048, 1536]);
});

Deno.test("the mid-2026 version keeps gpt-5.2 and gpt-4.1-mini at 1,536 patches", () => {
  assert.deepEqual(row(mid2026, "gpt-5.2"), [1743, 1104, 1229, 1750]);
  assert.deepEqual(row(mid2026, "gpt-4.1-mini"), [2353, 1491, 1659, 2362]);
});

Deno.test("late-2026 gpt-5.4 low (6,144 patches) can cost more than high, as the doc warns", () => {
  const low = cost(late2026, "gpt-5.4-mini", 4000, 3000, "low");
  const high = cost(late2026, "gpt-5.4-mini", 4000, 3000, "high");
  assert.equal(low.tokens, 3687);
  assert.equal(high.tokens, 2942);
});

Deno.test("mid-2026 gpt-5.4 low fits 512², and gpt-5.4-mini/nano were 1,536-patch models at ×1.62/×2.46", () => {
  assert.equal(cost(mid2026, "gpt-5.4", 4000, 3000, "low").tokens, 231);
  assert.deepEqual(row(mid2026, "gpt-5.4-mini"), [2353, 1491, 1659, 2362]);
  assert.deepEqual(row(mid2026, "gpt-5.4-nano"), [3572, 2264, 2520, 3587]);
});

Deno.test("auto means high on gpt-5.4 and original on gpt-5.5 and gpt-5.6", () => {
  assert.deepEqual(
    cost(late2026, "gpt-5.4", 4000, 3000),
    cost(late2026, "gpt-5.4", 4000, 3000, "high"),
  );
  assert.deepEqual(
    cost(late2026, "gpt-5.5", 4000, 3000),
    cost(late2026, "gpt-5.5", 4000, 3000, "original"),
  );
  assert.equal(cost(late2026, "gpt-5.6-sol", 4000, 3000).tokens, 14_100);
});

Deno.test("models without an original level bill detail original as high", () => {
  assert.deepEqual(
    cost(late2026, "gpt-5-mini", 4000, 3000, "original"),
    cost(late2026, "gpt-5-mini", 4000, 3000, "high"),
  );
});

Deno.test("gpt-4.1-mini, gpt-4.1-nano and o4-mini bill the same for low and high", () => {
  for (const model of ["gpt-4.1-mini", "gpt-4.1-nano", "o4-mini"]) {
    assert.deepEqual(row(in2025, model, "low"), row(in2025, model, "high"), model);
  }
});
