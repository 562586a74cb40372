// Every vision model of OpenAI, Anthropic and Google in the modality catalogue resolves to a family
// with a documented image rule, or stands in the explained exclusion list.
import assert from "node:assert/strict";
import { createRegistry, RULES_VERSIONS } from "../../src/models/mod.ts";
import {
  catalogueModels,
  catalogueVisionModels,
  EXCLUDED,
  MODALITY_CATALOGUE,
  visionCoverage,
} from "../../src/models/coverage.ts";

const registry = createRegistry();
const key = (m: { provider: string; name: string }) => `${m.provider}/${m.name}`;
/** Source tags of providers.md §9 that document image rules (OpenAI, Anthropic, Google). */
const RULE_SOURCE = /^(S1|S2|S3|S3b|A1|A2|A3|G1|G2|G3)$/;

Deno.test("the catalogue lists 39 vision models of OpenAI, Anthropic and Google", () => {
  const vision = catalogueVisionModels();
  const count = (provider: string) => vision.filter((m) => m.provider === provider).length;
  assert.deepEqual(
    { openai: count("openai"), anthropic: count("anthropic"), google: count("google") },
    { openai: 17, anthropic: 10, google: 12 },
  );
  assert.equal(new Set(vision.map(key)).size, vision.length);
  // Text-only models are no vision models: codex-mini-latest and o3-mini take text alone.
  const textOnly = catalogueModels().filter((m) => !m.inputs.includes("image")).map((m) => m.name);
  assert.ok(textOnly.includes("codex-mini-latest") && textOnly.includes("o3-mini"));
});

Deno.test("every catalogue vision model resolves to a family with an image rule, or is excluded with a reason", () => {
  const coverage = visionCoverage(registry);
  assert.deepEqual(coverage.missing.map(key), [], "catalogue vision models without a rule");
  assert.equal(coverage.covered.length, 32);
  assert.deepEqual(coverage.excluded.map(key).sort(), [
    "google/gemini-1.5-flash",
    "google/gemini-1.5-flash-8b",
    "google/gemini-1.5-pro",
    "openai/gpt-4-turbo",
    "openai/o3-deep-research",
    "openai/o3-pro",
    "openai/o4-mini-deep-research",
  ]);
});

Deno.test("each covered model's rule is a provider rule with providers.md sources, in every rules version", () => {
  for (const rulesVersion of RULES_VERSIONS) {
    const { covered, missing } = visionCoverage(createRegistry({ rulesVersion }));
    assert.deepEqual(missing, [], rulesVersion);
    for (const { model, resolved } of covered) {
      const { family } = resolved;
      assert.notEqual(family.image.kind, "local", model.name);
      assert.ok(family.sources.length > 0, model.name);
      for (const tag of family.sources) assert.match(tag, RULE_SOURCE, `${model.name}: ${tag}`);
    }
  }
});

Deno.test("a covered model is never priced by guess: each price is its catalogue's own entry", () => {
  const unpriced = visionCoverage(registry).covered.filter(({ resolved }) => !resolved.prices)
    .map(({ model }) => model.name).sort();
  assert.deepEqual(unpriced, [
    "gemini-2.5-flash-lite-preview-06-17",
    "gemini-2.5-pro-preview-05-06",
    "gemini-2.5-pro-preview-06-05",
  ]);
});

Deno.test("every exclusion has a reason and stays unknown to the registry", () => {
  assert.equal(new Set(EXCLUDED.map(key)).size, EXCLUDED.length);
  for (const exclusion of EXCLUDED) {
    assert.ok(exclusion.why.length > 20, exclusion.name);
    assert.match(exclusion.why, /\[[SAG]\d/, `${exclusion.name}: cites providers.md`);
    assert.equal(registry.resolve(exclusion.name), undefined, exclusion.name);
  }
});

Deno.test("the catalogue's exclusions are vision models it still lists (none goes stale)", () => {
  const vision = new Set(catalogueVisionModels().map(key));
  for (const exclusion of EXCLUDED.filter((e) => e.listedBy === MODALITY_CATALOGUE)) {
    assert.ok(vision.has(key(exclusion)), key(exclusion));
  }
});

Deno.test("Codex CLI 0.171.0's default model gpt-6.2-sol is excluded: no source gives a GPT-6 image rule", () => {
  const entry = EXCLUDED.find((e) => e.name === "gpt-6.2-sol");
  assert.equal(entry?.listedBy, "Codex CLI 0.171.0");
  assert.equal(registry.resolve("gpt-6.2-sol"), undefined);
});
