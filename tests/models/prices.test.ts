// Prices from @pydantic/genai-prices 0.1.8 (providers.md §7), overrides, and input cost.
import assert from "node:assert/strict";
import { calcPrice } from "@pydantic/genai-prices";
import {
  CATALOGUE_SOURCE,
  createRegistry,
  FAMILIES,
  imageTokens,
  inputCostUsd,
  type Prices,
} from "../../src/models/mod.ts";
import { pricesAt } from "../../src/models/prices.ts";

const registry = createRegistry();
const pricesOf = (name: string) => registry.resolve(name)?.prices;

Deno.test("gpt-4o costs $2.50 in, $1.25 cached, $10 out per million tokens", () => {
  assert.deepEqual(pricesOf("gpt-4o"), {
    inputPerMTok: 2.5,
    cachedInputPerMTok: 1.25,
    outputPerMTok: 10,
    webSearchPerK: 10,
    fileSearchPerK: 2.5,
    source: CATALOGUE_SOURCE,
  });
});

Deno.test("gpt-4o-mini costs $0.15 / $0.075 / $0.60, also under its dated id", () => {
  const expected = {
    inputPerMTok: 0.15,
    cachedInputPerMTok: 0.075,
    outputPerMTok: 0.6,
    webSearchPerK: 10,
    fileSearchPerK: 2.5,
    source: CATALOGUE_SOURCE,
  };
  assert.deepEqual(pricesOf("gpt-4o-mini"), expected);
  assert.deepEqual(pricesOf("gpt-4o-mini-2024-07-18"), expected);
});

Deno.test("claude-sonnet-4-6 costs $3 / $0.30 / $15, cache writes $3.75 (one-hour ones $6)", () => {
  assert.deepEqual(pricesOf("claude-sonnet-4-6"), {
    inputPerMTok: 3,
    cachedInputPerMTok: 0.3,
    cacheWritePerMTok: 3.75,
    cacheWrite1hPerMTok: 6,
    outputPerMTok: 15,
    webSearchPerK: 10,
    source: CATALOGUE_SOURCE,
  });
});

Deno.test("gemini-2.5-flash costs $0.30 / $0.03 / $2.50 (audio input $1)", () => {
  assert.deepEqual(pricesOf("gemini-2.5-flash"), {
    inputPerMTok: 0.3,
    cachedInputPerMTok: 0.03,
    inputAudioPerMTok: 1,
    outputPerMTok: 2.5,
    source: CATALOGUE_SOURCE,
  });
});

Deno.test("tiered catalogue prices are the base tier, with the long-context tier's rates beside them", () => {
  assert.deepEqual(pricesOf("gpt-5.4"), {
    inputPerMTok: 2.5,
    cachedInputPerMTok: 0.25,
    outputPerMTok: 15,
    longContext: {
      aboveTokens: 271_999,
      inputPerMTok: 5,
      cachedInputPerMTok: 0.5,
      outputPerMTok: 22.5,
    },
    webSearchPerK: 10,
    fileSearchPerK: 2.5,
    source: CATALOGUE_SOURCE,
  });
  const pro = pricesOf("gemini-2.5-pro")!;
  assert.equal(pro.inputPerMTok, 1.25);
  assert.deepEqual(pro.longContext, {
    aboveTokens: 200_000,
    inputPerMTok: 2.5,
    cachedInputPerMTok: 0.25,
    outputPerMTok: 15,
  });
  // pricesAt: the base up to the threshold, the tier past it (the catalogue's calcPrice alike).
  assert.equal(pricesAt(pro, 200_000).inputPerMTok, 1.25);
  const past = pricesAt(pro, 200_001);
  assert.equal(past.inputPerMTok, 2.5);
  assert.equal(past.longContext, undefined);
  const usage = { input_tokens: 200_001, output_tokens: 1000, cache_read_tokens: 0 };
  const catalogue = calcPrice(usage, "gemini-2.5-pro", { providerId: "google" })!;
  assert.ok(
    Math.abs(
      catalogue.total_price - (200_001 * past.inputPerMTok + 1000 * past.outputPerMTok) / 1e6,
    ) <
      1e-12,
  );
});

Deno.test("§7 list prices match for the other families", () => {
  const table: [string, number, number | undefined, number][] = [
    ["gpt-4.1", 2, 0.5, 8],
    ["gpt-4.1-mini", 0.4, 0.1, 1.6],
    ["gpt-5", 1.25, 0.125, 10],
    ["o3", 2, 0.5, 8],
    ["gpt-5.2", 1.75, 0.175, 14],
    ["claude-opus-4-1", 15, 1.5, 75],
    ["claude-haiku-4-5-20251001", 1, 0.1, 5],
    ["claude-3-5-haiku", 0.8, 0.08, 4],
    ["claude-opus-5", 5, 0.5, 25],
    ["gemini-3-flash-preview", 0.5, 0.05, 3],
  ];
  for (const [model, input, cached, output] of table) {
    const p = pricesOf(model);
    assert.deepEqual([p?.inputPerMTok, p?.cachedInputPerMTok, p?.outputPerMTok], [
      input,
      cached,
      output,
    ], model);
  }
});

Deno.test("a family the catalogue only matches by prefix stays unpriced (claude-sonnet-5-5 is not claude-sonnet-5)", () => {
  assert.equal(registry.resolve("claude-sonnet-5-5")?.family.id, "claude-sonnet-5-5");
  assert.equal(pricesOf("claude-sonnet-5-5"), undefined);
  assert.equal(pricesOf("gpt-5-codex-mini"), undefined);
});

Deno.test("a configured price overrides the catalogue for that family and its aliases", () => {
  const overridden = createRegistry({
    priceOverrides: {
      "gpt-4o": { input_per_mtok: 2, output_per_mtok: 8, cached_input_per_mtok: 1 },
    },
  });
  const expected: Prices = {
    inputPerMTok: 2,
    outputPerMTok: 8,
    cachedInputPerMTok: 1,
    source: "override",
  };
  assert.deepEqual(overridden.resolve("gpt-4o")?.prices, expected);
  assert.deepEqual(overridden.resolve("gpt-4o-2024-08-06")?.prices, expected);
  assert.equal(overridden.resolve("gpt-4o-mini")?.prices?.source, CATALOGUE_SOURCE);
  assert.equal(overridden.resolve("ft:gpt-4o:org::x")?.prices, undefined);
});

Deno.test("an override can price a family the catalogue lacks; keys that are no family id are reported", () => {
  const overridden = createRegistry({
    priceOverrides: {
      "claude-haiku-5-5": { input_per_mtok: 0.1, output_per_mtok: 0.5 },
      "gpt-4o-typo": { input_per_mtok: 1, output_per_mtok: 1 },
      "gpt-4o-2024-08-06": { input_per_mtok: 1, output_per_mtok: 1 },
    },
  });
  assert.deepEqual(overridden.resolve("claude-haiku-5-5")?.prices, {
    inputPerMTok: 0.1,
    outputPerMTok: 0.5,
    source: "override",
  });
  assert.deepEqual(overridden.unknownOverrides, ["gpt-4o-typo", "gpt-4o-2024-08-06"]);
  assert.equal(overridden.resolve("gpt-4o-2024-08-06")?.prices?.source, CATALOGUE_SOURCE);
});

Deno.test("§8 cost of one 4000×3000 image at list input price", () => {
  const mid2026 = createRegistry({ rulesVersion: "2026-06" });
  const usd = (reg: typeof registry, model: string) => {
    const resolved = reg.resolve(model);
    assert.ok(resolved?.prices, model);
    return inputCostUsd(resolved.prices, imageTokens(resolved.family.image, 4000, 3000).tokens);
  };
  const close = (actual: number, expected: number) =>
    assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);
  close(usd(registry, "gpt-4o"), 765 * 2.5e-6); // $0.0019
  close(usd(registry, "gpt-4o-mini"), 25_501 * 0.15e-6); // $0.0038
  close(usd(mid2026, "gpt-4.1-mini"), 2353 * 0.4e-6); // $0.00094
  close(usd(registry, "claude-sonnet-4-6"), 1564 * 3e-6); // $0.0047
  close(usd(registry, "claude-opus-5"), 4740 * 5e-6); // $0.0237
  close(usd(registry, "gemini-3-flash-preview"), 1120 * 0.5e-6); // $0.00056
});

Deno.test("inputCostUsd multiplies tokens by the input price per million", () => {
  const prices: Prices = { inputPerMTok: 2.5, outputPerMTok: 10, source: "override" };
  assert.equal(inputCostUsd(prices, 1_000_000), 2.5);
  assert.equal(inputCostUsd(prices, 0), 0);
});

Deno.test("context windows agree with the catalogue wherever it has one", () => {
  for (const family of FAMILIES) {
    if (family.provider === "ollama") continue;
    const id = family.priceId ?? family.id;
    const result = calcPrice({ input_tokens: 1 }, id, { providerId: family.provider });
    const window = result?.model.id === id ? result.model.context_window : undefined;
    if (window !== undefined) assert.equal(family.contextWindow, window, family.id);
  }
});
