/**
 * Encodes a render in its source's own economy, so a resize never turns a small file into a
 * large one by changing how it is stored (issue 17): a JPEG stays JPEG, at no higher quality
 * than it was saved at; a WebP stays WebP, lossy or lossless as it came (every provider takes
 * WebP); a PNG, GIF or BMP becomes the smallest PNG that holds its pixels (gray when they are
 * gray, a palette when they fit one, and, when the source had at most 256 colours, a palette
 * of 256 after the resize's blends) or, when the picture is photo-like and opaque, a JPEG if
 * that is smaller.
 *
 * @module
 */

import { type Canvas, createCanvas, type Image } from "@napi-rs/canvas";
import type { ImageInfo, Rendered, RenderSpec } from "./types.ts";
import {
  distinctColors,
  graySamples,
  indexExact,
  indexLikeSource,
  MAX_PALETTE,
} from "./palette.ts";
import { encodeIndexedPng, encodePng, PNG_COLOR_TYPE, PNG_COMPRESSION } from "./png_encode.ts";
import {
  type ColorStats,
  colorStats,
  describeStats,
  hasTransparency,
  isPhotoLike,
} from "./pixel_stats.ts";
import { jpegQuality, webpLossless } from "./source_encoding.ts";

/** Long side of the nearest-neighbour copy on which `auto` measures colour statistics. */
const STATS_SIDE = 256;

/**
 * Most source pixels read to list a source's colours; a larger source is read through a
 * nearest-neighbour copy of this many pixels (it adds no colour, and may miss a rare one, which
 * then goes to its nearest entry).
 */
const SOURCE_SCAN_PIXELS = 4_000_000;

/** WebP quality that libwebp (through Skia) treats as lossless. */
const WEBP_LOSSLESS = 100;

/** What the encoder needs: the render, the decoded source and its bytes and header. */
export interface EncodeInput {
  canvas: Canvas;
  image: Image;
  source: Uint8Array;
  info: ImageInfo;
  spec: RenderSpec;
}

type Size = { width: number; height: number };

/** A nearest-neighbour copy of `image` scaled by `scale` (≤ 1): it adds no colour. */
function sample(image: Image, scale: number): Uint8ClampedArray {
  const w = Math.max(1, Math.round(image.naturalWidth * scale));
  const h = Math.max(1, Math.round(image.naturalHeight * scale));
  const ctx = createCanvas(w, h).getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(image, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h).data;
}

/** What is known of the source's colours, each read once and only when asked. */
class SourceColors {
  #stats?: ColorStats;
  #palette?: { colors?: Uint32Array };

  constructor(private readonly image: Image) {}

  /** Colour statistics on a copy whose long side is `STATS_SIDE`. */
  get stats(): ColorStats {
    const { naturalWidth: w, naturalHeight: h } = this.image;
    return this.#stats ??= colorStats(sample(this.image, Math.min(1, STATS_SIDE / Math.max(w, h))));
  }

  /** The source's colours when it has at most 256 of them (a GIF, a palette PNG, a chart). */
  get palette(): Uint32Array | undefined {
    if (!this.#palette) {
      const { naturalWidth: w, naturalHeight: h } = this.image;
      // The small copy first: more than 256 colours there means more in the source.
      const colors = this.stats.distinct > MAX_PALETTE
        ? undefined
        : distinctColors(sample(this.image, Math.min(1, Math.sqrt(SOURCE_SCAN_PIXELS / (w * h)))));
      this.#palette = { colors };
    }
    return this.#palette.colors;
  }
}

const encodeJpeg = (canvas: Canvas, quality: number) =>
  new Uint8Array(canvas.encodeSync("jpeg", Math.round(quality)));

/** The render as a JPEG at the spec's quality, but never above the source JPEG's own. */
function jpeg(input: EncodeInput, size: Size, formatReason: string): Rendered {
  const own = input.info.format === "jpeg" ? jpegQuality(input.source) : undefined;
  const quality = Math.min(input.spec.quality, own ?? 100);
  const note = quality < input.spec.quality ? ` (quality ${quality}, as the source)` : "";
  return {
    ...size,
    format: "jpeg",
    bytes: encodeJpeg(input.canvas, quality),
    formatReason: formatReason + note,
  };
}

/** WebP as the source was: lossless stays lossless, lossy is re-encoded lossy. */
function webp(input: EncodeInput, size: Size, formatReason: string): Rendered {
  const lossless = webpLossless(input.source) ?? false;
  const quality = lossless ? WEBP_LOSSLESS : input.spec.quality;
  return {
    ...size,
    format: "webp",
    bytes: new Uint8Array(input.canvas.encodeSync("webp", quality)),
    formatReason: `${formatReason}, ${lossless ? "lossless" : `lossy q${quality}`}`,
  };
}

/**
 * The smallest PNG economy for the rendered `rgba`: gray, an exact palette, the source's
 * palette with the resize's blends (only when `source` is given), else RGB(A); compressed at the
 * filter and zlib level its texture calls for (`PNG_COMPRESSION`).
 */
function png(
  size: Size,
  rgba: Uint8ClampedArray,
  alpha: boolean,
  source: SourceColors | undefined,
  texture: keyof typeof PNG_COMPRESSION,
): Rendered {
  const { width, height } = size;
  const compression = PNG_COMPRESSION[texture];
  const gray = graySamples(rgba, alpha);
  if (gray) {
    const colorType = alpha ? PNG_COLOR_TYPE.grayAlpha : PNG_COLOR_TYPE.gray;
    const bytes = encodePng({ width, height, colorType, samples: gray }, compression);
    return { ...size, format: "png", bytes, formatReason: "gray png" };
  }
  const exact = distinctColors(rgba);
  if (exact) {
    const bytes = encodeIndexedPng(
      { width, height, ...indexExact(rgba, exact) },
      compression.level,
    );
    return { ...size, format: "png", bytes, formatReason: `palette png, ${exact.length} colours` };
  }
  const palette = source?.palette;
  if (palette) {
    const bytes = encodeIndexedPng(
      { width, height, ...indexLikeSource(rgba, palette) },
      compression.level,
    );
    return {
      ...size,
      format: "png",
      bytes,
      formatReason: `palette png: the source's ${palette.length} colours and the resize's blends`,
    };
  }
  const channels = alpha ? 4 : 3;
  const samples = new Uint8Array((rgba.length / 4) * channels);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += channels) {
    samples[o] = rgba[i];
    samples[o + 1] = rgba[i + 1];
    samples[o + 2] = rgba[i + 2];
    if (alpha) samples[o + 3] = rgba[i + 3];
  }
  const colorType = alpha ? PNG_COLOR_TYPE.rgba : PNG_COLOR_TYPE.rgb;
  return {
    ...size,
    format: "png",
    bytes: encodePng({ width, height, colorType, samples }, compression),
    formatReason: alpha ? "rgba png" : "rgb png",
  };
}

/**
 * Encodes `input.canvas` (the render) as its source is encoded; see the module comment.
 * `spec.format` `jpeg`, `png` or `webp` asks for that format (a transparent render asked for
 * JPEG stays PNG); `png` never quantizes, so it loses no colour; `auto` may.
 */
export function encodeLikeSource(input: EncodeInput): Rendered {
  const { canvas, image, info, spec } = input;
  const size = { width: canvas.width, height: canvas.height };
  const webpSource = info.format === "webp";
  if (spec.format === "webp" || (spec.format === "auto" && webpSource)) {
    return webp(input, size, webpSource ? "webp input" : "as asked");
  }
  // A header without alpha needs no pixel read to go to JPEG (~10 MB at 1568×1568).
  if (!info.mayHaveAlpha) {
    if (spec.format === "jpeg") return jpeg(input, size, "as asked");
    if (spec.format === "auto" && info.format === "jpeg") return jpeg(input, size, "jpeg input");
  }
  const rgba = canvas.getContext("2d").getImageData(0, 0, size.width, size.height).data;
  const source = new SourceColors(image);
  const quantize = spec.format === "auto" ? source : undefined;
  const photoLike = isPhotoLike(source.stats);
  const texture: keyof typeof PNG_COMPRESSION = photoLike ? "photo" : "flat";
  // Only a header that allows alpha can carry real transparency.
  if (info.mayHaveAlpha && hasTransparency(rgba)) {
    const asked = spec.format === "jpeg" ? " (jpeg was asked; it would lose the alpha)" : "";
    const encoded = png(size, rgba, true, quantize, texture);
    return { ...encoded, formatReason: `transparent${asked}: ${encoded.formatReason}` };
  }
  if (spec.format === "jpeg") return jpeg(input, size, "as asked");
  if (spec.format === "png") {
    return { ...png(size, rgba, false, undefined, texture), formatReason: "as asked" };
  }
  const lossless = png(size, rgba, false, quantize, texture);
  if (!photoLike) {
    return {
      ...lossless,
      formatReason: `not photo-like, ${lossless.formatReason}: ${describeStats(source.stats)}`,
    };
  }
  const photo = jpeg(input, size, "photo-like");
  const sizes = `jpeg ${photo.bytes.length} B, png ${lossless.bytes.length} B`;
  return photo.bytes.length < lossless.bytes.length
    ? { ...photo, formatReason: `photo-like, ${sizes}: ${describeStats(source.stats)}` }
    : { ...lossless, formatReason: `photo-like but png is no larger, ${sizes}` };
}
