/**
 * Fidelity levels: the least share of the pixels the provider itself would use that squint keeps
 * when it picks a token-cheaper size. `lossless` only removes what the provider would discard.
 * A picture of text keeps more when the level's share would shrink its body text below the
 * legibility floor (legibility.ts).
 */
import { imageTokens } from "../models/image_tokens.ts";
import type { Detail, ImageRule } from "../models/types.ts";
import {
  floorText,
  keepsLegible,
  type LegibilityFloor,
  legibleShare,
  lineAfter,
  scaleOf,
} from "./legibility.ts";

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

/** What `fittedSize` sizes. */
export interface Fitting {
  /** The size the provider would show the picture at, and its tokens. */
  view: { width: number; height: number; tokens: number };
  detail: Detail;
  /** The fidelity level's least share of the view's pixels. */
  share: number;
  floor?: LegibilityFloor;
  original: { width: number; height: number };
}

/**
 * The fidelity level's cheapest size, raised to the legibility floor when it would shrink body
 * text below it (legibility.ts); `explain.reasons` then says so.
 */
export function fittedSize(
  rule: ImageRule,
  { view, detail, share, floor, original }: Fitting,
  explain: { fidelity: Fidelity; reasons: string[] },
): { width: number; height: number; tokens: number } {
  const fitted = cheapestSize(rule, view, detail, share);
  if (!floor || keepsLegible(floor, scaleOf(original, fitted))) return fitted;
  const legible = cheapestSize(rule, view, detail, legibleShare(floor, scaleOf(original, view)));
  explain.reasons.push(
    `${explain.fidelity} would send ${fitted.width}×${fitted.height}, its body text ${
      lineAfter(floor, scaleOf(original, fitted))
    } px tall; kept at ${legible.width}×${legible.height} (${legible.tokens} tokens) so it stays ` +
      `legible (${floorText(floor)})`,
  );
  return legible;
}
