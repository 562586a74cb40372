/**
 * How fast this instance reads a page, to know before recognising whether a page can be read
 * within what is left of a request's budget. Recognition time grows with the characters a page
 * holds (tesseract's LSTM runs along every text line), so the pace is milliseconds per
 * character, the characters estimated from the page's lines (`textCharsOfLines`): the fewest
 * seen on this instance, starting from `FIRST_MS_PER_CHAR`. Kept the lowest seen, a prediction
 * is a lower bound: a request stops waiting only for a page that surely cannot be read in time.
 *
 * Measured with tesseract.js 7 on 2 vCPUs (bench/ocr_accuracy.ts' times over the estimated
 * characters, one reading worker): 1.1-3.4 ms per estimated character on the corpus pages (an
 * invoice table 1.1, a dense reference card 1.4, a book paragraph 1.6, prose 2.9, an invoice
 * of sparse lines 3.4).
 *
 * @module
 */
import type { TextLines } from "../../workers/image/line_height.ts";
import { textCharsOfLines } from "../../workers/image/text_amount.ts";

/** The pace assumed before any page was read here: faster than any page seen on 2 vCPUs. */
export const FIRST_MS_PER_CHAR = 1;
/** Fewer characters than this say little about the pace (start-up and layout dominate). */
const MIN_CHARS = 200;

/** The fastest reading pace seen on this instance. */
export class ReadingPace {
  #msPerChar = FIRST_MS_PER_CHAR;

  /** Learns from one page read: its lines and the milliseconds its recognition took. */
  observe(lines: TextLines | undefined, ms: number): void {
    const chars = textCharsOfLines(lines);
    if (chars === undefined || chars < MIN_CHARS) return;
    this.#msPerChar = Math.min(this.#msPerChar, ms / chars);
  }

  /** The least time reading a page with `lines` takes here; undefined when it cannot be told. */
  leastMs(lines: TextLines | undefined): number | undefined {
    const chars = textCharsOfLines(lines);
    return chars === undefined ? undefined : chars * this.#msPerChar;
  }
}
