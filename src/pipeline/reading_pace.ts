/**
 * How fast this instance reads a page, to know before recognising whether a page can be read
 * within what is left of a request's budget. Recognition time grows with the text a page holds
 * (tesseract's LSTM runs along every text line) and with the pixels it goes through (binarising
 * and finding the lines of the picture at the scale OCR reads it, `ocr_scale.ts`): a reading's
 * work is its estimated characters (`textCharsOfLines`) plus `UNITS_PER_MEGAPIXEL` per megapixel
 * read, and the pace is milliseconds per unit of work: the fewest seen on this instance, starting
 * from `FIRST_MS_PER_UNIT`. Kept the lowest seen, a prediction is a lower bound: a request stops
 * waiting only for a page that surely cannot be read in time. A page's pixels alone tell only
 * at the least scale OCR may read them at (large text is upscaled less: a 200 dpi page may be
 * read at 1.5× or as it is, not 2×), so a huge picture is judged at once and a page's lines (which give its
 * scale) are looked at first.
 *
 * The first pace is a prior, fitted on tesseract.js 7, 2 vCPUs, one reading worker, with
 * tessdata_best_int on corpus pictures from a paragraph crop to a 200 dpi invoice: recognition took
 * 1.1-1.7× of 1 ms per unit at 120 units per megapixel (an API screenshot 1.1, a terminal 1.2, a
 * book paragraph 1.3, a sparse slide 1.4, a sparse invoice 1.6), and 0.9 ms was under every one.
 * The shipped model (tessdata_fast) on a box twice as fast reads the 28 corpus text pictures at
 * 0.55-1.07 ms per unit (median 0.69), so there the prior is above some pages' pace until the first
 * reading is seen. It is kept: measured side by side on that box (`bench/reading_budget.ts`), a
 * prior of 0.5 (under every page there; 0.25 for two bands) had requests wait out the budget for
 * pages that then missed it (first-sight p50 ~200 → 974 ms; the receipt photo, whose text never
 * pays, ~300 → 943 ms) and sent no more pages as text (claude 4 of 24, against 5 and 7 in two runs
 * at 0.9: pages read in about a second go either way from run to run). Since tesseract.js is
 * handed a PNG rather than a PGM (`ocr.ts`), reading takes 0.35-0.95 ms per unit whole and
 * 0.23-0.87 in two bands on a 2-vCPU AMD EPYC box, so 0.9 is above every page's pace there too;
 * tried again at 0.4 (two runs of the 28 pages on claude-sonnet-4-6, one request at a time), the
 * same 15 pages in all went as text on first sight as at 0.9, and first-sight p50 rose ~250 →
 * 936 ms. The megapixels' weight, refitted then by least squares (ms over estimated characters
 * and megapixels), is 115 units per megapixel in two bands: 120 stays.
 *
 * @module
 */
import type { TextLines } from "../../workers/image/line_height.ts";
import { defaultScale, leastScale } from "../../workers/image/ocr_scale.ts";
import { textCharsOfLines } from "../../workers/image/text_amount.ts";
import { MIN_BAND_ROWS } from "../../workers/image/ocr_bands.ts";

/** The pace assumed before any page was read here (ms per unit of work). */
export const FIRST_MS_PER_UNIT = 0.9;
/** Units of work per megapixel OCR reads (after its upscale). */
export const UNITS_PER_MEGAPIXEL = 120;
/** Less work than this says little about the pace (start-up dominates its time). */
const MIN_UNITS = 300;

/** A picture's upright size. */
export interface PictureSize {
  width: number;
  height: number;
}

/**
 * The work of reading a picture of `size` with `lines`: without its lines, that of its pixels
 * alone at the least scale OCR may read them at (its text and a larger scale can only add).
 */
export function readingWork(lines: TextLines | undefined, size: PictureSize): number {
  const scale = lines ? defaultScale(size, false, lines.lineHeight) : leastScale(size);
  const pixels = (UNITS_PER_MEGAPIXEL * size.width * size.height * scale * scale) / 1e6;
  return (textCharsOfLines(lines) ?? 0) + pixels;
}

/**
 * Whether a picture of `size` is tall enough to be read in bands (`workers/image/ocr_bands.ts`):
 * a band's least rows are the picture's, whatever the scale OCR reads it at.
 */
export function tallEnoughForBands(size: PictureSize): boolean {
  return size.height >= 2 * MIN_BAND_ROWS;
}

/**
 * The fastest reading paces seen on this instance: of pictures read whole, and of pages read in
 * bands (faster: their paces are apart, so a picture that will be read whole — a camera photo,
 * a short screen, a reading while pictures are busy — is never judged by a banded page's pace).
 */
export class ReadingPace {
  #whole = FIRST_MS_PER_UNIT;
  #banded: number;

  /**
   * `bands`: at most how many bands a page is read in at once; a page read in n bands takes no
   * less than 1/n of its time in one, so the first pace divided by n stays a lower bound.
   */
  constructor(bands = 1) {
    this.#banded = FIRST_MS_PER_UNIT / bands;
  }

  /**
   * Learns from one picture read: its lines, size, the milliseconds recognition took and the
   * bands it was read in.
   */
  observe(lines: TextLines | undefined, size: PictureSize, ms: number, bands = 1): void {
    if (textCharsOfLines(lines) === undefined) return;
    const work = readingWork(lines, size);
    if (work < MIN_UNITS) return;
    if (bands > 1) this.#banded = Math.min(this.#banded, ms / work);
    else this.#whole = Math.min(this.#whole, ms / work);
  }

  /**
   * The least time reading a picture takes here: from its lines when they are known, else from
   * its pixels alone; `banded` when it may be read in bands.
   */
  leastMs(lines: TextLines | undefined, size: PictureSize, banded = false): number {
    const pace = banded ? Math.min(this.#whole, this.#banded) : this.#whole;
    return readingWork(lines, size) * pace;
  }
}
