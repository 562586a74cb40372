/**
 * `squint optimize` on a corpus video: the kept frames and the library's own figures for the
 * same request, and `--out` as a folder of the frames squint sends.
 */
import assert from "node:assert/strict";
import { createSquint } from "../../src/mod.ts";
import { mediaRequest } from "../../src/cli/media_request.ts";
import { readInput } from "../../src/cli/input.ts";
import { cliConfig } from "../../src/cli/cli_config.ts";
import { assertFigures, corpusVideo, squint, tableRow } from "./_cli.ts";

const SLIDESHOW = corpusVideo("video_slideshow_hardcuts_720p_30s.mp4");

Deno.test("a corpus video: the frames kept, the library's tokens and cost, and --out a folder of those frames", async () => {
  const out = await Deno.makeTempDir();
  try {
    const run = await squint(["optimize", SLIDESHOW, "--model", "gpt-4o", "--out", `${out}/kept`]);
    assert.equal(run.code, 0, run.stderr);
    const library = createSquint({ workers: 1 });
    const input = await readInput(SLIDESHOW, cliConfig({}));
    const plan = await library.optimize(mediaRequest(input, { model: "gpt-4o" }))
      .finally(() => library.close());
    const [video] = plan.videos as {
      frames: { t: number }[];
      tokens: { before: number; after: number };
    }[];
    assert.equal(
      run.stdout.split("\n")[0],
      `${SLIDESHOW} for gpt-4o: 5 of 30 sampled frames kept (30 s, 1 fps)`,
    );
    assertFigures(run.stdout, {
      "frames": [30, 5],
      "video tokens": [video.tokens.before, video.tokens.after],
      "request tokens": [plan.tokens.before, plan.tokens.after],
    }, plan.cost);
    assert.deepEqual(
      ["00:00", "00:04", "00:11", "00:15", "00:23"].map((t) => tableRow(run.stdout, `  ${t}`)[0]),
      ["00:00", "00:04", "00:11", "00:15", "00:23"],
    );
    assert.match(run.stdout, /\ndropped: 25 near-identical to a kept frame\n/);
    const files = [...Deno.readDirSync(`${out}/kept`)].map((f) => f.name).sort();
    assert.deepEqual(files, [
      "frame_00-00.jpg",
      "frame_00-04.jpg",
      "frame_00-11.jpg",
      "frame_00-15.jpg",
      "frame_00-23.jpg",
    ]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
