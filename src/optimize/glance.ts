/**
 * The view a glance question gets: the cheaper of the provider's own low detail (where the model
 * has a `detail` level) and a thumbnail whose long side is 512 px — the size OpenAI itself deems
 * enough for a low-detail look. Enough to say what a picture shows, its mood or its main colour;
 * never used for text or fine detail (intent/classify.ts keeps those away).
 */
import { imageTokens } from "../models/image_tokens.ts";
import type { Detail, ImageRule } from "../models/types.ts";

/** Long side of a glance thumbnail. */
export const GLANCE_SIDE = 512;
/**
 * A smaller thumbnail for rules with a step in them (Gemini 2.x bills one 258-token tile when
 * both sides are ≤ 384 px, and ~6 tiles for most pictures above): taken only when it costs
 * less than half the 512-px one, i.e. when the saving is the rule's step, not just fewer pixels.
 */
export const SMALL_GLANCE_SIDE = 384;

/** A glance's size, detail and tokens. */
export interface GlanceView {
  width: number;
  height: number;
  /** `low` when the provider's low detail is the cheaper view; otherwise the client's detail. */
  detail: Detail;
  tokens: number;
  estimated: boolean;
}

/** The cheapest glance of a `width`×`height` picture on `rule`. */
export function glanceView(
  rule: ImageRule,
  width: number,
  height: number,
  clientDetail: Detail,
): GlanceView {
  const fit = (side: number) => {
    const scale = Math.min(1, side / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    return { w, h, cost: imageTokens(rule, w, h, clientDetail) };
  };
  const large = fit(GLANCE_SIDE);
  const small = fit(SMALL_GLANCE_SIDE);
  const { w: tw, h: th, cost: thumb } = small.cost.tokens * 2 < large.cost.tokens ? small : large;
  const low = imageTokens(rule, width, height, "low");
  if (low.tokens < thumb.tokens) {
    return {
      width: low.width,
      height: low.height,
      detail: "low",
      tokens: low.tokens,
      estimated: low.estimated,
    };
  }
  return {
    width: tw,
    height: th,
    detail: clientDetail,
    tokens: thumb.tokens,
    estimated: thumb.estimated,
  };
}
