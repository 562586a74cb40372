/**
 * OCR with tesseract.js inside an image worker: one warm tesseract worker per image worker,
 * created on first use and reused, fully offline (the English LSTM model shipped in
 * `@tesseract.js-data/eng`, or the folder `SQUINT_OCR_DATA_DIR` names: see `ocr_data.ts`; never
 * a CDN).
 *
 * Preprocessing, measured with `bench/ocr_accuracy.ts` on the corpus pages (CER on collapsed
 * whitespace, per page, scale 1× → 2×): images up to 2400 px on the long side (150-200 dpi pages,
 * screenshots) are upscaled 2× with Skia's bicubic filter, as grayscale (`gray_upscale.ts`; body
 * lines of 20 px and more only 1.5×, of 30 px and more not at all: `ocr_scale.ts`), larger ones
 * (300 dpi pages) are left as they are. At 150-200 dpi body text is ~9-13 px x-height, below what the LSTM model reads
 * best: 2× cuts CER on debian_reference 2.89% → 1.66%, duck invoice 1.76% → 1.30%,
 * simpleinvoice 0.69% → 0.35%, r_intro 0.70% → 0.60%, code shot 3.79% → 1.50%; at 300 dpi it
 * hurts (debian_policy 0.27% → 0.49%). Pixels go to tesseract as an 8-bit grayscale PNG
 * (Leptonica binarizes itself), inverted when the mean luma is dark (terminal themes). Not as a
 * PGM, though it needs no encoding: tesseract.js takes time in proportion to the file it is
 * handed, and a page upscaled 2× is 3-15 MB as PGM (or a PNG stored uncompressed) but 0.2-1.3 MB
 * as a PNG unfiltered at zlib level 1, which encodes in 5-66 ms. Measured one band, 2 vCPUs, same
 * words and boxes either way: a blank 3400×4400 page 5.2 s → 0.5 s; gnuplot's web page
 * 2.6 → 1.2-1.8 s, the cat terminal 1.9 → 0.9 s, the Norwegian invoice 2.3 → 0.7-1.0 s, r_intro
 * 8.0 → 3.9-4.2 s. Level 6 or the adaptive filters made the file ~20% smaller and read no faster.
 * Camera photos (see `ocr_preprocess.ts`) are instead read at a long side of at most 1600 px and
 * binarized against their local mean: receipt photo CER 24.5% → 8.3%, recall 50% → 82%. Page
 * segmentation stays `PSM.AUTO`: its own block finding keeps words of separate columns apart,
 * and the layout is rebuilt from word boxes anyway.
 *
 * Speed: recognition is the LSTM run over every text line, ~0.1-0.2 s per full-width line on
 * this 2-vCPU box, so a dense page stays at several seconds. The model is tessdata_fast's
 * (`ocr_model/`), whose smaller network reads in about three quarters of the time of
 * `@tesseract.js-data/eng`'s `4.0.0_best_int` at the same word recall (last row below; the
 * package's `4.0.0` folder holds best_int's LSTM plus the legacy engine, and gave best_int's text
 * and time). What was measured with best_int (r_intro, 1700x2200, 42 lines; totals over the 17
 * bench pages; this box is shared, so times are ±20%):
 *
 * | tried                                    | time                  | accuracy                   |
 * | ---------------------------------------- | --------------------- | -------------------------- |
 * | scale 1× / 1.5× / 2× (r_intro)           | 6.0 / 7.2 / 9.4 s     | CER total 3.27/2.84/2.81%  |
 * | layout analysis alone at 1× / 2×         | 1.9 / 4.4 s           | -                          |
 * | `tessedit_do_invert: "0"` (kept)         | same on clean pages   | no page's text changed     |
 * | `user_defined_dpi` (from manifest dpi)   | same                  | no page's text changed     |
 * | PSM SINGLE_BLOCK                         | same (8.6-9.2 s)      | tables: duck 8.2%, deb 9.4%|
 * | dictionaries off (`load_*_dawg: 0`)      | same                  | -                          |
 * | `4.0.0` model instead of `best_int`      | same                  | same text                  |
 * | tessdata_fast model (kept, 17 pages)     | 66.1 → 49.2 s         | CER 2.25 → 2.41%, recall = |
 * | 2 workers on top/bottom halves, 2×       | total 143 → 106 s     | CER total 2.81 → 3.32%     |
 * | 2 workers on halves, 1.5×                | r_intro 5.5 s         | CER total 2.79%            |
 * | only `blocks` output (already so)        | -                     | -                          |
 *
 * 1.5× reads as well overall (CER 2.62% vs 2.58%, recall 96.2% vs 95.8%) but misreads
 * `:help|only` on debian_reference and loses the dot leaders that let the layout see latex_news
 * as two columns, so 2× stays. The worker is created once (module-level promise) and reused;
 * only the first call pays its 0.4-1.4 s start. A page may be read in bands at once, each by a
 * tesseract worker of its own (`ocr_bands.ts`): the "2 workers on halves" rows above cut where
 * the middle fell; cut across a gap between lines, the words are the page's own.
 *
 * Word confidences are tesseract's, on a 0-100 scale.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { createCanvas, Image, ImageData } from "@napi-rs/canvas";
import { createWorker, OEM, PSM, type Worker } from "tesseract.js";
import { analyzeLayout } from "./ocr_layout.ts";
import { isCameraPhoto, localThreshold } from "./ocr_preprocess.ts";
import { missingOcrData, ocrDataDir } from "./ocr_data.ts";
import { bandCuts } from "./ocr_bands.ts";
import { defaultScale } from "./ocr_scale.ts";
import { type GrayImage, upscaleGray } from "./gray_upscale.ts";
import { encodePng, PNG_COLOR_TYPE } from "./png_encode.ts";

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
  /** The bands it was read in at once (`ocr_bands.ts`). */
  bands: number;
}

/** Raw pixels, as `ImageData` holds them. */
export interface RgbaImage {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

/** How to recognise one image. */
export interface OcrOptions {
  /** Upscale factor before recognition; default `defaultScale`'s (`ocr_scale.ts`). */
  scale?: number;
  /**
   * The body text's measured line height (`line_height.ts`), when known: large text is upscaled
   * less.
   */
  lineHeight?: number;
  /** Tesseract page segmentation mode; default `PSM.AUTO`. */
  pageSegMode?: PSM;
  /**
   * At most how many bands the page is read in at once, each by a tesseract worker of its own
   * (see `ocr_bands.ts`); default 1.
   */
  bands?: number;
}

/**
 * The script each tesseract worker runs: tesseract.js's own, taking jobs without Deno's walk of
 * every byte of their pictures (`tesseract_worker.cjs`); tesseract.js's where squint's code is
 * not on disk beside it (imported from a URL, or compiled without it).
 */
const TESSERACT_WORKER = new URL("./tesseract_worker.cjs", import.meta.url);

function tesseractWorker(): { workerPath?: string } {
  if (TESSERACT_WORKER.protocol !== "file:") return {};
  const workerPath = fileURLToPath(TESSERACT_WORKER);
  try {
    return Deno.statSync(workerPath).isFile ? { workerPath } : {};
  } catch {
    return {};
  }
}

/** Tesseract workers, started on first use: the first reads whole pictures, the rest bands. */
const engines: (Promise<Worker> | undefined)[] = [];
/** The last queued recognition: parameters and recognition of one call must not interleave. */
let queue: Promise<unknown> = Promise.resolve();

function ocrEngine(index: number): Promise<Worker> {
  const running = engines[index];
  if (running) return running;
  const langPath = ocrDataDir();
  const missing = missingOcrData(langPath);
  if (missing) return Promise.reject(new Error(missing));
  const started = createWorker("eng", OEM.LSTM_ONLY, {
    langPath,
    gzip: true,
    cacheMethod: "none",
    ...tesseractWorker(),
  })
    .catch((error) => {
      engines[index] = undefined;
      throw error;
    });
  engines[index] = started;
  return started;
}

/** Tesseract's reading of one band of grayscale rows, its word boxes in the band's pixels. */
async function readBand(
  engine: number,
  file: Uint8Array,
  pageSegMode = PSM.AUTO,
): Promise<TesseractWord[]> {
  const worker = await ocrEngine(engine);
  await worker.setParameters({
    tessedit_pageseg_mode: pageSegMode,
    // Dark pages are already inverted here; tesseract's own retry of weak lines inverted
    // costs a second recognition of those lines and changed no corpus page's text.
    tessedit_do_invert: "0",
    // tesseract prints notes ("Estimating resolution as …") to its debug file, stderr by default.
    debug_file: "/dev/null",
  });
  return wordsOf((await worker.recognize(file, {}, { text: false, blocks: true })).data);
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

/** RGBA pixels shrunk with Skia's high-quality filter, as grayscale. */
function shrunkGray(image: RgbaImage, scale: number): GrayImage {
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
  const rgba = ctx.getImageData(0, 0, width, height).data;
  return { gray: grayscale({ rgba, width, height }), width, height };
}

/** Luma (BT.601) of the RGBA pixel at byte offset `i`, composited on white. */
export function lumaOnWhite(rgba: Uint8ClampedArray | Uint8Array, i: number): number {
  const a = rgba[i + 3] / 255;
  const y = 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2];
  return Math.round(y * a + 255 * (1 - a));
}

/** Luma (BT.601) of each pixel, composited on white; inverted when the page is dark. */
export function grayscale(image: RgbaImage): Uint8Array {
  const { rgba } = image;
  const gray = new Uint8Array(image.width * image.height);
  let sum = 0;
  for (let p = 0, i = 0; p < gray.length; p++, i += 4) {
    gray[p] = lumaOnWhite(rgba, i);
    sum += gray[p];
  }
  // Light text on a dark background (terminals, dark themes) reads better inverted.
  if (sum / gray.length < 110) { for (let p = 0; p < gray.length; p++) gray[p] = 255 - gray[p]; }
  return gray;
}

/** How tesseract.js is handed a band: unfiltered at zlib level 1 (see the module comment). */
const OCR_PNG = { filter: "none", level: 1 } as const;

/** A band of grayscale rows as the file tesseract.js reads fastest: a grayscale PNG. */
function ocrFile(gray: Uint8Array, width: number, height: number): Uint8Array {
  return encodePng({ width, height, colorType: PNG_COLOR_TYPE.gray, samples: gray }, OCR_PNG);
}

/**
 * A binary PGM (P5) file, for the native `tesseract` command (bench): no compression step.
 * tesseract.js reads it far slower than a PNG (`ocrFile`).
 */
export function pgm(gray: Uint8Array, width: number, height: number): Uint8Array {
  const header = new TextEncoder().encode(`P5\n${width} ${height}\n255\n`);
  const file = new Uint8Array(header.length + gray.length);
  file.set(header);
  file.set(gray, header.length);
  return file;
}

/** Local threshold for photos: window radius as a share of the long side, and ink offset. */
const PHOTO_WINDOW_SHARE = 1 / 80;
const PHOTO_INK_OFFSET = 12;

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
  // Every worker the bands may take starts now, beside the preprocessing: a page that is not cut
  // has not cost the next one the start of a worker (0.4-1.4 s).
  for (let band = 0; band < (options.bands ?? 1); band++) ocrEngine(band).catch(() => {});
  const image = input instanceof Uint8Array ? await decode(input) : input;
  const native = grayscale(image);
  const photo = isCameraPhoto(native);
  const scale = options.scale ?? defaultScale(image, photo, options.lineHeight);
  // Upscaled as a grayscale picture (`gray_upscale.ts`, Skia's filter at a quarter of the
  // bytes); shrunk (a camera photo) by Skia.
  const work = scale > 1
    ? upscaleGray({ gray: native, width: image.width, height: image.height }, scale)
    : scale < 1
    ? shrunkGray(image, scale)
    : { gray: native, width: image.width, height: image.height };
  let gray = work.gray;
  if (photo) {
    const radius = Math.round(Math.max(work.width, work.height) * PHOTO_WINDOW_SHARE);
    gray = localThreshold(gray, work.width, work.height, { radius, offset: PHOTO_INK_OFFSET });
  }
  // A camera photo's lines are seldom level: no row between them is free of ink across the page.
  const cuts = bandCuts(gray, work.width, work.height, photo ? 1 : options.bands ?? 1, scale);
  const run = queue.then(() =>
    Promise.all(
      cuts.slice(1).map((end, band) => {
        const rows = gray.subarray(cuts[band] * work.width, end * work.width);
        return readBand(band, ocrFile(rows, work.width, end - cuts[band]), options.pageSegMode);
      }),
    )
  );
  queue = run.catch(() => undefined);
  // Each band's boxes are in its own rows: moved down to where the band starts on the page.
  const words = (await run).flatMap((band, i) =>
    band.filter((w) => w.text.trim().length > 0).map((w) => ({
      text: w.text.trim(),
      confidence: w.confidence,
      x0: w.bbox.x0 / scale,
      y0: (w.bbox.y0 + cuts[i]) / scale,
      x1: w.bbox.x1 / scale,
      y1: (w.bbox.y1 + cuts[i]) / scale,
    }))
  );
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
    bands: cuts.length - 1,
  };
}

/** Terminates the tesseract workers that were started; the next `recognize` starts others. */
export async function closeOcr(): Promise<void> {
  await queue;
  const pending = engines.splice(0);
  await Promise.all(
    pending.map((engine) => engine?.then((worker) => worker.terminate(), () => {})),
  );
}
