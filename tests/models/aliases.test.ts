// The alias tables: dated snapshots, `-latest` pointers, codex models and Gemini previews.
import assert from "node:assert/strict";
import { calcPrice } from "@pydantic/genai-prices";
import {
  CATALOGUE_SOURCE,
  createRegistry,
  FAMILIES,
  imageTokens,
  MODEL_ALIASES,
} from "../../src/models/mod.ts";

const registry = createRegistry();
const familyOf = (name: string) => registry.resolve(name)?.family.id;

Deno.test("dated snapshots resolve to their family at OpenAI, Anthropic and Google", () => {
  assert.equal(familyOf("gpt-4o-2024-08-06"), "gpt-4o");
  assert.equal(familyOf("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
  assert.equal(familyOf("claude-3-7-sonnet-20250219"), "claude-3-7-sonnet");
  assert.equal(familyOf("claude-3-5-sonnet-20240620"), "claude-3-5-sonnet");
  assert.equal(familyOf("claude-3-5-sonnet-20241022"), "claude-3-5-sonnet");
  assert.equal(familyOf("claude-3-haiku-20240307"), "claude-3-haiku");
  assert.equal(familyOf("gemini-2.0-flash-lite-001"), "gemini-2.0-flash-lite");
});

Deno.test("-latest names resolve to the model they point at, at its price", () => {
  assert.equal(familyOf("claude-3-7-sonnet-latest"), "claude-3-7-sonnet");
  assert.equal(familyOf("claude-3-5-sonnet-latest"), "claude-3-5-sonnet");
  assert.equal(familyOf("claude-3-opus-latest"), "claude-3-opus");
  assert.equal(familyOf("claude-3-5-haiku-latest"), "claude-3-5-haiku");
  assert.equal(familyOf("gpt-5-chat-latest"), "gpt-5-chat-latest");
  assert.equal(registry.resolve("claude-3-opus-latest")?.prices?.inputPerMTok, 15);
});

Deno.test("Claude 3.x models bill images on the standard tier and cost their catalogue price", () => {
  const haiku = registry.resolve("claude-3-haiku-20240307");
  assert.deepEqual(haiku?.family.image, {
    kind: "anthropic",
    patchSize: 28,
    maxEdge: 1568,
    maxTokens: 1568,
  });
  assert.deepEqual(
    [haiku?.prices?.inputPerMTok, haiku?.prices?.cachedInputPerMTok, haiku?.prices?.outputPerMTok],
    [0.25, 0.03, 1.25],
  );
  // Doc table [A1]: 1920×1080 → 1456×819 = 1560 visual tokens on the standard tier.
  const sonnet = registry.resolve("claude-3-7-sonnet-20250219")!;
  assert.equal(imageTokens(sonnet.family.image, 1920, 1080).tokens, 1560);
  assert.equal(
    createRegistry({ rulesVersion: "2025" }).resolve("claude-3-opus")?.family.image.kind,
    "anthropic_legacy",
  );
});

Deno.test("gpt-5.1-codex takes the codex patch rule under its own name, at the price the catalogue lists it by", () => {
  const codex = registry.resolve("gpt-5.1-codex");
  assert.ok(codex);
  assert.equal(codex.family.id, "gpt-5.1-codex");
  assert.equal(codex.family.imageRuleOf, "gpt-5.2-codex");
  assert.deepEqual(codex.family.image, registry.resolve("gpt-5.2-codex")?.family.image);
  // 1024×1024 = 1024 patches ×1.2; 4000×3000 fits 1,536 patches (1408×1056 = 1452) ×1.2.
  assert.equal(imageTokens(codex.family.image, 1024, 1024).tokens, 1229);
  assert.equal(imageTokens(codex.family.image, 4000, 3000).tokens, 1743);
  assert.deepEqual(codex.prices, {
    inputPerMTok: 1.25,
    cachedInputPerMTok: 0.125,
    outputPerMTok: 10,
    webSearchPerK: 10,
    fileSearchPerK: 2.5,
    source: CATALOGUE_SOURCE,
  });
  assert.equal(codex.family.contextWindow, 400_000);
  assert.equal(familyOf("gpt-5-codex"), "gpt-5-codex");
  assert.equal(familyOf("gpt-5.1-codex-max"), "gpt-5.1-codex-max");
  assert.equal(familyOf("gpt-5.1-codex-mini"), "gpt-5.1-codex-mini");
});

Deno.test("an alias is never priced by its family: a preview without a catalogue entry stays unpriced", () => {
  const preview = registry.resolve("gemini-2.5-pro-preview-05-06");
  assert.equal(preview?.family.imageRuleOf, "gemini-2.5-pro");
  assert.equal(preview?.prices, undefined);
  assert.equal(registry.resolve("gemini-2.5-pro")?.prices?.inputPerMTok, 1.25);
  // The 04-17 preview had its own, lower price, and the catalogue lists it by name.
  assert.equal(registry.resolve("gemini-2.5-flash-preview-04-17")?.prices?.inputPerMTok, 0.15);
});

Deno.test("each alias's price entry is the catalogue's own answer for its exact name", () => {
  for (const alias of MODEL_ALIASES) {
    const family = FAMILIES.find((f) => f.id === alias.family)!;
    const answer = calcPrice({ input_tokens: 1 }, alias.name, { providerId: family.provider });
    if (alias.priceId) assert.equal(answer?.model.id, alias.priceId, alias.name);
    else assert.notEqual(answer?.model.id, alias.name, `${alias.name} has an entry of its own`);
  }
});

Deno.test("an alias's rule follows its family's rules version", () => {
  const mid2026 = createRegistry({ rulesVersion: "2026-06" });
  assert.equal(
    mid2026.resolve("gemini-2.5-pro-preview-06-05")?.family.image.kind,
    "gemini_media_resolution",
  );
  assert.equal(registry.resolve("gemini-2.5-pro-preview-06-05")?.family.image.kind, "gemini_tiles");
});

Deno.test("every alias names a family, gives sources and a reason, and clashes with no other name", () => {
  const names = new Set(FAMILIES.flatMap((f) => [f.id, ...f.aliases]));
  for (const alias of MODEL_ALIASES) {
    assert.ok(FAMILIES.some((f) => f.id === alias.family), alias.name);
    assert.ok(alias.sources.length > 0 && alias.why.length > 20, alias.name);
    assert.ok(!names.has(alias.name), `${alias.name} is listed twice`);
    names.add(alias.name);
  }
});

Deno.test("a configured price prices an alias on its own, and its id is a known override key", () => {
  const overridden = createRegistry({
    priceOverrides: { "gemini-2.5-pro-preview-05-06": { input_per_mtok: 1, output_per_mtok: 8 } },
  });
  assert.deepEqual(overridden.resolve("gemini-2.5-pro-preview-05-06")?.prices, {
    inputPerMTok: 1,
    outputPerMTok: 8,
    source: "override",
  });
  assert.deepEqual(overridden.unknownOverrides, []);
  assert.equal(overridden.resolve("gemini-2.5-pro")?.prices?.inputPerMTok, 1.25);
});

Deno.test("a fine-tune of an alias gets its image rule but no price", () => {
  const tuned = registry.resolve("ft:gpt-5.1-codex:acme::x1");
  assert.equal(tuned?.family.id, "gpt-5.1-codex");
  assert.equal(tuned?.prices, undefined);
  assert.equal(tuned?.fineTuned, true);
});
