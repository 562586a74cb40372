/**
 * OCR with tesseract.js inside an image worker: one warm tesseract worker per image worker,
 * created on first use and reused, fully offline (the English LSTM model shipped in
 * `@tesseract.js-data/eng`, never a CDN).
 *
 * Preprocessing, measured with `bench/ocr_accuracy.ts` on the corpus pages (CER on collapsed
 * whitespace, per page, scale 1× → 2×): images up to 2400 px on the long side (150-200 dpi pages,
 * screenshots) are upscaled 2× with Skia's bicubic filter, larger ones (300 dpi pages, camera
 * photos) are left as they are. At 150-200 dpi body text is ~9-13 px x-height, below what the
 * LSTM model reads best: 2× cuts CER on debian_reference 2.89% → 1.66%, duck invoice 1.76% →
 * 1.30%, simpleinvoice 0.69% → 0.35%, r_intro 0.70% → 0.60%, code shot 3.79% → 1.50%, and
 * raises acm_p3 word recall 95.4% → 95.8%; at 300 dpi it hurts (debian_policy 0.27% → 0.49%,
 * receipt photo 24.5% → 28.8%) and doubles the time. (r_data_table is the exception at 150 dpi:
 * 0.62% → 1.04%.) Pixels go to tesseract as 8-bit grayscale PGM (no encode step; Leptonica
 * binarizes itself), inverted when the mean luma is dark (terminal themes). Page segmentation
 * stays `PSM.AUTO`: its own block finding keeps words of separate columns apart, and the layout
 * is rebuilt from word boxes anyway. Cost on this 2-vCPU box: ~2-10 s per page (4-17 s under
 * load), dominated by recognition; decoding and grayscale take <0.5 s.
 *
 * Word confidences are tesseract's, on a 0-100 scale.
 *
 * @module
 */

import { createCanvas, Image, ImageData } from "@napi-rs/canvas";
import { createWorker, OEM, PSM, type Worker } from "tesseract.js";
import { fileURLToPath } from "node:url";
import { analyzeLayout } from "./ocr_layout.ts";

/** One recognised word; box in input-image pixels, confidence 0-100. */
export interface OcrWord {
  text: string;
  confidence: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** What `recognize` found on an image. */
export interface OcrResult {
  /** Size of the input image. */
  width: number;
  height: number;
  words: OcrWord[];
  /** Mean word confidence, 0-100 (0 when no word was found). */
  meanConfidence: number;
  /** Share of the image area covered by word boxes, 0-1. */
  areaShare: number;
  /** Layout-preserving text (see `ocr_layout.ts`). */
  text: string;
  /** Detected side-by-side text columns (0 when no word was found). */
  columns: number;
  /** Wall time of preprocessing and recognition, in milliseconds. */
  ms: number;
}

/** Raw pixels, as `ImageData` holds them. */
export interface RgbaImage {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

/** How to recognise one image. */
export interface OcrOptions {
  /** Upscale factor before recognition; default picks one from the estimated text size. */
  scale?: number;
  /** Tesseract page segmentation mode; default `PSM.AUTO`. */
  pageSegMode?: PSM;
}

let engine: Promise<Worker> | undefined;
/** The last queued recognition: parameters and recognition of one call must not interleave. */
let queue: Promise<unknown> = Promise.resolve();

/** The folder holding `eng.traineddata.gz`, found through the package's own module path. */
function langPath(): string {
  try {
    return fileURLToPath(
      new URL("./4.0.0_best_int", import.meta.resolve("@tesseract.js-data/eng")),
    );
  } catch {
    return fileURLToPath(
      new URL("../../node_modules/@tesseract.js-data/eng/4.0.0_best_int", import.meta.url),
    );
  }
}

function ocrEngine(): Promise<Worker> {
  engine ??= createWorker("eng", OEM.LSTM_ONLY, {
    langPath: langPath(),
    gzip: true,
    cacheMethod: "none",
  }).catch((error) => {
    engine = undefined;
    throw error;
  });
  return engine;
}

/** Decodes PNG/JPEG/WebP bytes to RGBA. */
async function decode(bytes: Uint8Array): Promise<RgbaImage> {
  const image = new Image();
  image.src = bytes;
  await image.decode();
  const { naturalWidth: width, naturalHeight: height } = image;
  const ctx = createCanvas(width, height).getContext("2d");
  ctx.drawImage(image, 0, 0);
  return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
}

/** Resizes RGBA pixels with Skia's high-quality (bicubic) filter. */
function scaled(image: RgbaImage, scale: number): RgbaImage {
  if (scale === 1) return image;
  const width = Math.round(image.width * scale), height = Math.round(image.height * scale);
  const source = createCanvas(image.width, image.height);
  source.getContext("2d").putImageData(
    new ImageData(image.rgba, image.width, image.height),
    0,
    0,
  );
  const ctx = createCanvas(width, height).getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, 0, 0, width, height);
  return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
}

/** Luma (BT.601) of each pixel, composited on white; inverted when the page is dark. */
export function grayscale(image: RgbaImage): Uint8Array {
  const { rgba } = image;
  const gray = new Uint8Array(image.width * image.height);
  let sum = 0;
  for (let p = 0, i = 0; p < gray.length; p++, i += 4) {
    const a = rgba[i + 3] / 255;
    const y = 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
    gray[p] = Math.round(y * a + 255 * (1 - a));
    sum += gray[p];
  }
  // Light text on a dark background (terminals, dark themes) reads better inverted.
  if (sum / gray.length < 110) { for (let p = 0; p < gray.length; p++) gray[p] = 255 - gray[p]; }
  return gray;
}

/** A binary PGM (P5) file: the cheapest format Leptonica reads, with no compression step. */
export function pgm(gray: Uint8Array, width: number, height: number): Uint8Array {
  const header = new TextEncoder().encode(`P5\n${width} ${height}\n255\n`);
  const file = new Uint8Array(header.length + gray.length);
  file.set(header);
  file.set(gray, header.length);
  return file;
}

/** Images up to this long side are upscaled 2× (150-200 dpi pages, screenshots). */
const UPSCALE_MAX_SIDE = 2400;

/** The default upscale for an image of this size (see the module comment). */
export function defaultScale(image: { width: number; height: number }): number {
  return Math.max(image.width, image.height) <= UPSCALE_MAX_SIDE ? 2 : 1;
}

interface TesseractWord {
  text: string;
  confidence: number;
  bbox: { x0: number; y0: number; x1: number; y1: number };
}

function wordsOf(
  page: { blocks: { paragraphs: { lines: { words: TesseractWord[] }[] }[] }[] | null },
) {
  return (page.blocks ?? []).flatMap((b) =>
    b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words))
  );
}

/**
 * Recognises the text of an image (raw RGBA or encoded PNG/JPEG/WebP bytes) and lays it out.
 * Calls share one tesseract worker and run one at a time.
 */
export async function recognize(
  input: RgbaImage | Uint8Array,
  options: OcrOptions = {},
): Promise<OcrResult> {
  const started = performance.now();
  const image = input instanceof Uint8Array ? await decode(input) : input;
  const scale = options.scale ?? defaultScale(image);
  const work = scaled(image, scale);
  const file = pgm(grayscale(work), work.width, work.height);
  const run = queue.then(async () => {
    const worker = await ocrEngine();
    await worker.setParameters({ tessedit_pageseg_mode: options.pageSegMode ?? PSM.AUTO });
    return (await worker.recognize(file, {}, { text: false, blocks: true })).data;
  });
  queue = run.catch(() => undefined);
  const data = await run;
  const words = wordsOf(data).filter((w) => w.text.trim().length > 0).map((w) => ({
    text: w.text.trim(),
    confidence: w.confidence,
    x0: w.bbox.x0 / scale,
    y0: w.bbox.y0 / scale,
    x1: w.bbox.x1 / scale,
    y1: w.bbox.y1 / scale,
  }));
  const area = words.reduce((sum, w) => sum + (w.x1 - w.x0) * (w.y1 - w.y0), 0);
  const layout = analyzeLayout(words);
  return {
    width: image.width,
    height: image.height,
    words,
    meanConfidence: words.length
      ? words.reduce((sum, w) => sum + w.confidence, 0) / words.length
      : 0,
    areaShare: area / (image.width * image.height),
    text: layout.text,
    columns: layout.columns,
    ms: performance.now() - started,
  };
}

/** Terminates the tesseract worker, if one was started; the next `recognize` starts another. */
export async function closeOcr(): Promise<void> {
  await queue;
  const pending = engine;
  engine = undefined;
  if (pending) await (await pending).terminate();
}
