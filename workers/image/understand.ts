/**
 * What an image shows and, for text-heavy candidates, the text it holds: the worker side of
 * the understanding step. Cheap pixel signals decide first; only a candidate for `text` is
 * read by OCR, and OCR's own evidence (words, confidence, area) confirms or refutes `text`.
 */
import { createCanvas, type Image } from "@napi-rs/canvas";
import { classifyContent, contentSample, contentSignals } from "./content.ts";
import { resizeUpright } from "./downscale.ts";
import { recognize } from "./ocr.ts";
import { decodeImage, RenderError, type RenderOptions } from "./render.ts";
import type { ContentFacts, ImageInfo } from "./types.ts";

/** What the understanding step found. */
export interface Understanding {
  content?: ContentFacts;
  ocr?: {
    text: string;
    words: number;
    meanConfidence: number;
    areaShare: number;
    columns: number;
    ms: number;
  };
  /** Why the image could not be examined. */
  error?: string;
}

/** Orientation still to apply after decoding (Skia applies JPEG's itself). */
const pendingOrientation = (info: ImageInfo) => info.format === "jpeg" ? 1 : info.orientation;

/** The picture upright at full size on white (transparent screenshots read as dark otherwise). */
function uprightOnWhite(image: Image, info: ImageInfo) {
  const upright = resizeUpright(image, {
    width: info.displayWidth,
    height: info.displayHeight,
    orientation: pendingOrientation(info),
    alpha: info.mayHaveAlpha,
  });
  if (!info.mayHaveAlpha) return upright;
  const flat = createCanvas(upright.width, upright.height);
  const ctx = flat.getContext("2d", { alpha: false });
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, flat.width, flat.height);
  ctx.drawImage(upright, 0, 0);
  return flat;
}

/** Examines one image; reads its text when `ocr` is allowed and the pixels suggest text. */
export async function understandImage(
  bytes: Uint8Array,
  info: ImageInfo,
  options: { ocr: boolean; maxPixels: number; decode?: RenderOptions["decode"] },
): Promise<Understanding> {
  let image: Image;
  try {
    image = await (options.decode ?? decodeImage)(bytes, info, { maxPixels: options.maxPixels });
  } catch (e) {
    if (e instanceof RenderError) return { error: e.message };
    throw e;
  }
  const sample = contentSample(image, pendingOrientation(info));
  const signals = contentSignals(sample.data, sample.width, sample.height);
  const cheap = classifyContent(signals);
  if (!options.ocr || !cheap.candidate) {
    return {
      content: { label: cheap.label, confidence: cheap.confidence, reasons: cheap.reasons },
    };
  }
  const canvas = uprightOnWhite(image, info);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  const read = await recognize({ rgba: pixels.data, width: canvas.width, height: canvas.height });
  const judged = classifyContent(signals, {
    words: read.words.length,
    meanConfidence: read.meanConfidence,
    areaShare: read.areaShare,
  });
  return {
    content: { label: judged.label, confidence: judged.confidence, reasons: judged.reasons },
    ocr: {
      text: read.text,
      words: read.words.length,
      meanConfidence: read.meanConfidence,
      areaShare: read.areaShare,
      columns: read.columns,
      ms: Math.round(read.ms),
    },
  };
}
