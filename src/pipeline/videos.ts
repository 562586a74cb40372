/**
 * A request's videos through the pipeline: each one's frames sampled and selected in a worker,
 * planned for the model (`planVideo`), rendered like images, and spliced into the message in
 * the video part's place as `[video N, frame at mm:ss]` text parts, each followed by its frame.
 *
 * @module
 */

import type { Config } from "../config.ts";
import { GatewayError, type GatewayErrorType } from "../errors.ts";
import { type JsonLiteral, marker } from "../intake/inline_images.ts";
import type { IntakeImage } from "../intake/intake.ts";
import type { IntakeVideo } from "../intake/videos.ts";
import type { ModelFamily } from "../models/types.ts";
import type { IntentDecision } from "../optimize/intent/classify.ts";
import type { ImageControls } from "../optimize/plan_image.ts";
import {
  frameInfo,
  type PlannedVideo,
  planVideo,
  type VideoControls,
} from "../optimize/plan_video.ts";
import { TaskError, type WorkerPool } from "../pool/pool.ts";
import type { FramesResult } from "../../workers/image/protocol.ts";

/** Grace the pool gives the worker past its own video deadline (it stops ffmpeg itself). */
const POOL_GRACE_MS = 10_000;

/** A video and what the worker found in it. */
export interface ReadVideo {
  video: IntakeVideo;
  found: FramesResult;
  question: string;
  intent: IntentDecision;
}

/** HTTP status and error code of each way reading a video fails. */
const VIDEO_FAILURES: Record<string, { status: number; type: GatewayErrorType; code: string }> = {
  unreadable_video: { status: 400, type: "invalid_request_error", code: "invalid_video" },
  video_timeout: { status: 413, type: "invalid_request_error", code: "video_too_long" },
  no_ffmpeg: { status: 500, type: "api_error", code: "no_ffmpeg" },
};

function where(video: IntakeVideo): string {
  return `messages[${video.site.message}].content[${video.site.part}]`;
}

/** Samples and selects the frames of every video (one at a time), in the workers. */
export async function readVideos(
  videos: readonly IntakeVideo[],
  asked: readonly { question: string; intent: IntentDecision }[],
  deps: { pool: WorkerPool; config: Config },
): Promise<ReadVideo[]> {
  const { config, pool } = deps;
  const read: ReadVideo[] = [];
  for (const [i, video] of videos.entries()) {
    if (!video.bytes) {
      throw new GatewayError(
        400,
        `video at ${where(video)} could not be read: ${video.unreadable}`,
        "invalid_request_error",
        "invalid_video",
        where(video),
      );
    }
    const timeoutMs = config.video_timeout_s * 1000;
    try {
      const found = await pool.run<FramesResult>(
        {
          kind: "frames",
          bytes: video.bytes,
          fps: config.video_fps,
          maxSampled: config.video_max_sampled,
          maxCandidates: 4 * config.video_max_frames,
          maxSide: config.video_max_side,
          timeoutMs,
          ffmpeg: config.ffmpeg_path,
          question: asked[i].question,
          clipModelPath: config.clip_model_path,
          // A fetched video sent whole to Gemini goes as a data URL, encoded in the worker.
          literalMime: video.remoteUrl ? (video.mime ?? "video/mp4") : undefined,
        },
        [video.bytes.buffer as ArrayBuffer],
        timeoutMs + POOL_GRACE_MS,
      );
      read.push({ video, found, ...asked[i] });
    } catch (e) {
      const failure = e instanceof TaskError ? VIDEO_FAILURES[e.code] : undefined;
      if (!failure) throw e;
      throw new GatewayError(
        failure.status,
        `video at ${where(video)}: ${(e as Error).message}`,
        failure.type,
        failure.code,
        where(video),
      );
    }
  }
  return read;
}

/** A change to one content part: the parts that take its place. */
export interface ContentEdit {
  message: number;
  part: number;
  parts: unknown[];
}

/** Every video planned, its frames as images ready to render, and the edits placing them. */
export interface PlannedVideos {
  plans: PlannedVideo[];
  /** One per planned frame, all videos in order. */
  frames: IntakeImage[];
  /**
   * Each video's part replaced by its frames, each after its `[video N, frame at mm:ss]` text
   * (a fetched video sent whole to Gemini: by its bytes). The frame objects are the ones the
   * renderer edits (`detail`, and the literal behind their marker).
   */
  edits: ContentEdit[];
}

/** Plans every read video for `family`; new literals (the frames) are added to `literals`. */
export function planVideos(
  read: readonly ReadVideo[],
  family: ModelFamily | undefined,
  controls: ImageControls,
  videoControls: VideoControls,
  literals: Map<number, JsonLiteral>,
): PlannedVideos {
  let nextRef = Math.max(-1, ...literals.keys()) + 1;
  const planned: PlannedVideos = { plans: [], frames: [], edits: [] };
  for (const { video, found, question, intent } of read) {
    const plan = planVideo(
      {
        ...video.site,
        durationS: found.durationS,
        fps: found.fps,
        sampled: found.sampled,
        width: found.frames[0]?.width ?? 0,
        height: found.frames[0]?.height ?? 0,
        frames: found.frames.map((f) => ({ ...f, bytes: f.bytes.byteLength })),
        dropped: found.dropped,
        question,
        intent,
      },
      family,
      controls,
      videoControls,
    );
    planned.plans.push(plan);
    const { message, part } = video.site;
    if (plan.native) {
      if (found.literal) {
        const ref = nextRef++;
        literals.set(ref, found.literal);
        const parts = [{ type: "video_url", video_url: { url: marker(ref) } }];
        planned.edits.push({ message, part, parts });
      }
      continue;
    }
    const parts: unknown[] = [];
    for (const frame of plan.frames) {
      const kept = found.frames[frame.index];
      const ref = nextRef++;
      literals.set(ref, kept.literal!);
      const imageUrl = { url: marker(ref) };
      parts.push({ type: "text", text: frame.marker }, { type: "image_url", image_url: imageUrl });
      planned.frames.push({
        site: { message, part, imageUrl },
        ref,
        inspected: {
          bytes: kept.bytes,
          mime: "image/jpeg",
          hash: kept.hash,
          info: frameInfo({ ...kept, bytes: kept.bytes.byteLength }),
        },
      });
    }
    planned.edits.push({ message, part, parts });
  }
  return planned;
}
