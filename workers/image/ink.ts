/**
 * Ink: the pixels that stand out from their own tile's background, dark-on-light and
 * light-on-dark alike. What the content signals (content.ts) and the text-line measure
 * (line_height.ts) both look at.
 *
 * @module
 */

/** Tile side for the local background; a photographed page on a table keeps its paper white. */
const TILE = 32;
/** Per-tile background tolerance: luminance within this of the tile's mode is background. */
const BG_DELTA = 12;
/** Contrast to the tile background that makes a pixel ink; anti-aliased 300 dpi text clears it. */
const INK_DELTA = 60;

/** The luminance whose ±`BG_DELTA` window holds the most pixels. */
function dominantLuminance(histogram: Uint32Array): number {
  let level = 0, count = -1, inWindow = 0;
  for (let l = 0; l <= BG_DELTA; l++) inWindow += histogram[l];
  for (let l = 0; l < 256; l++) {
    if (inWindow > count) [count, level] = [inWindow, l];
    if (l + BG_DELTA + 1 < 256) inWindow += histogram[l + BG_DELTA + 1];
    if (l - BG_DELTA >= 0) inWindow -= histogram[l - BG_DELTA];
  }
  return level;
}

/** Ink map of a luminance plane: 1 where a pixel stands out from its tile's dominant level. */
export function inkMap(lum: Uint8Array, width: number, height: number): Uint8Array {
  const ink = new Uint8Array(width * height);
  const histogram = new Uint32Array(256);
  for (let ty = 0; ty < height; ty += TILE) {
    for (let tx = 0; tx < width; tx += TILE) {
      const y1 = Math.min(height, ty + TILE), x1 = Math.min(width, tx + TILE);
      histogram.fill(0);
      for (let y = ty; y < y1; y++) for (let x = tx; x < x1; x++) histogram[lum[y * width + x]]++;
      const level = dominantLuminance(histogram);
      for (let y = ty; y < y1; y++) {
        for (let x = tx; x < x1; x++) {
          const p = y * width + x;
          if (Math.abs(lum[p] - level) > INK_DELTA) ink[p] = 1;
        }
      }
    }
  }
  return ink;
}

/**
 * The ink map with its rulings taken out: horizontal and vertical runs of ink at least `rule`
 * long (table rules, frames, axes, page edges), found in `ink` itself. `onRow` is handed each
 * horizontal run's length. Both directions are walked row by row (the vertical runs as one
 * counter a column), so the map is read in memory order.
 */
export function withoutRulings(
  ink: Uint8Array,
  width: number,
  height: number,
  rule: number,
  onRow?: (run: number) => void,
): Uint8Array {
  const glyphs = ink.slice();
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let run = 0;
    for (let x = 0; x <= width; x++) {
      if (x < width && ink[row + x]) run++;
      else if (run) {
        onRow?.(run);
        if (run >= rule) glyphs.fill(0, row + x - run, row + x);
        run = 0;
      }
    }
  }
  const down = new Uint32Array(width);
  for (let y = 0; y <= height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (y < height && ink[row + x]) down[x]++;
      else if (down[x]) {
        if (down[x] >= rule) {
          for (let k = y - down[x]; k < y; k++) glyphs[k * width + x] = 0;
        }
        down[x] = 0;
      }
    }
  }
  return glyphs;
}

/** A band of inked rows in one vertical strip: its height, ink, stroke starts and extent. */
export interface InkBand {
  rows: number;
  /** Inked pixels in the band. */
  inked: number;
  /** Runs of ink started along its rows (strokes crossed). */
  runs: number;
  /** First and last inked column. */
  left: number;
  right: number;
}

/**
 * Visits each band of consecutive inked rows (between blank rows) of the strip `x0`..`x1` of an
 * ink map: where text lines show, one band is one line.
 */
export function forEachBand(
  ink: Uint8Array,
  width: number,
  height: number,
  x0: number,
  x1: number,
  visit: (band: InkBand) => void,
): void {
  for (let y = 0; y < height;) {
    const top = y;
    let inkSum = 0, runSum = 0, left = x1, right = x0;
    for (; y < height; y++) {
      let inked = 0, runs = 0;
      for (let x = x0, previous = 0; x < x1; x++) {
        const v = ink[y * width + x];
        if (v) {
          inked++;
          if (x < left) left = x;
          if (x > right) right = x;
          if (!previous) runs++;
        }
        previous = v;
      }
      if (!inked) break;
      inkSum += inked;
      runSum += runs;
    }
    const rows = y - top;
    if (rows === 0) {
      y++;
      continue;
    }
    visit({ rows, inked: inkSum, runs: runSum, left, right });
  }
}
