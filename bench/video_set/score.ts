/**
 * Runs squint's frame selection over the generated video set (building any video not yet
 * built, except the fresh half's: those are scored only once `make.ts --half fresh` has built
 * them) and scores each video against its ground truth (`truth.ts`), per half.
 *
 * @module
 */

import { fixed, percent, table } from "../table.ts";
import { extractFrames } from "../../workers/video/extract.ts";
import { ffmpegPath } from "../../workers/video/ffmpeg.ts";
import { checkSplit, DEFAULT_OUT, entryOf, type ManifestEntry } from "./make.ts";
import { renderVideo } from "./render.ts";
import { type Half, videoSet, type VideoSpec } from "./specs.ts";
import { type Rule, scoreVideo, type VideoScore } from "./truth.ts";

/** One video's result. */
export interface SetResult {
  entry: ManifestEntry;
  sampled: number;
  kept: { t: number; reason: string }[];
  score: VideoScore;
  ms: number;
}

/** Extracts the frames of one video with squint's defaults (1 fps) and scores them. */
export async function scoreVideoBytes(
  spec: VideoSpec,
  entry: ManifestEntry,
  bytes: Uint8Array,
): Promise<SetResult> {
  const started = performance.now();
  const video = await extractFrames(bytes, {
    ffmpeg: ffmpegPath(),
    fps: 1,
    maxSampled: 600,
    maxCandidates: 128,
    maxSide: 2048,
  });
  const ms = performance.now() - started;
  const kept = video.frames.map((f) => ({ t: f.t, reason: f.reason }));
  return {
    entry,
    sampled: video.sampled,
    kept,
    score: scoreVideo(spec, entry.truth, kept, video.fps),
    ms,
  };
}

/** The halves in the report, and whether a missing video of the half is built to score it. */
const HALVES: { half: Half; title: string; build: boolean }[] = [
  { half: "tuning", title: "tuning half (the rules were tuned on it)", build: true },
  {
    half: "frozen",
    title: "frozen half (specified before tuning, built and scored once the rules froze)",
    build: true,
  },
  {
    half: "holdout",
    title: "holdout (specified and built after the frozen half was scored)",
    build: true,
  },
  {
    half: "fresh",
    title: "fresh (specified and built after the rules were frozen a second time)",
    build: false,
  },
];

/** Scores every video of the set in `dir`, building the missing ones of the halves that allow it. */
export async function scoreSet(dir = DEFAULT_OUT): Promise<SetResult[]> {
  const specs = videoSet();
  checkSplit(specs);
  const builds = new Map(HALVES.map((h) => [h.half, h.build]));
  const results: SetResult[] = [];
  for (const spec of specs) {
    const entry = entryOf(spec);
    const path = `${dir}/${entry.file}`;
    const built = await Deno.stat(path).then(() => true, () => false);
    if (!built && !builds.get(spec.half)) continue;
    if (!built) await renderVideo(spec, { out: dir });
    results.push(await scoreVideoBytes(spec, entry, await Deno.readFile(path)));
  }
  return results;
}

const RULES: Rule[] = ["scroll or pan", "small motion", "every scene"];

/** The truth of a video in a few words: its scenes or steps, and each moving shot's screenfuls. */
function truthCell(entry: ManifestEntry): string {
  const parts: string[] = [];
  const scenes = entry.truth.scenes_to_keep;
  if (scenes) parts.push(`${scenes} ${entry.kind === "step scroll" ? "steps" : "scenes"}`);
  for (const shot of entry.truth.shots) {
    if (shot.screenfuls !== undefined) parts.push(`${fixed(shot.screenfuls, 2)} screens`);
  }
  return parts.join(" + ");
}

/** Section (g)'s table of the generated set: per half, frames against the truth, rule by rule. */
export function setReport(results: SetResult[]) {
  const lines: string[] = [];
  const headline: string[] = [];
  const summary: Record<string, unknown> = {};
  for (const { half, title } of HALVES) {
    const mine = results.filter((r) => r.entry.half === half);
    if (mine.length === 0) continue;
    const rows = mine.map((r) => {
      const moving = r.entry.truth.shots.map((s, k) => ({ s, k }))
        .filter(({ s }) => s.rule === "scroll or pan");
      const screens = moving.reduce((n, { s }) => n + s.screenfuls!, 0);
      const frames = moving.reduce((n, { k }) => n + r.score.shotFrames[k], 0);
      const perScreen = moving.length ? fixed(frames / screens, 2) : "-";
      return [
        r.entry.id,
        r.entry.kind,
        fixed(r.entry.duration_s, 1),
        r.sampled,
        r.kept.length,
        r.entry.truth.max_frames,
        truthCell(r.entry),
        perScreen,
        r.score.coverage === undefined ? "-" : percent(r.score.coverage, 0),
        r.score.rules.map((rule) => `${rule.pass ? "ok" : "FAIL"} ${rule.rule}`).join(", "),
      ];
    });
    lines.push(`${title}:`);
    lines.push(table(
      [
        "video",
        "kind",
        "s",
        "sampled",
        "kept",
        "max",
        "truth",
        "per screen",
        "content kept",
        "rules",
      ],
      rows,
    ));
    const passed = mine.filter((r) => r.score.pass).length;
    const perRule = RULES.map((rule) => {
      const scored = mine.flatMap((r) => r.score.rules.filter((s) => s.rule === rule));
      return `${rule} ${scored.filter((s) => s.pass).length}/${scored.length}`;
    });
    lines.push(`${half}: ${passed}/${mine.length} videos meet every rule (${perRule.join(", ")})`);
    for (const r of mine.filter((r) => !r.score.pass)) {
      const failed = r.score.rules.filter((s) => !s.pass).map((s) => `${s.rule}: ${s.detail}`);
      lines.push(`  ${r.entry.id}: ${failed.join("; ")}`);
    }
    lines.push("");
    headline.push(`${half} ${passed}/${mine.length}`);
    summary[half] = { passed, videos: mine.length };
  }
  return {
    text: lines.join("\n"),
    headline: `(g) generated video set, videos meeting every rule: ${headline.join(", ")}`,
    results: {
      summary,
      videos: results.map((r) => ({
        id: r.entry.id,
        half: r.entry.half,
        sampled: r.sampled,
        kept: r.kept.map((k) => k.t),
        pass: r.score.pass,
        rules: r.score.rules,
        coverage: r.score.coverage,
        ms: Math.round(r.ms),
      })),
    },
  };
}
