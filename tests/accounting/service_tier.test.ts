/**
 * A call's processing tier moves its price: flex is billed at half on every token rate, priority
 * at a price the catalogue lacks (the figures stay at list price, labelled estimated), any other
 * tier at list price.
 */
import assert from "node:assert/strict";
import type { Prices } from "../../src/models/types.ts";
import { pricesForTier, unlistedTier } from "../../src/accounting/service_tier.ts";
import { buildStats, type OpenAIUsage } from "../../src/accounting/stats.ts";
import { createRegistry } from "../../src/models/registry.ts";

const LISTED: Prices = {
  inputPerMTok: 2.5,
  cachedInputPerMTok: 1.25,
  cacheWritePerMTok: 3.125,
  cacheWrite1hPerMTok: 5,
  outputPerMTok: 10,
  webSearchPerK: 25,
  longContext: {
    aboveTokens: 200_000,
    inputPerMTok: 5,
    cachedInputPerMTok: 2.5,
    outputPerMTok: 15,
  },
  source: "test",
};

Deno.test("flex halves every token rate, a long-context tier's too, and no fee per call", () => {
  assert.deepEqual(pricesForTier(LISTED, "flex"), {
    inputPerMTok: 1.25,
    cachedInputPerMTok: 0.625,
    cacheWritePerMTok: 1.5625,
    cacheWrite1hPerMTok: 2.5,
    outputPerMTok: 5,
    webSearchPerK: 25,
    longContext: {
      aboveTokens: 200_000,
      inputPerMTok: 2.5,
      cachedInputPerMTok: 1.25,
      cacheWritePerMTok: undefined,
      cacheWrite1hPerMTok: undefined,
      outputPerMTok: 7.5,
    },
    source: "test, flex tier ×0.5",
  });
});

Deno.test("every other tier is the list price; only priority is an unlisted one", () => {
  for (const tier of [undefined, "default", "auto", "scale", "standard", "priority", "batch"]) {
    assert.equal(pricesForTier(LISTED, tier), LISTED, String(tier));
  }
  // A tier an upstream invents is never looked up on Object.prototype.
  for (const tier of ["__proto__", "constructor", "toString"]) {
    assert.equal(pricesForTier(LISTED, tier), LISTED, tier);
    assert.equal(unlistedTier(tier), false, tier);
  }
  assert.equal(unlistedTier("priority"), true);
  assert.equal(unlistedTier("flex"), false);
  assert.equal(unlistedTier(undefined), false);
});

Deno.test("the stats of a call count its billed usage at the tier it was served at", () => {
  const model = createRegistry().resolve("gpt-4o")!;
  const stats = (tier?: string) => {
    const usage: OpenAIUsage = {
      prompt_tokens: 1200,
      completion_tokens: 30,
      prompt_tokens_details: { cached_tokens: 200 },
      ...(tier ? { service_tier: tier } : {}),
    };
    return buildStats({
      tokens: { before: 2000, after: 1200 },
      estimated: false,
      optimizations: ["resize"],
      requested: model,
      called: model,
      calledName: "gpt-4o",
      usage,
      cache: "miss",
    });
  };
  const listed = stats("default");
  const flex = stats("flex");
  const priority = stats("priority");
  assert.ok(listed.cost_saved_usd! > 0);
  assert.equal(flex.cost_after_usd, listed.cost_after_usd! / 2);
  assert.equal(flex.cost_before_usd, listed.cost_before_usd! / 2);
  assert.equal(flex.cost_saved_usd, listed.cost_saved_usd! / 2);
  assert.equal(listed.estimated, false);
  assert.equal(flex.estimated, false, "flex's price is documented");
  assert.deepEqual(
    { ...priority, estimated: false },
    listed,
    "priority: the list price, since its own is not known",
  );
  assert.equal(priority.estimated, true);
  assert.deepEqual(stats(), listed, "no tier said: the list price");
});
