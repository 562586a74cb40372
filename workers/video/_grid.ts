/**
 * Square luma grids (row-major, the fingerprint's 128² and its box-filtered levels): their side,
 * averages, bilinear samples. Private to `workers/video`.
 *
 * @module
 */

/** Side of a square grid. */
export function sideOf(grid: ArrayLike<number>): number {
  return Math.round(Math.sqrt(grid.length));
}

/** Mean absolute difference of two grids. */
export function meanDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += Math.abs(a[k] - b[k]);
  return sum / a.length;
}

/** Standard deviation of a grid's values: near 0 for a blank (black, white, flat) frame. */
export function contrast(grid: ArrayLike<number>): number {
  let sum = 0, squares = 0;
  for (let k = 0; k < grid.length; k++) {
    sum += grid[k];
    squares += grid[k] * grid[k];
  }
  const mean = sum / grid.length;
  return Math.sqrt(Math.max(0, squares / grid.length - mean * mean));
}

/** Averages 2×2 blocks: a grid of half the side. */
export function halve(grid: ArrayLike<number>): Float32Array {
  const side = sideOf(grid), half = side >> 1;
  const out = new Float32Array(half * half);
  for (let r = 0; r < half; r++) {
    for (let c = 0; c < half; c++) {
      const i = 2 * r * side + 2 * c;
      out[r * half + c] = (grid[i] + grid[i + 1] + grid[i + side] + grid[i + side + 1]) / 4;
    }
  }
  return out;
}

/**
 * A grid box-filtered to a quarter of its side (32² from 128²): fine texture that a move cannot
 * be predicted to within a cell averages out.
 */
export function coarse(grid: ArrayLike<number>): Float32Array {
  return halve(halve(grid));
}

/** Bilinear sample of a square grid at (x, y) in cell units; undefined outside it. */
export function sample(
  grid: ArrayLike<number>,
  side: number,
  x: number,
  y: number,
): number | undefined {
  if (x < 0 || y < 0 || x > side - 1 || y > side - 1) return undefined;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const x1 = Math.min(side - 1, x0 + 1), y1 = Math.min(side - 1, y0 + 1);
  const fx = x - x0, fy = y - y0;
  const top = grid[y0 * side + x0] * (1 - fx) + grid[y0 * side + x1] * fx;
  const bottom = grid[y1 * side + x0] * (1 - fx) + grid[y1 * side + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

export const clamp = (x: number, side: number) => Math.max(0, Math.min(side - 1, x));
