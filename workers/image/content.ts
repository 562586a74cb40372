/**
 * What a picture shows — `text`, `photo`, `chart` or `ui` — judged cheaply, so squint knows
 * whether an image may be replaced by its OCR text. Calling a photo, chart or UI screen `text`
 * is the costly error, so `text` asks for text-line structure first and, when OCR has run, for
 * OCR evidence as well.
 *
 * Two pure stages: `contentSignals` measures a downscaled RGBA copy (`contentSample` makes one
 * from a decoded picture), and `classifyContent` turns the signals, and OCR stats if any, into a
 * label. Every threshold was measured on the DEV corpus (`bench/content_accuracy.ts` prints the
 * numbers per image).
 *
 * @module
 */

import type { Canvas, Image } from "@napi-rs/canvas";
import { resizeUpright, uprightFit } from "./downscale.ts";
import { forEachBand, inkMap, withoutRulings } from "./ink.ts";

/** Long side of the copy the signals are measured on: 300 dpi text lines stay ~8 px tall. */
export const CONTENT_SIDE = 768;

/** Cheap statistics of a picture's pixels, measured at `CONTENT_SIDE`. */
export interface ContentSignals {
  /** Size of the measured copy. */
  width: number;
  height: number;
  /** Share of pixels that stand out from their tile's background: strokes, edges, objects. */
  ink: number;
  /** How many colours (4 bits a channel) it takes to cover 90% of the pixels. */
  colours90: number;
  /** Share of inked rows, per vertical strip, that fall in text-line-like bands. */
  lineRows: number;
  /** Text-line-like bands per vertical strip. */
  lines: number;
  /** Share of ink in horizontal runs of at most `SHORT_RUN` px (glyph strokes). */
  shortStrokes: number;
}

/** A run at least this long (px) is a ruling, a frame or an axis, not a glyph. */
const RULE = 40;
/** Glyph strokes at `CONTENT_SIDE` are at most this wide (px). */
const SHORT_RUN = 6;
/** Vertical strips for the row profile, so that columns with unaligned baselines still show. */
const STRIPS = 4;

/** Luminance (alpha composited over white) and the 4-bit colour histogram. */
function luminanceAndColours(rgba: Uint8ClampedArray | Uint8Array, n: number) {
  const lum = new Uint8Array(n);
  const colours = new Uint32Array(4096);
  for (let p = 0, i = 0; p < n; p++, i += 4) {
    const a = rgba[i + 3] / 255, white = 255 * (1 - a);
    const r = rgba[i] * a + white, g = rgba[i + 1] * a + white, b = rgba[i + 2] * a + white;
    lum[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    colours[((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4)]++;
  }
  return { lum, colours };
}

/**
 * Text-line bands in one vertical strip of the glyph map: runs of inked rows between blank rows
 * that are as tall as a text line, partly (not solidly) inked and broken into several strokes.
 */
function stripBands(glyphs: Uint8Array, width: number, height: number, x0: number, x1: number) {
  const stripWidth = x1 - x0;
  let inkedRows = 0, lineRows = 0, lines = 0;
  forEachBand(glyphs, width, height, x0, x1, ({ rows, inked, runs }) => {
    inkedRows += rows;
    const density = inked / (rows * stripWidth);
    const runsPer100px = (runs / rows) * 100 / stripWidth;
    if (
      rows >= 3 && rows <= Math.max(12, height * 0.06) && density >= 0.04 && density <= 0.6 &&
      runsPer100px >= 1.5
    ) {
      lineRows += rows;
      lines++;
    }
  });
  return { inkedRows, lineRows, lines };
}

/**
 * Measures `rgba` (`width`×`height`, ideally long side `CONTENT_SIDE`; alpha is composited
 * over white). Pure and deterministic; ~15-55 ms at 768 px.
 */
export function contentSignals(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): ContentSignals {
  const n = width * height;
  const { lum, colours } = luminanceAndColours(rgba, n);
  const counts = Array.from(colours).filter((c) => c > 0).sort((a, b) => b - a);
  let colours90 = 0;
  for (let covered = 0; covered < 0.9 * n && colours90 < counts.length; colours90++) {
    covered += counts[colours90];
  }

  const ink = inkMap(lum, width, height);
  let inkCount = 0, shortInk = 0;
  // Glyphs are the ink left after taking out rulings (table rules, frames, axes, page edges).
  const glyphs = withoutRulings(ink, width, height, RULE, (run) => {
    inkCount += run;
    if (run <= SHORT_RUN) shortInk += run;
  });

  let inkedRows = 0, lineRows = 0, lines = 0;
  for (let s = 0; s < STRIPS; s++) {
    const x0 = Math.floor((s * width) / STRIPS), x1 = Math.floor(((s + 1) * width) / STRIPS);
    const strip = stripBands(glyphs, width, height, x0, x1);
    inkedRows += strip.inkedRows;
    lineRows += strip.lineRows;
    lines += strip.lines;
  }
  return {
    width,
    height,
    ink: n ? inkCount / n : 0,
    colours90,
    lineRows: inkedRows ? lineRows / inkedRows : 0,
    lines: lines / STRIPS,
    shortStrokes: inkCount ? shortInk / inkCount : 0,
  };
}

/** An RGBA copy of a picture for `contentSignals`. */
export interface ContentSample {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/**
 * Draws a decoded picture or a canvas upright with its long side at most `CONTENT_SIDE`
 * (area-averaged; `orientation` is the EXIF orientation still to apply) and reads its pixels
 * back.
 */
export function contentSample(source: Image | Canvas, orientation = 1): ContentSample {
  const { width, height } = uprightFit(source, orientation, CONTENT_SIDE);
  const canvas = resizeUpright(source, { width, height, orientation, alpha: true });
  return { width, height, data: canvas.getContext("2d").getImageData(0, 0, width, height).data };
}

/** What a picture mostly shows. */
export type ContentLabel = "text" | "photo" | "chart" | "ui";

/** OCR stats that `text` needs when OCR has run. */
export interface OcrEvidence {
  /** Words recognised. */
  words: number;
  /** Mean word confidence, 0-100. */
  meanConfidence: number;
  /** Share of the image area covered by word boxes, 0-1. */
  areaShare: number;
}

/** A content decision and why it was made. */
export interface ContentVerdict {
  label: ContentLabel;
  /** 0.5 at a threshold, 1 well clear of it. */
  confidence: number;
  /** Whether OCR is worth running to confirm `text`; clear photos, charts and UIs are not. */
  candidate: boolean;
  /** The deciding measurements, one line each. */
  reasons: string[];
}

/**
 * Text-line structure: `lineRows × shortStrokes`. Measured on the DEV corpus: text pages,
 * screenshots, code and terminals 0.49-0.99, the photographed receipt 0.43; everything else at
 * most 0.25 (a desktop screenshot with a wallpaper), sheet music, charts and diagrams ≤ 0.16,
 * photos and art ≤ 0.05.
 */
export const TEXT_LINES = {
  /** Middle of the 0.25-0.43 gap: at or above it the cheap stage says `text`. */
  text: 0.34,
  /** OCR is worth running a little below `text` too, where OCR evidence can decide. */
  candidate: 0.29,
} as const;

/**
 * OCR evidence `text` needs (tesseract at native size, grayscale; DEV corpus). Text items:
 * 15-1034 words (the sparse slide has 15), mean confidence 53 for the photographed receipt and
 * 73-95 otherwise, word boxes on 0.037-0.33 of the area. Photos and art read as noise at mean
 * confidence 24-35. Charts and diagrams (23-116 words, confidence 39-89, area 0.03-0.37) are
 * not separable by OCR alone: `text` always needs the text-line structure as well.
 */
export const OCR_TEXT = { minWords: 8, minConfidence: 45, minAreaShare: 0.02 } as const;

/**
 * Where a picture that is not text is photo-like. DEV corpus: photos and art need 22-269
 * colours (4 bits a channel) to cover 90% of their pixels, UI screens with wallpapers or
 * thumbnails 22-62; charts, diagrams, sheet music and flat web pages 1-6 (a flat logo, 4,
 * falls on the chart side).
 */
export const PHOTO_COLOURS = 12;

/**
 * Colourful pictures with this share of text-line rows are UI screens (DEV: 0.36-0.57, with
 * menus and captions), not photos (at most 0.13).
 */
export const UI_LINE_ROWS = 0.24;

/** The text-line score `TEXT_LINES` thresholds. */
export function textLineScore(signals: ContentSignals): number {
  return signals.lineRows * signals.shortStrokes;
}

/** 0.5 at `threshold`, rising to 1 at `span` away from it (either side). */
function sureness(value: number, threshold: number, span: number): number {
  return 0.5 + 0.5 * Math.min(1, Math.abs(value - threshold) / span);
}

const f2 = (n: number) => n.toFixed(2);

/** The label a picture gets when it is not text. */
function nonText(s: ContentSignals, reasons: string[]): { label: ContentLabel; sure: number } {
  if (s.colours90 < PHOTO_COLOURS) {
    reasons.push(`few colours: ${s.colours90} cover 90% (< ${PHOTO_COLOURS})`);
    return { label: "chart", sure: sureness(s.colours90, PHOTO_COLOURS, 8) };
  }
  reasons.push(`many colours: ${s.colours90} cover 90% (≥ ${PHOTO_COLOURS})`);
  if (s.lineRows >= UI_LINE_ROWS) {
    reasons.push(`text-line rows ${f2(s.lineRows)} ≥ ${UI_LINE_ROWS}: screen with captions`);
    return { label: "ui", sure: sureness(s.lineRows, UI_LINE_ROWS, 0.2) };
  }
  return { label: "photo", sure: sureness(s.colours90, PHOTO_COLOURS, 10) };
}

/** Why OCR stats do not back `text`, or undefined when they do. */
function ocrShortfall(ocr: OcrEvidence): string | undefined {
  if (ocr.words < OCR_TEXT.minWords) return `${ocr.words} words (< ${OCR_TEXT.minWords})`;
  if (ocr.meanConfidence < OCR_TEXT.minConfidence) {
    return `mean confidence ${ocr.meanConfidence.toFixed(0)} (< ${OCR_TEXT.minConfidence})`;
  }
  if (ocr.areaShare < OCR_TEXT.minAreaShare) {
    return `word boxes cover ${ocr.areaShare.toFixed(3)} (< ${OCR_TEXT.minAreaShare})`;
  }
  return undefined;
}

/**
 * Labels a picture from its signals. Without `ocr`, `text` rests on text-line structure alone
 * and `candidate` says whether OCR should confirm it. With `ocr`, `text` needs both a candidate's
 * structure and OCR evidence (`OCR_TEXT`); OCR never turns a non-candidate into text.
 */
export function classifyContent(signals: ContentSignals, ocr?: OcrEvidence): ContentVerdict {
  const score = textLineScore(signals);
  const candidate = score >= TEXT_LINES.candidate;
  const reasons = [
    `text lines ${f2(score)} (rows ${f2(signals.lineRows)} × short strokes ` +
    `${f2(signals.shortStrokes)}; text ≥ ${TEXT_LINES.text}, candidate ≥ ${TEXT_LINES.candidate})`,
  ];
  const structure = sureness(score, TEXT_LINES.text, 0.2);
  if (!ocr && score >= TEXT_LINES.text) {
    return { label: "text", confidence: structure, candidate, reasons };
  }
  if (ocr && candidate) {
    const shortfall = ocrShortfall(ocr);
    if (!shortfall) {
      reasons.push(
        `OCR: ${ocr.words} words, confidence ${ocr.meanConfidence.toFixed(0)}, ` +
          `area ${ocr.areaShare.toFixed(3)}`,
      );
      const evidence = Math.min(
        sureness(ocr.meanConfidence, OCR_TEXT.minConfidence, 40),
        sureness(ocr.areaShare, OCR_TEXT.minAreaShare, 0.1),
      );
      return {
        label: "text",
        confidence: Math.min(sureness(score, TEXT_LINES.candidate, 0.2), evidence),
        candidate,
        reasons,
      };
    }
    reasons.push(`OCR does not back text: ${shortfall}`);
  }
  const { label, sure } = nonText(signals, reasons);
  return { label, confidence: Math.min(sure, structure), candidate, reasons };
}
