/**
 * The view a glance question gets: the cheaper of the provider's own low detail (where the model
 * has a `detail` level) and a thumbnail whose long side is 512 px — the size OpenAI itself deems
 * enough for a low-detail look. Enough to say what a picture shows, its mood or its main colour.
 * A picture of text keeps its body text legible (legibility.ts): a view that would shrink its
 * lines below the floor is not a candidate, and the size at the floor is one; the cheapest
 * legible view wins, which may cost as much as the full view (then there is no glance).
 */
import { imageTokens } from "../models/image_tokens.ts";
import type { Detail, ImageRule } from "../models/types.ts";
import {
  floorText,
  keepsLegible,
  type LegibilityFloor,
  lineAfter,
  scaleOf,
  type TextFacts,
} from "./legibility.ts";

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
  /** The size the model sees (the provider's own resize of `width`×`height`). */
  seen: { width: number; height: number };
}

/** A picture's text floor and the size the provider would show the whole picture at. */
export interface GlanceFloor {
  floor: LegibilityFloor;
  view: { width: number; height: number };
}

/** The provider's low detail for the picture (where the model has none, its full view). */
function lowDetail(rule: ImageRule, width: number, height: number): GlanceView {
  const low = imageTokens(rule, width, height, "low");
  return {
    width: low.width,
    height: low.height,
    detail: "low",
    tokens: low.tokens,
    estimated: low.estimated,
    seen: { width: low.width, height: low.height },
  };
}

/** The cheapest glance of a `width`×`height` picture on `rule`. */
export function glanceView(
  rule: ImageRule,
  width: number,
  height: number,
  clientDetail: Detail,
): GlanceView {
  const large = sized(rule, width, height, GLANCE_SIDE, clientDetail);
  const small = sized(rule, width, height, SMALL_GLANCE_SIDE, clientDetail);
  const thumb = small.tokens * 2 < large.tokens ? small : large;
  const low = lowDetail(rule, width, height);
  return low.tokens < thumb.tokens ? low : thumb;
}

/**
 * The cheapest glance of a picture of text that keeps its body text at or above the floor:
 * the low detail, a thumbnail or the size at the floor, whichever is cheapest and legible;
 * undefined when none costs less than the full view.
 */
export function legibleGlance(
  rule: ImageRule,
  width: number,
  height: number,
  clientDetail: Detail,
  legible: GlanceFloor,
): GlanceView | undefined {
  const original = { width, height };
  const candidates = [
    lowDetail(rule, width, height),
    sized(rule, width, height, GLANCE_SIDE, clientDetail),
    sized(rule, width, height, SMALL_GLANCE_SIDE, clientDetail),
    atFloor(rule, original, clientDetail, legible),
  ].filter((c) => keepsLegible(legible.floor, scaleOf(original, c.seen)));
  const full = imageTokens(rule, legible.view.width, legible.view.height, clientDetail).tokens;
  const best = candidates.sort((a, b) => a.tokens - b.tokens || b.width - a.width)[0];
  return best && best.tokens < full ? best : undefined;
}

/** The picture shrunk to a long side of at most `side`, priced at `detail`. */
function sized(
  rule: ImageRule,
  width: number,
  height: number,
  side: number,
  detail: Detail,
): GlanceView {
  const scale = Math.min(1, side / Math.max(width, height));
  return priced(
    rule,
    Math.max(1, Math.round(width * scale)),
    Math.max(1, Math.round(height * scale)),
    detail,
  );
}

function priced(rule: ImageRule, width: number, height: number, detail: Detail): GlanceView {
  const cost = imageTokens(rule, width, height, detail);
  return {
    width,
    height,
    detail,
    tokens: cost.tokens,
    estimated: cost.estimated,
    seen: { width: cost.width, height: cost.height },
  };
}

/**
 * The picture at the floor's scale, grown while the price stays the same (a rule's steps often
 * leave a few pixels free), never past the provider's own view.
 */
function atFloor(
  rule: ImageRule,
  original: { width: number; height: number },
  detail: Detail,
  legible: GlanceFloor,
): GlanceView {
  const landscape = original.width >= original.height;
  const long = landscape ? original.width : original.height;
  const short = landscape ? original.height : original.width;
  const viewLong = Math.max(legible.view.width, legible.view.height);
  const at = (l: number) => {
    const s = Math.max(1, Math.round((l * short) / long));
    return priced(rule, landscape ? l : s, landscape ? s : l, detail);
  };
  const start = Math.min(viewLong, Math.ceil(long * legible.floor.minScale));
  let best = at(start);
  for (let l = start + 1; l <= viewLong; l++) {
    const next = at(l);
    if (next.tokens > best.tokens) break;
    best = next;
  }
  return best;
}

/** What a glance question's plan needs besides the picture. */
export interface GlanceInput {
  /** What is known of its text (undefined: it shows none, or the floor is off). */
  text?: TextFacts;
  floor?: LegibilityFloor;
  /** The provider's own view of the whole picture. */
  view: { width: number; height: number };
  /** Tokens of the size the fidelity level would send: a glance must cost less. */
  fitted: number;
}

/** The glance a glance question gets, if any, and why. */
export function planGlance(
  rule: ImageRule,
  original: { width: number; height: number },
  clientDetail: Detail,
  { text, floor, view, fitted }: GlanceInput,
): { glance?: GlanceView; reason?: string } {
  const { width, height } = original;
  if (text && !floor) {
    return {
      reason: "no glance: its content is text of unmeasured size, which a glance could make " +
        "unreadable",
    };
  }
  const glance = floor
    ? legibleGlance(rule, width, height, clientDetail, { floor, view })
    : glanceView(rule, width, height, clientDetail);
  if (!glance || glance.tokens >= fitted) {
    // Without text at stake a glance that saves nothing needs no word.
    if (!floor) return {};
    return {
      reason: `no glance: no view cheaper than ${fitted} tokens keeps the body text legible ` +
        `(${lineAfter(floor, scaleOf(original, view))} px tall in the full view, ` +
        `${floor.lineHeight} px in the original; ${floorText(floor)})`,
    };
  }
  const low = glance.detail === "low" ? " at detail low" : "";
  const legible = floor
    ? `, its body text kept legible at ${lineAfter(floor, scaleOf(original, glance.seen))} px ` +
      `(${floor.lineHeight} px in the original; ${floorText(floor)})`
    : "";
  return {
    glance,
    reason: `a glance is enough: ${glance.width}×${glance.height}${low} for ${glance.tokens} ` +
      `tokens${legible}`,
  };
}
