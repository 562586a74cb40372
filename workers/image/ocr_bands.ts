/**
 * Where a page is cut into bands that tesseract workers read at once: only across a gap between
 * lines (rows with no ink across the whole width), so no line is cut and each band's words keep
 * their boxes; the layout is then rebuilt from the words of all bands together (`ocr_layout.ts`),
 * so columns are found across the cuts. A page too short to share, or with no gap near where a
 * cut belongs (below), is read in fewer bands (one at least). A band holds at least
 * `MIN_BAND_ROWS` rows of the picture (700 once upscaled 2×): tesseract finds a band's columns
 * and blocks from the band alone, and on a short screen (a dark 80×40 terminal listing, 652
 * rows) two halves lost the dates and file names beside each line that the whole screen kept
 * (CER 22.8% → 31.2%). The least is of the picture's rows, not of the rows OCR reads, since what
 * a band needs is lines, whatever the scale: the sparse slide (1312 rows, large text read as it
 * is) is read in two bands, 0.4 → 0.2 s, CER 3.3% → 2.5%. A camera photo of paper is read whole
 * (ocr.ts): its lines are seldom level.
 *
 * Measured on the 28 corpus text pages (2 vCPUs, tesseract.js 7, OCR's own scale, two bands
 * against the whole page): 80.5 → 50.7 s in all; r_intro 5.2 → 2.2 s, a 1280×800 code screenshot
 * 1.9 → 1.0 s, a 1920×1080 web page 1.7 → 1.1 s; CER over the single-column pages 3.96% → 4.00%.
 *
 * A cut is looked for within 40% of a band's height of where it belongs (30-70% down a page in
 * two bands; 37.5-62.5% before): the duck invoice's one gap near the middle is at 35%, above its
 * item table, and the longtable page's at 67%, below its tables. Where no row is free of ink
 * there, a page in a frame (at most two thin vertical rules running through the whole search, as
 * a web page's content column has) is cut between lines across its rules; a dark panel (a wide
 * "rule", whose light text a cut could run through) and a ruled table's grid (more rules) never
 * are: cut between its rows, the duck invoice lost its Quantity column (CER
 * 0.19% → 3.81%). Measured on the 28 pages (two bands allowed, warm workers, best of two; no
 * other page's cut or text changed): the duck invoice 1.21 → 0.89 s (CER 0.19% → 0.37%: one
 * boxed "1" lost at the cut), longtable 1.37 → 0.81 s (CER 19.2% → 19.9%, recall 93.3% →
 * 93.7%), the opencv web page (two frame rules) 1.33 → 0.9-1.05 s (CER 3.96% → 4.01%). Cutting
 * where half the page's ink lies above, rather than at half its rows, was tried and not kept:
 * bands' times follow their ink no better than their rows (28 pages 32.3 s by rows, 32.0 by ink,
 * 32.6 by the rows' inked extent; spread of one page run to run ±30%).
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
const SEARCH_SHARE = 0.4;
/** A column inked on at least this share of the rows searched is a vertical rule. */
const RULE_SHARE = 0.95;
/** At most this many vertical rules (runs of rule columns) are a frame; more are a table's. */
const FRAME_RULES = 2;
/**
 * A frame's rule is at most this many pixels wide (of the picture, before OCR's scale): wider,
 * it is a dark panel, whose light text a cut beside its rules could run through.
 */
const RULE_WIDTH = 4;

/** Whether row `y` holds no ink but in the columns `rules` marks (when given). */
function blankRow(gray: Uint8Array, width: number, y: number, rules?: Uint8Array): boolean {
  for (let x = 0, i = y * width; x < width; x++, i++) {
    if (gray[i] < INK_BELOW && !rules?.[x]) return false;
  }
  return true;
}

/**
 * The columns inked on nearly every row from `from` to `to` (vertical rules), when they are a
 * frame's: at most `FRAME_RULES` runs of columns, none wider than `widest`; undefined for none,
 * for a table's grid or for a dark panel.
 */
function frameRules(
  gray: Uint8Array,
  width: number,
  from: number,
  to: number,
  widest: number,
): Uint8Array | undefined {
  const inked = new Uint32Array(width);
  for (let y = from; y < to; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) if (gray[i] < INK_BELOW) inked[x]++;
  }
  const rules = new Uint8Array(width);
  let runs = 0;
  for (let x = 0, start = 0; x < width; x++) {
    rules[x] = inked[x] >= RULE_SHARE * (to - from) ? 1 : 0;
    if (!rules[x]) continue;
    if (x === 0 || !rules[x - 1]) {
      runs++;
      start = x;
    }
    if (x + 1 - start > widest) return undefined;
  }
  return runs > 0 && runs <= FRAME_RULES ? rules : undefined;
}

/**
 * The middle of the gap nearest to row `target` in rows `from` to `to`: between lines (no ink
 * across the row) or else between lines in a frame (ink only in its vertical rules); undefined
 * when there is neither.
 */
function gapNear(
  gray: Uint8Array,
  width: number,
  from: number,
  to: number,
  target: number,
  scale: number,
): number | undefined {
  const between = gapWithin(gray, width, from, to, target);
  if (between !== undefined) return between;
  const rules = frameRules(gray, width, from, to, Math.ceil(RULE_WIDTH * scale));
  return rules && gapWithin(gray, width, from, to, target, rules);
}

/**
 * The middle of the run of blank rows (`blankRow`, ink in `rules` allowed) nearest to `target`
 * in rows `from` to `to`.
 */
function gapWithin(
  gray: Uint8Array,
  width: number,
  from: number,
  to: number,
  target: number,
  rules?: Uint8Array,
): number | undefined {
  let best: number | undefined;
  for (let y = from; y < to;) {
    if (!blankRow(gray, width, y, rules)) {
      y++;
      continue;
    }
    let end = y;
    while (end < to && blankRow(gray, width, end, rules)) end++;
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
    const target = Math.round((height * k) / wanted);
    // Every band keeps its least rows: this one above the cut, the ones still to come below it.
    const from = Math.max(1, target - reach, Math.ceil(cuts[cuts.length - 1] + least));
    const to = Math.min(height - 1, target + reach, Math.floor(height - least * (wanted - k)));
    const cut = gapNear(gray, width, from, to, target, scale);
    if (cut !== undefined) cuts.push(cut);
  }
  cuts.push(height);
  return cuts;
}
