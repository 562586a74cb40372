/**
 * Frames caught between two pictures: a frame that is a mix of the ones around it (mid
 * cross-fade or fade), and where the camera would be one more move along (to test a cross-fade
 * that happens while the camera moves).
 *
 * @module
 */

import { clamp, sample, sideOf } from "./_grid.ts";
import { brightnessChange, type View } from "./motion.ts";

export { coarse } from "./_grid.ts";

/**
 * The grid `view` would show of `grid`: where the camera would be one more move along (points
 * that fall outside take the nearest edge).
 */
export function moveGrid(grid: ArrayLike<number>, view: View): Uint8Array {
  const side = sideOf(grid);
  const out = new Uint8Array(grid.length);
  for (let j = 0; j < side; j++) {
    const v = (j + 0.5) / side;
    for (let i = 0; i < side; i++) {
      const u = (i + 0.5) / side;
      const x = clamp(((u - 0.5) / view.zoom + 0.5 + view.dx) * side - 0.5, side);
      const y = clamp(((v - 0.5) / view.zoom + 0.5 + view.dy) * side - 0.5, side);
      out[j * side + i] = Math.round(sample(grid, side, x, y)!);
    }
  }
  return out;
}

/**
 * How well `middle` is a mix of `before` and `after` (a frame caught in a cross-fade or a fade):
 * `middle ≈ α·before + β·after + γ` fitted by least squares. Returns the weights, the mean
 * difference the mix leaves (`mad`), and the least that either frame alone leaves once its
 * brightness is fitted (`alone`): a true mix explains far more than either part.
 */
export function mixOf(
  before: ArrayLike<number>,
  middle: ArrayLike<number>,
  after: ArrayLike<number>,
): { alpha: number; beta: number; mad: number; alone: number } {
  // Normal equations of the three-parameter least-squares fit.
  let saa = 0, sab = 0, sbb = 0, sa = 0, sb = 0, sm = 0, sam = 0, sbm = 0;
  const n = middle.length;
  for (let k = 0; k < n; k++) {
    const a = before[k], b = after[k], m = middle[k];
    saa += a * a;
    sab += a * b;
    sbb += b * b;
    sa += a;
    sb += b;
    sm += m;
    sam += a * m;
    sbm += b * m;
  }
  const alone = Math.min(brightnessChange(before, middle).mad, brightnessChange(after, middle).mad);
  const solution = solve3([[saa, sab, sa], [sab, sbb, sb], [sa, sb, n]], [sam, sbm, sm]);
  if (!solution) return { alpha: 0, beta: 0, mad: Infinity, alone };
  const [alpha, beta, gamma] = solution;
  let s = 0;
  for (let k = 0; k < n; k++) {
    s += Math.abs(alpha * before[k] + beta * after[k] + gamma - middle[k]);
  }
  return { alpha, beta, mad: s / n, alone };
}

/** Solves a 3×3 linear system by Cramer's rule; undefined when it is singular. */
function solve3(m: number[][], r: number[]): [number, number, number] | undefined {
  const det = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const d = det(m);
  if (Math.abs(d) < 1e-9 * Math.abs(m[0][0] * m[1][1] * m[2][2] || 1)) return undefined;
  const column = (k: number) => m.map((row, i) => row.map((v, j) => (j === k ? r[i] : v)));
  return [det(column(0)) / d, det(column(1)) / d, det(column(2)) / d];
}
