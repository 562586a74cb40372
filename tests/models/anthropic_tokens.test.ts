// Anthropic: providers.md §2.3 doc table, the A4 example, and the §8 Claude rows (both doc versions).
import assert from "node:assert/strict";
import { createRegistry, imageTokens, type Registry } from "../../src/models/mod.ts";

const current = createRegistry();
const legacy = createRegistry({ rulesVersion: "2025" });

function cost(registry: Registry, model: string, width: number, height: number) {
  const resolved = registry.resolve(model);
  assert.ok(resolved, `${model} resolves`);
  return imageTokens(resolved.family.image, width, height);
}
const standard = (w: number, h: number) => cost(current, "claude-sonnet-4-6", w, h);
const highRes = (w: number, h: number) => cost(current, "claude-opus-5", w, h);

/** §8 columns. */
const SIZES: [number, number][] = [[4000, 3000], [1280, 720], [1024, 1024], [2048, 4096]];

Deno.test("images within the limits are not resized: 200² → 64, 1000² → 1296, 1092² → 1521 tokens (Claude doc)", () => {
  assert.deepEqual(standard(200, 200), {
    tokens: 64,
    width: 200,
    height: 200,
    units: 64,
    estimated: false,
  });
  assert.equal(standard(1000, 1000).tokens, 1296);
  assert.equal(standard(1092, 1092).tokens, 1521);
  assert.equal(highRes(1092, 1092).tokens, 1521);
});

Deno.test("1920×1080 becomes 1456×819 = 1560 tokens on the standard tier and stays 2691 on high-res", () => {
  const s = standard(1920, 1080);
  assert.deepEqual([s.width, s.height, s.tokens], [1456, 819, 1560]);
  const h = highRes(1920, 1080);
  assert.deepEqual([h.width, h.height, h.tokens], [1920, 1080, 2691]);
});

Deno.test("2000×1500 costs 1564 tokens on the standard tier (reference port: 1270×952) and 3888 on high-res", () => {
  const s = standard(2000, 1500);
  assert.deepEqual([s.width, s.height, s.tokens], [1270, 952, 1564]);
  assert.equal(highRes(2000, 1500).tokens, 3888);
});

Deno.test("3840×2160 costs 1560 on the standard tier and 2576×1449 = 4784 on high-res", () => {
  assert.equal(standard(3840, 2160).tokens, 1560);
  const h = highRes(3840, 2160);
  assert.deepEqual([h.width, h.height, h.tokens], [2576, 1449, 4784]);
});

Deno.test("an A4 scan of 1075×1520 is resized to 924×1307 by the token limit alone on the standard tier", () => {
  const s = standard(1075, 1520);
  assert.deepEqual([s.width, s.height], [924, 1307]);
  const h = highRes(1075, 1520);
  assert.deepEqual([h.width, h.height, h.tokens], [1075, 1520, 39 * 55]);
});

Deno.test("§8 standard-tier row: 1564 (1270×952), 1196, 1369, 1568 (784×1568)", () => {
  const seen = SIZES.map(([w, h]) => standard(w, h));
  assert.deepEqual(seen.map((c) => c.tokens), [1564, 1196, 1369, 1568]);
  assert.deepEqual([seen[0].width, seen[0].height], [1270, 952]);
  assert.deepEqual([seen[1].width, seen[1].height], [1280, 720]);
  assert.deepEqual([seen[3].width, seen[3].height], [784, 1568]);
});

Deno.test("§8 high-res row: 4740 (2212×1659), 1196, 1369, 4232 (1288×2576)", () => {
  const seen = SIZES.map(([w, h]) => highRes(w, h));
  assert.deepEqual(seen.map((c) => c.tokens), [4740, 1196, 1369, 4232]);
  assert.deepEqual([seen[0].width, seen[0].height], [2212, 1659]);
  assert.deepEqual([seen[3].width, seen[3].height], [1288, 2576]);
});

Deno.test("downscaling 4000×3000 to a 1568-px long edge saves nothing on the standard tier but halves high-res (4740 → 2352)", () => {
  assert.equal(standard(1568, 1176).tokens, 1564);
  assert.equal(highRes(1568, 1176).tokens, 2352);
});

Deno.test("Claude 4.7 and later use the high-resolution tier, earlier models the standard tier", () => {
  const highTier = [
    "claude-opus-4-7",
    "claude-opus-4-8",
    "claude-opus-5",
    "claude-sonnet-5",
    "claude-opus-5-5",
    "claude-sonnet-5-5",
    "claude-haiku-5-5",
  ];
  for (const model of highTier) assert.equal(cost(current, model, 4000, 3000).tokens, 4740, model);
  const standardTier = [
    "claude-3-5-haiku",
    "claude-haiku-4-5",
    "claude-sonnet-4",
    "claude-sonnet-4-5",
    "claude-sonnet-4-6",
    "claude-opus-4",
    "claude-opus-4-1",
    "claude-opus-4-5",
    "claude-opus-4-6",
  ];
  for (const model of standardTier) {
    assert.equal(cost(current, model, 4000, 3000).tokens, 1564, model);
  }
});

Deno.test("legacy rule: 1000² ≈ 1334 and 1092² ≈ 1590 tokens, unresized, marked estimated (Claude legacy doc)", () => {
  assert.deepEqual(cost(legacy, "claude-sonnet-4-6", 1000, 1000), {
    tokens: 1334,
    width: 1000,
    height: 1000,
    estimated: true,
  });
  assert.equal(cost(legacy, "claude-sonnet-4-6", 1092, 1092).tokens, 1590);
});

Deno.test("§8 legacy row (≈w·h/750, ≤1568 px, ≤1.15 MP): ~1534 (~1238×929), ~1229, ~1399, ~1534 (~758×1517)", () => {
  const seen = SIZES.map(([w, h]) => cost(legacy, "claude-opus-4-1", w, h));
  assert.deepEqual(seen.map((c) => c.tokens), [1534, 1229, 1399, 1534]);
  assert.deepEqual([seen[0].width, seen[0].height], [1238, 929]);
  assert.deepEqual([seen[3].width, seen[3].height], [758, 1517]);
  assert.ok(seen.every((c) => c.estimated));
});

Deno.test("the legacy rule scales a panorama to the 1568-px edge only", () => {
  const c = cost(legacy, "claude-haiku-4-5", 4000, 500);
  assert.deepEqual([c.width, c.height, c.tokens], [1568, 196, 410]);
});

Deno.test("Anthropic ignores detail", () => {
  const resolved = current.resolve("claude-sonnet-4-6");
  assert.ok(resolved);
  const rule = resolved.family.image;
  assert.deepEqual(imageTokens(rule, 4000, 3000, "low"), imageTokens(rule, 4000, 3000, "high"));
});
