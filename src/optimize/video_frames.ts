/**
 * Which sampled video frames are worth sending. Pure: it compares frame fingerprints (a luma
 * grid, made in the workers) and never sees pixels.
 *
 * Each sampled frame is related to the one before it (`workers/video/motion.ts`): the camera
 * moved (a scroll, a pan, a zoom, a shake), the picture faded, or it is unrelated (a cut).
 * Within a shot the moves are chained, so every frame has a place on the shot's own canvas, and
 * the selection keeps what covers that canvas:
 *
 * - a shot's first frame is kept once the next frame shows it was not caught mid cross-fade or
 *   mid fade-in (a frame that is a mix of its neighbours is dropped);
 * - a move that goes on the way the camera was moving counts as one even when it lines up less
 *   well (a small picture upscaled and blurry, a noisy phone screen) or its contrast changes (a
 *   cross-fade begun mid-pan): a cut does not land where the camera was heading;
 * - while the camera moves, a frame is kept only when the next one would leave part of it unseen
 *   (so a scroll or pan costs about one frame per screenful and skips nothing sampled); off the
 *   page's axes (a diagonal pan, a zoom) the corners only a dropped frame showed may go;
 * - where the camera comes to rest, and where a moving shot ends, the frame is kept when enough of
 *   it is new or newly sharp (a zoom in);
 * - a cut to a picture already kept (a slide that comes back) keeps nothing; blank frames
 *   (black between fades) are never sent unless nothing else is.
 *
 * When more frames survive than the budget allows, the budget is spread evenly over the
 * timeline, the most novel (or most relevant) frame of each stretch chosen.
 *
 * @module
 */

import { coarse, mixOf, moveGrid } from "../../workers/video/mix.ts";
import {
  type Box,
  brightnessChange,
  contrast,
  estimateMotion,
  meanDifference,
  type Motion,
} from "../../workers/video/motion.ts";
import {
  follow,
  type Place,
  type Rect,
  rectOf,
  uncovered,
  union,
  WHOLE,
} from "../../workers/video/shot_canvas.ts";

/** A frame's fingerprint: a square luma grid (row-major, 0-255). */
export interface FrameFingerprint {
  grid: Uint8Array;
}

/** The thresholds of the selection (tuned on the tuning half of `bench/video_set`). */
export interface SelectionRules {
  /** A move counts when it lines the frames up within this mean difference (0-255)... */
  alignedMad: number;
  /** ...and at most this share of the difference left unmoved (a real move explains the change). */
  alignedShare: number;
  /** Under this difference once lined up, any move counts (camera grain, a shake). */
  quietMad: number;
  /**
   * A move that goes on the way the camera was already moving counts up to this difference (still
   * explaining `alignedShare` of it): a blurry upscaled picture or a noisy phone screen lines up
   * less well than `alignedMad`, but a cut does not land where the camera was heading.
   */
  continuedMad: number;
  /** A move goes on the way of the one before when their directions agree this well (cosine)... */
  continuedCosine: number;
  /** ...and neither is more than this many times as large as the other. */
  continuedRatio: number;
  /** A move keeps the contrast within this factor; outside it the match is chance on a flat frame. */
  moveGain: number;
  /** A frame that is only brighter or darker than the one before differs by at most this once matched. */
  fadeMad: number;
  /** Contrast gains further from 1 than this factor are a fade, not a flicker. */
  fadeGain: number;
  /** A frame whose grid varies less than this (standard deviation) is blank. */
  blankContrast: number;
  /** A frame is a mix of its neighbours (mid cross-fade) when their fit leaves at most this... */
  mixMad: number;
  /** ...and at most this share of what either neighbour alone leaves. */
  mixShare: number;
  /** Content seen only by a dropped frame may be lost up to this share of that frame. */
  gapShare: number;
  /**
   * The same for a pan or zoom off the page's axes: a diagonal move leaves each dropped frame's
   * corners unseen (two rectangles, the move's width by its height), which no frame but a
   * neighbour shows; a document scroll leaves whole lines, so it keeps `gapShare`.
   */
  panGapShare: number;
  /** Where motion rests or ends, the frame is kept when at least this share is new or newly sharp. */
  restShare: number;
  /** A kept frame shows a point sharply enough when at no less than 1/this of the resolution. */
  sharpness: number;
  /** A move of less than this share of the frame (and a zoom closer to 1) is no move. */
  stillShare: number;
  /** A cut lands on a kept picture when it lines up with it within this move (shares). */
  repeatMove: number;
}

/**
 * Defaults, tuned on the tuning half of the generated video set (`bench/video_set`, frozen half
 * scored once afterwards), then on all three halves built by then (the continued move and the
 * diagonal gap), the fresh half built apart and scored once afterwards. Measured there: a true
 * move lines up within 1-6.5 of 255 (text scrolled a fraction of a cell, a rich painting panned;
 * up to 15 for a 640 px photo upscaled 4×, or a noisy phone screen) and removes at least half of
 * the difference; a cut between two similar white pages can line up within 6 by chance, but
 * with a contrast gain near 0; fades fit a gain within 2 of 255.
 */
export const SELECTION_RULES: SelectionRules = {
  alignedMad: 8,
  alignedShare: 0.5,
  quietMad: 3,
  continuedMad: 16,
  continuedCosine: 0.8,
  continuedRatio: 3,
  moveGain: 1.25,
  fadeMad: 3,
  fadeGain: 1.18,
  blankContrast: 2,
  mixMad: 8,
  mixShare: 0.6,
  gapShare: 0.015,
  panGapShare: 0.05,
  restShare: 0.1,
  sharpness: 1.5,
  stillShare: 0.008,
  repeatMove: 0.05,
};

/** Why a frame is kept or dropped. */
export type FrameReason =
  | "first frame"
  | "scene change"
  | "new content after scrolling"
  | "new content after panning or zooming"
  | "where the motion came to rest"
  | "near-identical to a kept frame"
  | "scrolled without a screenful of new content"
  | "panned or zoomed without a screenful of new content"
  | "caught mid cross-fade"
  | "fading in"
  | "fading out"
  | "blank frame";

/** The verdict on one sampled frame. */
export interface FrameVerdict {
  keep: boolean;
  reason: FrameReason;
  /** Share (0-1) of the frame that no kept frame of its shot showed (1 for a new shot). */
  novelty: number;
  /** The kept frame it repeats (its position in `kept`), when dropped as a duplicate. */
  duplicateOf?: number;
  /** The move from the frame sampled before it, when the camera moved. */
  view?: View;
}

/** Where a frame's picture sits in the one before: zoom factor and centre offset (shares). */
export interface View {
  zoom: number;
  dx: number;
  dy: number;
}

/** The share of a frame seen through `view` that lies outside the frame it is compared with. */
export function newShareOf(view: View): number {
  const half = 0.5 / view.zoom;
  const overlap = (centre: number) =>
    Math.max(0, Math.min(1, centre + half) - Math.max(0, centre - half));
  const inside = overlap(0.5 + view.dx) * overlap(0.5 + view.dy);
  return Math.max(0, 1 - inside / (4 * half * half));
}

/** A move as a vector: the zoom's logarithm and the shift. */
const moveVector = (view: View) => [Math.log(view.zoom), view.dx, view.dy];

/** Whether `next` goes on the way `last` was moving (same direction, a like size). */
export function continues(
  last: View | undefined,
  next: View,
  rules: Pick<SelectionRules, "continuedCosine" | "continuedRatio">,
): boolean {
  if (!last) return false;
  const a = moveVector(last), b = moveVector(next);
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const la = Math.hypot(...a), lb = Math.hypot(...b);
  if (la === 0 || lb === 0) return false;
  return dot / (la * lb) >= rules.continuedCosine &&
    Math.max(la / lb, lb / la) <= rules.continuedRatio;
}

/** How a frame relates to the one sampled before it. */
type Relation =
  | { kind: "moved"; motion: Motion; still: boolean }
  | { kind: "fade"; gain: number }
  | { kind: "unrelated" };

/** A frame that survived selection: when it is, and how much it is worth keeping. */
export interface Candidate {
  t: number;
  /** Higher is better: novelty by default, or a relevance score against the question. */
  score: number;
}

/**
 * The positions (ascending) of at most `budget` candidates covering `[0, durationS)` evenly:
 * the timeline is cut into `budget` equal stretches and each stretch gives its best candidate;
 * stretches without one leave their place to the best of the rest. The first candidate (the
 * opening frame) is always among them.
 */
export function coverTimeline(
  candidates: readonly Candidate[],
  budget: number,
  durationS: number,
): number[] {
  if (candidates.length <= budget) return candidates.map((_, i) => i);
  if (budget <= 0) return [];
  const span = Math.max(durationS, candidates[candidates.length - 1].t + 1e-6) / budget;
  const chosen = new Set<number>([0]);
  const best = new Map<number, number>();
  candidates.forEach((c, i) => {
    const stretch = Math.min(budget - 1, Math.floor(c.t / span));
    const held = best.get(stretch);
    if (held === undefined || c.score > candidates[held].score) best.set(stretch, i);
  });
  // The opening frame holds its stretch.
  best.delete(Math.min(budget - 1, Math.floor(candidates[0].t / span)));
  for (const i of best.values()) chosen.add(i);
  const rest = candidates.map((c, i) => ({ c, i })).filter(({ i }) => !chosen.has(i))
    .sort((a, b) => b.c.score - a.c.score || a.i - b.i);
  for (const { i } of rest) {
    if (chosen.size >= budget) break;
    chosen.add(i);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** A verdict reached later on a frame held back (its time). */
export interface Settled {
  t: number;
  verdict: FrameVerdict;
}

/** Verdicts of an offer: on the offered frame (final unless it is held), and on a held frame it settled. */
export interface Offered {
  current: FrameVerdict;
  settled?: Settled;
}

/** A sampled frame with its place. */
interface Sampled {
  t: number;
  fingerprint: FrameFingerprint;
  place: Place;
}

/** A frame held back until the next one shows what it was. */
interface Held {
  frame: Sampled;
  verdict: FrameVerdict;
  /** `motion`: a moving frame; `scene`: the start of a shot; `blank`: the video opened blank. */
  kind: "motion" | "scene" | "blank";
  /** The frame sampled before it, and that frame moved on by the camera's last move (for the cross-fade test). */
  before?: Uint8Array[];
}

/** A kept frame. */
export interface KeptFrame {
  t: number;
  fingerprint: FrameFingerprint;
  verdict: FrameVerdict;
  place: Place;
}

/**
 * Selection over a stream of sampled frames, in time order. At most one frame is held back at a
 * time (the one sampled last); `offer` returns the verdict on the new frame and, when the new
 * frame settles it, the final verdict on the held one.
 */
export class FrameSelector {
  readonly kept: KeptFrame[] = [];
  #held?: Held;
  #prev?: Sampled;
  /** Per shot, the part of the frame seen moving so far (a fixed bar or sidebar left out). */
  #regions: (Box | undefined)[] = [];
  /** The camera's move onto the frame sampled last, when it moved. */
  #lastMove?: View;

  constructor(readonly rules: SelectionRules = SELECTION_RULES) {}

  /** The frame held back, if any (its pixels are worth keeping until the next offer). */
  get held(): number | undefined {
    return this.#held?.frame.t;
  }

  offer(t: number, fingerprint: FrameFingerprint): Offered {
    const held = this.#held;
    this.#held = undefined;
    if (contrast(fingerprint.grid) < this.rules.blankContrast) {
      return this.#blank(t, fingerprint, held);
    }
    const prev = this.#prev;
    const relation: Relation = prev
      ? this.#relate(prev.fingerprint, fingerprint, this.#lastMove)
      : { kind: "unrelated" };
    let settled: Settled | undefined;
    let current: FrameVerdict;
    const lastMove = this.#lastMove;
    this.#lastMove = relation.kind === "moved" && !relation.still ? relation.motion : undefined;
    const before = this.#before(prev, lastMove);
    if (relation.kind === "moved") {
      const place = follow(prev!.place, relation.motion);
      const frame = { t, fingerprint, place };
      if (!relation.still) {
        const seen = this.#regions[place.shot];
        this.#regions[place.shot] = seen
          ? union(seen, relation.motion.region)
          : relation.motion.region;
      }
      if (held?.kind === "scene") {
        settled = this.#settleScene(held, fingerprint);
        if (!settled.verdict.keep) {
          return this.#newScene(frame, settled, this.#before(prev, relation.motion));
        }
      } else if (held?.kind === "motion") {
        settled = relation.still ? this.#rest(held) : this.#bridge(held, this.#rect(place));
      } else if (held?.kind === "blank") settled = this.#dropBlank(held);
      current = this.#moving(frame, relation);
      this.#prev = frame;
    } else if (relation.kind === "fade") {
      const frame = { t, fingerprint, place: prev!.place };
      if (relation.gain > 1 && held?.kind === "scene") {
        // The held frame was the picture fading in: this brighter one stands for it.
        settled = {
          t: held.frame.t,
          verdict: { ...held.verdict, keep: false, reason: "fading in" },
        };
        current = { keep: false, reason: held.verdict.reason, novelty: 1 };
        this.#held = { frame, verdict: current, kind: "scene", before: held.before };
      } else {
        if (held?.kind === "scene") settled = this.#keep(held, held.verdict.reason);
        else if (held?.kind === "motion") settled = this.#rest(held);
        current = {
          keep: false,
          reason: relation.gain > 1 ? "fading in" : "fading out",
          novelty: 0,
        };
      }
      this.#prev = frame;
    } else {
      if (held?.kind === "motion") settled = this.#rest(held);
      else if (held?.kind === "scene") settled = this.#settleScene(held, fingerprint);
      else if (held?.kind === "blank") settled = this.#dropBlank(held);
      current = this.#cut(t, fingerprint, before);
    }
    return { current: current!, settled };
  }

  /** The end of the video: a frame still held is where the motion stopped, or a shot that stood. */
  finish(): Settled | undefined {
    const held = this.#held;
    this.#held = undefined;
    if (!held) return undefined;
    if (held.kind === "motion") return this.#rest(held);
    if (held.kind === "blank" && this.kept.length > 0) return undefined;
    return this.#keep(held, held.verdict.reason);
  }

  /** How `next` relates to `prev`. */
  #relate(prev: FrameFingerprint, next: FrameFingerprint, lastMove?: View): Relation {
    const r = this.rules;
    const motion = estimateMotion(prev.grid, next.grid);
    const explains = motion.mad <= r.alignedShare * motion.unaligned;
    // A picture that goes on moving the camera's way may line up less well and change its
    // contrast (a cross-fade begun mid-pan): it still shows where the camera went.
    const continued = motion.gain > 0.1 && continues(lastMove, motion, r);
    const lined = motion.mad <= r.quietMad || (motion.mad <= r.alignedMad && explains) ||
      (motion.mad <= r.continuedMad && explains && continued);
    const sameContrast = motion.gain <= r.moveGain && motion.gain >= 1 / r.moveGain;
    if (lined && (sameContrast || continued)) {
      const still = Math.abs(motion.dx) < r.stillShare && Math.abs(motion.dy) < r.stillShare &&
        Math.abs(motion.zoom - 1) < r.stillShare;
      return { kind: "moved", motion, still };
    }
    const fade = brightnessChange(prev.grid, next.grid);
    if (
      fade.mad <= r.fadeMad && (fade.gain > r.fadeGain || fade.gain < 1 / r.fadeGain) &&
      fade.gain > 0.1
    ) {
      return { kind: "fade", gain: fade.gain };
    }
    return { kind: "unrelated" };
  }

  /** A frame the camera moved to: held while it shows something no kept frame showed. */
  #moving(frame: Sampled, relation: Extract<Relation, { kind: "moved" }>): FrameVerdict {
    const rect = this.#rect(frame.place);
    const shotRects = this.#rects(frame.place.shot);
    const novelty = uncovered(rect, shotRects);
    const sharp = uncovered(rect, shotRects, this.rules.sharpness);
    const { zoom, dx, dy } = relation.motion;
    const still = this.rules.stillShare;
    const scrolled = Math.abs(zoom - 1) < still && (Math.abs(dx) < still || Math.abs(dy) < still);
    const verdict: FrameVerdict = {
      keep: false,
      reason: scrolled
        ? "scrolled without a screenful of new content"
        : "panned or zoomed without a screenful of new content",
      novelty,
      view: { zoom, dx, dy },
    };
    if (relation.still && sharp < this.rules.restShare) {
      const twin = this.#coveringKept(rect, frame.place.shot);
      return { ...verdict, reason: "near-identical to a kept frame", duplicateOf: twin };
    }
    if (novelty > 0 || sharp >= this.rules.restShare) {
      this.#held = { frame, verdict, kind: "motion" };
    }
    return verdict;
  }

  /** Keeps the held moving frame when the next would leave part of it unseen. */
  #bridge(held: Held, next: Rect): Settled | undefined {
    const others = [...this.#rects(held.frame.place.shot), next];
    const scrolled = held.verdict.reason === "scrolled without a screenful of new content";
    const gap = scrolled ? this.rules.gapShare : this.rules.panGapShare;
    if (uncovered(this.#rect(held.frame.place), others) <= gap) return undefined;
    return this.#keep(
      held,
      scrolled ? "new content after scrolling" : "new content after panning or zooming",
    );
  }

  /** The camera rested (or the shot ended) on the held frame: kept when enough of it is new. */
  #rest(held: Held): Settled | undefined {
    const rect = this.#rect(held.frame.place);
    const sharp = uncovered(rect, this.#rects(held.frame.place.shot), this.rules.sharpness);
    if (sharp < this.rules.restShare) return undefined;
    return this.#keep(held, "where the motion came to rest");
  }

  /** A held shot start: dropped when it is a mix of the frames around it, else kept. */
  #settleScene(held: Held, after: FrameFingerprint): Settled {
    if (held.before) {
      // Tried at full resolution and box-filtered: a textured picture moved on by the camera is
      // predicted only to within a cell, which the coarse grid forgives.
      const middle = held.frame.fingerprint.grid;
      const mixed = held.before.some((before) =>
        [[before, middle, after.grid], [coarse(before), coarse(middle), coarse(after.grid)]].some(
          ([a, m, b]) => {
            const mix = mixOf(a, m, b);
            return mix.alpha > 0.1 && mix.beta > 0.1 && mix.mad <= this.rules.mixMad &&
              mix.mad <= this.rules.mixShare * mix.alone;
          },
        )
      );
      if (mixed) {
        return {
          t: held.frame.t,
          verdict: { ...held.verdict, keep: false, reason: "caught mid cross-fade" },
        };
      }
    }
    return this.#keep(held, held.verdict.reason);
  }

  /** After a held start turned out to be mid cross-fade, the frame that follows starts the shot. */
  #newScene(frame: Sampled, settled: Settled, before: Uint8Array[] | undefined): Offered {
    const place = this.#startShot();
    const verdict: FrameVerdict = {
      keep: false,
      reason: this.kept.length === 0 ? "first frame" : "scene change",
      novelty: 1,
    };
    this.#held = { frame: { ...frame, place }, verdict, kind: "scene", before };
    this.#prev = { ...frame, place };
    return { current: verdict, settled };
  }

  /** A frame unrelated to the one before: a repeat of a kept picture, or a new shot held back. */
  #cut(t: number, fingerprint: FrameFingerprint, before: Uint8Array[] | undefined): FrameVerdict {
    const twin = this.#repeatOf(fingerprint);
    if (twin !== undefined) {
      const k = this.kept[twin];
      this.#prev = { t, fingerprint, place: k.place };
      return {
        keep: false,
        reason: "near-identical to a kept frame",
        novelty: 0,
        duplicateOf: twin,
      };
    }
    const frame = { t, fingerprint, place: this.#startShot() };
    const verdict: FrameVerdict = {
      keep: false,
      reason: this.kept.length === 0 ? "first frame" : "scene change",
      novelty: 1,
    };
    this.#held = { frame, verdict, kind: "scene", before };
    this.#prev = frame;
    return verdict;
  }

  /** A blank frame: dropped, or held when the video has shown nothing yet. */
  #blank(t: number, fingerprint: FrameFingerprint, held: Held | undefined): Offered {
    let settled: Settled | undefined;
    if (held?.kind === "motion") settled = this.#rest(held);
    else if (held?.kind === "scene") settled = this.#keep(held, held.verdict.reason);
    const verdict: FrameVerdict = { keep: false, reason: "blank frame", novelty: 0 };
    if (this.kept.length === 0 && !settled?.verdict.keep && held?.kind !== "blank") {
      const frame = { t, fingerprint, place: this.#startShot() };
      this.#held = {
        frame,
        verdict: { ...verdict, reason: "first frame", novelty: 1 },
        kind: "blank",
      };
    } else if (held?.kind === "blank") this.#held = held;
    return { current: verdict, settled };
  }

  /** What a frame cutting in after `prev` may be mixed with: `prev`, and `prev` moved on by the camera. */
  #before(prev: Sampled | undefined, move: View | undefined): Uint8Array[] | undefined {
    if (!prev) return undefined;
    const grid = prev.fingerprint.grid;
    return move ? [grid, moveGrid(grid, move)] : [grid];
  }

  #dropBlank(held: Held): Settled {
    return { t: held.frame.t, verdict: { ...held.verdict, keep: false, reason: "blank frame" } };
  }

  #keep(held: Held, reason: FrameReason): Settled {
    const verdict: FrameVerdict = { ...held.verdict, keep: true, reason };
    this.kept.push({
      t: held.frame.t,
      fingerprint: held.frame.fingerprint,
      verdict,
      place: held.frame.place,
    });
    return { t: held.frame.t, verdict };
  }

  #startShot(): Place {
    this.#regions.push(undefined);
    return { shot: this.#regions.length - 1, scale: 1, ox: 0, oy: 0 };
  }

  /** The canvas rectangle of a frame at `place`. */
  #rect(place: Place): Rect {
    return rectOf(place, this.#regions[place.shot] ?? WHOLE);
  }

  #rects(shot: number): Rect[] {
    return this.kept.filter((k) => k.place.shot === shot).map((k) => this.#rect(k.place));
  }

  /** The kept frame of the shot that covers most of `rect`. */
  #coveringKept(rect: Rect, shot: number): number | undefined {
    let best: number | undefined, most = -1;
    this.kept.forEach((k, i) => {
      if (k.place.shot !== shot) return;
      const r = this.#rect(k.place);
      const w = Math.max(0, Math.min(r.x1, rect.x1) - Math.max(r.x0, rect.x0));
      const h = Math.max(0, Math.min(r.y1, rect.y1) - Math.max(r.y0, rect.y0));
      if (w * h > most) [best, most] = [i, w * h];
    });
    return best;
  }

  /**
   * The kept frame a cut lands back on, if any: the same picture, at most shaken (lined up within
   * `alignedMad` by a move under `repeatMove`, contrast kept); near-still, so no chance match of
   * a long move needs ruling out.
   */
  #repeatOf(fingerprint: FrameFingerprint): number | undefined {
    const r = this.rules;
    const near = this.kept
      .map((k, i) => ({ i, mad: meanDifference(k.fingerprint.grid, fingerprint.grid) }))
      .filter((c) => c.mad <= 2 * r.alignedMad)
      .sort((a, b) => a.mad - b.mad)
      .slice(0, 3);
    for (const { i } of near) {
      const motion = estimateMotion(this.kept[i].fingerprint.grid, fingerprint.grid, {
        reach: r.repeatMove,
        zoom: false,
      });
      const small = Math.abs(motion.dx) <= r.repeatMove && Math.abs(motion.dy) <= r.repeatMove &&
        Math.abs(motion.zoom - 1) <= r.repeatMove;
      const sameContrast = motion.gain <= r.moveGain && motion.gain >= 1 / r.moveGain;
      if (small && motion.mad <= r.alignedMad && sameContrast) return i;
    }
    return undefined;
  }
}
