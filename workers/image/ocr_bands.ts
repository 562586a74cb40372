/**
 * Where a page is cut into bands that tesseract workers read at once: only across a gap between
 * lines (rows with no ink across the whole width), so no line is cut and each band's words keep
 * their boxes; the layout is then rebuilt from the words of all bands together (`ocr_layout.ts`),
 * so columns are found across the cuts. A page too short to share, or with no gap near where a
 * cut belongs, is read in fewer bands (one at least). A band holds at least `MIN_BAND_ROWS` rows
 * of the picture (700 once upscaled 2×): tesseract finds a band's columns and blocks from the
 * band alone, and on a short screen (a dark 80×40 terminal listing, 652 rows) two halves lost the
 * dates and file names beside each line that the whole screen kept (CER 22.8% → 31.2%). The least
 * is of the picture's rows, not of the rows OCR reads, since what a band needs is lines, whatever
 * the scale: the sparse slide (1312 rows, large text read as it is) is read in two bands, 0.4 →
 * 0.2 s, CER 3.3% → 2.5%. A camera photo of paper is read whole (ocr.ts): its lines are seldom
 * level.
 *
 * Measured on the 28 corpus text pages (2 vCPUs, tesseract.js 7, OCR's own scale, two bands
 * against the whole page): 80.5 → 50.7 s in all; r_intro 5.2 → 2.2 s, a 1280×800 code screenshot
 * 1.9 → 1.0 s, a 1920×1080 web page 1.7 → 1.1 s; CER over the single-column pages 3.96% → 4.00%.
 *
 * Pure: the rows of a grayscale picture in, the cut rows out.
 *
 * @module
 */

/** A pixel darker than this is ink (the page is already grayscale, dark themes inverted). */
const INK_BELOW = 160;
/**
 * A band holds at least this many rows of the picture (700 at 2×): tesseract finds its columns
 * and blocks from it alone, so a band's least is of content, whatever the scale OCR reads at.
 */
export const MIN_BAND_ROWS = 350;
/** A gap between lines is at least this many ink-free rows. */
const MIN_GAP_ROWS = 2;
/** A cut is looked for this share of a band's height either side of where it belongs. */
const SEARCH_SHARE = 0.25;

/** Whether row `y` holds no ink. */
function blankRow(gray: Uint8Array, width: number, y: number): boolean {
  for (let i = y * width, end = i + width; i < end; i++) if (gray[i] < INK_BELOW) return false;
  return true;
}

/**
 * The middle of the ink-free gap nearest to row `target`, within `reach` rows of it; undefined
 * when there is none.
 */
function gapNear(
  gray: Uint8Array,
  width: number,
  height: number,
  target: number,
  reach: number,
): number | undefined {
  const from = Math.max(1, target - reach), to = Math.min(height - 1, target + reach);
  let best: number | undefined;
  for (let y = from; y < to;) {
    if (!blankRow(gray, width, y)) {
      y++;
      continue;
    }
    let end = y;
    while (end < to && blankRow(gray, width, end)) end++;
    if (end - y >= MIN_GAP_ROWS) {
      const middle = (y + end) >> 1;
      if (best === undefined || Math.abs(middle - target) < Math.abs(best - target)) best = middle;
    }
    y = end;
  }
  return best;
}

/**
 * The rows a page of `width`×`height` grayscale pixels, the picture read at `scale`, is cut at to
 * be read in at most `bands` bands: `[0, …cuts, height]`, increasing.
 */
export function bandCuts(
  gray: Uint8Array,
  width: number,
  height: number,
  bands: number,
  scale: number,
): number[] {
  const least = MIN_BAND_ROWS * scale;
  const wanted = Math.max(1, Math.min(Math.floor(bands), Math.floor(height / least)));
  const cuts = [0];
  const reach = Math.round((height / wanted) * SEARCH_SHARE);
  for (let k = 1; k < wanted; k++) {
    const cut = gapNear(gray, width, height, Math.round((height * k) / wanted), reach);
    if (cut !== undefined && cut > cuts[cuts.length - 1]) cuts.push(cut);
  }
  cuts.push(height);
  return cuts;
}
