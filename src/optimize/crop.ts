/**
 * A region question's crop: the named part of the picture with a margin around it (so an object
 * on the border is not cut in half), its own aspect ratio, at the scale the whole picture would
 * have been sent at — the model sees the region exactly as sharp as before, and pays only for
 * the region. Never upscaled.
 */
import { imageTokens } from "../models/image_tokens.ts";
import type { Detail, ImageRule } from "../models/types.ts";
import type { CropBox } from "../../workers/image/types.ts";
import type { RegionBox } from "./region.ts";

/** Margin added on every side of the named region, as a share of the picture's side. */
export const CROP_MARGIN = 0.1;

/** A crop and what it costs. */
export interface CropPlan {
  box: CropBox;
  width: number;
  height: number;
  tokens: number;
  estimated: boolean;
}

/**
 * The crop of `region` (with margin) from a `width`×`height` picture whose whole would be sent
 * scaled by `scale` (≤ 1), and what it costs on `rule`.
 */
export function planCrop(
  rule: ImageRule,
  width: number,
  height: number,
  region: RegionBox,
  scale: number,
  detail: Detail,
): CropPlan {
  const x0 = Math.max(0, Math.floor((region.x - CROP_MARGIN) * width));
  const y0 = Math.max(0, Math.floor((region.y - CROP_MARGIN) * height));
  const x1 = Math.min(width, Math.ceil((region.x + region.width + CROP_MARGIN) * width));
  const y1 = Math.min(height, Math.ceil((region.y + region.height + CROP_MARGIN) * height));
  const box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const s = Math.min(1, scale);
  const cost = imageTokens(
    rule,
    Math.max(1, Math.round(box.width * s)),
    Math.max(1, Math.round(box.height * s)),
    detail,
  );
  // The provider may shrink it further (e.g. a tall strip past its side limit): send that size.
  return {
    box,
    width: cost.width,
    height: cost.height,
    tokens: cost.tokens,
    estimated: cost.estimated,
  };
}
