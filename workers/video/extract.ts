/**
 * A video's frames worth sending, in a worker: sample with ffmpeg, fingerprint every sampled
 * frame, select as it streams (`FrameSelector`), and encode only the frames kept. The selection
 * holds at most `maxCandidates` encoded frames: past that, the timeline is thinned evenly and the
 * thinned frames keep only their fingerprints (so later repeats of them are still recognised).
 *
 * @module
 */

import { createCanvas } from "@napi-rs/canvas";
import { sha256 } from "../../src/cache/sha256.ts";
import { clock } from "../../src/optimize/plan_video.ts";
import {
  type Candidate,
  coverTimeline,
  FrameSelector,
  type FrameVerdict,
  type Settled,
} from "../../src/optimize/video_frames.ts";
import {
  probeVideo,
  type RunOptions,
  sampleFrames,
  VideoError,
  type VideoHeader,
} from "./ffmpeg.ts";
import { fingerprint } from "./frame_grid.ts";
import type { RelevanceScorer } from "./relevance.ts";

/** How to extract. */
export interface ExtractOptions extends RunOptions {
  /** Frames per second to sample (fewer when the video is long; see `maxSampled`). */
  fps: number;
  /** At most this many frames are sampled: a longer video is sampled evenly at a lower rate. */
  maxSampled: number;
  /** At most this many kept frames are held encoded (thinned evenly beyond). */
  maxCandidates: number;
  /** Long side of the frames, at most (the video's own size when smaller). */
  maxSide: number;
  /** Ranks the kept frames against the question, when one is configured. */
  scorer?: RelevanceScorer;
  question?: string;
}

/** A kept frame, encoded. */
export interface KeptFrame {
  /** Seconds from the start. */
  t: number;
  /** JPEG bytes. */
  bytes: Uint8Array;
  width: number;
  height: number;
  reason: FrameVerdict["reason"];
  /** Share of the frame that was new when it was kept. */
  novelty: number;
  /** Relevance to the question, when a scorer ranked the frames. */
  relevance?: number;
  /** SHA-256 of `bytes`, hex (set once the selection is final). */
  hash?: string;
  /** The frame as the JSON string literal of its data URL (set once the selection is final). */
  literal?: Uint8Array;
}

/** A video, reduced to its kept frames. */
export interface ExtractedVideo {
  durationS?: number;
  /** Coded size and rotation, as the container says. */
  header: VideoHeader;
  /** The rate actually sampled at (lower than asked for a long video). */
  fps: number;
  sampled: number;
  /** Frames kept by the selection (before the budget), of which `frames` are still held. */
  selected: number;
  frames: KeptFrame[];
  /** Each dropped frame's time and why. */
  dropped: { t: number; reason: string }[];
}

/** JPEG quality of a kept frame (it is resized and re-encoded for the model afterwards). */
const FRAME_QUALITY = 92;

/** The upright output size: the coded size turned by the rotation, long side capped, even. */
export function frameSize(header: VideoHeader, maxSide: number) {
  const turned = header.rotation % 180 !== 0;
  const [w, h] = turned ? [header.height, header.width] : [header.width, header.height];
  const scale = Math.min(1, maxSide / Math.max(w, h));
  const even = (v: number) => Math.max(2, Math.round((v * scale) / 2) * 2);
  return { width: even(w), height: even(h) };
}

/** The sampling rate: `fps`, or lower so that the whole duration fits in `maxSampled` frames. */
export function samplingRate(durationS: number | undefined, fps: number, maxSampled: number) {
  if (!durationS || durationS * fps <= maxSampled) return fps;
  return maxSampled / durationS;
}

async function encodeJpeg(data: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(width, height);
  image.data.set(data);
  ctx.putImageData(image, 0, 0);
  return new Uint8Array(await canvas.encode("jpeg", FRAME_QUALITY));
}

/** Samples, selects and encodes the frames of one video. */
export async function extractFrames(
  bytes: Uint8Array,
  options: ExtractOptions,
): Promise<ExtractedVideo> {
  const header = await probeVideo(bytes, options);
  const { width, height } = frameSize(header, options.maxSide);
  const fps = samplingRate(header.durationS, options.fps, options.maxSampled);
  const selector = new FrameSelector();
  const frames: KeptFrame[] = [];
  const dropped: { t: number; reason: string }[] = [];
  let held: { t: number; data: Uint8Array } | undefined;
  let sampled = 0;
  // Without a duration, the rate halves whenever the frames sampled reach the limit again.
  let stride = 1;
  const keep = async (t: number, data: Uint8Array, verdict: FrameVerdict) => {
    frames.push({
      t,
      bytes: await encodeJpeg(data, width, height),
      width,
      height,
      reason: verdict.reason,
      novelty: verdict.novelty,
    });
    if (frames.length > options.maxCandidates) thin(frames, options.maxCandidates, header);
  };
  const why = (verdict: FrameVerdict) =>
    verdict.duplicateOf === undefined
      ? verdict.reason
      : `${verdict.reason} (${clock(selector.kept[verdict.duplicateOf].t)})`;
  /** A held frame's final verdict: kept (its pixels were held), or dropped for a better reason. */
  const settle = async (settled: Settled | undefined) => {
    if (!settled) return;
    const at = dropped.findIndex((d) => d.t === settled.t);
    if (!settled.verdict.keep) {
      if (at !== -1) dropped[at].reason = why(settled.verdict);
      return;
    }
    if (held?.t !== settled.t) throw new Error(`no pixels held for the frame at ${settled.t} s`);
    if (at !== -1) dropped.splice(at, 1);
    await keep(held.t, held.data, settled.verdict);
  };
  for await (const frame of sampleFrames(bytes, { fps, width, height }, options)) {
    if (frame.index % stride !== 0) continue;
    if (++sampled % options.maxSampled === 0 && header.durationS === undefined) stride *= 2;
    const t = Math.round((frame.index / fps) * 1000) / 1000;
    const offered = selector.offer(t, fingerprint(frame.data, width, height));
    await settle(offered.settled);
    if (offered.current.keep) await keep(t, frame.data, offered.current);
    else dropped.push({ t, reason: why(offered.current) });
    if (selector.held === t) held = { t, data: frame.data };
    else if (selector.held === undefined) held = undefined;
  }
  await settle(selector.finish());
  if (sampled === 0) {
    throw new VideoError("unreadable_video", "the video has no frame ffmpeg could decode");
  }
  for (const frame of frames) {
    frame.hash = await sha256(frame.bytes);
    frame.literal = new TextEncoder().encode(`"data:image/jpeg;base64,${frame.bytes.toBase64()}"`);
  }
  if (options.scorer && options.question) {
    const scores = await options.scorer.score(options.question, frames);
    frames.forEach((f, i) => (f.relevance = scores[i]));
  }
  return {
    durationS: header.durationS,
    header,
    fps,
    sampled,
    selected: selector.kept.length,
    frames,
    dropped,
  };
}

/** Thins `frames` (in place) to `cap`, evenly over the timeline, the most novel first. */
function thin(frames: KeptFrame[], cap: number, header: VideoHeader): void {
  const candidates: Candidate[] = frames.map((f) => ({ t: f.t, score: f.novelty }));
  const duration = header.durationS ?? frames[frames.length - 1].t + 1;
  const chosen = new Set(coverTimeline(candidates, Math.ceil(cap / 2), duration));
  const keptFrames = frames.filter((_, i) => chosen.has(i));
  frames.splice(0, frames.length, ...keptFrames);
}
