/**
 * The legibility floor (issue 17 item 5): no size squint chooses for a picture of text — a
 * glance, a fidelity level, a crop — shrinks its body text below what a model can read. The
 * understanding step measures the body text's line height in the original's pixels
 * (workers/image/line_height.ts); here that becomes the least scale of the original squint may
 * send: the scale at which a line is `LEGIBLE_LINE_PX` tall, or the provider's own scale when
 * the provider already shows the text smaller than that (any further shrink of text at the edge
 * of legibility loses words). Pure: no I/O, no pixels.
 *
 * @module
 */
import type { TextLines } from "../../workers/image/line_height.ts";
import type { ContentFacts } from "../../workers/image/types.ts";
import type { Intent } from "./intent/model.ts";

/**
 * Least height, in pixels of the picture the model sees, of a body-text line (ascender to
 * descender, as line_height.ts measures it) for the text to read as well as in the provider's
 * own view of the original. Found on the corpus by `deno run -A --config deno.dev.json
 * bench/legibility.ts --calibrate`: the 28 text images (pages, invoices, the receipt, the slide,
 * web and terminal screenshots, code) rendered by squint at body lines of 6-24 px, read by
 * native tesseract (bench/legibility_view.ts: psm 6, 2× upscale, 3 sub-pixel phases) against
 * the views of gpt-4o, claude-sonnet-4-6 and gemini-2.5-flash. A floor holds an (image, model)
 * pair when every size it allows reads within 1.1× of the view's error rate (or within the
 * reader's own spread on the view). Pairs failing, by floor: 12 px 19, 13 px 10, 14 px 4,
 * 16 px 2, 18 px 1, 20 px 0. Below ~9 px the error climbs steeply (at 8 px most pages read 3-5×
 * worse than in their view); above ~12 px it is flat within the reader's noise, and the last
 * pairs that need 20 px differ by a few characters.
 */
export const LEGIBLE_LINE_PX = 20;

/** What the planner knows of a picture's text, when the floor applies. */
export type TextFacts =
  | { known: true; lineHeight: number }
  /** Text content whose lines were not measured: its size is unknown. */
  | { known: false };

/** The floor for one picture: the least scale of the original that keeps its text legible. */
export interface LegibilityFloor {
  /** Body-text line height in the original's pixels. */
  lineHeight: number;
  /** The floor in pixels per line (`LEGIBLE_LINE_PX` unless tuned). */
  target: number;
  /** The least line height to keep, as the model sees it: `target`, or the provider's own. */
  minLine: number;
  /** Least scale (side sent / original side) that keeps `minLine`. */
  minScale: number;
}

/** Whether the floor concerns a picture: it shows text lines, or its content is text. */
export function textFacts(
  textLines: TextLines | undefined,
  content: ContentFacts | undefined,
): TextFacts | undefined {
  if (textLines) return { known: true, lineHeight: textLines.lineHeight };
  if (content?.label === "text") return { known: false };
  return undefined;
}

/**
 * The floor for a picture whose body lines are `lineHeight` px tall and which the provider shows
 * at `viewScale` of its size, holding lines of `target` px; undefined when `target` is 0 (off).
 */
export function legibilityFloor(
  lineHeight: number,
  viewScale: number,
  target: number,
): LegibilityFloor | undefined {
  if (target <= 0 || !(lineHeight > 0)) return undefined;
  const minLine = Math.min(target, lineHeight * viewScale);
  return { lineHeight, target, minLine, minScale: minLine / lineHeight };
}

/** Sub-pixel slack, for sizes rounded to whole pixels. */
const ROUNDING = 0.02;

/** The scale of a `size` picture of an `original` one (the smaller of its two sides' scales). */
export function scaleOf(
  original: { width: number; height: number },
  size: { width: number; height: number },
): number {
  return Math.min(size.width / original.width, size.height / original.height);
}

/** Whether the picture at `scale` of its size keeps its text at or above the floor. */
export function keepsLegible(floor: LegibilityFloor, scale: number): boolean {
  return floor.lineHeight * scale >= floor.minLine - ROUNDING;
}

/** The least share of the provider's pixels (shown at `viewScale`) that keeps the floor. */
export function legibleShare(floor: LegibilityFloor, viewScale: number): number {
  return Math.min(1, (floor.minScale / viewScale) ** 2);
}

/** A body-text line's height at `scale`, in px to one decimal, for reasons. */
export function lineAfter(floor: LegibilityFloor, scale: number): number {
  return Math.round(floor.lineHeight * scale * 10) / 10;
}

/** The floor as reasons state it. */
export function floorText(floor: LegibilityFloor): string {
  return floor.minLine < floor.target - ROUNDING
    ? `floor: the provider's own ${
      Math.round(floor.minLine * 10) / 10
    } px, already under ${floor.target} px`
    : `floor ${floor.target} px`;
}

/**
 * Whether a plan could shrink a picture's text well below what the provider shows, so the
 * understanding step must measure its lines even when nothing is to be read: a glance, or the
 * aggressive level. (Balanced keeps ≥ 95% of the view's side, a crop its scale.)
 */
export function legibilityAtStake(
  intent: Intent,
  controls: { optimize: boolean; fidelity: "lossless" | "balanced" | "aggressive" },
): boolean {
  if (!controls.optimize || controls.fidelity === "lossless") return false;
  return intent === "glance" || controls.fidelity === "aggressive";
}
