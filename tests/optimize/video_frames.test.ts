/** The pure parts of video planning: timeline coverage, markers, relevance ranking. */
import assert from "node:assert/strict";
import {
  continues,
  coverTimeline,
  newShareOf,
  SELECTION_RULES,
} from "../../src/optimize/video_frames.ts";
import { frameBudget, frameMarker } from "../../src/optimize/plan_video.ts";
import { clipEmbedder, embeddingScorer, ModelLoadError } from "../../workers/video/relevance.ts";
import { family } from "./_plan.ts";

Deno.test("coverTimeline keeps the opening frame and one frame per stretch, the best of each", () => {
  const candidates = Array.from(
    { length: 20 },
    (_, i) => ({ t: i * 3, score: i % 4 === 1 ? 1 : 0.2 }),
  );
  // 60 s in 4 stretches of 15 s: the opening frame, then the best (score 1) of each later one.
  assert.deepEqual(coverTimeline(candidates, 4, 60), [0, 5, 13, 17]);
  assert.deepEqual(coverTimeline(candidates.slice(0, 3), 4, 60), [0, 1, 2]);
  assert.deepEqual(coverTimeline(candidates, 0, 60), []);
});

Deno.test("coverTimeline gives the places of empty stretches to the best of the rest", () => {
  const candidates = [
    { t: 0, score: 1 },
    { t: 1, score: 0.9 },
    { t: 2, score: 0.3 },
    { t: 50, score: 0.5 },
  ];
  assert.deepEqual(coverTimeline(candidates, 3, 60), [0, 1, 3]);
});

Deno.test("frame markers read as a clock", () => {
  assert.equal(frameMarker(1, 12.4), "[video 1, frame at 00:12]");
  assert.equal(frameMarker(2, 754), "[video 2, frame at 12:34]");
  assert.equal(frameMarker(1, 3725), "[video 1, frame at 1:02:05]");
});

Deno.test("a zoom in shows nothing new; a view moved half off the frame shows half", () => {
  assert.equal(newShareOf({ zoom: 1.3, dx: 0.05, dy: 0 }), 0);
  assert.ok(Math.abs(newShareOf({ zoom: 1, dx: 0.5, dy: 0 }) - 0.5) < 1e-9);
  assert.ok(Math.abs(newShareOf({ zoom: 0.5, dx: 0, dy: 0 }) - 0.75) < 1e-9);
});

Deno.test("a move goes on the camera's way when it keeps the direction and a like size", () => {
  const pan = { zoom: 1, dx: 0.12, dy: -0.22 };
  const on = (next: { zoom: number; dx: number; dy: number }) =>
    continues(pan, next, SELECTION_RULES);
  assert.equal(on({ zoom: 1, dx: 0.12, dy: -0.13 }), true); // slowing, a little off its line
  assert.equal(on({ zoom: 1, dx: 0.04, dy: -0.08 }), true); // a third of the speed
  assert.equal(on({ zoom: 1, dx: 0.03, dy: -0.05 }), false); // under a third: it stopped
  assert.equal(on({ zoom: 1, dx: 0.22, dy: 0.12 }), false); // at a right angle
  assert.equal(on({ zoom: 1, dx: -0.12, dy: 0.22 }), false); // back the other way
  assert.equal(continues(undefined, pan, SELECTION_RULES), false); // the camera was not moving
  const zoomOut = { zoom: 0.91, dx: 0.037, dy: 0.059 };
  assert.equal(continues(zoomOut, { zoom: 0.938, dx: 0.031, dy: 0.049 }, SELECTION_RULES), true);
  assert.equal(continues(zoomOut, { zoom: 1.08, dx: 0.037, dy: 0.059 }, SELECTION_RULES), false);
});

Deno.test("the frame budget is the policy's cap, or what fits in half the model's context", () => {
  const gpt4o = family("gpt-4o");
  assert.equal(frameBudget(gpt4o, 1105, { maxFrames: 32, gemini: "auto" }), 32);
  assert.equal(frameBudget(gpt4o, 10_000, { maxFrames: 32, gemini: "auto" }), 6);
  assert.equal(frameBudget(undefined, 1105, { maxFrames: 32, gemini: "auto" }), 32);
});

Deno.test("the embedding scorer ranks frames by cosine similarity to the question", async () => {
  // A stand-in embedder: the text and each frame map to fixed vectors.
  const vectors: Record<string, number[]> = {
    question: [1, 0, 0],
    a: [0, 1, 0],
    b: [0.9, 0.1, 0],
    c: [0.5, 0.5, 0.7],
  };
  const frame = (name: string) => ({ bytes: new TextEncoder().encode(name), width: 1, height: 1 });
  const scorer = embeddingScorer({
    embedText: () => Promise.resolve(Float32Array.from(vectors.question)),
    embedImage: (f) =>
      Promise.resolve(Float32Array.from(vectors[new TextDecoder().decode(f.bytes)])),
  });
  const scores = await scorer.score("question", [frame("a"), frame("b"), frame("c")]);
  assert.deepEqual(scores.map((s) => Math.round(s * 1000) / 1000), [0, 0.994, 0.503]);
});

Deno.test("a CLIP model folder that is not there fails to load with the folder named, without the network", async () => {
  const dir = await Deno.makeTempDir({ prefix: "squint-no-clip-" });
  try {
    await assert.rejects(
      clipEmbedder(`${dir}/clip-vit-base-patch32`),
      (e) =>
        e instanceof ModelLoadError && e.message.includes(`${dir}/clip-vit-base-patch32`) &&
        e.message.includes("SQUINT_CLIP_MODEL_PATH"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
