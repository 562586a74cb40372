/**
 * What a provider's model would see of a picture, and how well a reader reads it: the measuring
 * instrument of the legibility floor (bench/legibility.ts, tests/optimize/legibility_ocr.test.ts).
 *
 * - The provider's view of the original: the original resized to the size the provider itself
 *   would resize it to (`imageTokens` gives that size: OpenAI fits 2048 then short side 768, or
 *   512 at detail low; Anthropic its long-side and megapixel caps; Gemini 2.x its tiles).
 * - The provider's view of squint's picture: squint's render of its decision (the real renderer,
 *   format and quality included), resized again to what the provider makes of that.
 * - A region's crop is compared with the same box of the original's view.
 *
 * Resizes use squint's own resampler (workers/image/downscale.ts) for both sides, so the two
 * views differ only by what squint decided. The reader stands in for the model reading: tesseract
 * on the grayscale view (inverted when dark), upscaled 2× when its long side is at most 2400 px,
 * as one block of text (page segmentation mode 6). Automatic segmentation (mode 3) on the views
 * as they are changes a page's character error rate by up to 30× between two copies 2% apart in
 * size (code screenshot 0.020 → 0.120, invoice 0.010 → 0.626): its per-image ratios measure where
 * it happened to cut the page, not legibility. Mode 6 at 2× moves by under 0.01 on the same
 * copies, and reads small text the way squint's own OCR does.
 *
 * @module
 */
import { defaultScale } from "../workers/image/ocr_scale.ts";
import { type Canvas, createCanvas, Image } from "@napi-rs/canvas";
import { PSM } from "tesseract.js";
import { imageTokens } from "../src/models/image_tokens.ts";
import type { Detail, ImageRule } from "../src/models/types.ts";
import type { ImageDecision } from "../src/optimize/plan_image.ts";
import { resizeUpright } from "../workers/image/downscale.ts";
import { closeOcr, grayscale, pgm, recognize } from "../workers/image/ocr.ts";
import { decodeImage, renderImage } from "../workers/image/render.ts";
import { pendingOrientation } from "../workers/image/understand.ts";
import type { ImageInfo } from "../workers/image/types.ts";
import { collapseSpace, levenshtein } from "./ocr_accuracy.ts";

/** A picture as the model would see it. */
export interface Seen {
  canvas: Canvas;
  width: number;
  height: number;
}

/** Reads the text of a picture as the model would see it. */
export interface Reader {
  /** How it reads, for the report. */
  name: string;
  /** Reads `seen`, its upscale shifted by `phase` source pixels (0 by default). */
  read(seen: Seen, phase?: number): Promise<string>;
  close(): Promise<void>;
}

/** A decoded original and its facts, ready to be viewed many times. */
export interface Original {
  bytes: Uint8Array;
  info: ImageInfo;
  image: Image;
}

/** Decodes a picture once. */
export async function openOriginal(bytes: Uint8Array, info: ImageInfo): Promise<Original> {
  return { bytes, info, image: await decodeImage(bytes, info) };
}

function upright(image: Image, width: number, height: number, orientation: number): Seen {
  const canvas = resizeUpright(image, { width, height, orientation, alpha: false });
  return { canvas, width, height };
}

/** The provider's view of the original sent with `detail`. */
export function originalView(original: Original, rule: ImageRule, detail: Detail): Seen {
  const { info, image } = original;
  const size = imageTokens(rule, info.displayWidth, info.displayHeight, detail);
  return upright(image, size.width, size.height, pendingOrientation(info));
}

/** The original itself, upright at full size. */
export function fullView(original: Original): Seen {
  const { info, image } = original;
  return upright(image, info.displayWidth, info.displayHeight, pendingOrientation(info));
}

/**
 * The part of a seen picture that squint's crop `box` (original pixels) sent at `out` pixels
 * holds: cut where squint's renderer cuts it (the whole scaled by `out.width / box.width`).
 */
export function cropSeen(
  seen: Seen,
  box: { x: number; y: number; width: number; height: number },
  out: { width: number; height: number },
): Seen {
  const s = out.width / box.width;
  const { width, height } = out;
  const canvas = createCanvas(width, height);
  canvas.getContext("2d").drawImage(
    seen.canvas,
    Math.round(box.x * s),
    Math.round(box.y * s),
    width,
    height,
    0,
    0,
    width,
    height,
  );
  return { canvas, width, height };
}

/**
 * The provider's view of what squint sends for `decision`: its render (or the original when it
 * renders nothing, or when a larger render would be dropped), at the detail it sends.
 */
export async function squintView(
  original: Original,
  rule: ImageRule,
  decision: ImageDecision,
  clientDetail: Detail,
): Promise<Seen> {
  if (decision.action === "ocr") throw new Error("an OCR route sends text, not a picture");
  const detail = decision.detail ?? clientDetail;
  if (!decision.render) return originalView(original, rule, detail);
  const rendered = await renderImage(original.bytes, original.info, decision.render);
  if (rendered.bytes.byteLength > original.bytes.byteLength && !decision.replaceEvenIfLarger) {
    return originalView(original, rule, detail);
  }
  const image = new Image();
  image.src = rendered.bytes;
  await image.decode();
  const size = imageTokens(rule, rendered.width, rendered.height, detail);
  return upright(image, size.width, size.height, 1);
}

/** The character error rate of `text` against `truth`, whitespace runs collapsed. */
export function characterErrorRate(truth: string, text: string): number {
  const expected = collapseSpace(truth);
  return levenshtein(expected, collapseSpace(text)) / Math.max(1, expected.length);
}

/**
 * Sub-pixel shifts (in source pixels) of the reader's upscale: the same picture read at three
 * sampling phases. One reading of a page moves by a few characters with the phase alone; the
 * mean of three is the error rate, and their spread is the reader's own noise on that picture.
 */
export const PHASES = [0, 1 / 3, 2 / 3] as const;

/** The seen picture as the reader takes it: upscaled, shifted, grayscale, inverted when dark. */
function readerPixels(seen: Seen, phase: number) {
  // Upscaled as squint's own OCR reads a page.
  const scale = defaultScale(seen);
  const width = seen.width * scale, height = seen.height * scale;
  const ctx = createCanvas(width, height).getContext("2d");
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(seen.canvas, phase * scale, phase * scale, width, height);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  return { gray: grayscale({ rgba, width, height }), width, height };
}

/** Readings already made, by the SHA-256 of the reader's input (identical views read once). */
function memo(read: (file: Uint8Array) => Promise<string>) {
  const known = new Map<string, Promise<string>>();
  return async (seen: Seen, phase = 0) => {
    const { gray, width, height } = readerPixels(seen, phase);
    const file = pgm(gray, width, height);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", file as BufferSource));
    const key = digest.toHex();
    let text = known.get(key);
    if (!text) known.set(key, text = read(file));
    return await text;
  };
}

/** A picture's error rate: the mean over the reader's phases, and their spread. */
export interface ErrorRate {
  mean: number;
  spread: number;
}

/** The error rate of what `reader` reads in `seen` against `truth`, over `phases`. */
export async function errorRate(
  reader: Reader,
  seen: Seen,
  truth: string,
  phases: readonly number[] = PHASES,
): Promise<ErrorRate> {
  const rates: number[] = [];
  for (const phase of phases) rates.push(characterErrorRate(truth, await reader.read(seen, phase)));
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  return { mean, spread: Math.max(...rates) - Math.min(...rates) };
}

/**
 * Whether squint's picture reads as well as the original's view: its error rate is at most
 * `maxRatio` times the original's, or within the reader's own spread on the original (the
 * reader cannot tell the two apart).
 */
export function readsAsWell(original: ErrorRate, squint: ErrorRate, maxRatio: number): boolean {
  return squint.mean <= maxRatio * original.mean || squint.mean - original.mean <= original.spread;
}

/**
 * Native tesseract (the `tesseract` command, one thread, the system's English model) as the
 * reader; undefined when it is not installed.
 */
export async function nativeReader(): Promise<Reader | undefined> {
  const version = await new Deno.Command("tesseract", { args: ["--version"] }).output()
    .catch(() => undefined);
  if (!version?.success) return undefined;
  const dir = await Deno.makeTempDir({ prefix: "squint_legibility_" });
  let n = 0;
  const read = memo(async (file) => {
    const path = `${dir}/${n++}.pgm`;
    await Deno.writeFile(path, file);
    const out = await new Deno.Command("tesseract", {
      args: [path, "-", "--psm", "6"],
      env: { OMP_THREAD_LIMIT: "1" },
      stderr: "null",
    }).output();
    await Deno.remove(path);
    return new TextDecoder().decode(out.stdout);
  });
  return {
    name: "native tesseract 5 (psm 6, 2× upscale, one thread)",
    read,
    close: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

/** tesseract.js (squint's own OCR engine, offline model) as the reader. */
export function tesseractJsReader(): Reader {
  const read = memo(async (file) => {
    // The reader's input is already upscaled and grayscale: recognise it as it is.
    const header = new TextDecoder().decode(file.subarray(0, 20)).split(/\s+/);
    const width = Number(header[1]), height = Number(header[2]);
    const gray = file.subarray(file.length - width * height);
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let p = 0; p < gray.length; p++) {
      rgba.fill(gray[p], 4 * p, 4 * p + 3);
      rgba[4 * p + 3] = 255;
    }
    const result = await recognize({ rgba, width, height }, {
      scale: 1,
      pageSegMode: PSM.SINGLE_BLOCK,
    });
    return result.text;
  });
  return { name: "tesseract.js 7 (psm 6, 2× upscale)", read, close: closeOcr };
}
