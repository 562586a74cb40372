/**
 * The generated video set (`bench/video_set`): its manifest matches the specs and keeps the
 * halves apart, and a few of its videos, rebuilt small (640×360, 10 fps) from the corpus
 * pictures, meet their rules through squint's whole frame extraction.
 */
import assert from "node:assert/strict";
import { checkSplit, entryOf, MANIFEST, type ManifestEntry } from "../../bench/video_set/make.ts";
import { renderVideo } from "../../bench/video_set/render.ts";
import { videoSet, type VideoSpec } from "../../bench/video_set/specs.ts";
import { scoreVideo } from "../../bench/video_set/truth.ts";
import { extractFrames } from "../../workers/video/extract.ts";
import { ffmpegPath } from "../../workers/video/ffmpeg.ts";

const specs = videoSet();

/** The bundled ffmpeg, when it runs here. */
async function runnableFfmpeg(): Promise<string | undefined> {
  try {
    const path = ffmpegPath();
    const out = await new Deno.Command(path, { args: ["-version"], stdout: "null", stderr: "null" })
      .output();
    return out.success ? path : undefined;
  } catch {
    return undefined;
  }
}

const ffmpeg = await runnableFfmpeg();
if (!ffmpeg) console.log("video set tests skipped: no runnable ffmpeg (@ffmpeg-installer/ffmpeg)");

/** Builds `id` small, extracts its frames as squint does (1 fps) and scores them. */
async function keptFrom(id: string) {
  const spec = specs.find((s) => s.id === id) as VideoSpec;
  const entry = entryOf(spec);
  const dir = await Deno.makeTempDir({ prefix: "squint-video-set-" });
  try {
    const path = await renderVideo(spec, { out: dir, scale: 0.5, fps: 10 });
    const video = await extractFrames(await Deno.readFile(path), {
      ffmpeg: ffmpeg!,
      fps: 1,
      maxSampled: 600,
      maxCandidates: 128,
      maxSide: 2048,
    });
    const kept = video.frames.map((f) => ({ t: f.t, reason: f.reason }));
    return { entry, kept, score: scoreVideo(spec, entry.truth, kept, video.fps) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const failed = (score: { rules: { pass: boolean; rule: string; detail: string }[] }) =>
  score.rules.filter((r) => !r.pass).map((r) => `${r.rule}: ${r.detail}`).join("; ");

Deno.test("the committed manifest is the specs' own, and no picture is in two halves", () => {
  checkSplit(specs);
  const manifest = JSON.parse(Deno.readTextFileSync(MANIFEST)) as ManifestEntry[];
  assert.deepEqual(manifest, specs.map((s) => entryOf(s)));
  const halves = Object.groupBy(manifest, (e) => e.half);
  assert.equal(halves.tuning?.length, 12);
  assert.equal(halves.frozen?.length, 12);
  for (const entry of manifest) assert.ok(entry.duration_s <= 20, entry.id);
});

Deno.test({
  name: "a slow document scroll keeps at most 1.5 frames per screenful, and its end",
  ignore: !ffmpeg,
  async fn() {
    const { entry, kept, score } = await keptFrom("t01_doc_scroll_slow");
    assert.equal(entry.truth.shots[0].rule, "scroll or pan");
    assert.ok(score.pass, failed(score));
    assert.equal(kept[0].t, 0);
    assert.equal(kept.at(-1)!.reason, "where the motion came to rest");
    assert.equal(score.coverage, 1);
  },
});

Deno.test({
  name: "a zoom out with a diagonal pan, one continuous shot, keeps its first and last view",
  ignore: !ffmpeg,
  async fn() {
    const { entry, kept, score } = await keptFrom("t08_photo_zoom_out_diagonal");
    assert.equal(entry.truth.shots[0].rule, "small motion");
    assert.ok(score.pass, failed(score));
    assert.deepEqual(kept.map((k) => k.reason), ["first frame", "where the motion came to rest"]);
  },
});

Deno.test({
  name: "a slideshow with cross-fades and fades through black keeps each slide once, no fade",
  ignore: !ffmpeg,
  async fn() {
    const { entry, kept, score } = await keptFrom("t10_slides_fades");
    assert.equal(entry.truth.scenes_to_keep, 4);
    assert.ok(score.pass, failed(score));
    assert.equal(kept.length, 4);
  },
});

Deno.test({
  name: "a still shot with grain, shake and flicker keeps one frame",
  ignore: !ffmpeg,
  async fn() {
    const { score, kept } = await keptFrom("t11_talking_head");
    assert.ok(score.pass, failed(score));
    assert.deepEqual(kept.map((k) => k.t), [0]);
  },
});

Deno.test({
  name: "a pan down a photographed receipt (frozen half) keeps at most 1.5 frames per screenful",
  ignore: !ffmpeg,
  async fn() {
    const { entry, score } = await keptFrom("f06_photo_pan_down");
    assert.equal(entry.half, "frozen");
    assert.ok(score.pass, failed(score));
  },
});

Deno.test({
  name:
    "a zoom out over a small photo, blurry where it is upscaled, is one move: its first and last view",
  ignore: !ffmpeg,
  async fn() {
    const { entry, kept, score } = await keptFrom("h08_photo_zoom_out_diagonal");
    assert.equal(entry.truth.shots[0].rule, "small motion");
    assert.ok(score.pass, failed(score));
    assert.deepEqual(kept.map((k) => k.reason), ["first frame", "where the motion came to rest"]);
  },
});

Deno.test({
  name: "a short diagonal pan between two stills keeps two views of it, its corners given up",
  ignore: !ffmpeg,
  async fn() {
    const { entry, score } = await keptFrom("h12_mixed_cut_pan_fade");
    assert.equal(entry.truth.shots[1].rule, "small motion");
    assert.ok(score.pass, failed(score));
    assert.equal(score.shotFrames[1], 2);
  },
});
