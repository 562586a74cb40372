// Gemini (providers.md §3.2, §3.3, §8 Gemini rows) and local Ollama models.
import assert from "node:assert/strict";
import {
  createRegistry,
  type Detail,
  imageTokens,
  mediaResolutionTokens,
  type Registry,
} from "../../src/models/mod.ts";

const current = createRegistry();
const mid2026 = createRegistry({ rulesVersion: "2026-06" });

function cost(registry: Registry, model: string, w: number, h: number, detail: Detail = "auto") {
  const resolved = registry.resolve(model);
  assert.ok(resolved, `${model} resolves`);
  return imageTokens(resolved.family.image, w, h, detail);
}

/** §8 columns. */
const SIZES: [number, number][] = [[4000, 3000], [1280, 720], [1024, 1024], [2048, 4096]];

Deno.test("Gemini 2.x bills 258 tokens for an image with both sides ≤384 px", () => {
  assert.deepEqual(cost(current, "gemini-2.0-flash", 384, 384), {
    tokens: 258,
    width: 384,
    height: 384,
    units: 1,
    estimated: true,
  });
});

Deno.test("Gemini 2.x tiles 960×540 with crop unit 360 into 3×2 = 6 tiles, 1548 tokens (Gemini doc)", () => {
  const c = cost(current, "gemini-2.5-flash", 960, 540);
  assert.deepEqual([c.units, c.tokens], [6, 1548]);
});

Deno.test("§8 Gemini 2.x row: 1032 (2×2), 1548 (3×2), 1032 (2×2), 2064 (2×4 from 4096/1365 = 3.0007)", () => {
  for (
    const model of [
      "gemini-2.0-flash",
      "gemini-2.5-pro",
      "gemini-2.5-flash",
      "gemini-2.5-flash-lite",
    ]
  ) {
    const seen = SIZES.map(([w, h]) => cost(current, model, w, h));
    assert.deepEqual(seen.map((c) => c.tokens), [1032, 1548, 1032, 2064], model);
    assert.deepEqual(seen.map((c) => c.units), [4, 6, 4, 8], model);
    assert.ok(seen.every((c) => c.estimated && c.width > 0));
  }
});

Deno.test("§8 Gemini 3 row: default 1120, low 280, medium 560, ultra_high 2240, whatever the size", () => {
  for (
    const model of ["gemini-3-pro-preview", "gemini-3.1-pro-preview", "gemini-3-flash-preview"]
  ) {
    const resolved = current.resolve(model);
    assert.ok(resolved);
    const rule = resolved.family.image;
    assert.equal(rule.kind, "gemini_media_resolution");
    if (rule.kind !== "gemini_media_resolution") continue;
    for (const [w, h] of SIZES) {
      assert.equal(imageTokens(rule, w, h).tokens, 1120);
      assert.equal(imageTokens(rule, w, h, "low").tokens, 280);
      assert.equal(mediaResolutionTokens(rule, "medium", w, h).tokens, 560);
      assert.equal(mediaResolutionTokens(rule, "ultra_high", w, h).tokens, 2240);
    }
  }
});

Deno.test("Gemini 3 maps detail high and original to HIGH (1120) and is not an estimate", () => {
  assert.deepEqual(cost(current, "gemini-3-flash-preview", 4000, 3000, "high"), {
    tokens: 1120,
    width: 4000,
    height: 3000,
    estimated: false,
  });
  assert.equal(cost(current, "gemini-3-flash-preview", 4000, 3000, "original").tokens, 1120);
});

Deno.test("the mid-2026 version bills Gemini 2.5 by the media_resolution table: low 64, medium 256, default ~2048", () => {
  const resolved = mid2026.resolve("gemini-2.5-flash");
  assert.ok(resolved);
  const rule = resolved.family.image;
  assert.equal(rule.kind, "gemini_media_resolution");
  if (rule.kind !== "gemini_media_resolution") return;
  assert.equal(imageTokens(rule, 1280, 720, "low").tokens, 64);
  assert.equal(mediaResolutionTokens(rule, "medium", 1280, 720).tokens, 256);
  assert.deepEqual(imageTokens(rule, 1280, 720), {
    tokens: 2048,
    width: 1280,
    height: 720,
    estimated: true,
  });
});

Deno.test("the mid-2026 version leaves Gemini 2.0 on tiles", () => {
  assert.equal(cost(mid2026, "gemini-2.0-flash", 960, 540).tokens, 1548);
});

Deno.test("a local model reports 0 image tokens, as an estimate, at the size it was sent", () => {
  assert.deepEqual(cost(current, "ollama/llava:13b", 4000, 3000), {
    tokens: 0,
    width: 4000,
    height: 3000,
    estimated: true,
  });
});
