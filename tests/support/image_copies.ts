/**
 * Copies of corpus pictures as users send them again (recompressed, halved, cropped) and text
 * pages with a total or a name rewritten, and what the worker finds in each: shared by the
 * perceptual tests and the bench section that measures near-duplicate matching.
 *
 * @module
 */

import { type Canvas, createCanvas, type Image } from "@napi-rs/canvas";
import { hashesOfImage, type PerceptualHashes } from "../../workers/image/perceptual.ts";
import { resizeUpright } from "../../workers/image/downscale.ts";
import { decodeImage } from "../../workers/image/render.ts";
import { pendingOrientation, understandImage } from "../../workers/image/understand.ts";
import { probeImage } from "../../workers/image/probe.ts";
import type { ContentFacts, ImageInfo } from "../../workers/image/types.ts";

const MAX_PIXELS = 100_000_000;
/** The question every lookup of (b) asks: the one a cached answer could serve. */
export const GLANCE_QUESTION = "What is in this image?";

/**
 * Copies of a picture that should find it: recompressed (JPEG q60), halved, cropped 2-3% off
 * the edges (3% left and bottom, 2% top and right), and cropped 3% off every edge.
 */
export const COPY_KINDS = ["jpeg60", "half", "crop", "crop_3pct"] as const;
/** Copies of a text page that must never reuse its answer: a total or a name rewritten. */
export const EDIT_KINDS = ["edited_total", "edited_name"] as const;
export type CopyKind = (typeof COPY_KINDS)[number] | (typeof EDIT_KINDS)[number];

/** Categories whose pictures are mostly text: an answer about one says what its text says. */
export const TEXT_HEAVY = new Set([
  "document",
  "invoice",
  "receipt",
  "letter",
  "slide",
  "code",
  "terminal",
  "screenshot",
]);
/** Categories that get rewritten copies. */
export const EDITABLE = new Set(["document", "invoice", "receipt"]);

/** Share cut off each edge (left, top, right, bottom) by the crop copies. */
const CROPS = { crop: [0.03, 0.02, 0.02, 0.03], crop_3pct: [0.03, 0.03, 0.03, 0.03] } as const;
/** What the edits write, and where they look for a text line to cover (share of the height). */
const EDITS: Record<(typeof EDIT_KINDS)[number], { text: string; from: number; to: number }> = {
  edited_total: { text: "TOTAL  9,876.54", from: 0.4, to: 1 },
  edited_name: { text: "Jane Q. Public", from: 0, to: 0.4 },
};

/** The picture upright at full size, on white (a JPEG copy has no alpha). */
export function uprightOnWhite(image: Image, info: ImageInfo): Canvas {
  const { width, height } = { width: info.displayWidth, height: info.displayHeight };
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "white";
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(
    resizeUpright(image, { width, height, orientation: pendingOrientation(info), alpha: true }),
    0,
    0,
  );
  return canvas;
}

const jpeg = (canvas: Canvas, quality: number) =>
  new Uint8Array(canvas.encodeSync("jpeg", quality));

/** The darkest `w`×`h` window (most pixels with luma < 128) of a canvas between two heights. */
function inkiestWindow(canvas: Canvas, from: number, to: number) {
  const scale = Math.min(1, 512 / canvas.width);
  const sw = Math.max(1, Math.round(canvas.width * scale));
  const sh = Math.max(1, Math.round(canvas.height * scale));
  const ctx = createCanvas(sw, sh).getContext("2d");
  ctx.drawImage(canvas, 0, 0, sw, sh);
  const rgba = ctx.getImageData(0, 0, sw, sh).data;
  // Summed-area table of dark pixels.
  const sat = new Float64Array((sw + 1) * (sh + 1));
  for (let y = 0; y < sh; y++) {
    for (let x = 0, row = 0; x < sw; x++) {
      const i = (y * sw + x) * 4;
      row += 0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2] < 128 ? 1 : 0;
      sat[(y + 1) * (sw + 1) + x + 1] = sat[y * (sw + 1) + x + 1] + row;
    }
  }
  const w = Math.max(1, Math.round(sw * 0.25)), h = Math.max(1, Math.round(sh * 0.025));
  let best = { x: 0, y: Math.round(from * sh), ink: -1 };
  for (let y = Math.round(from * sh); y + h <= Math.round(to * sh); y++) {
    for (let x = 0; x + w <= sw; x++) {
      const at = (yy: number, xx: number) => sat[yy * (sw + 1) + xx];
      const ink = at(y + h, x + w) - at(y, x + w) - at(y + h, x) + at(y, x);
      if (ink > best.ink) best = { x, y, ink };
    }
  }
  return { x: best.x / scale, y: best.y / scale, width: w / scale, height: h / scale };
}

/** An encoded copy of an upright picture (`uprightOnWhite`), as a user might send it again. */
export function copyOf(page: Canvas, kind: CopyKind): Uint8Array {
  const { width: w, height: h } = page;
  if (kind === "jpeg60") return jpeg(page, 60);
  if (kind === "half") {
    const half = createCanvas(Math.max(1, Math.round(w / 2)), Math.max(1, Math.round(h / 2)));
    const ctx = half.getContext("2d");
    ctx.imageSmoothingQuality = "medium";
    ctx.drawImage(page, 0, 0, half.width, half.height);
    return jpeg(half, 85);
  }
  if (kind === "crop" || kind === "crop_3pct") {
    const [cl, ct, cr, cb] = CROPS[kind];
    const [l, t, r, b] = [cl * w, ct * h, cr * w, cb * h].map(Math.round);
    const cut = createCanvas(w - l - r, h - t - b);
    cut.getContext("2d").drawImage(page, l, t, cut.width, cut.height, 0, 0, cut.width, cut.height);
    return jpeg(cut, 85);
  }
  // An edit: the inkiest line-sized window in the edit's band painted white and written over.
  const edit = EDITS[kind];
  const box = inkiestWindow(page, edit.from, edit.to);
  const copy = createCanvas(w, h);
  const ctx = copy.getContext("2d");
  ctx.drawImage(page, 0, 0);
  ctx.fillStyle = "white";
  ctx.fillRect(box.x, box.y, box.width, box.height);
  ctx.fillStyle = "black";
  ctx.font = `${Math.max(6, Math.round(box.height * 0.8))}px DejaVu Sans`;
  ctx.textBaseline = "middle";
  ctx.fillText(edit.text, box.x + 2, box.y + box.height / 2, box.width - 4);
  return jpeg(copy, 92);
}

/** What the worker finds in one encoded picture: its hashes and its content verdict. */
export interface Examined {
  info: ImageInfo;
  hashes: PerceptualHashes;
  content?: ContentFacts;
  decodeMs: number;
  hashMs: number;
  /** The decoded picture, for making copies. */
  image: Image;
}

/**
 * Decodes `bytes`, hashes the picture (`hashesOfImage`) and, unless `classify` is false,
 * classifies its content the way the worker's understanding step does with OCR off (cheap
 * signals only: a text candidate is not read).
 */
export async function examine(bytes: Uint8Array, { classify = true } = {}): Promise<Examined> {
  const info = probeImage(bytes);
  if (!info) throw new Error("unreadable image");
  let t = performance.now();
  const image = await decodeImage(bytes, info, { maxPixels: MAX_PIXELS });
  const decodeMs = performance.now() - t;
  t = performance.now();
  const hashes = hashesOfImage(image, pendingOrientation(info));
  const hashMs = performance.now() - t;
  const found = classify
    ? await understandImage(bytes, info, {
      ocr: false,
      maxPixels: MAX_PIXELS,
      decode: () => Promise.resolve(image),
    })
    : {};
  return { info, hashes, content: found.content, decodeMs, hashMs, image };
}
