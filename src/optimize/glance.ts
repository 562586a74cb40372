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
  const scale = Math.min(1, GLANCE_SIDE / Math.max(width, height));
  const tw = Math.max(1, Math.round(width * scale));
  const th = Math.max(1, Math.round(height * scale));
  const thumb = imageTokens(rule, tw, th, clientDetail);
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
