/**
 * Perceptual hashes of a picture, for finding a near-duplicate of an image already answered:
 * a DCT hash (pHash) that survives recompression, resizing and small crops, and a gradient hash
 * (dHash) that confirms a pHash match with a second, differently built opinion.
 *
 * Both are measured on luma (transparency composited on white) area-averaged straight from the
 * RGBA buffer into two small grids, so a picture of any size costs two grids of floats, never a
 * copy. `hashesOfImage` hashes a decoded picture through a small canvas first, so the worker
 * never reads back a full-size pixel buffer.
 *
 * @module
 */

import { type Canvas, createCanvas, Image } from "@napi-rs/canvas";
import { orientationDraw } from "./_orientation.ts";
import { uprightFit } from "./downscale.ts";

/** Two 64-bit hashes as 16 lowercase hex digits each: plain data, cheap to post or store. */
export interface PerceptualHashes {
  /**
   * DCT hash: the 8×8 block of frequencies 1-8 on both axes of the 32×32 DCT-II (the DC row and
   * column left out, as in pHash), each coefficient against the block's median, row by row.
   */
  phash: string;
  /** Gradient hash: each cell of a 9×8 grid against its right neighbour. */
  dhash: string;
}

/** RGBA pixels, row-major, 4 bytes a pixel. */
export interface RgbaPixels {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/** Side of the luma grid the DCT runs on. */
const DCT_SIDE = 32;
/** Frequencies kept per axis: 1..8 (0 is the DC row/column, left out as pHash does). */
const KEPT = 8;
/** The dHash grid: 9 columns, so that 8 comparisons per row make 64 bits over 8 rows. */
const DHASH_COLUMNS = 9;
const DHASH_ROWS = 8;

/**
 * Long side of the canvas `hashesOfImage` draws into: the 32×32 grid still averages ≥ 8×8 of
 * its pixels. On the corpus (bench/perceptual.ts) hashing a decoded picture this way takes a
 * median ~2 ms and lands within 2 bits of hashing every pixel; reading back the full-size
 * pixels and hashing them takes ~20 ms, and the exact-area `resizeUpright` to 256 px ~6 ms.
 */
export const HASH_SIDE = 256;

/**
 * How the `size` pixels of one axis spread over `cells` equal cells: every (pixel, cell, weight)
 * overlap in pixel order, weights summing to 1 per cell, and where each pixel's overlaps start.
 */
interface Axis {
  cell: Int32Array;
  weight: Float64Array;
  /** Overlaps of pixel `p` are `start[p]` up to `start[p + 1]`. */
  start: Int32Array;
}

function axis(size: number, cells: number): Axis {
  const cell: number[] = [], weight: number[] = [];
  const start = new Int32Array(size + 1);
  const span = size / cells;
  for (let c = 0; c < cells; c++) {
    const x0 = c * span, x1 = (c + 1) * span;
    for (let p = Math.floor(x0); p < Math.min(size, Math.ceil(x1)); p++) {
      const w = Math.min(x1, p + 1) - Math.max(x0, p);
      if (w <= 0) continue;
      cell.push(c);
      weight.push(w / span);
      start[p + 1]++;
    }
  }
  for (let p = 0; p < size; p++) start[p + 1] += start[p];
  return { cell: Int32Array.from(cell), weight: Float64Array.from(weight), start };
}

/** A grid of area averages, filled one source row at a time. */
class AreaGrid {
  readonly sums: Float64Array;
  readonly #across: Axis;
  readonly #down: Axis;
  readonly #columns: number;
  readonly #rowSums: Float64Array;

  constructor(width: number, height: number, columns: number, rows: number) {
    this.sums = new Float64Array(columns * rows);
    this.#across = axis(width, columns);
    this.#down = axis(height, rows);
    this.#columns = columns;
    this.#rowSums = new Float64Array(columns);
  }

  /** Adds source row `y` (one value a pixel) into the grid rows it overlaps. */
  add(row: Float64Array, y: number): void {
    const { cell, weight } = this.#across, rowSums = this.#rowSums.fill(0);
    // Overlaps are in pixel order, so overlap k belongs to the pixel whose range holds it.
    for (let p = 0, k = 0; p < row.length; p++) {
      for (const end = this.#across.start[p + 1]; k < end; k++) {
        rowSums[cell[k]] += weight[k] * row[p];
      }
    }
    const down = this.#down;
    for (let k = down.start[y]; k < down.start[y + 1]; k++) {
      const base = down.cell[k] * this.#columns, w = down.weight[k];
      for (let c = 0; c < this.#columns; c++) this.sums[base + c] += w * rowSums[c];
    }
  }
}

/** Area averages of luma (alpha on white) into a `DCT_SIDE`² grid and the dHash grid. */
function lumaGrids(image: RgbaPixels) {
  const { width, height, data } = image;
  const dct = new AreaGrid(width, height, DCT_SIDE, DCT_SIDE);
  const gradient = new AreaGrid(width, height, DHASH_COLUMNS, DHASH_ROWS);
  const row = new Float64Array(width);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      const a = data[i + 3];
      const luma = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      row[x] = a === 255 ? luma : (luma * a + 255 * (255 - a)) / 255;
    }
    dct.add(row, y);
    gradient.add(row, y);
  }
  return { dct: dct.sums, gradient: gradient.sums };
}

/** `cos(π (2x + 1) u / 2N)` for u = 1..KEPT, x = 0..N-1: the DCT-II rows the hash keeps. */
const COSINES = (() => {
  const table = new Float64Array(KEPT * DCT_SIDE);
  for (let u = 0; u < KEPT; u++) {
    for (let x = 0; x < DCT_SIDE; x++) {
      table[u * DCT_SIDE + x] = Math.cos((Math.PI * (2 * x + 1) * (u + 1)) / (2 * DCT_SIDE));
    }
  }
  return table;
})();

/** The 8×8 DCT-II coefficients at frequencies 1..8 on both axes (unnormalised). */
function lowFrequencies(grid: Float64Array): Float64Array {
  const rows = new Float64Array(DCT_SIDE * KEPT);
  for (let y = 0; y < DCT_SIDE; y++) {
    for (let u = 0; u < KEPT; u++) {
      let sum = 0;
      for (let x = 0; x < DCT_SIDE; x++) sum += grid[y * DCT_SIDE + x] * COSINES[u * DCT_SIDE + x];
      rows[y * KEPT + u] = sum;
    }
  }
  const block = new Float64Array(KEPT * KEPT);
  for (let v = 0; v < KEPT; v++) {
    for (let u = 0; u < KEPT; u++) {
      let sum = 0;
      for (let y = 0; y < DCT_SIDE; y++) sum += rows[y * KEPT + u] * COSINES[v * DCT_SIDE + y];
      block[v * KEPT + u] = sum;
    }
  }
  return block;
}

/** 64 booleans (as a bit source) to 16 hex digits, first bit most significant. */
function toHex(bit: (k: number) => boolean): string {
  let hex = "";
  for (let nibble = 0; nibble < 16; nibble++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v = (v << 1) | (bit(nibble * 4 + b) ? 1 : 0);
    hex += v.toString(16);
  }
  return hex;
}

/**
 * pHash and dHash of RGBA pixels of any size (1×1 up to tens of megapixels). Pure and
 * deterministic; memory is a few small grids and one row of luma.
 */
export function perceptualHashes(image: RgbaPixels): PerceptualHashes {
  if (image.width < 1 || image.height < 1) throw new RangeError("an image has no pixels");
  const { dct, gradient } = lumaGrids(image);
  const block = lowFrequencies(dct);
  const sorted = block.slice().sort();
  const median = (sorted[31] + sorted[32]) / 2;
  const phash = toHex((k) => block[k] > median);
  const dhash = toHex((k) => {
    const y = k >> 3, x = k & 7;
    return gradient[y * DHASH_COLUMNS + x] < gradient[y * DHASH_COLUMNS + x + 1];
  });
  return { phash, dhash };
}

/**
 * Hashes a decoded picture, upright (`orientation` is the EXIF orientation still to apply, as
 * for `contentSample`), by drawing it into a canvas of at most `HASH_SIDE` px on its long side
 * and hashing that: the full-size pixels are never read back.
 */
export function hashesOfImage(source: Image | Canvas, orientation = 1): PerceptualHashes {
  const isImage = source instanceof Image;
  const { width, height } = uprightFit(source, orientation, HASH_SIDE);
  const ctx = createCanvas(width, height).getContext("2d");
  // Mipmapped sampling: a single draw that still averages every source pixel on large shrinks.
  ctx.imageSmoothingQuality = "medium";
  const { matrix, drawWidth, drawHeight } = orientationDraw(
    isImage ? orientation : 1,
    width,
    height,
  );
  ctx.setTransform(...matrix);
  ctx.drawImage(source, 0, 0, drawWidth, drawHeight);
  return perceptualHashes({ width, height, data: ctx.getImageData(0, 0, width, height).data });
}

/** Set bits of a 32-bit integer. */
export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Hamming distance between two 16-digit hex hashes. */
export function hammingHex(a: string, b: string): number {
  if (a.length !== 16 || b.length !== 16) throw new RangeError("hashes are 16 hex digits");
  return popcount32(parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) +
    popcount32(parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16));
}
