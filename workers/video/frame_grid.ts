/**
 * A sampled frame's fingerprint: a 128×128 grid of luma area averages (rows ~8 px apart on a
 * 1080p frame, fine enough to see text lines move). Built in one pass over the RGBA buffer; the
 * frame selection compares fingerprints, never pixels.
 *
 * @module
 */

import type { FrameFingerprint } from "../../src/optimize/video_frames.ts";

/** Columns and rows of the luma grid. */
export const GRID_SIDE = 128;

/** Luma area averages of an RGBA frame into a `GRID_SIDE`² grid (values 0-255). */
export function lumaGrid(data: Uint8Array, width: number, height: number): Uint8Array {
  const side = GRID_SIDE;
  const sums = new Float64Array(side * side);
  const column = new Int32Array(width);
  for (let x = 0; x < width; x++) column[x] = Math.floor((x * side) / width);
  const rowSums = new Float64Array(side);
  for (let y = 0, i = 0; y < height; y++) {
    rowSums.fill(0);
    for (let x = 0; x < width; x++, i += 4) {
      rowSums[column[x]] += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    }
    const base = Math.floor((y * side) / height) * side;
    for (let c = 0; c < side; c++) sums[base + c] += rowSums[c];
  }
  const grid = new Uint8Array(side * side);
  const cellsPerRow = new Int32Array(side), rowsPerCell = new Int32Array(side);
  for (let x = 0; x < width; x++) cellsPerRow[column[x]]++;
  for (let y = 0; y < height; y++) rowsPerCell[Math.floor((y * side) / height)]++;
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const area = rowsPerCell[r] * cellsPerRow[c];
      grid[r * side + c] = area ? Math.round(sums[r * side + c] / area) : 0;
    }
  }
  return grid;
}

/** The fingerprint of one RGBA frame. */
export function fingerprint(data: Uint8Array, width: number, height: number): FrameFingerprint {
  return { grid: lumaGrid(data, width, height) };
}
