/**
 * What an image shows and, for text-heavy candidates, the text it holds: the worker side of
 * the understanding step. Cheap pixel signals decide first; only a candidate for `text` is
 * read by OCR, and OCR's own evidence (words, confidence, area) confirms or refutes `text`.
 * Pictures with text lines also get their body text's line height (line_height.ts), which the
 * planner's legibility floor needs.
 */
import type { Image } from "@napi-rs/canvas";
import {
  classifyContent,
  contentSample,
  type ContentSignals,
  contentSignals,
  type ContentVerdict,
} from "./content.ts";
import { halvedUpright, resizeUpright } from "./downscale.ts";
import { grayscale, lumaOnWhite, type OcrOptions, recognize } from "./ocr.ts";
import { isCameraPhoto } from "./ocr_preprocess.ts";
import { hashesOfImage, type PerceptualHashes } from "./perceptual.ts";
import { MEASURE_SIDE, type TextLines, textLinesOf } from "./line_height.ts";
import { surelyPaysByLayout, unreadForLayout } from "./text_amount.ts";
import { estimateStringTokens } from "../../src/accounting/text_tokens.ts";
import { decodeImage, RenderError, type RenderOptions } from "./render.ts";
import type { ContentFacts, ImageInfo } from "./types.ts";

/** The top of a page read first, when a text budget is given. */
const STRIP_SHARE = 0.3;
/** The strip must hold at least this share of the page's ink for its text to say anything. */
const MIN_STRIP_INK = 0.15;
/** The rest of the page is not read when its text is estimated above this many budgets. */
const OVER_BUDGET = 1.5;

/** What the understanding step found. */
export interface Understanding {
  /** Why the page was not read to the end (its text would cost more than its pixels). */
  ocrSkipped?: string;
  content?: ContentFacts;
  /** Its body-text lines, when it shows text lines (the planner's legibility floor). */
  textLines?: TextLines;
  /** A camera photo of paper (its lines seldom level): OCR reads it whole (`ocr_preprocess.ts`). */
  cameraPhoto?: boolean;
  /**
   * A look taken without its line measure (`lines: false`): whether what it shows has text
   * lines to measure. Its `cameraPhoto` then says whether it is one, should it have them.
   */
  linesShown?: boolean;
  ocr?: {
    text: string;
    words: number;
    meanConfidence: number;
    areaShare: number;
    columns: number;
    ms: number;
    /** The bands it was read in at once (`ocr_bands.ts`). */
    bands: number;
  };
  /** pHash and dHash of the upright picture, for near-duplicate cache matches. */
  perceptual?: PerceptualHashes;
  /**
   * What a look (no reading) measured of the pixels: a reading of the same picture given this
   * look (`understandImage`'s `seen`) takes it from here rather than measuring it again.
   */
  measures?: LookMeasures;
  /** Why the image could not be examined. */
  error?: string;
}

/** A look's measures of a picture that its reading needs too. */
export interface LookMeasures {
  /** The content sample's pixel signals (`content.ts`). */
  signals: ContentSignals;
  /** Share of a light page's ink in its top strip (`inkShareAtTop`); absent when dark. */
  topInk?: number;
}

/** What a look at a picture found: everything understanding needs short of reading it. */
interface Look extends LookMeasures {
  textLines?: TextLines;
  cameraPhoto?: boolean;
  linesShown?: boolean;
  perceptual?: PerceptualHashes;
}

/** Orientation still to apply after decoding (Skia applies JPEG's itself). */
export const pendingOrientation = (info: ImageInfo) =>
  info.format === "jpeg" ? 1 : info.orientation;

/**
 * Longest side OCR reads: a 300-dpi A4 page is 3,508 px; beyond this a scan is shrunk first, so
 * a 100 MP picture never becomes gigabytes of canvases.
 */
export const OCR_MAX_SIDE = 4_000;

/**
 * The picture upright, at most OCR_MAX_SIDE; transparency is kept (OCR's grayscale composites it
 * on white).
 */
function uprightForOcr(image: Image, info: ImageInfo) {
  const scale = Math.min(1, OCR_MAX_SIDE / Math.max(info.displayWidth, info.displayHeight));
  return resizeUpright(image, {
    width: Math.max(1, Math.round(info.displayWidth * scale)),
    height: Math.max(1, Math.round(info.displayHeight * scale)),
    orientation: pendingOrientation(info),
    alpha: info.mayHaveAlpha,
  });
}

/**
 * Whether a picture's text lines are measured: text, a text candidate, or a screen with captions
 * (`ui`: menus, labels and web pages are read by their text). Photos, charts and art are not.
 */
const showsTextLines = (v: ContentVerdict) => v.candidate || v.label === "text" || v.label === "ui";

/** What the main thread keeps of a verdict. */
const factsOf = (v: ContentVerdict): ContentFacts => ({
  label: v.label,
  confidence: v.confidence,
  reasons: v.reasons,
});

/** Examines one image; reads its text when `ocr` is allowed and the pixels suggest text. */
export async function understandImage(
  bytes: Uint8Array,
  info: ImageInfo,
  options: {
    ocr: boolean;
    maxPixels: number;
    decode?: RenderOptions["decode"];
    /** Text tokens beyond which the text cannot replace the image: read the top first. */
    textBudget?: number;
    /** At most how many bands a page is read in at once (`ocr_bands.ts`); default 1. */
    bands?: number;
    /** A look already taken at these bytes: its measures are not taken again. */
    seen?: Understanding;
    /**
     * false: a look without the line measure, taken in another worker meanwhile (`linesOf`);
     * `joinLook` makes the two one look. Only without `ocr`.
     */
    lines?: boolean;
  },
): Promise<Understanding> {
  const image = await decodedOrError(bytes, info, options);
  if ("error" in image) return image;
  const look = lookOf(image, info, options.seen, options.lines ?? true);
  const { signals, textLines, perceptual } = look;
  const cheap = classifyContent(signals);
  // What every finding holds of the look (a reading's content verdict is its own).
  const seen = { textLines, ...(look.cameraPhoto && { cameraPhoto: true }), perceptual };
  if (!options.ocr || !cheap.candidate) {
    return {
      content: factsOf(cheap),
      ...seen,
      ...(look.linesShown !== undefined && { linesShown: look.linesShown }),
      measures: { signals, ...(look.topInk !== undefined && { topInk: look.topInk }) },
    };
  }
  // Decided before recognising: a page whose text its layout shows to cost clearly more than
  // its pixels is never read.
  const unread = unreadForLayout(textLines, info.displayWidth, options.textBudget);
  if (unread) return { content: factsOf(cheap), ...seen, ocrSkipped: unread };
  const canvas = uprightForOcr(image, info);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  const page = { rgba: pixels.data, width: canvas.width, height: canvas.height };
  // The top strip is read to tell only where the layout cannot: a page whose layout shows its
  // text surely pays is read once, not its top twice.
  // The top strip and the page are read alike: in the bands allowed, at the lines' scale.
  const reading = { bands: options.bands, lineHeight: textLines?.lineHeight };
  const skipped = options.textBudget === undefined ||
      surelyPaysByLayout(textLines, info.displayWidth, options.textBudget)
    ? undefined
    : await overBudget(page, look.topInk, options.textBudget, reading);
  if (skipped) return { content: factsOf(cheap), ...seen, ocrSkipped: skipped };
  const read = await recognize(page, reading);
  const judged = classifyContent(signals, {
    words: read.words.length,
    meanConfidence: read.meanConfidence,
    areaShare: read.areaShare,
  });
  return {
    content: factsOf(judged),
    ...seen,
    ocr: {
      text: read.text,
      words: read.words.length,
      meanConfidence: read.meanConfidence,
      areaShare: read.areaShare,
      columns: read.columns,
      ms: Math.round(read.ms),
      bands: read.bands,
    },
  };
}

/**
 * The look at a decoded picture: `seen`'s, when it holds a look's measures, else taken now (a
 * large picture is halved, exactly, while it stays MEASURE_SIDE long, once for the sample, the
 * line measure and the perceptual hashes, which shrink it further; hashed from the halved copy,
 * 10 of the corpus's 11 halved pictures hash to the same bits as from their full size and one
 * photo to 2 bits of 64 apart, far inside a near match's 14, in ~40% less time).
 */
function lookOf(image: Image, info: ImageInfo, seen?: Understanding, lines = true): Look {
  if (seen?.measures) {
    const { textLines, cameraPhoto, perceptual, measures } = seen;
    return { ...measures, textLines, cameraPhoto, perceptual };
  }
  const looked = halvedUpright(image, pendingOrientation(info), MEASURE_SIDE, info.mayHaveAlpha);
  const sample = contentSample(looked.source, looked.orientation);
  const signals = contentSignals(sample.data, sample.width, sample.height);
  const shown = showsTextLines(classifyContent(signals));
  const textLines = lines && shown ? measuredLines(looked, info) : undefined;
  // Told from the sample's mid tones: text pages ≤ 0.14 on the corpus, the receipt photo 0.32.
  // Without the line measure: whether it is one, should it have text lines.
  const cameraPhoto = (lines ? textLines !== undefined : shown) &&
    isCameraPhoto(grayscale({ rgba: sample.data, width: sample.width, height: sample.height }));
  return {
    signals,
    topInk: inkShareAtTop(sample.data, sample.width, sample.height, STRIP_SHARE),
    textLines,
    cameraPhoto,
    ...(!lines && { linesShown: shown }),
    perceptual: hashesOfImage(looked.source, looked.orientation),
  };
}

/** The text lines of a picture drawn to look at (`halvedUpright`). */
const measuredLines = (looked: ReturnType<typeof halvedUpright>, info: ImageInfo) =>
  textLinesOf(looked.source, looked.orientation, Math.max(info.displayWidth, info.displayHeight));

/**
 * The text lines of a picture, measured as a look measures them, whether or not it shows any:
 * the half of a look that another worker takes meanwhile (`joinLook`). Decodes with `decode`.
 */
export async function linesOf(
  bytes: Uint8Array,
  info: ImageInfo,
  options: { maxPixels: number; decode?: RenderOptions["decode"] },
): Promise<{ textLines?: TextLines; error?: string }> {
  const image = await decodedOrError(bytes, info, options);
  if ("error" in image) return image;
  const looked = halvedUpright(image, pendingOrientation(info), MEASURE_SIDE, info.mayHaveAlpha);
  return { textLines: measuredLines(looked, info) };
}

/** The picture decoded with `options.decode`, or what made it undecodable (a RenderError's). */
async function decodedOrError(
  bytes: Uint8Array,
  info: ImageInfo,
  options: { maxPixels: number; decode?: RenderOptions["decode"] },
): Promise<Image | { error: string }> {
  try {
    return await (options.decode ?? decodeImage)(bytes, info, { maxPixels: options.maxPixels });
  } catch (e) {
    if (e instanceof RenderError) return { error: e.message };
    throw e;
  }
}

/**
 * Share of a light page's ink (dark pixels, transparency on white) in its top `share` of rows;
 * undefined when the page is dark.
 */
export function inkShareAtTop(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  share: number,
): number | undefined {
  let top = 0, all = 0, luma = 0;
  const topRows = Math.round(height * share);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i += 4) {
      const l = lumaOnWhite(rgba, i);
      luma += l;
      if (l < 128) {
        all++;
        if (y < topRows) top++;
      }
    }
  }
  if (luma / (width * height) < 110 || all === 0) return undefined;
  return top / all;
}

/**
 * Reads the top of a tall, light page and estimates the whole page's text tokens from its top
 * strip's `share` of the ink (`inkShareAtTop` of the content sample); says why the rest is not
 * worth reading when the estimate is well over `budget`.
 */
async function overBudget(
  page: { rgba: Uint8ClampedArray; width: number; height: number },
  share: number | undefined,
  budget: number,
  options: Pick<OcrOptions, "bands" | "lineHeight">,
): Promise<string | undefined> {
  if (page.height < page.width) return undefined;
  if (share === undefined || share < MIN_STRIP_INK) return undefined;
  const rows = Math.round(page.height * STRIP_SHARE);
  const top = await recognize({
    rgba: page.rgba.subarray(0, rows * page.width * 4),
    width: page.width,
    height: rows,
  }, options);
  const estimate = Math.round(estimateStringTokens(top.text) / share);
  if (estimate <= budget * OVER_BUDGET) return undefined;
  return `its text, estimated from the top ${
    Math.round(STRIP_SHARE * 100)
  }% of the page at ~${estimate} tokens, would cost more than the image (${
    Math.round(budget)
  } at most)`;
}
