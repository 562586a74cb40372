/**
 * How one sampled frame relates to the one before it, from their luma grids alone: the camera
 * move (a shift, or a zoom with a shift) that lines the changing part of the frame up with the
 * earlier frame, the part of the frame that moved (a fixed toolbar or sidebar left out), and the
 * brightness change (a fade or flicker). Pure arithmetic on square grids; the frame selection
 * (`src/optimize/video_frames.ts`) builds on it.
 *
 * A view maps a point (u, v) of the later frame (shares of the frame, 0-1) to the point of the
 * earlier frame it shows: ((u − ½)/zoom + ½ + dx, (v − ½)/zoom + ½ + dy).
 *
 * @module
 */

import { clamp, halve, meanDifference, sample, sideOf } from "./_grid.ts";

export { contrast, meanDifference } from "./_grid.ts";

/** A camera move between two frames. */
export interface View {
  zoom: number;
  dx: number;
  dy: number;
}

/** A box in shares of the frame. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** How a later frame relates to an earlier one. */
export interface Motion extends View {
  /** Mean difference (0-255) over the changing part once lined up, mean brightness matched. */
  mad: number;
  /** Contrast gain of the later frame against the earlier (1: unchanged; < 1: fading out). */
  gain: number;
  /** Mean difference once lined up with that gain fitted too. */
  faded: number;
  /** The part of the frame that changed (a fixed bar or sidebar left out); the whole when still. */
  region: Box;
  /** Share of the changing part that lies inside the earlier frame once lined up. */
  overlap: number;
  /** Mean difference over the same part without moving it: what lining up gained. */
  unaligned: number;
}

/** A cell counts as changed between two frames when its luma moved by more than this. */
const CHANGED = 6;
/** A row or column belongs to the moving part when at least this share of its cells changed. */
const MOVING_LINE = 0.08;
/** The move must keep at least this share of the changing part inside the earlier frame. */
const MIN_OVERLAP = 0.5;
/** A shift's difference is raised by this share of the changing part left without overlap. */
const OVERLAP_PENALTY = 0.6;
/** Coarse local minima followed to full resolution. */
const CANDIDATES = 6;

const WHOLE: Box = { x0: 0, y0: 0, x1: 1, y1: 1 };

/** Cells that changed between two frames (1) or not (0), and the box of rows/columns moving. */
function changes(prev: ArrayLike<number>, next: ArrayLike<number>) {
  const side = sideOf(prev);
  const mask = new Float32Array(prev.length);
  const rows = new Int32Array(side), cols = new Int32Array(side);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const k = r * side + c;
      if (Math.abs(prev[k] - next[k]) > CHANGED) {
        mask[k] = 1;
        rows[r]++;
        cols[c]++;
      }
    }
  }
  const moving = (counts: Int32Array) => {
    let lo = 0, hi = side - 1;
    while (lo < side && counts[lo] < MOVING_LINE * side) lo++;
    while (hi >= 0 && counts[hi] < MOVING_LINE * side) hi--;
    return lo > hi ? [0, 1] : [lo / side, (hi + 1) / side];
  };
  const [y0, y1] = moving(rows), [x0, x1] = moving(cols);
  // Cells outside the moving box are left out of the fit (a fixed bar or sidebar).
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const inside = r >= y0 * side && r < y1 * side && c >= x0 * side && c < x1 * side;
      mask[r * side + c] = inside ? 1 : 0;
    }
  }
  return { mask, region: { x0, y0, x1, y1 } };
}

/**
 * Weighted mean difference of `next` against `prev` shifted by (sx, sy) cells, raised for a
 * small overlap (a chance match of a sliver should not beat the true move); Infinity when the
 * overlap is too small.
 */
function shiftScore(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  weights: ArrayLike<number>,
  total: number,
  sx: number,
  sy: number,
): number {
  const side = sideOf(prev);
  let sum = 0, weight = 0;
  const r0 = Math.max(0, -sy), r1 = Math.min(side, side - sy);
  const c0 = Math.max(0, -sx), c1 = Math.min(side, side - sx);
  for (let r = r0; r < r1; r++) {
    const n = r * side, p = (r + sy) * side + sx;
    for (let c = c0; c < c1; c++) {
      const w = weights[n + c];
      if (w === 0) continue;
      sum += w * Math.abs(next[n + c] - prev[p + c]);
      weight += w;
    }
  }
  if (weight < MIN_OVERLAP * total) return Infinity;
  return (sum / weight) * (1 + OVERLAP_PENALTY * (1 - weight / total));
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k];
  return s;
}

/** The best whole-cell shift near (cx, cy), within `radius`, and its error. */
function refineShift(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  weights: ArrayLike<number>,
  cx: number,
  cy: number,
  radius: number,
) {
  const total = sum(weights);
  let best = { sx: cx, sy: cy, score: Infinity };
  for (let sy = cy - radius; sy <= cy + radius; sy++) {
    for (let sx = cx - radius; sx <= cx + radius; sx++) {
      const score = shiftScore(prev, next, weights, total, sx, sy);
      if (score < best.score) best = { sx, sy, score };
    }
  }
  return best;
}

/** Where the minimum of a parabola through three errors sits, from −½ to ½ around the middle. */
function vertex(before: number, at: number, after: number): number {
  const bend = before - 2 * at + after;
  if (!Number.isFinite(bend) || bend <= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (before - after) / (2 * bend)));
}

/**
 * The shift that best lines the changing part of `next` up with `prev`: an exhaustive search on
 * a 32² pyramid level, refined at 64² and 128², then to a fraction of a cell. In shares.
 */
function searchShift(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  mask: Float32Array,
  furthest: number,
) {
  const levels = pyramid(prev, next, mask);
  const coarse = levels[0];
  const side = sideOf(coarse.prev);
  const reach = Math.max(1, Math.floor(side * Math.min(furthest, 1 - MIN_OVERLAP)));
  const total = sum(coarse.weights);
  const scores = new Float64Array((2 * reach + 1) ** 2).fill(Infinity);
  const at = (sx: number, sy: number) => (sy + reach) * (2 * reach + 1) + sx + reach;
  for (let sy = -reach; sy <= reach; sy++) {
    for (let sx = -reach; sx <= reach; sx++) {
      scores[at(sx, sy)] = shiftScore(coarse.prev, coarse.next, coarse.weights, total, sx, sy);
    }
  }
  // The few best local minima of the coarse level are each followed down to full resolution:
  // on text, a coarse level may rank a chance match of a small overlap first.
  const minima: { sx: number; sy: number; score: number }[] = [];
  for (let sy = -reach; sy <= reach; sy++) {
    for (let sx = -reach; sx <= reach; sx++) {
      const score = scores[at(sx, sy)];
      if (!Number.isFinite(score)) continue;
      let lowest = true;
      for (let j = -1; j <= 1 && lowest; j++) {
        for (let i = -1; i <= 1; i++) {
          const x = sx + i, y = sy + j;
          if (
            (i || j) && Math.abs(x) <= reach && Math.abs(y) <= reach && scores[at(x, y)] < score
          ) {
            lowest = false;
            break;
          }
        }
      }
      if (lowest) minima.push({ sx, sy, score });
    }
  }
  minima.sort((a, b) => a.score - b.score);
  let best = { sx: 0, sy: 0, score: Infinity };
  for (const start of minima.slice(0, CANDIDATES)) {
    let found = { sx: start.sx, sy: start.sy, score: start.score };
    for (const level of levels.slice(1)) {
      found = refineShift(level.prev, level.next, level.weights, 2 * found.sx, 2 * found.sy, 2);
    }
    if (found.score < best.score) best = found;
  }
  // Lines of text alias on the coarse levels: straight scrolls are also searched at full
  // resolution, every row (or column) in reach.
  const full = levels[levels.length - 1];
  const fullTotal = sum(full.weights);
  const fullReach = reach * (sideOf(full.prev) / side);
  for (let k = -fullReach; k <= fullReach; k++) {
    for (const [sx, sy] of [[0, k], [k, 0]]) {
      const score = shiftScore(full.prev, full.next, full.weights, fullTotal, sx, sy);
      if (score < best.score) best = { sx, sy, score };
    }
  }
  const fine = levels[levels.length - 1];
  const fullSide = sideOf(prev);
  const fineTotal = sum(fine.weights);
  const error = (sx: number, sy: number) =>
    shiftScore(fine.prev, fine.next, fine.weights, fineTotal, sx, sy);
  const fx = vertex(error(best.sx - 1, best.sy), best.score, error(best.sx + 1, best.sy));
  const fy = vertex(error(best.sx, best.sy - 1), best.score, error(best.sx, best.sy + 1));
  return {
    view: { zoom: 1, dx: (best.sx + fx) / fullSide, dy: (best.sy + fy) / fullSide },
    error: best.score,
  };
}

/** Pairs (earlier, later) of values at `points`² points of `region` seen through `view`, with weights. */
function pairs(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  weights: ArrayLike<number>,
  view: View,
  region: Box,
  points: number,
) {
  const side = sideOf(prev);
  const a: number[] = [], b: number[] = [], w: number[] = [];
  let total = 0;
  for (let j = 0; j < points; j++) {
    const v = region.y0 + ((j + 0.5) / points) * (region.y1 - region.y0);
    for (let i = 0; i < points; i++) {
      const u = region.x0 + ((i + 0.5) / points) * (region.x1 - region.x0);
      const weight = weights[Math.floor(v * side) * side + Math.floor(u * side)];
      if (weight === 0) continue;
      total += weight;
      const x = ((u - 0.5) / view.zoom + 0.5 + view.dx) * side - 0.5;
      const y = ((v - 0.5) / view.zoom + 0.5 + view.dy) * side - 0.5;
      const seen = sample(prev, side, x, y);
      if (seen === undefined) continue;
      a.push(seen);
      b.push(sample(next, side, clamp(u * side - 0.5, side), clamp(v * side - 0.5, side))!);
      w.push(weight);
    }
  }
  return { a, b, w, total };
}

/** Weighted mean difference through `view`; Infinity when too little of it overlaps. */
function viewError(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  weights: ArrayLike<number>,
  view: View,
  region: Box,
  points: number,
): number {
  const side = sideOf(prev);
  let s = 0, n = 0, total = 0;
  for (let j = 0; j < points; j++) {
    const v = region.y0 + ((j + 0.5) / points) * (region.y1 - region.y0);
    const y = ((v - 0.5) / view.zoom + 0.5 + view.dy) * side - 0.5;
    const row = Math.floor(v * side) * side;
    for (let i = 0; i < points; i++) {
      const u = region.x0 + ((i + 0.5) / points) * (region.x1 - region.x0);
      const weight = weights[row + Math.floor(u * side)];
      if (weight === 0) continue;
      total += weight;
      const x = ((u - 0.5) / view.zoom + 0.5 + view.dx) * side - 0.5;
      if (x < 0 || y < 0 || x > side - 1 || y > side - 1) continue;
      const seen = sample(prev, side, x, y)!;
      const here = sample(next, side, clamp(u * side - 0.5, side), clamp(v * side - 0.5, side))!;
      s += weight * Math.abs(seen - here);
      n += weight;
    }
  }
  return n >= MIN_OVERLAP * total && n > 0 ? s / n : Infinity;
}

/** Coarse zoom views refined. */
const ZOOM_CANDIDATES = 5;
/** Zoom factors of the coarse zoom search: 0.68× to 1.48×, 4% apart. */
const ZOOMS = Array.from({ length: 21 }, (_, k) => Math.pow(1.04, k - 10)).filter((z) => z !== 1);

/** Grids at 32², 64² and 128² (box-filtered), coarsest first, with their weights. */
function pyramid(prev: ArrayLike<number>, next: ArrayLike<number>, weights: ArrayLike<number>) {
  const levels = [{ prev, next, weights }];
  while (sideOf(levels[0].prev) > 32) {
    const l = levels[0];
    levels.unshift({ prev: halve(l.prev), next: halve(l.next), weights: halve(l.weights) });
  }
  return levels;
}

/**
 * The best zoom (and shift) near `start`: a coarse search on the 32² level (finer grids alias
 * when sampled this sparsely), refined on the 64² and 128² levels.
 */
function searchZoom(
  levels: ReturnType<typeof pyramid>,
  region: Box,
  start: View,
) {
  const coarse = levels[0];
  const at = (level: (typeof levels)[number], view: View, points: number) =>
    viewError(level.prev, level.next, level.weights, view, region, points);
  const tried: { view: View; error: number }[] = [{ view: start, error: at(coarse, start, 24) }];
  for (const zoom of ZOOMS) {
    for (let i = -4; i <= 4; i++) {
      for (let j = -4; j <= 4; j++) {
        const view = { zoom, dx: start.dx + 0.04 * i, dy: start.dy + 0.04 * j };
        tried.push({ view, error: at(coarse, view, 24) });
      }
    }
  }
  // The few best coarse views, apart from each other, are each refined (photos have more than one basin).
  tried.sort((a, b) => a.error - b.error);
  const starts: View[] = [];
  for (const { view } of tried) {
    if (starts.length >= ZOOM_CANDIDATES) break;
    const apart = starts.every((s) =>
      Math.abs(Math.log(s.zoom / view.zoom)) > 0.05 || Math.abs(s.dx - view.dx) > 0.05 ||
      Math.abs(s.dy - view.dy) > 0.05
    );
    if (apart) starts.push(view);
  }
  const refine = (level: (typeof levels)[number], from: View, step: number, points: number) => {
    let found = from, least = at(level, from, points);
    for (const dz of [-2, -1, 0, 1, 2]) {
      for (const ox of [-2, -1, 0, 1, 2]) {
        for (const oy of [-2, -1, 0, 1, 2]) {
          const view = {
            zoom: from.zoom * (1 + dz * step),
            dx: from.dx + ox * step,
            dy: from.dy + oy * step,
          };
          const e = at(level, view, points);
          if (e < least) [found, least] = [view, e];
        }
      }
    }
    return { view: found, error: least };
  };
  // Every candidate is refined on the 64² level; only the best goes on to full resolution.
  const middle = starts.map((s) => refine(levels[1], s, 0.01, 48))
    .reduce((a, b) => (b.error < a.error ? b : a), { view: start, error: Infinity });
  const { view: best, error } = refine(levels[2], middle.view, 0.0025, 64);
  return { view: best, error };
}

/**
 * Differences through `view`: once the mean brightness is matched (`mad`), and once a contrast
 * gain is fitted as well, `next ≈ gain · prev + offset` by least squares (`faded`); with the
 * share of the changing part covered.
 */
function matched(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  weights: ArrayLike<number>,
  view: View,
  region: Box,
) {
  const side = sideOf(prev);
  const { a, b, w, total } = pairs(prev, next, weights, view, region, side);
  let sw = 0, sa = 0, sb = 0, saa = 0, sab = 0;
  for (let k = 0; k < a.length; k++) {
    sw += w[k];
    sa += w[k] * a[k];
    sb += w[k] * b[k];
    saa += w[k] * a[k] * a[k];
    sab += w[k] * a[k] * b[k];
  }
  if (sw === 0) return { mad: Infinity, faded: Infinity, gain: 1, overlap: 0 };
  const shift = (sb - sa) / sw;
  const varA = saa / sw - (sa / sw) ** 2;
  const gain = varA > 1 ? (sab / sw - (sa / sw) * (sb / sw)) / varA : 1;
  const offset = sb / sw - gain * (sa / sw);
  let plain = 0, fitted = 0;
  for (let k = 0; k < a.length; k++) {
    plain += w[k] * Math.abs(a[k] + shift - b[k]);
    fitted += w[k] * Math.abs(gain * a[k] + offset - b[k]);
  }
  return { mad: plain / sw, faded: fitted / sw, gain, overlap: sw / total };
}

/** A zoom is taken over a plain shift only when it lines the frames up this much better. */
const ZOOM_GAIN = 0.85;
/** Below this difference after the shift, or this share of the difference unmoved, no zoom is searched... */
const SHIFT_GOOD = 2.5;
const SHIFT_EXPLAINS = 0.15;
/** ...nor above this one (zooms of 0.7-1.4× left 11-40 on the tuning half; cuts between photos 80-160). */
const ZOOM_WORTH = 60;
/** Frames whose grids differ by at most this on average have not moved at all. */
const STILL_MAD = 1.5;

const NO_MOVE: View = { zoom: 1, dx: 0, dy: 0 };

/** How far to look for the move. */
export interface MotionSearch {
  /** The longest shift searched, in shares of the frame (default: all that keeps half in view). */
  reach?: number;
  /** Whether zooms are searched too (default true). */
  zoom?: boolean;
}

/** How `next` relates to `prev`: the camera move, the brightness change, and the fit left over. */
export function estimateMotion(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  search: MotionSearch = {},
): Motion {
  const still = meanDifference(prev, next);
  const everywhere = new Float32Array(prev.length).fill(1);
  if (still <= STILL_MAD) {
    return {
      ...NO_MOVE,
      mad: still,
      faded: still,
      gain: 1,
      region: WHOLE,
      overlap: 1,
      unaligned: still,
    };
  }
  const { mask, region } = changes(prev, next);
  const masked = sum(mask) > 0.02 * prev.length ? mask : everywhere;
  const box = masked === mask ? region : WHOLE;
  const shift = searchShift(prev, next, masked, search.reach ?? 1);
  const unaligned = matched(prev, next, masked, NO_MOVE, box).mad;
  let view: View = shift.view;
  let fit = matched(prev, next, masked, view, box);
  // A shift that explains nearly all of the change needs no zoom; one that leaves the frames
  // this far apart is a cut, not a zoom gone unmeasured.
  const explained = fit.mad <= SHIFT_GOOD || fit.mad <= SHIFT_EXPLAINS * unaligned;
  if (search.zoom !== false && !explained && shift.error <= ZOOM_WORTH) {
    const zoomed = searchZoom(pyramid(prev, next, masked), box, shift.view);
    const plain = viewError(prev, next, masked, shift.view, box, 64);
    if (zoomed.error < ZOOM_GAIN * plain) {
      view = zoomed.view;
      fit = matched(prev, next, masked, view, box);
    }
  }
  return { ...view, ...fit, region: movingPart(prev, next, view, box), unaligned };
}

/** A line at the frame's edge is fixed when the move would change it by this much more than staying put... */
const FIXED_GAP = 6;
/** ...and says nothing either way when both leave it within this (a flat line). */
const FLAT_LINE = 2;

/**
 * The part of `next` that moves with `view`: the whole frame but for bands at its edges (outside
 * `changed`, the box of cells that changed) that stayed put while the picture moved — a toolbar,
 * a fixed sidebar: unchanged, and unlike what the move would have put there. A band whose lines
 * are flat (sky, a page margin) looks the same either way and counts as moving.
 */
function movingPart(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  view: View,
  changed: Box,
): Box {
  const side = sideOf(prev);
  /** +1: the line stayed put while the picture moved; −1: it moved; 0: cannot tell. */
  const verdict = (cells: (k: number) => [number, number]) => {
    let stay = 0, move = 0, seen = 0;
    for (let k = 0; k < side; k++) {
      const [r, c] = cells(k);
      const x = (((c + 0.5) / side - 0.5) / view.zoom + 0.5 + view.dx) * side - 0.5;
      const y = (((r + 0.5) / side - 0.5) / view.zoom + 0.5 + view.dy) * side - 0.5;
      const moved = sample(prev, side, x, y);
      if (moved === undefined) continue;
      const here = next[r * side + c];
      stay += Math.abs(here - prev[r * side + c]);
      move += Math.abs(here - moved);
      seen++;
    }
    if (seen < side / 4) return 0;
    const [s, m] = [stay / seen, move / seen];
    if (m - s >= FIXED_GAP) return 1;
    return s <= FLAT_LINE && m <= FLAT_LINE ? 0 : -1;
  };
  /** Whether the lines `from` to `to` (exclusive) are a fixed band: more of them say so than not. */
  const band = (from: number, to: number, line: (i: number) => number) => {
    let votes = 0;
    for (let i = from; i < to; i++) votes += line(i);
    return votes > 0;
  };
  const row = (r: number) => verdict((k) => [r, k]);
  const top = Math.floor(changed.y0 * side), bottom = Math.ceil(changed.y1 * side);
  const y0 = band(0, top, row) ? top : 0;
  const y1 = band(bottom, side, row) ? bottom : side;
  const column = (c: number) => verdict((k) => [y0 + Math.floor((k * (y1 - y0)) / side), c]);
  const left = Math.floor(changed.x0 * side), right = Math.ceil(changed.x1 * side);
  const x0 = band(0, left, column) ? left : 0;
  const x1 = band(right, side, column) ? right : side;
  return { x0: x0 / side, y0: y0 / side, x1: x1 / side, y1: y1 / side };
}

/** How `next` differs from `prev` in brightness alone (a fade): the fitted gain and what is left. */
export function brightnessChange(prev: ArrayLike<number>, next: ArrayLike<number>) {
  const everywhere = new Float32Array(prev.length).fill(1);
  const { gain, faded } = matched(prev, next, everywhere, NO_MOVE, WHOLE);
  return { gain, mad: faded };
}
