/**
 * Fidelity levels: the least share of the pixels the provider itself would use that squint keeps
 * when it picks a token-cheaper size. `lossless` only removes what the provider would discard.
 */
import { imageTokens } from "../models/image_tokens.ts";
import type { Detail, ImageRule } from "../models/types.ts";

/** The per-request and per-deployment fidelity setting. */
export type Fidelity = "lossless" | "balanced" | "aggressive";

/**
 * Minimum share of the provider's own pixel count kept at each level.
 * balanced 0.9: CONTRACT.md's promise; aggressive 0.6: measured in bench (tokens vs pixels).
 */
export const MIN_PIXEL_SHARE: Readonly<Record<Fidelity, number>> = {
  lossless: 1,
  balanced: 0.9,
  aggressive: 0.6,
};

/** A size and what it costs. */
export interface SizedCost {
  width: number;
  height: number;
  tokens: number;
}

/**
 * The cheapest size, in tokens, that keeps at least `share` of the pixels of `view` (the size the
 * provider would resize to) and its aspect ratio. Ties go to the larger size. Pure and
 * deterministic: it walks the long side down one pixel at a time, which is at most a few hundred
 * evaluations of the rule.
 */
export function cheapestSize(
  rule: ImageRule,
  view: { width: number; height: number },
  detail: Detail,
  share: number,
): SizedCost {
  const { width, height } = view;
  const landscape = width >= height;
  const long = landscape ? width : height;
  const aspect = landscape ? width / height : height / width;
  const minLong = Math.ceil(long * Math.sqrt(share));
  let best: SizedCost = { width, height, tokens: imageTokens(rule, width, height, detail).tokens };
  for (let l = long - 1; l >= minLong && l >= 1; l--) {
    const s = Math.max(1, Math.round(l / aspect));
    const w = landscape ? l : s;
    const h = landscape ? s : l;
    if (w * h < share * width * height) break;
    const tokens = imageTokens(rule, w, h, detail).tokens;
    if (tokens < best.tokens) best = { width: w, height: h, tokens };
  }
  return best;
}
