/**
 * `planVideo`: what one video becomes for one target model. Pure. Its kept frames (chosen in the
 * workers) are each planned as an image for the model, the frame budget is applied evenly over
 * the timeline, and the token figures are set against the naive request: the same frames
 * sampled at the same rate, every one sent as an image under the model's own rule, or, for
 * Gemini, the video itself at Gemini's documented tokens per second.
 *
 * @module
 */

import { estimateStringTokens } from "../accounting/text_tokens.ts";
import { imageTokens } from "../models/image_tokens.ts";
import type { ModelFamily } from "../models/types.ts";
import type { ImageInfo } from "../../workers/image/types.ts";
import type { IntentDecision } from "./intent/classify.ts";
import { type ImageControls, planImage, type PlannedImage } from "./plan_image.ts";
import { type Candidate, coverTimeline } from "./video_frames.ts";

/** How videos may be sent. */
export interface VideoControls {
  /** Frames sent per video, at most (before the model's own limit). */
  maxFrames: number;
  /** For a Gemini target: `frames`, `native` (the video as it came) or `auto` (the cheaper). */
  gemini: "frames" | "native" | "auto";
}

/** One frame the workers kept. */
export interface FrameFacts {
  t: number;
  reason: string;
  novelty: number;
  relevance?: number;
  width: number;
  height: number;
  bytes: number;
}

/** One video as the workers read it. */
export interface VideoFacts {
  message: number;
  part: number;
  number: number;
  durationS?: number;
  fps: number;
  sampled: number;
  width: number;
  height: number;
  frames: FrameFacts[];
  dropped: { t: number; reason: string }[];
  question?: string;
  intent?: IntentDecision;
}

/** A frame that goes to the model, planned as an image (at its video's place). */
export interface PlannedFrame extends PlannedImage {
  t: number;
  /** Why the selection kept it. */
  kept_because: string;
  /** The text part sent before it. */
  marker: string;
  /** Its position in `VideoFacts.frames`. */
  index: number;
}

/** The plan of one video (CONTRACT.md `/v1/optimize` `videos[]`). */
export interface PlannedVideo {
  message: number;
  part: number;
  duration_s: number | null;
  frames_sampled: number;
  frames_kept: number;
  /** The rate the video was sampled at. */
  fps: number;
  /** Sent whole to Gemini instead of as frames. */
  native: boolean;
  frames: PlannedFrame[];
  dropped: { t: number; reason: string }[];
  tokens: { before: number; after: number };
  /** How `tokens.before` was counted. */
  baseline: string;
  estimated: boolean;
  optimizations: string[];
}

/** Gemini 2.x: "263 tokens per second" of video (providers.md §3.4, [G3]). */
export const GEMINI_VIDEO_TOKENS_PER_S = 263;
/** Gemini 3: 70 tokens a frame at the default media resolution, frames at 1 fps ([G2]). */
export const GEMINI3_TOKENS_PER_FRAME = 70;
/** Frames may fill at most this share of the model's context window. */
export const FRAME_CONTEXT_SHARE = 0.5;

/** `[video 1, frame at 00:12]`: the text marker sent before a frame. */
export function frameMarker(video: number, t: number): string {
  return `[video ${video}, frame at ${clock(t)}]`;
}

/** `mm:ss` (or `h:mm:ss`) of a time in seconds. */
export function clock(t: number): string {
  const s = Math.floor(t);
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return hh > 0 ? `${hh}:${two(mm)}:${two(ss)}` : `${two(mm)}:${two(ss)}`;
}

/** What the naive request would be billed for the video, and how that was counted. */
export function naiveVideoTokens(
  video: VideoFacts,
  family: ModelFamily | undefined,
): { tokens: number; baseline: string; estimated: boolean } {
  if (!family) return { tokens: 0, baseline: "model unknown: no baseline", estimated: true };
  const seconds = video.durationS ?? video.sampled / video.fps;
  if (family.image.kind === "gemini_tiles") {
    return {
      tokens: Math.ceil(seconds * GEMINI_VIDEO_TOKENS_PER_S),
      baseline: `the video sent to Gemini: ${GEMINI_VIDEO_TOKENS_PER_S} tokens per second`,
      estimated: true,
    };
  }
  if (family.image.kind === "gemini_media_resolution") {
    return {
      tokens: Math.ceil(seconds) * GEMINI3_TOKENS_PER_FRAME,
      baseline: `the video sent to Gemini: ${GEMINI3_TOKENS_PER_FRAME} tokens a frame at 1 fps`,
      estimated: true,
    };
  }
  const frame = imageTokens(family.image, video.width, video.height);
  return {
    tokens: video.sampled * frame.tokens,
    baseline: `${video.sampled} frames sampled at ${
      round(video.fps)
    } fps, each ${video.width}×${video.height} at ${frame.tokens} tokens`,
    estimated: frame.estimated,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The header facts of a kept frame (an upright, opaque JPEG). */
export function frameInfo(frame: { width: number; height: number; bytes: number }): ImageInfo {
  return {
    format: "jpeg",
    width: frame.width,
    height: frame.height,
    orientation: 1,
    displayWidth: frame.width,
    displayHeight: frame.height,
    mayHaveAlpha: false,
    animated: false,
    bytes: frame.bytes,
  };
}

/** The frames a model can take: the policy's cap, and no more than a share of its context. */
export function frameBudget(
  family: ModelFamily | undefined,
  frameTokens: number,
  controls: VideoControls,
): number {
  if (!family || frameTokens <= 0) return controls.maxFrames;
  const fit = Math.floor((FRAME_CONTEXT_SHARE * family.contextWindow) / frameTokens);
  return Math.max(1, Math.min(controls.maxFrames, fit));
}

/** Plans one video for `family`. */
export function planVideo(
  video: VideoFacts,
  family: ModelFamily | undefined,
  imageControls: ImageControls,
  controls: VideoControls,
): PlannedVideo {
  const naive = naiveVideoTokens(video, family);
  const planned = video.frames.map((frame, index): PlannedFrame => {
    const decision = planImage(
      {
        info: frameInfo(frame),
        bytes: frame.bytes,
        question: video.question,
        intent: video.intent,
      },
      family,
      imageControls,
    );
    const marker = frameMarker(video.number, frame.t);
    return {
      message: video.message,
      part: video.part,
      ...decision,
      t: frame.t,
      kept_because: frame.reason,
      marker,
      index,
    };
  });
  const widest = Math.max(0, ...planned.map((p) => p.after.tokens));
  const budget = frameBudget(family, widest, controls);
  const candidates: Candidate[] = video.frames.map((f) => ({
    t: f.t,
    score: f.relevance ?? f.novelty,
  }));
  const duration = video.durationS ?? video.sampled / video.fps;
  const chosen = new Set(coverTimeline(candidates, budget, duration));
  const frames = planned.filter((_, i) => chosen.has(i));
  const dropped = [
    ...video.dropped,
    ...planned.filter((_, i) => !chosen.has(i)).map((p) => ({
      t: p.t,
      reason: `over the frame budget (${budget} for this model)`,
    })),
  ].sort((a, b) => a.t - b.t);
  const after = framesTokens(frames);
  const base = {
    message: video.message,
    part: video.part,
    duration_s: video.durationS ?? null,
    frames_sampled: video.sampled,
    fps: round(video.fps),
    baseline: naive.baseline,
    estimated: true,
  };
  const gemini = family?.image.kind === "gemini_tiles" ||
    family?.image.kind === "gemini_media_resolution";
  if (
    gemini &&
    (controls.gemini === "native" || (controls.gemini === "auto" && naive.tokens <= after))
  ) {
    return {
      ...base,
      frames_kept: 0,
      native: true,
      frames: [],
      dropped: [],
      tokens: { before: naive.tokens, after: naive.tokens },
      optimizations: [],
    };
  }
  return {
    ...base,
    frames_kept: frames.length,
    native: false,
    frames,
    dropped,
    tokens: { before: naive.tokens, after },
    optimizations: ["frames_dedup", ...new Set(frames.flatMap((f) => f.optimizations))],
  };
}

/** Tokens of frames as sent: each frame's image and its marker (again after rendering). */
export function framesTokens(frames: readonly PlannedFrame[]): number {
  return frames.reduce((sum, f) => sum + f.after.tokens + estimateStringTokens(f.marker), 0);
}
