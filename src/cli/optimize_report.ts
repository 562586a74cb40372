/**
 * What `squint optimize` reports for one input, built from the `/v1/optimize` plan of its
 * one-item request: the figures of the whole request (the question's text tokens included, as
 * a request is billed), squint's decision as `/v1/optimize` gives it, and what goes out instead.
 * `--json` prints this object; the table says the same in rows.
 *
 * @module
 */
import { type OptimizedImage, sentImage } from "../library/image.ts";
import type { ImageDecision, PictureFigures, Plan, ReadingPlans } from "../library/plan.ts";
import type { Input } from "./input.ts";
import { usd } from "../usd.ts";

/** One kept frame of a video (`/v1/optimize`'s `videos[].frames[]`). */
export interface VideoFrame {
  /** Seconds into the video. */
  t: number;
  action: string;
  kept_because: string;
  reasons: string[];
  before: PictureFigures;
  after: PictureFigures;
  detail?: string;
}

/** squint's decision for a video (one entry of `/v1/optimize`'s `videos`). */
export interface VideoDecision {
  message: number;
  part: number;
  duration_s?: number;
  frames_sampled: number;
  frames_kept: number;
  fps: number;
  /** The video itself goes (Gemini), not frames. */
  native: boolean;
  frames: VideoFrame[];
  dropped: { t: number; reason: string }[];
  tokens: { before: number; after: number };
  baseline: string;
  estimated: boolean;
}

/** What goes out in place of an image. */
export interface SentImage {
  /** `picture`, `text` (the page's text alone), `text+picture` (text and a thumbnail), `nothing`. */
  as: "picture" | "text" | "text+picture" | "nothing";
  /** The picture's media type and size in bytes, when a picture goes. */
  media_type?: string;
  bytes?: number;
  /** The provider detail level asked for, when squint chose one. */
  detail?: string;
  /** The text that goes instead of the pixels, when the image goes as text. */
  text?: string;
}

/** `squint optimize --json`: one object on stdout. */
export interface OptimizeReport {
  /** The file or URL as given. */
  input: string;
  kind: "image" | "video";
  /** The model the figures are for. */
  model: string;
  question: string | null;
  /** Input tokens of the one-item request as given and as squint sends it. */
  tokens: { before: number; after: number; saved: number };
  /** Their cost on the model; null when its price is not known. */
  cost: { before_usd: number | null; after_usd: number | null; saved_usd: number | null };
  /** Some figure rests on an estimate (text tokens without the family's tokenizer, …). */
  estimated: boolean;
  model_known: boolean;
  /** An image's decision (`/v1/optimize`'s `images[0]`). */
  image?: ImageDecision;
  /** What goes out in place of the image. */
  sent?: SentImage;
  /** A video's decision (`/v1/optimize`'s `videos[0]`). */
  video?: VideoDecision;
  /** A page read: its plan with the text not known (first sight) and known (`/v1/optimize`'s). */
  reading?: ReadingPlans;
  /** What `--out` wrote (a file, or a folder of frames), or null. */
  out: string | null;
  /** What squint could not do here (missing OCR data, a plan sent unoptimized, …). */
  warnings: string[];
}

/** What goes out in place of the image. */
function sentOf(image: OptimizedImage): SentImage {
  const as = image.text !== undefined
    ? (image.bytes ? "text+picture" : "text")
    : image.bytes
    ? "picture"
    : "nothing";
  return {
    as,
    ...(image.mediaType ? { media_type: image.mediaType } : {}),
    ...(image.bytes ? { bytes: image.bytes.byteLength } : {}),
    ...(image.detail ? { detail: image.detail } : {}),
    ...(image.text !== undefined ? { text: image.text } : {}),
  };
}

/** The decision part of the report: the image's and what goes instead, or the video's. */
function decisionOf(input: Input, plan: Plan): Pick<OptimizeReport, "image" | "sent" | "video"> {
  if (input.kind === "video") {
    const video = plan.videos[0] as VideoDecision | undefined;
    return video ? { video } : {};
  }
  if (plan.images.length === 0) return {};
  const image = sentImage(plan);
  return { image: image.decision, sent: sentOf(image) };
}

/** The report of `plan`, the plan of `input`'s one-item request. */
export function optimizeReport(
  input: Input,
  plan: Plan,
  asked: { question?: string; warnings?: string[] },
): OptimizeReport {
  const { before_usd, after_usd } = plan.cost;
  const warnings = [...(asked.warnings ?? [])];
  if (plan.passthrough_reason) warnings.push(`sent unoptimized: ${plan.passthrough_reason}`);
  return {
    input: input.name,
    kind: input.kind,
    model: plan.model,
    question: asked.question ?? null,
    tokens: {
      before: plan.tokens.before,
      after: plan.tokens.after,
      saved: plan.tokens.before - plan.tokens.after,
    },
    cost: {
      before_usd,
      after_usd,
      saved_usd: before_usd === null || after_usd === null ? null : usd(before_usd - after_usd),
    },
    estimated: plan.estimated,
    model_known: plan.model_known,
    ...decisionOf(input, plan),
    ...(plan.reading ? { reading: plan.reading } : {}),
    out: null,
    warnings,
  };
}
