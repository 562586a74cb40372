/**
 * The CLIP scorer's real loading code (transformers.js tokenizer, image processor and ONNX
 * sessions) on a tiny CLIP-shaped model the tests write themselves (tests/support/tiny_clip.ts):
 * a colour word embeds along its colour's axis, an image as its average colour, so a question
 * about red ranks the red frame first. Nothing is downloaded.
 */
import assert from "node:assert/strict";
import { createCanvas } from "@napi-rs/canvas";
import { writeTinyClip } from "../support/tiny_clip.ts";
import {
  clipEmbedder,
  clipScorer,
  embeddingScorer,
  ModelLoadError,
  type ScoredFrame,
} from "../../workers/video/relevance.ts";

/** Runs `fn` on a freshly written tiny CLIP folder, removed afterwards. */
async function withTinyClip(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "squint-tiny-clip-" });
  try {
    await fn(await writeTinyClip(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A JPEG frame of one colour (encoded as extract.ts encodes kept frames), 64×48. */
async function solidFrame(colour: string): Promise<ScoredFrame> {
  const [width, height] = [64, 48];
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, width, height);
  return { bytes: new Uint8Array(await canvas.encode("jpeg", 90)), width, height };
}

/** Each component within `tolerance` of the expected one. */
function assertNear(actual: Float32Array, expected: number[], tolerance = 0.01) {
  assert.equal(actual.length, expected.length);
  assert.ok(
    expected.every((e, i) => Math.abs(actual[i] - e) <= tolerance),
    `${[...actual]} is not within ${tolerance} of ${expected}`,
  );
}

Deno.test("a colour word embeds along its colour's axis; other words and unknown ones add nothing", async () => {
  await withTinyClip(async (path) => {
    const clip = await clipEmbedder(path);
    assert.deepEqual([...await clip.embedText("red")], [1, 0, 0]);
    assert.deepEqual([...await clip.embedText("green")], [0, 1, 0]);
    assert.deepEqual([...await clip.embedText("a photo of Blue")], [0, 0, 1]);
    assert.deepEqual([...await clip.embedText("purple")], [0, 0, 0]);
    assert.deepEqual([...await clip.embedText("red or blue")], [1, 0, 1]);
  });
});

Deno.test("a solid-colour JPEG embeds as its average colour, dominated by that colour", async () => {
  await withTinyClip(async (path) => {
    const clip = await clipEmbedder(path);
    const red = await clip.embedImage(await solidFrame("#ff0000"));
    const green = await clip.embedImage(await solidFrame("#00ff00"));
    const blue = await clip.embedImage(await solidFrame("#0000ff"));
    assertNear(red, [1, 0, 0]);
    assertNear(green, [0, 1, 0]);
    assertNear(blue, [0, 0, 1]);
    assertNear(await clip.embedImage(await solidFrame("#808080")), [0.5, 0.5, 0.5]);
  });
});

Deno.test("the question 'red' ranks the red frame first among blue, red and green", async () => {
  await withTinyClip(async (path) => {
    const frames = await Promise.all(["#0000ff", "#ff0000", "#00ff00"].map(solidFrame));
    const scores = await embeddingScorer(await clipEmbedder(path)).score("red", frames);
    assert.deepEqual(scores.map((s) => Math.round(s * 100) / 100), [0, 1, 0]);
    assert.equal(scores.indexOf(Math.max(...scores)), 1);
  });
});

Deno.test("clipScorer loads a model folder once: a second call gets the same promise", async () => {
  await withTinyClip(async (path) => {
    const first = clipScorer(path);
    assert.equal(clipScorer(path), first);
    const frames = await Promise.all(["#00ff00", "#0000ff"].map(solidFrame));
    const scores = await (await first).score("a photo of blue", frames);
    assert.deepEqual(scores.map((s) => Math.round(s * 100) / 100), [0, 1]);
    assert.equal(clipScorer(path), first);
  });
});

Deno.test("a model folder whose vision model is garbage fails with ModelLoadError naming the folder", async () => {
  await withTinyClip(async (path) => {
    await Deno.writeFile(`${path}/onnx/vision_model.onnx`, new TextEncoder().encode("not onnx"));
    await assert.rejects(
      clipEmbedder(path),
      (e) =>
        e instanceof ModelLoadError && e.name === "ModelLoadError" &&
        e.message.includes(`CLIP model at ${path} `) &&
        e.message.includes("SQUINT_CLIP_MODEL_PATH") &&
        e.message.includes(`${path}/onnx/vision_model.onnx`),
    );
  });
});

Deno.test("clipScorer forgets a folder that failed to load, so a repaired one loads on the next call", async () => {
  await withTinyClip(async (path) => {
    const good = await Deno.readFile(`${path}/onnx/vision_model.onnx`);
    await Deno.writeFile(`${path}/onnx/vision_model.onnx`, new TextEncoder().encode("not onnx"));
    const failed = clipScorer(path);
    await assert.rejects(failed, ModelLoadError);
    await Deno.writeFile(`${path}/onnx/vision_model.onnx`, good);
    const retried = clipScorer(path);
    assert.notEqual(retried, failed);
    const scores = await (await retried).score("red", [await solidFrame("#ff0000")]);
    assert.deepEqual(scores.map((s) => Math.round(s * 100) / 100), [1]);
  });
});
