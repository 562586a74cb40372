/**
 * Builds the generated video set and writes its manifest.
 *
 *     deno run -A bench/video_set/make.ts [--out .squint/video_set]
 *                                         [--half tuning|frozen|holdout|fresh|all]
 *                                         [--only id,id] [--manifest-only]
 *
 * The fresh half's pictures are made first by `deno run -A bench/video_set/fresh_sources.ts`;
 * `--half all` leaves that half out while they are not.
 *
 * The videos go to `--out` (git-ignored; never commit them); `bench/video_set/manifest.json`
 * (committed) gives each video's half, kind, sources, camera path summary, ground truth and
 * the rules it is scored against. The manifest depends only on the specs, so it is the same
 * whether or not the videos are built.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { freshPrepared } from "./fresh_sources.ts";
import { renderVideo } from "./render.ts";
import {
  type Half,
  pictureSizes,
  type Shot,
  sourceSize,
  videoSet,
  type VideoSpec,
} from "./specs.ts";
import { truthOf, type VideoTruth, viewAspect } from "./truth.ts";

/** Where the videos go unless told. */
export const DEFAULT_OUT = ".squint/video_set";
/** The committed manifest. */
export const MANIFEST = new URL("./manifest.json", import.meta.url).pathname;

/** One manifest entry. */
export interface ManifestEntry {
  id: string;
  file: string;
  half: Half;
  kind: string;
  content: string;
  description: string;
  width: number;
  height: number;
  fps: number;
  duration_s: number;
  sources: string[];
  truth: VideoTruth;
  /** Per shot: the fastest motion, in screens per second (0 for a still). */
  speeds: number[];
}

/** The fastest the camera moves in a shot, in screens (view heights or widths) per second. */
function speedOf(shot: Shot, aspect: number): number {
  let fastest = 0;
  for (let k = 1; k < shot.poses.length; k++) {
    const a = shot.poses[k - 1], b = shot.poses[k];
    if (b.t <= a.t) continue;
    const w = Math.max(a.w, b.w), h = w / aspect;
    const move = Math.max(
      Math.abs(b.x - a.x) / w,
      Math.abs(b.y - a.y) / h,
      Math.abs(b.w - a.w) / w,
    );
    fastest = Math.max(fastest, move / (b.t - a.t));
  }
  return Math.round(fastest * 100) / 100;
}

function sourcesOf(shot: Shot): string[] {
  const s = shot.source;
  return s.kind === "image" ? [s.file] : s.kind === "pages" ? s.files : [s.file];
}

/** The manifest entry of a spec. */
export function entryOf(spec: VideoSpec, sizes = pictureSizes()): ManifestEntry {
  const shotSizes = spec.shots.map((s) => sourceSize(s.source, sizes));
  return {
    id: spec.id,
    file: `${spec.id}.mp4`,
    half: spec.half,
    kind: spec.kind,
    content: spec.content,
    description: spec.description,
    width: spec.width,
    height: spec.height,
    fps: spec.fps,
    duration_s: spec.seconds,
    sources: [...new Set(spec.shots.flatMap(sourcesOf))],
    truth: truthOf(spec, shotSizes),
    speeds: spec.shots.map((s) => speedOf(s, viewAspect(spec))),
  };
}

/** Checks that the halves share no picture. */
export function checkSplit(specs: VideoSpec[]): void {
  const used = new Map<string, Half>();
  for (const spec of specs) {
    for (const file of spec.shots.flatMap(sourcesOf)) {
      const other = used.get(file);
      if (other && other !== spec.half) {
        throw new Error(`${file} is used by two halves: ${other} and ${spec.half}`);
      }
      used.set(file, spec.half);
    }
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: DEFAULT_OUT },
      half: { type: "string", default: "all" },
      only: { type: "string" },
      "manifest-only": { type: "boolean", default: false },
    },
  });
  const specs = videoSet();
  checkSplit(specs);
  const entries = specs.map((s) => entryOf(s));
  await Deno.writeTextFile(MANIFEST, JSON.stringify(entries, null, 2) + "\n");
  console.log(`manifest: ${entries.length} videos -> ${MANIFEST}`);
  if (!values["manifest-only"]) {
    const only = values.only?.split(",");
    const all = values.half === "all";
    const fresh = freshPrepared();
    if (all && !fresh) {
      console.log("fresh half left out: run bench/video_set/fresh_sources.ts to make its pictures");
    }
    const chosen = specs.filter((s) =>
      (all ? s.half !== "fresh" || fresh : s.half === values.half) &&
      (!only || only.includes(s.id))
    );
    if (!fresh && chosen.some((s) => s.half === "fresh")) {
      throw new Error("no fresh pictures: deno run -A bench/video_set/fresh_sources.ts makes them");
    }
    for (const spec of chosen) {
      const started = performance.now();
      const path = await renderVideo(spec, { out: values.out! });
      const size = (await Deno.stat(path)).size;
      console.log(
        `${spec.id}: ${spec.seconds} s ${spec.width}x${spec.height} -> ${path} (${
          (size / 1e6).toFixed(1)
        } MB, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    }
  }
}
