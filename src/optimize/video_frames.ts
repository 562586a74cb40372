/**
 * Which sampled video frames are worth sending. Pure: it compares frame fingerprints (a luma
 * grid and two perceptual hashes, made in the workers) and never sees pixels.
 *
 * A frame is dropped when it is near-identical to *any* frame already kept (a slideshow that
 * returns to a slide sends it once), or when it is the last kept frame scrolled or panned by
 * less than a screenful's worth of new content. Everything else is a scene change and kept; the
 * first frame is always kept. When more frames survive than the budget allows, the budget is
 * spread evenly over the timeline, the most novel (or most relevant) frame of each stretch
 * chosen.
 *
 * @module
 */

import { hammingHex } from "../../workers/image/perceptual.ts";

/** A frame's fingerprint: a square luma grid (row-major, 0-255) and its hashes. */
export interface FrameFingerprint {
  grid: Uint8Array;
  phash: string;
  dhash: string;
}

/** The thresholds of the selection; defaults measured on the corpus videos (see below). */
export interface SelectionRules {
  /** Mean absolute luma difference (0-255) under which two frames show the same picture. */
  sameMad: number;
  /**
   * A pan or zoom over one picture: hashes this close (pHash and dHash Hamming distances) and a
   * mean difference under `similarMad` still count as the same picture.
   */
  phashDistance: number;
  dhashDistance: number;
  similarMad: number;
  /** A shifted frame aligns with the last kept one when the overlap differs by at most this. */
  alignedMad: number;
  /** A panned or zoomed frame lines up (at full grid resolution) within this mean difference. */
  viewMad: number;
  /** A scrolled or panned frame is kept once at least this share of it is new. */
  newShare: number;
  /** Shifts are searched up to (1 − this) of the grid: the overlap must be at least this. */
  minOverlap: number;
}

/**
 * Defaults. Measured on the corpus videos (`tests/workers/video_test.ts` prints the figures):
 * re-encoded repeats of a slide differ by < 2 of 255 on average, a 720p frame and the same frame
 * one second later in a 1.35× Ken Burns zoom by < 12 with pHash ≤ 12, while two text screens
 * scrolled 780 px apart differ by > 20 and aligned at their true shift by < 4.
 */
export const SELECTION_RULES: SelectionRules = {
  sameMad: 3,
  phashDistance: 14,
  dhashDistance: 16,
  similarMad: 14,
  alignedMad: 6,
  viewMad: 8,
  newShare: 0.5,
  minOverlap: 0.2,
};

/** Why a frame is kept or dropped. */
export type FrameReason =
  | "first frame"
  | "scene change"
  | "new content after scrolling"
  | "near-identical to a kept frame"
  | "scrolled without a screenful of new content"
  | "panned or zoomed without a screenful of new content"
  | "new content after panning or zooming"
  | "where the motion came to rest";

/** The verdict on one sampled frame. */
export interface FrameVerdict {
  keep: boolean;
  reason: FrameReason;
  /** Share (0-1) of the frame that is new compared with the last kept frame. */
  novelty: number;
  /** The kept frame it repeats (its position in `kept`), when dropped as a duplicate. */
  duplicateOf?: number;
  /** Rows (vertical) or columns (horizontal) the content moved, in grid cells, when it did. */
  shift?: { axis: "vertical" | "horizontal"; cells: number };
  /** The zoom factor and shift (shares of the frame) that line it up with the last kept one. */
  view?: View;
}

/** Where a frame's picture sits in another's: zoom factor and centre offset (shares). */
export interface View {
  zoom: number;
  dx: number;
  dy: number;
}

/** Mean absolute difference of two grids. */
export function meanDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += Math.abs(a[k] - b[k]);
  return sum / a.length;
}

/**
 * The shift (in cells, along `axis`) that best lines `next` up with `prev`, and the mean
 * difference of the overlap at that shift; zero shift excluded.
 */
export function bestShift(
  prev: Uint8Array,
  next: Uint8Array,
  axis: "vertical" | "horizontal",
  minOverlap: number,
): { cells: number; mad: number } {
  const side = Math.round(Math.sqrt(prev.length));
  const limit = Math.floor(side * (1 - minOverlap));
  let best = { cells: 0, mad: Infinity };
  for (let s = -limit; s <= limit; s++) {
    if (s === 0) continue;
    let sum = 0, n = 0;
    // next at row r shows what prev showed at row r + s (content moved up by s when s > 0).
    for (let r = Math.max(0, -s); r < Math.min(side, side - s); r++) {
      for (let c = 0; c < side; c++) {
        const [i, j] = axis === "vertical"
          ? [(r + s) * side + c, r * side + c]
          : [c * side + r + s, c * side + r];
        sum += Math.abs(prev[i] - next[j]);
        n++;
      }
    }
    const mad = sum / n;
    if (mad < best.mad) best = { cells: s, mad };
  }
  return best;
}

/** Whether two fingerprints show the same picture (a repeat, or the same shot barely moved). */
export function samePicture(
  a: FrameFingerprint,
  b: FrameFingerprint,
  rules: SelectionRules = SELECTION_RULES,
): boolean {
  const mad = meanDifference(a.grid, b.grid);
  if (mad <= rules.sameMad) return true;
  return mad <= rules.similarMad &&
    hammingHex(a.phash, b.phash) <= rules.phashDistance &&
    hammingHex(a.dhash, b.dhash) <= rules.dhashDistance;
}

/** Judges one sampled frame against the frames kept so far (in time order; last = latest). */
export function judgeFrame(
  frame: FrameFingerprint,
  kept: readonly FrameFingerprint[],
  rules: SelectionRules = SELECTION_RULES,
): FrameVerdict {
  if (kept.length === 0) return { keep: true, reason: "first frame", novelty: 1 };
  const duplicateOf = kept.findIndex((k) => samePicture(frame, k, rules));
  if (duplicateOf !== -1) {
    return { keep: false, reason: "near-identical to a kept frame", novelty: 0, duplicateOf };
  }
  const last = kept[kept.length - 1].grid;
  const side = Math.round(Math.sqrt(last.length));
  for (const axis of ["vertical", "horizontal"] as const) {
    const shift = bestShift(last, frame.grid, axis, rules.minOverlap);
    if (shift.mad > rules.alignedMad) continue;
    const novelty = Math.abs(shift.cells) / side;
    const moved = { axis, cells: shift.cells };
    return novelty >= rules.newShare
      ? { keep: true, reason: "new content after scrolling", novelty, shift: moved }
      : {
        keep: false,
        reason: "scrolled without a screenful of new content",
        novelty,
        shift: moved,
      };
  }
  const view = lineUpView(last, frame.grid);
  if (view.mad <= rules.viewMad) {
    const novelty = newShareOf(view);
    const { zoom, dx, dy } = view;
    return novelty >= rules.newShare
      ? {
        keep: true,
        reason: "new content after panning or zooming",
        novelty,
        view: { zoom, dx, dy },
      }
      : {
        keep: false,
        reason: "panned or zoomed without a screenful of new content",
        novelty,
        view: { zoom, dx, dy },
      };
  }
  return { keep: true, reason: "scene change", novelty: 1 };
}

/** Bilinear sample of a square grid at (x, y) in cell units; undefined outside it. */
function sample(grid: Uint8Array, side: number, x: number, y: number): number | undefined {
  if (x < 0 || y < 0 || x > side - 1 || y > side - 1) return undefined;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const x1 = Math.min(side - 1, x0 + 1), y1 = Math.min(side - 1, y0 + 1);
  const fx = x - x0, fy = y - y0;
  const top = grid[y0 * side + x0] * (1 - fx) + grid[y0 * side + x1] * fx;
  const bottom = grid[y1 * side + x0] * (1 - fx) + grid[y1 * side + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Mean difference between `next` and `prev` seen through `view`: the point (u, v) of `next`
 * (shares, 0-1) shows what `prev` shows at ((u − ½)/zoom + ½ + dx, (v − ½)/zoom + ½ + dy).
 * Measured on `points`² evenly spread points; points that fall outside `prev` are left out, and
 * a view keeping under a fifth of its points is no match.
 */
function viewDifference(prev: Uint8Array, next: Uint8Array, view: View, points: number): number {
  const side = Math.round(Math.sqrt(prev.length));
  let sum = 0, n = 0;
  for (let j = 0; j < points; j++) {
    const v = (j + 0.5) / points;
    for (let i = 0; i < points; i++) {
      const u = (i + 0.5) / points;
      const x = ((u - 0.5) / view.zoom + 0.5 + view.dx) * side - 0.5;
      const y = ((v - 0.5) / view.zoom + 0.5 + view.dy) * side - 0.5;
      const seen = sample(prev, side, x, y);
      if (seen === undefined) continue;
      const here = sample(next, side, u * side - 0.5, v * side - 0.5)!;
      sum += Math.abs(seen - here);
      n++;
    }
  }
  return n >= (points * points) / 5 ? sum / n : Infinity;
}

/** Zoom factors tried: 0.7× to 1.43×, 4% apart. */
const ZOOMS = Array.from({ length: 19 }, (_, k) => Math.pow(1.04, k - 9));
/** Centre offsets tried on the coarse pass, in shares of the frame. */
const OFFSETS = Array.from({ length: 13 }, (_, k) => (k - 6) * 0.04);

/**
 * The zoom and offset that best line `next` up with `prev` (a pan or a zoom over one picture):
 * a coarse search on 16×16 points, refined around the best on 32×32, then measured on every
 * cell. Returns the view and its full-resolution mean difference.
 */
export function lineUpView(prev: Uint8Array, next: Uint8Array): View & { mad: number } {
  let best = { zoom: 1, dx: 0, dy: 0 }, bestMad = Infinity;
  for (const zoom of ZOOMS) {
    for (const dx of OFFSETS) {
      for (const dy of OFFSETS) {
        const mad = viewDifference(prev, next, { zoom, dx, dy }, 16);
        if (mad < bestMad) [best, bestMad] = [{ zoom, dx, dy }, mad];
      }
    }
  }
  const coarse = best;
  for (const dz of [-0.02, -0.01, 0, 0.01, 0.02]) {
    for (const ox of [-0.02, -0.01, 0, 0.01, 0.02]) {
      for (const oy of [-0.02, -0.01, 0, 0.01, 0.02]) {
        const view = { zoom: coarse.zoom * (1 + dz), dx: coarse.dx + ox, dy: coarse.dy + oy };
        const mad = viewDifference(prev, next, view, 32);
        if (mad < bestMad) [best, bestMad] = [view, mad];
      }
    }
  }
  const side = Math.round(Math.sqrt(prev.length));
  return { ...best, mad: viewDifference(prev, next, best, side) };
}

/** The share of a frame seen through `view` that lies outside the frame it is compared with. */
export function newShareOf(view: View): number {
  const half = 0.5 / view.zoom;
  const overlap = (centre: number) =>
    Math.max(0, Math.min(1, centre + half) - Math.max(0, centre - half));
  const inside = overlap(0.5 + view.dx) * overlap(0.5 + view.dy);
  return Math.max(0, 1 - inside / (4 * half * half));
}

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

/** The least new share for which the place a scroll or pan came to rest is kept. */
export const REST_SHARE = 0.1;

/** Settled verdicts of an offer: on the offered frame, and on a held frame it settled. */
export interface Offered {
  current: FrameVerdict;
  /** The frame held back (its time): kept now that the scroll or pan came to rest on it. */
  rested?: { t: number; verdict: FrameVerdict };
}

/**
 * Selection over a stream of sampled frames, in time order. A frame dropped because it only
 * moved is held: if the next frame shows the same picture, the motion came to rest there and the
 * held frame is kept when it shows enough new content (as is the last held frame at the end),
 * so the end of a scroll is never lost between two screenfuls.
 */
export class FrameSelector {
  readonly kept: { t: number; fingerprint: FrameFingerprint; verdict: FrameVerdict }[] = [];
  #held?: { t: number; fingerprint: FrameFingerprint; verdict: FrameVerdict };

  constructor(readonly rules: SelectionRules = SELECTION_RULES) {}

  /** The frame held back, if any (its pixels are worth keeping until the next offer). */
  get held(): number | undefined {
    return this.#held?.t;
  }

  offer(t: number, fingerprint: FrameFingerprint): Offered {
    const held = this.#held;
    this.#held = undefined;
    let rested: Offered["rested"];
    if (held && samePicture(fingerprint, held.fingerprint, this.rules)) {
      rested = this.#rest(held);
    }
    const current = judgeFrame(fingerprint, this.kept.map((k) => k.fingerprint), this.rules);
    if (current.keep) this.kept.push({ t, fingerprint, verdict: current });
    else if (current.shift || current.view) this.#held = { t, fingerprint, verdict: current };
    return { current, rested };
  }

  /** The end of the video: a frame still held is where the motion stopped. */
  finish(): Offered["rested"] {
    const held = this.#held;
    this.#held = undefined;
    return held ? this.#rest(held) : undefined;
  }

  #rest(held: { t: number; fingerprint: FrameFingerprint; verdict: FrameVerdict }) {
    if (held.verdict.novelty < REST_SHARE) return undefined;
    const verdict: FrameVerdict = {
      ...held.verdict,
      keep: true,
      reason: "where the motion came to rest",
    };
    this.kept.push({ ...held, verdict });
    return { t: held.t, verdict };
  }
}
