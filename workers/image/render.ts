/**
 * Decodes, orients, resizes and re-encodes one image with @napi-rs/canvas (Skia). Runs inside
 * the image workers; everything here is a plain function of its inputs, and the same input and
 * spec always give byte-identical output.
 *
 * @module
 */

import { type Canvas, createCanvas, Image } from "@napi-rs/canvas";
import {
  DECODABLE_FORMATS,
  type ImageFormat,
  type ImageInfo,
  type Rendered,
  type RenderSpec,
} from "./types.ts";
import { resizeUpright } from "./downscale.ts";
import { encodeLikeSource } from "./encode_like_source.ts";

/** Largest picture (stored pixels) this module will decode: ~400 MB of RGBA. */
export const MAX_DECODE_PIXELS = 100_000_000;

/** Largest output side; Skia surfaces beyond this are refused or very slow. */
export const MAX_OUTPUT_SIDE = 16_384;

/** Why a render failed, for the worker to turn into an HTTP error at the edge. */
export type RenderFailure = "too_large" | "unsupported" | "decode_failed" | "bad_spec";

/** A render that could not be done, with a machine-readable reason. */
export class RenderError extends Error {
  /** Builds the error; `reason` says which kind of failure it is. */
  constructor(readonly reason: RenderFailure, message: string) {
    super(message);
    this.name = "RenderError";
  }
}

/**
 * Whether Skia applies a format's orientation on decode, pinned by the fixture tests: it applies
 * EXIF to JPEG, but ignores WebP's EXIF chunk, PNG's eXIf chunk and AVIF's irot.
 */
const APPLIES_ORIENTATION: ReadonlySet<ImageFormat> = new Set(["jpeg"]);

/** Limits a caller can tighten per call. */
export interface RenderOptions {
  /** Refuse to decode pictures with more stored pixels than this; default `MAX_DECODE_PIXELS`. */
  maxPixels?: number;
  /** The decoder to use; the worker passes one that reuses a picture it has just decoded. */
  decode?: typeof decodeImage;
}

/**
 * Decodes encoded bytes into a Skia image. Decoding in @napi-rs/canvas is asynchronous: the
 * pixels are only ready once `decode()` resolves, so there is no synchronous render path.
 *
 * @throws {RenderError} for formats Skia cannot decode, headers over the pixel limit, bytes
 * that do not decode, and a decoded size that disagrees with the header.
 */
export async function decodeImage(
  bytes: Uint8Array,
  info: ImageInfo,
  options: RenderOptions = {},
): Promise<Image> {
  if (!DECODABLE_FORMATS.has(info.format)) {
    throw new RenderError("unsupported", `${info.format} images cannot be decoded here`);
  }
  const maxPixels = Math.min(options.maxPixels ?? MAX_DECODE_PIXELS, MAX_DECODE_PIXELS);
  if (info.width * info.height > maxPixels) {
    throw new RenderError("too_large", `${info.width}x${info.height} exceeds ${maxPixels} pixels`);
  }
  const image = new Image();
  try {
    image.src = bytes;
    await image.decode();
  } catch (error) {
    throw new RenderError("decode_failed", `cannot decode ${info.format}: ${String(error)}`);
  }
  const oriented = APPLIES_ORIENTATION.has(info.format);
  const [w, h] = oriented ? [info.displayWidth, info.displayHeight] : [info.width, info.height];
  // The header was what the caller vetted for size; a decoder that disagrees is not trusted.
  if (image.naturalWidth !== w || image.naturalHeight !== h) {
    throw new RenderError(
      "decode_failed",
      `header says ${w}x${h}, decoder found ${image.naturalWidth}x${image.naturalHeight}`,
    );
  }
  return image;
}

function validateSpec(spec: RenderSpec, info: ImageInfo): void {
  const sideOk = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_OUTPUT_SIDE;
  if (!sideOk(spec.width) || !sideOk(spec.height)) {
    throw new RenderError("bad_spec", `output size ${spec.width}x${spec.height} is not allowed`);
  }
  const crop = spec.crop;
  if (
    crop &&
    !(crop.x >= 0 && crop.y >= 0 && crop.width >= spec.width && crop.height >= spec.height &&
      crop.x + crop.width <= info.displayWidth && crop.y + crop.height <= info.displayHeight)
  ) {
    throw new RenderError("bad_spec", "crop must lie inside the picture and is never upscaled");
  }
  if (!(spec.quality >= 1 && spec.quality <= 100)) {
    throw new RenderError("bad_spec", `JPEG quality ${spec.quality} is outside 1-100`);
  }
}

/** The picture upright at the spec's size: the whole of it, or the spec's crop of it. */
function drawUpright(image: Image, info: ImageInfo, spec: RenderSpec): Canvas {
  const upright = (width: number, height: number) =>
    resizeUpright(image, {
      width,
      height,
      // Orientation is applied exactly once: by Skia for JPEG, by us for everything else.
      orientation: APPLIES_ORIENTATION.has(info.format) ? 1 : info.orientation,
      alpha: info.mayHaveAlpha,
    });
  const crop = spec.crop;
  if (!crop) return upright(spec.width, spec.height);
  // The whole picture at the crop's scale, then the crop cut out of it: one resampling only.
  const scale = spec.width / crop.width;
  const whole = upright(
    Math.max(1, Math.round(info.displayWidth * scale)),
    Math.max(1, Math.round(info.displayHeight * scale)),
  );
  const out = createCanvas(spec.width, spec.height);
  out.getContext("2d", { alpha: info.mayHaveAlpha }).drawImage(
    whole,
    Math.round(crop.x * scale),
    Math.round(crop.y * scale),
    spec.width,
    spec.height,
    0,
    0,
    spec.width,
    spec.height,
  );
  return out;
}

/**
 * Decodes `bytes`, turns it upright (EXIF/irot orientation, applied exactly once), resizes it
 * to `spec.width`×`spec.height` (display-oriented) and encodes it in the source's own economy
 * (encode_like_source.ts): JPEG stays JPEG, WebP stays WebP, PNG becomes the smallest PNG that
 * holds the pixels, or a JPEG when photo-like and smaller. Animated images give their first
 * frame; real transparency never goes to JPEG. `formatReason` says which rule decided.
 *
 * @throws {RenderError} for unsupported formats, oversized headers, undecodable bytes and
 * invalid specs.
 */
export async function renderImage(
  bytes: Uint8Array,
  info: ImageInfo,
  spec: RenderSpec,
  options: RenderOptions = {},
): Promise<Rendered> {
  validateSpec(spec, info);
  const image = await (options.decode ?? decodeImage)(bytes, info, options);
  const canvas = drawUpright(image, info, spec);
  return encodeLikeSource({ canvas, image, source: bytes, info, spec });
}
