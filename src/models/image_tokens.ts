/**
 * What one image costs on a model, and the size the model actually sees after the provider's own
 * resize. Pure arithmetic over the rules in `types.ts`; every formula cites providers.md.
 */

import type {
  AnthropicLegacyRule,
  AnthropicRule,
  Detail,
  GeminiMediaResolutionRule,
  GeminiTileRule,
  ImageCost,
  ImageRule,
  MediaResolution,
  PatchLevel,
  PatchRule,
  TileRule,
} from "./types.ts";

/**
 * Tokens billed for one `width`×`height` image (positive integer pixels) sent with `detail`.
 * `detail` only matters where the provider has it (OpenAI; Gemini maps it to `media_resolution`);
 * `original` falls back to `high` on models without that level.
 */
export function imageTokens(
  rule: ImageRule,
  width: number,
  height: number,
  detail: Detail = "auto",
): ImageCost {
  switch (rule.kind) {
    case "tile":
      return tileTokens(rule, width, height, detail);
    case "patch":
      return patchTokens(rule, width, height, detail);
    case "anthropic":
      return anthropicTokens(rule, width, height);
    case "anthropic_legacy":
      return anthropicLegacyTokens(rule, width, height);
    case "gemini_tiles":
      return geminiTileTokens(rule, width, height);
    case "gemini_media_resolution":
      return mediaResolutionTokens(rule, mediaResolutionFor(rule, detail), width, height);
    case "local":
      return { tokens: 0, width, height, estimated: true };
  }
}

/** Fit within `maxSide`×`maxSide` keeping the aspect ratio, rounding to integer pixels, never enlarging. */
function fitWithin(width: number, height: number, maxSide: number): [number, number] {
  const long = Math.max(width, height);
  if (long <= maxSide) return [width, height];
  const other = Math.max(1, Math.round((Math.min(width, height) * maxSide) / long));
  return width >= height ? [maxSide, other] : [other, maxSide];
}

/** OpenAI tile models, §1.4 [S1],[S3]. */
function tileTokens(rule: TileRule, width: number, height: number, detail: Detail): ImageCost {
  if (detail === "low") {
    const [w, h] = fitWithin(width, height, rule.lowSide);
    return { tokens: rule.base, width: w, height: h, units: 0, estimated: false };
  }
  let [w, h] = fitWithin(width, height, rule.maxSide);
  const short = Math.min(w, h);
  if (short > rule.shortSide) {
    // "scale it down to 768px and round down the other dimension" [S1]
    const other = Math.floor((Math.max(w, h) * rule.shortSide) / short);
    [w, h] = w <= h ? [rule.shortSide, other] : [other, rule.shortSide];
  }
  const tiles = Math.ceil(w / rule.tileSize) * Math.ceil(h / rule.tileSize);
  return {
    tokens: rule.base + tiles * rule.perTile,
    width: w,
    height: h,
    units: tiles,
    estimated: false,
  };
}

/** The patch level a `detail` selects; `original` only where the model has it. */
function patchLevel(rule: PatchRule, detail: Detail): PatchLevel {
  const level = detail === "auto" ? rule.auto : detail;
  if (level === "low") return rule.low;
  if (level === "original" && rule.original) return rule.original;
  return rule.high;
}

/** OpenAI patch models, §1.5 steps 0, A, B, D [S1],[S2],[S3]. */
function patchTokens(rule: PatchRule, width: number, height: number, detail: Detail): ImageCost {
  const level = patchLevel(rule, detail);
  const size = rule.patchSize;
  let [w, h] = fitWithin(width, height, level.maxSide);
  let patches = Math.ceil(w / size) * Math.ceil(h / size);
  if (level.budget !== undefined && patches > level.budget) {
    let s = Math.sqrt((size * size * level.budget) / (w * h));
    const cols = (w * s) / size;
    const rows = (h * s) / size;
    s *= Math.min(Math.floor(cols) / cols, Math.floor(rows) / rows);
    [w, h] = [Math.max(1, Math.floor(w * s)), Math.max(1, Math.floor(h * s))];
    patches = Math.ceil(w / size) * Math.ceil(h / size);
  }
  // The epsilon keeps float noise (e.g. 2500 × 1.2) from adding a token; billing may differ by ±1 [S1].
  const tokens = Math.ceil(patches * rule.multiplier - 1e-9);
  return { tokens, width: w, height: h, units: patches, estimated: false };
}

/** Python's `round()` (half to even), as used by Anthropic's reference resize [A2]. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Anthropic's current rule, §2.3: a port of the reference `resized_size` [A1],[A2]. */
function anthropicTokens(rule: AnthropicRule, width: number, height: number): ImageCost {
  const p = rule.patchSize;
  const cost = (w: number, h: number) => Math.ceil(w / p) * Math.ceil(h / p);
  const fits = (w: number, h: number) =>
    Math.ceil(w / p) * p <= rule.maxEdge && Math.ceil(h / p) * p <= rule.maxEdge &&
    cost(w, h) <= rule.maxTokens;
  let w = width;
  let h = height;
  if (!fits(w, h)) {
    const long = Math.max(width, height);
    const aspect = long / Math.min(width, height);
    const shortFor = (l: number) => Math.max(roundHalfEven(l / aspect), 1);
    // Binary search on the long edge: `lo` always fits, `hi` never does.
    let lo = 1;
    let hi = long;
    while (lo + 1 < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(mid, shortFor(mid))) lo = mid;
      else hi = mid;
    }
    [w, h] = width >= height ? [lo, shortFor(lo)] : [shortFor(lo), lo];
  }
  const tokens = cost(w, h);
  return { tokens, width: w, height: h, units: tokens, estimated: false };
}

/** Anthropic's legacy rule, §2.3 [A3]: ≈ w·h/750 after a resize to ~1.15 MP when over the limits. */
function anthropicLegacyTokens(
  rule: AnthropicLegacyRule,
  width: number,
  height: number,
): ImageCost {
  const long = Math.max(width, height);
  let w = width;
  let h = height;
  if (long > rule.maxEdge || (w * h) / rule.pixelsPerToken > rule.maxTokens) {
    const scale = Math.min(rule.maxEdge / long, Math.sqrt(rule.targetPixels / (w * h)));
    [w, h] = [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
  }
  const tokens = Math.ceil((w * h) / rule.pixelsPerToken);
  return { tokens, width: w, height: h, estimated: true };
}

/** The side every Gemini 2.x crop unit is scaled to: "tiled into 768×768 tiles" [G1]. */
const GEMINI_TILE_SIDE = 768;

/**
 * Gemini 2.x image-understanding rule, §3.2 [G1],[G3]; the doc's own example is fragile (§8 *).
 * Each crop unit (floor(min side / 1.5) px square) becomes one 768-px tile, so a picture whose
 * unit is larger than 768 px is seen at 768/unit of its size: its short side at about 1152 px
 * (1.5 × 768), e.g. 6028×3391 at 2048×1152. The size reported is that one, floored: its unit
 * is at least 768 and each side shrinks by 768/unit, so it never costs a tile more.
 */
function geminiTileTokens(rule: GeminiTileRule, width: number, height: number): ImageCost {
  if (width <= rule.smallSide && height <= rule.smallSide) {
    return { tokens: rule.perTile, width, height, units: 1, estimated: true };
  }
  const unit = Math.max(1, Math.floor(Math.min(width, height) / 1.5));
  const tiles = Math.ceil(width / unit) * Math.ceil(height / unit);
  // Integer products over the unit: exact, so the short side never falls below 1152.
  const seen = (side: number) =>
    unit > GEMINI_TILE_SIDE ? Math.floor((side * GEMINI_TILE_SIDE) / unit) : side;
  return {
    tokens: tiles * rule.perTile,
    width: seen(width),
    height: seen(height),
    units: tiles,
    estimated: true,
  };
}

/** How `detail` maps to `media_resolution`: auto is the model default, original has no match. */
const DETAIL_TO_MEDIA_RESOLUTION: Record<Exclude<Detail, "auto">, MediaResolution> = {
  low: "low",
  high: "high",
  original: "high",
};

function mediaResolutionFor(rule: GeminiMediaResolutionRule, detail: Detail): MediaResolution {
  return detail === "auto" ? rule.default : DETAIL_TO_MEDIA_RESOLUTION[detail];
}

/**
 * Gemini `media_resolution` tables, §3.3 [G2]: a fixed maximum per level, whatever the pixel size.
 * Exported for callers that set `medium` or `ultra_high` directly; the model-side resize is not
 * documented, so the reported size is the input size.
 */
export function mediaResolutionTokens(
  rule: GeminiMediaResolutionRule,
  resolution: MediaResolution,
  width: number,
  height: number,
): ImageCost {
  return { tokens: rule.tokens[resolution], width, height, estimated: rule.estimated ?? false };
}
