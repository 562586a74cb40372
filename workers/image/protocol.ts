/** The messages the main thread sends to the image workers, and what comes back. */
import type { ImageInfo, RenderSpec } from "./types.ts";
import type { Understanding } from "./understand.ts";
import type { TextLines } from "./line_height.ts";
import type { ExtractedVideo } from "../video/extract.ts";
import type { TranslateInput } from "../../src/providers/translate_body.ts";

/** Parse a large body off the main thread; inline data URLs come back as `Inspected`. */
export interface IngestTask {
  kind: "ingest";
  body: Uint8Array;
}

/** Parse a large native-door body; the parsed value comes back as a structured clone. */
export interface ParseTask {
  kind: "parse";
  body: Uint8Array;
}

/** Splice new image data into a large native-door body; the new bytes, or null when it cannot. */
export interface SpliceTask {
  kind: "splice";
  api: "messages" | "responses";
  body: Uint8Array;
  changes: readonly unknown[];
}

/** Translate a large optimized chat body into a provider's request (`translate_body.ts`). */
export interface TranslateTask {
  kind: "translate";
  input: Omit<TranslateInput, "text">;
  body: Uint8Array;
}

/** Write a large body out as JSON bytes. */
export interface StringifyTask {
  kind: "stringify";
  json: unknown;
}

/** Decode and read one image: a data URL string, or raw bytes (a fetched remote image). */
export interface InspectTask {
  kind: "inspect";
  source: string | Uint8Array;
  mime?: string;
}

/** Render one image to the planner's size and format. */
export interface RenderTask {
  kind: "render";
  bytes: Uint8Array;
  info: ImageInfo;
  spec: RenderSpec;
  /** Defence in depth: the worker refuses to decode beyond this even if asked. */
  maxPixels: number;
  /** SHA-256 of the bytes: a picture the worker has just decoded is not decoded again. */
  hash?: string;
}

/**
 * Say what one image shows and, if allowed and it looks like text, read it. The bytes come back
 * with the answer (they are still needed for rendering).
 */
export interface UnderstandTask {
  kind: "understand";
  bytes: Uint8Array;
  info: ImageInfo;
  ocr: boolean;
  maxPixels: number;
  /** SHA-256 of the bytes (see `RenderTask.hash`). */
  hash?: string;
  /** Text tokens beyond which the text cannot replace the image (the top is read first). */
  textBudget?: number;
  /** At most how many bands a page is read in at once (`ocr_bands.ts`); default 1. */
  ocrBands?: number;
  /** A look already taken at these bytes (its `measures` are not taken again). */
  seen?: Understanding;
  /** false: no line measure (a `lines` task takes it in another worker meanwhile). */
  lines?: boolean;
}

/**
 * The text lines of a picture, the half of a look another worker takes meanwhile
 * (`understand.ts`'s `linesOf`, `joinLook`); the decode is kept for a reading that follows.
 */
export interface LinesTask {
  kind: "lines";
  bytes: Uint8Array;
  info: ImageInfo;
  maxPixels: number;
  /** SHA-256 of the bytes (see `RenderTask.hash`). */
  hash?: string;
}

/**
 * Sample, select and encode the frames of one video (ffmpeg runs as a child of the worker). The
 * worker stops ffmpeg itself after `timeoutMs`, before the pool's own limit, so no child or
 * temporary file outlives the task.
 */
export interface FramesTask {
  kind: "frames";
  bytes: Uint8Array;
  fps: number;
  maxSampled: number;
  maxCandidates: number;
  maxSide: number;
  timeoutMs: number;
  /** The ffmpeg binary (configured, else bundled). */
  ffmpeg?: string;
  tempDir?: string;
  /** The question, for a relevance scorer. */
  question?: string;
  clipModelPath?: string;
  /** Also hand the video back as the JSON literal of a data URL of this type (fetched videos). */
  literalMime?: string;
}

/** Result of `frames`: the kept frames (the video's own bytes stay with the worker). */
export interface FramesResult extends ExtractedVideo {
  /** The video as a data URL literal, when `literalMime` asked for it. */
  literal?: Uint8Array;
}

/** Any task. */
export type WorkerTask =
  | IngestTask
  | ParseTask
  | SpliceTask
  | StringifyTask
  | TranslateTask
  | InspectTask
  | RenderTask
  | UnderstandTask
  | LinesTask
  | FramesTask;

/** One image as the worker found it. */
export interface Inspected {
  /** The original value as a JSON string literal (data URLs), to splice back unchanged. */
  original?: Uint8Array;
  /** Decoded bytes. */
  bytes?: Uint8Array;
  mime?: string;
  /** Header facts; undefined when the bytes are not an image squint can read. */
  info?: ImageInfo;
  /** SHA-256 of the decoded bytes, hex. */
  hash?: string;
  /** Why the value could not be read as an image. */
  error?: string;
}

/** Result of `ingest`. */
export interface Ingested {
  json: unknown;
  inline: Inspected[];
  /** The request body, handed back (it travels both ways without a copy). */
  body: Uint8Array;
}

/** Result of `render`: the new image as a JSON string literal holding its data URL. */
export interface RenderResult {
  literal: Uint8Array;
  byteLength: number;
  format: "jpeg" | "png" | "webp";
  width: number;
  height: number;
  formatReason?: string;
}

/** Result of `understand`: the findings, and the bytes handed back. */
export interface UnderstandResult extends Understanding {
  bytes: Uint8Array;
}

/** Result of `lines`. */
export interface LinesResult {
  textLines?: TextLines;
  error?: string;
}
