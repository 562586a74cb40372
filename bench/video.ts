/**
 * Bench (g): video. Per corpus video, squint's frame extraction (sample, fingerprint, select,
 * encode the kept frames) timed side by side with ffmpeg alone decoding the same video at the
 * same rate to nothing (the floor any frame sampler pays), as a realtime factor and a ratio; and
 * the frames and image tokens sent against the naive request (every sampled frame as an image
 * under the model's rule; Gemini: its video tokens per second). Then (c) the generated video
 * set (`bench/video_set`, built into `.squint/video_set` when missing; the fresh half only once
 * `make.ts --half fresh` has built it): frames kept per video against its scenes or screenfuls,
 * scored rule by rule, each half apart.
 *
 * @module
 */

import { createRegistry } from "../src/models/registry.ts";
import { planVideo } from "../src/optimize/plan_video.ts";
import { extractFrames } from "../workers/video/extract.ts";
import { ffmpegPath } from "../workers/video/ffmpeg.ts";
import { fixed, percent, table } from "./table.ts";
import { scoreSet, setReport } from "./video_set/score.ts";

const MODELS = ["gpt-4o", "claude-sonnet-4-6", "gemini-2.5-flash"];

async function ffmpegAlone(path: string, ffmpeg: string): Promise<number> {
  const started = performance.now();
  const out = await new Deno.Command(ffmpeg, {
    args: [
      "-hide_banner",
      "-loglevel",
      "error",
      "-threads",
      "2",
      "-i",
      path,
      "-an",
      "-vf",
      "fps=1",
      "-f",
      "null",
      "-",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return performance.now() - started;
}

/** Runs section (g) over the corpus videos. */
export async function runVideo(corpus: string) {
  const ffmpeg = ffmpegPath();
  const registry = createRegistry();
  const manifest = JSON.parse(Deno.readTextFileSync(`${corpus}/manifest.json`)) as {
    file: string;
    duration_s: number;
    height: number;
    distinct_scenes: number;
  }[];
  const timing: (string | number)[][] = [];
  const tokens: (string | number)[][] = [];
  const results: Record<string, unknown>[] = [];
  let squintMs1080 = 0, seconds1080 = 0;
  for (const entry of manifest.filter((e) => e.file.startsWith("videos/"))) {
    const path = `${corpus}/${entry.file}`;
    const bytes = await Deno.readFile(path);
    const reference = await ffmpegAlone(path, ffmpeg);
    const started = performance.now();
    const video = await extractFrames(bytes, {
      ffmpeg,
      fps: 1,
      maxSampled: 600,
      maxCandidates: 128,
      maxSide: 2048,
    });
    const ms = performance.now() - started;
    if (entry.height === 1080) {
      squintMs1080 += ms;
      seconds1080 += entry.duration_s;
    }
    const name = entry.file.replace("videos/video_", "").replace(".mp4", "");
    timing.push([
      name,
      fixed(entry.duration_s, 1),
      video.sampled,
      video.frames.length,
      entry.distinct_scenes,
      fixed(ms, 0),
      fixed((entry.duration_s * 1000) / ms, 1),
      fixed(reference, 0),
      fixed(ms / reference, 2),
    ]);
    const perModel: Record<string, unknown> = {};
    for (const model of MODELS) {
      const family = registry.resolve(model)!.family;
      const plan = planVideo(
        {
          message: 0,
          part: 0,
          number: 1,
          durationS: video.durationS,
          fps: video.fps,
          sampled: video.sampled,
          width: video.frames[0].width,
          height: video.frames[0].height,
          frames: video.frames.map((f) => ({ ...f, bytes: f.bytes.byteLength })),
          dropped: video.dropped,
        },
        family,
        { optimize: true, fidelity: "balanced", detail: "auto", ocr: "on" },
        { maxFrames: 32, gemini: "auto" },
      );
      tokens.push([
        name,
        model,
        plan.frames_sampled,
        plan.native ? "video" : `${plan.frames_kept} frames`,
        plan.tokens.before,
        plan.tokens.after,
        percent(1 - plan.tokens.after / plan.tokens.before),
      ]);
      perModel[model] = { tokens: plan.tokens, frames_kept: plan.frames_kept };
    }
    results.push({
      file: entry.file,
      ms,
      referenceMs: reference,
      sampled: video.sampled,
      kept: video.frames.length,
      models: perModel,
    });
  }
  const perMinute = (squintMs1080 / seconds1080) * 60;
  const set = setReport(await scoreSet());
  const text = [
    "(a) Extraction time, squint (sample + fingerprint + select + encode kept frames) vs ffmpeg alone decoding at 1 fps:",
    table(
      [
        "video",
        "s",
        "sampled",
        "kept",
        "scenes",
        "squint ms",
        "× realtime",
        "ffmpeg ms",
        "squint/ffmpeg",
      ],
      timing,
    ),
    `1080p: ${fixed(perMinute / 1000, 1)} s of processing per minute of video (${
      fixed(60_000 / perMinute, 1)
    }× realtime)`,
    "",
    "(b) Frames and image tokens sent vs the naive request (gemini: 263 tokens per second of video, and the video itself is sent when that is cheaper):",
    table(["video", "model", "sampled", "sent as", "naive tokens", "tokens sent", "saved"], tokens),
    "",
    "(c) Generated video set (bench/video_set/manifest.json): frames kept against the truth. Rules: a scroll or pan",
    "    showing ≥ 2 screenfuls keeps ≤ 1.5 frames per screenful, at least one, and its end; a zoom, a still shot or a",
    "    pan showing < 2 keeps ≤ 2; every slide or step is kept, with at most one frame more than the slides/steps.",
    "    'content kept': share of what the moving shots showed that is in a kept frame.",
    set.text,
  ].join("\n");
  const headline = [
    `(g) video: ${fixed(perMinute / 1000, 1)} s per minute of 1080p (${
      fixed(60_000 / perMinute, 1)
    }× realtime)`,
    set.headline,
  ];
  return { text, results: { corpus: results, generated: set.results }, headline };
}
