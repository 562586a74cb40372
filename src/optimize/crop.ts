/**
 * A region question's crop: the named part of the picture with a margin around it (so an object
 * on the border is not cut in half), its own aspect ratio, at the scale the whole picture would
 * have been sent at — the model sees the region exactly as sharp as before, and pays only for
 * the region. Never upscaled. For a picture of text, where a few pixels more of margin allow
 * it, the crop's scale redraws the whole picture at exactly the size it would have been sent at,
 * so the region holds the very pixels the model would have seen of it: the legibility floor holds
 * the whole's size, and so the crop's text.
 */
import { imageTokens } from "../models/image_tokens.ts";
import type { Detail, ImageRule } from "../models/types.ts";
import type { CropBox } from "../../workers/image/types.ts";
import type { RegionBox } from "./region.ts";

/** Margin added on every side of the named region, as a share of the picture's side. */
export const CROP_MARGIN = 0.1;
/** At most this many pixels of extra margin are tried to align the crop's scale. */
const ALIGN_PX = 8;

/** A crop and what it costs. */
export interface CropPlan {
  box: CropBox;
  width: number;
  height: number;
  tokens: number;
  estimated: boolean;
}

/**
 * The renderer draws a crop by scaling the whole picture by `out / box.width` (rounded to whole
 * pixels) and cutting the box out: the widths `out` and `box.width` for which that whole is
 * exactly `whole`, growing the box rightwards (or leftwards at the picture's edge) by up to
 * `ALIGN_PX`; undefined when none does.
 */
function alignedWidth(
  picture: { width: number; height: number },
  whole: { width: number; height: number },
  box: CropBox,
): { boxWidth: number; x: number; out: number } | undefined {
  for (let grow = 0; grow <= ALIGN_PX; grow++) {
    const boxWidth = box.width + grow;
    if (boxWidth > picture.width) return undefined;
    const x = Math.min(box.x, picture.width - boxWidth);
    const out = Math.round((boxWidth * whole.width) / picture.width);
    const scale = out / boxWidth;
    if (
      Math.round(picture.width * scale) === whole.width &&
      Math.round(picture.height * scale) === whole.height
    ) return { boxWidth, x, out };
  }
  return undefined;
}

/** How a crop is sized. */
export interface CropOptions {
  /** The size the whole picture would be sent at (never larger than the picture). */
  whole: { width: number; height: number };
  detail: Detail;
  /** Cut the very pixels of the whole at `whole` (pictures of text). */
  samePixels?: boolean;
}

/** The crop of `region` (with margin) from a `width`×`height` picture, and its cost on `rule`. */
export function planCrop(
  rule: ImageRule,
  { width, height }: { width: number; height: number },
  region: RegionBox,
  { whole, detail, samePixels = false }: CropOptions,
): CropPlan {
  const x0 = Math.max(0, Math.floor((region.x - CROP_MARGIN) * width));
  const y0 = Math.max(0, Math.floor((region.y - CROP_MARGIN) * height));
  const x1 = Math.min(width, Math.ceil((region.x + region.width + CROP_MARGIN) * width));
  const y1 = Math.min(height, Math.ceil((region.y + region.height + CROP_MARGIN) * height));
  let box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const s = Math.min(1, whole.width / width);
  let out = { width: Math.max(1, Math.round(box.width * s)), height: 0 };
  const aligned = samePixels && s < 1 ? alignedWidth({ width, height }, whole, box) : undefined;
  if (aligned) {
    box = { ...box, x: aligned.x, width: aligned.boxWidth };
    out = { width: aligned.out, height: 0 };
  }
  const scale = out.width / box.width;
  // The cut stays inside the redrawn whole, and never asks for more rows than the box has.
  const top = Math.round(box.y * scale);
  const wholeHeight = Math.round(height * scale);
  out.height = Math.max(1, Math.min(Math.round(box.height * scale), wholeHeight - top, box.height));
  const cost = imageTokens(rule, out.width, out.height, detail);
  // The provider may shrink it further (e.g. a tall strip past its side limit): send that size.
  return {
    box,
    width: cost.width,
    height: cost.height,
    tokens: cost.tokens,
    estimated: cost.estimated,
  };
}
