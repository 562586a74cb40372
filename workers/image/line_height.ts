/**
 * How tall a picture's body-text lines are, in its own pixels: the fact the planner's legibility
 * floor (src/optimize/legibility.ts) needs to know how far a text picture may shrink. Measured
 * cheaply from pixels, with no OCR: the picture is drawn at a long side of at most
 * `MEASURE_SIDE`, ink is what stands out from its tile's background (dark-on-light and
 * light-on-dark alike), rulings are taken out, and each vertical strip's row profile is cut into
 * bands of inked rows. Bands shaped like a line of text (a few px to a few percent of the
 * picture tall, partly inked, broken into strokes) are the text lines; their median height,
 * weighted by how much of the strip each covers, is the body text's line height (ascender to
 * descender). Headings and footnotes are fewer lines and do not move the median.
 *
 * Cost on a 2-vCPU box, after the decode the understanding step makes anyway: 2-60 ms for
 * screenshots and 150-200-dpi pages, ~90-130 ms for an 8-MP 300-dpi page (mostly its resize).
 * Only pictures whose content signals show text lines are measured (understand.ts). Against
 * native tesseract's median line box on the corpus text images, the measure is within 1 px on
 * most and 10-15% lower on a few (a table, a terminal, an invoice, the receipt photo): the
 * floor then errs on the safe side.
 *
 * @module
 */
import type { Canvas, Image } from "@napi-rs/canvas";
import { resizeUpright, uprightFit } from "./downscale.ts";
import { forEachBand, inkMap, withoutRulings } from "./ink.ts";

/**
 * Long side the lines are measured at. At 1600 px a 300-dpi page's 10-pt lines are ~15 px
 * tall and a 4K screenshot's 13-px UI text ~6 px: both several rows, where a one-row
 * quantisation error stays under a fifth.
 */
export const MEASURE_SIDE = 1600;

/** Body-text lines of a picture. */
export interface TextLines {
  /** Median line height (ascender to descender), in pixels of the upright original. */
  lineHeight: number;
  /** Text lines found, summed over the strips and divided by their count (lines per column). */
  lines: number;
  /** The lines' inked length, summed over lines and strips, in pixels of the upright original. */
  length?: number;
}

/** A run of ink this long (measured px) is a ruling or a frame, not a glyph. */
const RULE = 60;
/** Strip width in measured pixels (at least one strip). */
const STRIP = 200;
/** A text line is at least this many rows tall, and at most this share of the picture. */
const MIN_BAND = 3;
const MAX_BAND_SHARE = 0.08;
/** Ink density of a text line's band, and strokes per row per 100 px. */
const MIN_DENSITY = 0.03;
const MAX_DENSITY = 0.65;
const MIN_STROKES = 1.5;
/** Fewest text lines (per strip) for a line height to be reported. */
export const MIN_LINES = 2;

/** Ink: pixels that stand out from their tile's dominant luminance (alpha on white). */
function inkOf(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  const lum = new Uint8Array(width * height);
  for (let p = 0, i = 0; p < lum.length; p++, i += 4) {
    const a = rgba[i + 3] / 255, white = 255 * (1 - a);
    lum[p] = (0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2]) * a + white;
  }
  return inkMap(lum, width, height);
}

/** A text line's band in one strip: its height and how much of the strip it covers. */
interface Band {
  rows: number;
  weight: number;
  /** Its inked extent, in measured pixels. */
  extent: number;
}

/** Text-line bands in the strip `x0`..`x1` of the glyph map. */
function stripBands(glyphs: Uint8Array, width: number, height: number, x0: number, x1: number) {
  const bands: Band[] = [];
  const stripWidth = x1 - x0;
  const maxBand = Math.max(16, height * MAX_BAND_SHARE);
  forEachBand(glyphs, width, height, x0, x1, ({ rows, inked, runs, left, right }) => {
    const extent = right - left + 1;
    const density = inked / (rows * extent);
    const strokes = (runs / rows) * 100 / Math.max(extent, 20);
    if (
      rows >= MIN_BAND && rows <= maxBand && density >= MIN_DENSITY && density <= MAX_DENSITY &&
      strokes >= MIN_STROKES
    ) {
      bands.push({ rows, weight: extent / stripWidth, extent });
    }
  });
  return bands;
}

/** The weighted median of the bands' heights. */
function weightedMedian(bands: Band[]): number {
  const sorted = [...bands].sort((a, b) => a.rows - b.rows);
  const half = sorted.reduce((sum, b) => sum + b.weight, 0) / 2;
  let acc = 0;
  for (const band of sorted) {
    acc += band.weight;
    if (acc >= half) return band.rows;
  }
  return sorted.at(-1)!.rows;
}

/**
 * Body-text line height of `rgba` (`width`×`height`, in the pixels given), or undefined when
 * fewer than `MIN_LINES` text lines per strip are found. Pure and deterministic.
 */
export function measureLines(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): TextLines | undefined {
  const glyphs = withoutRulings(inkOf(rgba, width, height), width, height, RULE);
  const strips = Math.max(1, Math.round(width / STRIP));
  const bands: Band[] = [];
  for (let s = 0; s < strips; s++) {
    const x0 = Math.floor((s * width) / strips), x1 = Math.floor(((s + 1) * width) / strips);
    bands.push(...stripBands(glyphs, width, height, x0, x1));
  }
  const lines = bands.length / strips;
  if (lines < MIN_LINES) return undefined;
  return {
    lineHeight: weightedMedian(bands),
    lines: Math.round(lines * 10) / 10,
    length: bands.reduce((sum, band) => sum + band.extent, 0),
  };
}

/**
 * Body-text line height of a decoded picture or a canvas (`orientation` still to apply), in
 * pixels of the upright original (`longSide` long: a canvas may be a shrunk copy of it);
 * undefined when it shows no text lines.
 */
export function textLinesOf(
  image: Image | Canvas,
  orientation: number,
  longSide = Math.max(...Object.values(uprightFit(image, orientation, Infinity))),
): TextLines | undefined {
  const fit = uprightFit(image, orientation, MEASURE_SIDE);
  const canvas = resizeUpright(image, { ...fit, orientation, alpha: true });
  const pixels = canvas.getContext("2d").getImageData(0, 0, fit.width, fit.height).data;
  const found = measureLines(pixels, fit.width, fit.height);
  if (!found) return undefined;
  const scale = Math.max(fit.width, fit.height) / longSide;
  return {
    lineHeight: Math.round((found.lineHeight / scale) * 10) / 10,
    lines: found.lines,
    length: Math.round(found.length! / scale),
  };
}
