// Model-name resolution: ids, aliases, dated snapshots, fine-tunes, Ollama, unknown names.
import assert from "node:assert/strict";
import { createRegistry, FAMILIES, type ImageRule, RULES_VERSIONS } from "../../src/models/mod.ts";

const registry = createRegistry();
const familyOf = (name: string) => registry.resolve(name)?.family.id;

Deno.test("a family id resolves to itself and keeps the requested name", () => {
  const resolved = registry.resolve("gpt-4o");
  assert.equal(resolved?.family.id, "gpt-4o");
  assert.equal(resolved?.requested, "gpt-4o");
});

Deno.test("dated OpenAI snapshots resolve to their family", () => {
  assert.equal(familyOf("gpt-4o-mini-2024-07-18"), "gpt-4o-mini");
  assert.equal(familyOf("gpt-4o-2024-08-06"), "gpt-4o");
  assert.equal(familyOf("gpt-4.1-mini-2025-04-14"), "gpt-4.1-mini");
  assert.equal(familyOf("gpt-5.4-nano-2026-03-17"), "gpt-5.4-nano");
  // Not a listed alias: accepted through the -YYYY-MM-DD rule.
  assert.equal(familyOf("gpt-5.6-luna-2026-09-30"), "gpt-5.6-luna");
});

Deno.test("dated Claude ids resolve to their family, listed or not", () => {
  assert.equal(familyOf("claude-haiku-4-5-20251001"), "claude-haiku-4-5");
  assert.equal(familyOf("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
  assert.equal(familyOf("claude-sonnet-4-20250514"), "claude-sonnet-4");
  assert.equal(familyOf("claude-opus-4-1-20250805"), "claude-opus-4-1");
  assert.equal(familyOf("claude-3-5-haiku-20241022"), "claude-3-5-haiku");
  assert.equal(familyOf("claude-opus-5-20261231"), "claude-opus-5");
});

Deno.test("the longest family wins: a -mini/-nano name never resolves to its shorter sibling", () => {
  assert.equal(familyOf("gpt-4o-mini"), "gpt-4o-mini");
  assert.equal(familyOf("gpt-4.1-mini"), "gpt-4.1-mini");
  assert.equal(familyOf("gpt-4.1-nano-2025-04-14"), "gpt-4.1-nano");
  assert.equal(familyOf("gpt-5.4-mini"), "gpt-5.4-mini");
  assert.equal(familyOf("gpt-5.4-mini-2026-03-17"), "gpt-5.4-mini");
  assert.equal(familyOf("claude-opus-4-1"), "claude-opus-4-1");
  assert.equal(familyOf("claude-opus-4-20250514"), "claude-opus-4");
});

Deno.test("a family name followed by anything but a date is not guessed", () => {
  assert.equal(registry.resolve("gpt-4o-mini-realtime-preview"), undefined);
  assert.equal(registry.resolve("o3-pro"), undefined);
  assert.equal(registry.resolve("gpt-5.4-pro"), undefined);
  assert.equal(registry.resolve("gpt-4o-2024-08"), undefined);
});

Deno.test("an exact snapshot with its own price beats the date rule", () => {
  assert.equal(familyOf("gpt-4o-2024-05-13"), "gpt-4o-2024-05-13");
});

Deno.test("fine-tuned ids get the base family's image rule but no price", () => {
  const resolved = registry.resolve("ft:gpt-4o-mini-2024-07-18:org::abc");
  assert.ok(resolved);
  assert.equal(resolved.family.id, "gpt-4o-mini");
  assert.equal(resolved.prices, undefined);
  assert.equal(resolved.fineTuned, true);
  assert.equal(resolved.requested, "ft:gpt-4o-mini-2024-07-18:org::abc");
  assert.equal(familyOf("ft:gpt-4.1-mini:acme:custom:xyz"), "gpt-4.1-mini");
  assert.equal(registry.resolve("ft:davinci-002:org::abc"), undefined);
});

Deno.test("ollama/<anything> resolves to the local family at $0", () => {
  const resolved = registry.resolve("ollama/qwen2.5vl:7b");
  assert.ok(resolved);
  assert.equal(resolved.family.id, "local");
  assert.equal(resolved.family.provider, "ollama");
  assert.deepEqual(resolved.prices, {
    inputPerMTok: 0,
    cachedInputPerMTok: 0,
    outputPerMTok: 0,
    source: "local",
  });
  assert.equal(registry.resolve("ollama/"), undefined);
});

Deno.test("unknown names resolve to undefined, also on the second (cached) call", () => {
  assert.equal(registry.resolve("mistral-large-latest"), undefined);
  assert.equal(registry.resolve("mistral-large-latest"), undefined);
  assert.equal(registry.resolve(""), undefined);
});

Deno.test("repeated resolution returns the cached answer within microseconds", () => {
  const first = registry.resolve("claude-sonnet-4-5-20250929");
  assert.equal(registry.resolve("claude-sonnet-4-5-20250929"), first);
  const names = ["gpt-4o", "gpt-4o-mini-2024-07-18", "claude-haiku-4-5-20251001", "nope"];
  for (const name of names) registry.resolve(name);
  const rounds = 10_000;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) registry.resolve(names[i % names.length]);
  const microsPerCall = ((performance.now() - start) * 1000) / rounds;
  assert.ok(microsPerCall < 5, `${microsPerCall} µs per resolve`);
});

Deno.test("every family id and alias is unique across the table", () => {
  const names = FAMILIES.flatMap((f) => [f.id, ...f.aliases]);
  assert.equal(new Set(names).size, names.length);
});

Deno.test("the default rules version is the newest, 2026-11", () => {
  assert.deepEqual(RULES_VERSIONS, ["2026-11", "2026-06", "2025"]);
  assert.equal(createRegistry().rulesVersion, "2026-11");
  assert.deepEqual(createRegistry().resolve("gpt-5-mini")?.family.sources, ["S1", "S2"]);
});

Deno.test("an older rules version changes the image rule and its sources, not the family", () => {
  const old = createRegistry({ rulesVersion: "2025" }).resolve("claude-sonnet-4-6");
  assert.ok(old);
  assert.equal(old.family.image.kind, "anthropic_legacy");
  assert.deepEqual(old.family.sources, ["A3"]);
  assert.equal(old.family.contextWindow, 1_000_000);
  const multiplier = (rule: ImageRule | undefined) => rule?.kind === "patch" && rule.multiplier;
  const mid = createRegistry({ rulesVersion: "2026-06" }).resolve("gpt-5-mini-2025-08-07");
  assert.equal(multiplier(mid?.family.image), 1.62);
  assert.equal(multiplier(registry.resolve("gpt-5-mini")?.family.image), 1.2);
});

Deno.test("every family in every rules version is vision-capable and has a rule", () => {
  for (const rulesVersion of RULES_VERSIONS) {
    for (const family of createRegistry({ rulesVersion }).families) {
      assert.ok(family.vision && family.image.kind, family.id);
      assert.ok(family.sources.length > 0, family.id);
    }
  }
});
