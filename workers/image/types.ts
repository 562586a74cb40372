/** Messages between the main thread and the image workers. */

export type ImageFormat =
  | "jpeg"
  | "png"
  | "webp"
  | "gif"
  | "bmp"
  | "avif"
  | "heic"
  | "tiff"
  | "unknown";

/** The formats the image workers decode (Skia's decoders); others can only be sent as they came. */
export const DECODABLE_FORMATS: ReadonlySet<ImageFormat> = new Set([
  "jpeg",
  "png",
  "webp",
  "gif",
  "bmp",
  "avif",
]);

/** What an image's header says, read without decoding pixels. */
export interface ImageInfo {
  format: ImageFormat;
  /** Stored size (before EXIF orientation). */
  width: number;
  height: number;
  /** EXIF orientation 1-8 (1 when absent). */
  orientation: number;
  /** Size as displayed: width/height swapped for orientations 5-8. */
  displayWidth: number;
  displayHeight: number;
  /**
   * May have transparency, per the header: PNG colour type with alpha or a tRNS chunk, WebP
   * alpha flag, a GIF transparent index before the first frame, 32-bit BMP, AVIF alpha plane.
   */
  mayHaveAlpha: boolean;
  animated: boolean;
  /** e.g. 16 for 16-bit PNG. */
  bitDepth?: number;
  /** e.g. `cmyk`, `gray`, `palette`, `rgb`. */
  colorSpace?: string;
  bytes: number;
}

/** A target size and encoding decided by the planner. */
export interface RenderSpec {
  width: number;
  height: number;
  /**
   * `jpeg`, `png` or `webp`, or `auto`: the source's own economy (encode_like_source.ts):
   * JPEG stays JPEG, WebP stays WebP, other input becomes the smallest PNG, or JPEG when
   * photo-like and smaller. Transparency never goes to JPEG.
   */
  format: "jpeg" | "png" | "webp" | "auto";
  /** JPEG (and lossy WebP) quality 1-100; a JPEG source saved lower keeps its own. */
  quality: number;
  /** A part of the picture to keep (display coordinates), scaled to `width`×`height`. */
  crop?: CropBox;
}

/** A rectangle of a picture, in display (upright) pixels. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The result of a render. */
export interface Rendered {
  bytes: Uint8Array;
  format: "jpeg" | "png" | "webp";
  width: number;
  height: number;
  /** Why `auto` picked the format it did. */
  formatReason?: string;
}

/** What an image shows (CONTRACT.md `images[].content.label`). */
export type ContentLabel = "text" | "photo" | "chart" | "ui";

/** The image worker's judgement of what an image shows. */
export interface ContentFacts {
  label: ContentLabel;
  /** 0-1. */
  confidence: number;
  reasons: string[];
}
