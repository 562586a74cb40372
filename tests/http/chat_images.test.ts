/** Inline images at the Chat Completions door: optimized as planned, or sent untouched when asked. */
import assert from "node:assert/strict";
import {
  corpusBytes,
  corpusDataUrl,
  dataUrlImage,
  decodeDataUrl,
  fixtureDataUrl,
  imageMessage,
  imageUrlsOf,
} from "./_images.ts";
import { startStack } from "./_stack.ts";

const DANDELIONS = "photo_dandelions_5312x2988.jpg";
const STORM_ROAD = "photo_storm_road_1920x1280.jpg";

Deno.test("a 5312×2988 photo reaches gpt-4o as the smaller 1365×768 JPEG the plan announces", async () => {
  await using stack = startStack();
  const original = corpusBytes(DANDELIONS);
  const request = {
    model: "gpt-4o",
    messages: [imageMessage("What flowers are these?", [corpusDataUrl(DANDELIONS)])],
  };
  const plan = await (await stack.post("/optimize", request)).json();
  const response = await stack.post("/chat/completions", request);
  const answer = await response.json();

  assert.equal(response.status, 200);
  const [sent] = imageUrlsOf(stack.mock.requests[0].body);
  const image = dataUrlImage(sent.url);
  assert.equal(image.mime, "image/jpeg");
  assert.equal(image.format, "jpeg");
  // gpt-4o fits the image in 2048×2048, then its short side to 768: it never sees more.
  assert.deepEqual([image.width, image.height], [1365, 768]);
  assert.deepEqual(plan.images[0].after, {
    width: 1365,
    height: 768,
    bytes: image.bytes,
    format: "jpeg",
    tokens: plan.images[0].before.tokens,
  });
  assert.equal(plan.images[0].before.bytes, original.byteLength);
  assert.ok(image.bytes < original.byteLength / 4, `${image.bytes} bytes`);
  assert.equal(sent.detail, undefined, "squint leaves detail as the client set it");
  assert.deepEqual(answer.squint.optimizations, ["resize"]);
  assert.equal(answer.squint.tokens_before, plan.tokens.before);
  assert.equal(answer.squint.tokens_after, plan.tokens.after);
  assert.equal(response.headers.get("x-squint-tokens-after"), String(plan.tokens.after));
});

Deno.test("squint.detail low sends a photo at detail low, sized for it, and reports the tokens saved", async () => {
  await using stack = startStack({
    mock: { imageTokens: (part) => part.image_url.detail === "low" ? 85 : 1105 },
  });
  const text = "Is it raining?";
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [imageMessage(text, [corpusDataUrl(STORM_ROAD)])],
    squint: { detail: "low" },
  });
  const { squint, usage } = await response.json();

  const [sent] = imageUrlsOf(stack.mock.requests[0].body);
  assert.equal(sent.detail, "low");
  const image = dataUrlImage(sent.url);
  assert.deepEqual([image.width, image.height, image.format], [512, 341, "jpeg"]);
  // gpt-4o bills 1105 tokens for 1920×1280 at detail auto/high, 85 at detail low.
  assert.equal(squint.tokens_before - squint.tokens_after, 1105 - 85);
  assert.equal(squint.tokens_saved, 1020);
  assert.deepEqual(squint.optimizations, ["detail_low", "resize"]);
  assert.equal(usage.prompt_tokens, Math.ceil(text.length / 4) + 85);
  assert.equal(squint.upstream_input_tokens, usage.prompt_tokens);
  // 1020 tokens at gpt-4o's $2.50 per million input tokens.
  assert.equal(squint.cost_saved_usd, 0.00255);
  assert.equal(squint.cost_after_usd, (usage.prompt_tokens * 2.5) / 1e6);
  assert.equal(response.headers.get("x-squint-tokens-saved"), "1020");
  assert.equal(response.headers.get("x-squint-cost-saved-usd"), String(squint.cost_saved_usd));
});

Deno.test("X-Squint-Optimize: off sends the image bytes exactly as the client sent them", async () => {
  await using stack = startStack();
  const url = corpusDataUrl(STORM_ROAD);
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [imageMessage("Describe the sky.", [url], "high")],
  }, { "x-squint-optimize": "off" });
  const { squint } = await response.json();

  const [sent] = imageUrlsOf(stack.mock.requests[0].body);
  assert.equal(sent.url, url);
  assert.equal(sent.detail, "high");
  assert.deepEqual(squint.optimizations, []);
  assert.equal(squint.tokens_saved, 0);
});

Deno.test("squint.optimize off in the body sends the image bytes unchanged and the squint object nowhere", async () => {
  await using stack = startStack();
  const url = corpusDataUrl(STORM_ROAD);
  const message = imageMessage("Describe the road.", [url]);
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [message],
    squint: { optimize: "off" },
  });
  const { squint } = await response.json();

  assert.deepEqual(stack.mock.requests[0].body, { model: "gpt-4o", messages: [message] });
  assert.equal(
    decodeDataUrl(imageUrlsOf(stack.mock.requests[0].body)[0].url).bytes.byteLength,
    695070,
  );
  assert.deepEqual(squint.optimizations, []);
});

Deno.test("the same image twice in one request is forwarded as two byte-identical data URLs", async () => {
  await using stack = startStack();
  const url = corpusDataUrl(STORM_ROAD);
  await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [
      imageMessage("Here is the photo.", [url]),
      { role: "assistant", content: "I see a road under a storm." },
      imageMessage("Look again at the same photo.", [url]),
    ],
  }).then((r) => r.json());

  const sent = imageUrlsOf(stack.mock.requests[0].body);
  assert.equal(sent.length, 2);
  assert.notEqual(sent[0].url, url, "the photo was optimized");
  assert.equal(sent[1].url, sent[0].url);
  const image = dataUrlImage(sent[0].url);
  assert.deepEqual([image.width, image.height], [1152, 768]);
});

Deno.test("an image re-sent in the next request is forwarded byte-identical to the first time", async () => {
  await using stack = startStack();
  const url = corpusDataUrl(STORM_ROAD);
  const ask = (text: string) =>
    stack.post("/chat/completions", { model: "gpt-4o", messages: [imageMessage(text, [url])] })
      .then((r) => r.json());
  await ask("First turn.");
  await ask("Second turn.");

  const [first] = imageUrlsOf(stack.mock.requests[0].body);
  const [second] = imageUrlsOf(stack.mock.requests[1].body);
  assert.notEqual(first.url, url);
  assert.equal(second.url, first.url);
});

Deno.test("inline images squint cannot decode are forwarded unchanged and the request still succeeds", async () => {
  await using stack = startStack();
  const notAnImage = fixtureDataUrl("not_an_image.jpg", "image/jpeg");
  const truncated = fixtureDataUrl("truncated.jpg", "image/jpeg");
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [imageMessage("What are these?", [notAnImage, truncated])],
  });
  const { squint } = await response.json();

  assert.equal(response.status, 200);
  assert.deepEqual(imageUrlsOf(stack.mock.requests[0].body).map((i) => i.url), [
    notAnImage,
    truncated,
  ]);
  assert.deepEqual(squint.optimizations, []);
});

Deno.test("an image for a model squint has no rule for is forwarded unchanged, with costs unknown", async () => {
  await using stack = startStack();
  const url = corpusDataUrl(STORM_ROAD);
  const request = {
    model: "my-local-vision-model",
    messages: [imageMessage("What is this?", [url])],
  };
  const response = await stack.post("/chat/completions", request);
  const { squint } = await response.json();

  assert.deepEqual(stack.mock.requests[0].body, request);
  assert.deepEqual(squint.optimizations, []);
  assert.equal(squint.model, "my-local-vision-model");
  assert.equal(squint.cost_before_usd, null);
  assert.equal(squint.cost_after_usd, null);
  assert.equal(squint.cost_saved_usd, null);
  assert.equal(response.headers.get("x-squint-cost-saved-usd"), "unknown");
});
