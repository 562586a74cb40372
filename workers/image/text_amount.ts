/**
 * How many tokens a page's text would cost, estimated from its text lines before anything is
 * recognised: the lines found (per column) times the characters a line of that height holds
 * across the text's width, at ~4 characters a token. It lets the understanding step leave a page
 * unread whose text clearly cannot beat its pixels, for the ~20-160 ms the line measure costs
 * instead of the seconds recognition does.
 *
 * Measured on the corpus's 28 text pictures (pages, screenshots, terminals) against the tokens of
 * their true text: the estimate is within 0.6-1.3× of the truth on every page and screenshot
 * (tables and forms come out low: their cells leave the line half empty), and 1.66× on the camera
 * photo of a receipt. An estimate that comes out low only costs a reading; so a page is left
 * unread only when its estimate passes the budget by more than the largest overestimate seen on
 * a page.
 *
 * @module
 */
import type { TextLines } from "./line_height.ts";

/** Share of a page's width its text spans (margins left out; columns together). */
const TEXT_WIDTH_SHARE = 0.75;
/** A character's mean advance, as a share of the line height (ascender to descender). */
const CHAR_ADVANCE = 0.5;
/** Characters a token holds, in English text and code. */
const CHARS_PER_TOKEN = 4;
/**
 * How far the estimate must pass the budget for the page to be left unread: above the largest
 * overestimate on a corpus page (1.30×, a manual page of code).
 */
export const UNREAD_MARGIN = 1.35;
/** The estimate's lowest ratio to the true text on a corpus page (tables, forms). */
export const LEAST_RATIO = 0.55;

/** The estimated tokens of the text of a picture `width` pixels wide with `lines`. */
export function textTokensOfLines(lines: TextLines, width: number): number {
  const perLine = (TEXT_WIDTH_SHARE * width) / (CHAR_ADVANCE * lines.lineHeight);
  return Math.round((lines.lines * perLine) / CHARS_PER_TOKEN);
}

/**
 * The characters of a picture's text estimated from the inked length of its lines (each line's
 * ink, not the text width, so short lines count as they are); undefined when the lines carry
 * no length. Measured on the corpus's text pictures against their true text, whitespace runs
 * collapsed: 0.85-1.45× on pages, screenshots and terminals (forms and tables high: the gaps
 * between their cells count). Recognition runs along the same inked lines, so its time follows
 * this estimate more closely than the text's own length.
 */
export function textCharsOfLines(lines: TextLines | undefined): number | undefined {
  if (!lines?.length) return undefined;
  return Math.round(lines.length / (CHAR_ADVANCE * lines.lineHeight));
}

/**
 * Whether a picture's text surely costs less than `budget` tokens by its layout alone: even were
 * its estimate as low as the lowest seen on a corpus page, the text would stay under the budget.
 */
export function surelyPaysByLayout(
  lines: TextLines | undefined,
  width: number,
  budget: number,
): boolean {
  return lines !== undefined && textTokensOfLines(lines, width) <= budget * LEAST_RATIO;
}

/** Why a page is left unread when its estimated text clearly costs more than `budget` tokens. */
export function unreadForLayout(
  lines: TextLines | undefined,
  width: number,
  budget: number | undefined,
): string | undefined {
  if (!lines || budget === undefined) return undefined;
  const estimate = textTokensOfLines(lines, width);
  if (estimate <= budget * UNREAD_MARGIN) return undefined;
  return `its text, estimated from its layout (${lines.lines} lines of ${
    Math.round(lines.lineHeight)
  } px) at ~${estimate} tokens, would cost more than the image (${
    Math.round(budget)
  } at most): not read`;
}
