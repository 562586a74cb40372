/**
 * The image-billing rules shared by several families, as named data. Source tags refer to
 * providers.md §9; families pick one in `families.ts`, older doc versions in `rules_versions.ts`.
 */

import type {
  AnthropicLegacyRule,
  AnthropicRule,
  GeminiMediaResolutionRule,
  GeminiTileRule,
  LocalRule,
  PatchLevel,
  PatchRule,
  TileRule,
} from "./types.ts";

/** An OpenAI tile rule with the common geometry: fit 2048², short side 768, 512-px tiles [S1]. */
export function tileRule(base: number, perTile: number): TileRule {
  return {
    kind: "tile",
    base,
    perTile,
    maxSide: 2048,
    shortSide: 768,
    tileSize: 512,
    lowSide: 512,
  };
}

/** gpt-4o, gpt-4.1, gpt-4.5: 85 + 170/tile [S1],[S3]. */
export const TILE_GPT_4O: TileRule = tileRule(85, 170);
/** gpt-4o-mini: 2833 + 5667/tile [S1],[S3]. */
export const TILE_GPT_4O_MINI: TileRule = tileRule(2833, 5667);
/** o1, o1-pro, o3: 75 + 150/tile [S1],[S3]. */
export const TILE_O_SERIES: TileRule = tileRule(75, 150);
/** computer-use-preview: 65 + 129/tile [S3],[S2]. */
export const TILE_COMPUTER_USE: TileRule = tileRule(65, 129);
/** gpt-5, gpt-5-chat-latest, gpt-5.1: 70 + 140/tile [S1],[S2],[S3b]. */
export const TILE_GPT_5: TileRule = tileRule(70, 140);

/** `low` on gpt-5.5/5.6 (and gpt-5.4 before late 2026): fit 512×512, no budget [S1],[S2]. */
export const FIT_512: PatchLevel = { maxSide: 512 };
/** The 2048-px, 1,536-patch level of the small patch models (all copies up to mid-2026) [S2],[S3]. */
export const BUDGET_1536: PatchLevel = { maxSide: 2048, budget: 1536 };
/** The 2048-px, 6,144-patch level (late-2026 doc: gpt-5.2, gpt-4.1-mini all levels; gpt-5.4 `low`) [S1]. */
export const BUDGET_6144: PatchLevel = { maxSide: 2048, budget: 6144 };
/** `high` on gpt-5.4+: 2048 px and 2,500 patches [S1],[S2]. */
export const HIGH_2500: PatchLevel = { maxSide: 2048, budget: 2500 };
/** `original` on gpt-5.4/5.5: 6000 px and 10,000 patches [S1],[S2]. */
export const ORIGINAL_10000: PatchLevel = { maxSide: 6000, budget: 10_000 };
/** `original` on gpt-5.6: fit 65,535 px, no patch budget (a 30,000-patch reject is UNVERIFIED) [S1]. */
export const ORIGINAL_UNBOUNDED: PatchLevel = { maxSide: 65_535 };

/**
 * A patch rule whose levels all share one sizing; `detail` changes nothing, as community tests
 * found for gpt-4.1-mini/nano and o4-mini [C1], and as the late-2026 doc states for gpt-5.2 [S1].
 */
export function flatPatchRule(multiplier: number, level: PatchLevel): PatchRule {
  return { kind: "patch", patchSize: 32, multiplier, low: level, high: level, auto: "high" };
}

/** gpt-5.4 (+mini/nano) in the late-2026 doc: low 6,144/2048, high 2,500, original 10,000; auto=high [S1]. */
export function gpt54PatchRule(multiplier: number): PatchRule {
  return {
    kind: "patch",
    patchSize: 32,
    multiplier,
    low: BUDGET_6144,
    high: HIGH_2500,
    original: ORIGINAL_10000,
    auto: "high",
  };
}

/** gpt-5.5: low fits 512², high 2,500, original 10,000/6000 px; auto = original; ×1.2 [S1],[S2]. */
export const PATCH_GPT_55: PatchRule = {
  kind: "patch",
  patchSize: 32,
  multiplier: 1.2,
  low: FIT_512,
  high: HIGH_2500,
  original: ORIGINAL_10000,
  auto: "original",
};

/** gpt-5.6-sol/-terra/-luna: low 512², high 2,500, original/auto unbounded; ×1.2 [S1]. */
export const PATCH_GPT_56: PatchRule = {
  kind: "patch",
  patchSize: 32,
  multiplier: 1.2,
  low: FIT_512,
  high: HIGH_2500,
  original: ORIGINAL_UNBOUNDED,
  auto: "original",
};

/** Claude standard tier: 28-px patches, ≤1568 px, ≤1568 visual tokens [A1],[A2]. */
export const CLAUDE_STANDARD: AnthropicRule = {
  kind: "anthropic",
  patchSize: 28,
  maxEdge: 1568,
  maxTokens: 1568,
};

/** Claude high-resolution tier ("Claude 4.7 and later"): ≤2576 px, ≤4784 visual tokens [A1],[A2]. */
export const CLAUDE_HIGH_RES: AnthropicRule = {
  kind: "anthropic",
  patchSize: 28,
  maxEdge: 2576,
  maxTokens: 4784,
};

/** Claude legacy doc: ≈ w·h/750, long edge ≤1568, ~1,600 tokens, recommended ≤1.15 MP [A3]. */
export const CLAUDE_LEGACY: AnthropicLegacyRule = {
  kind: "anthropic_legacy",
  pixelsPerToken: 750,
  maxEdge: 1568,
  maxTokens: 1600,
  targetPixels: 1_150_000,
};

/** Gemini 2.0/2.5 image-understanding rule: 258 per tile, one tile when both sides ≤384 [G1],[G3]. */
export const GEMINI_TILES: GeminiTileRule = { kind: "gemini_tiles", perTile: 258, smallSide: 384 };

/**
 * Gemini 2.5 `media_resolution` table [G2]: low 64, medium 256, high and the default "256 + Pan &
 * Scan (~2048)"; ULTRA_HIGH does not exist on 2.5, so it bills as high. Approximate maxima.
 */
export const GEMINI_25_MEDIA_RESOLUTION: GeminiMediaResolutionRule = {
  kind: "gemini_media_resolution",
  tokens: { low: 64, medium: 256, high: 2048, ultra_high: 2048 },
  default: "high",
  estimated: true,
};

/** Gemini 3 `media_resolution` table: default = high 1120, low 280, medium 560, ultra_high 2240 [G2]. */
export const GEMINI_3_MEDIA_RESOLUTION: GeminiMediaResolutionRule = {
  kind: "gemini_media_resolution",
  tokens: { low: 280, medium: 560, high: 1120, ultra_high: 2240 },
  default: "high",
};

/** Ollama: the vision encoder decides, and the count lands in `prompt_eval_count` [O1],[O3]. */
export const LOCAL: LocalRule = { kind: "local" };
