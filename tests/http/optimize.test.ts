/** `POST /v1/optimize`: the dry run answers the plan in CONTRACT.md's shape and calls no model. */
import assert from "node:assert/strict";
import { corpusDataUrl, imageMessage } from "./_images.ts";
import { SQUINT_REQUEST_ID, startStack } from "./_stack.ts";

const SIDE_FIELDS = ["bytes", "format", "height", "tokens", "width"];

function request() {
  return {
    model: "gpt-4o",
    temperature: 0,
    messages: [
      { role: "system", content: "You read photos." },
      imageMessage("Compare these two photos.", [
        corpusDataUrl("photo_storm_road_1920x1280.jpg"),
        corpusDataUrl("photo_fruits_512x480.jpg"),
      ]),
    ],
  };
}

Deno.test("/v1/optimize answers the plan in CONTRACT.md's shape without calling the upstream", async () => {
  await using stack = startStack();
  const response = await stack.post("/optimize", request());
  const plan = await response.json();

  assert.equal(response.status, 200);
  assert.match(response.headers.get("x-request-id")!, SQUINT_REQUEST_ID);
  assert.equal(stack.mock.received.count, 0);
  assert.deepEqual(stack.mock.requests, []);

  assert.equal(plan.model, "gpt-4o");
  assert.equal(typeof plan.request, "object");
  assert.equal(plan.images.length, 2);
  assert.deepEqual(plan.images.map((i: { message: number; part: number }) => [i.message, i.part]), [
    [1, 1],
    [1, 2],
  ]);
  for (const image of plan.images) {
    assert.ok(
      ["keep", "resize", "detail", "reencode", "ocr", "crop", "drop"].includes(image.action),
      image.action,
    );
    assert.ok(Array.isArray(image.reasons) && image.reasons.length > 0);
    assert.ok(image.reasons.every((r: unknown) => typeof r === "string"));
    assert.deepEqual(Object.keys(image.before).sort(), SIDE_FIELDS);
    assert.deepEqual(Object.keys(image.after).sort(), SIDE_FIELDS);
  }
  const [storm, fruits] = plan.images;
  assert.equal(storm.action, "resize");
  assert.deepEqual(storm.before, {
    width: 1920,
    height: 1280,
    bytes: 695070,
    format: "jpeg",
    tokens: 1105,
  });
  assert.deepEqual([storm.after.width, storm.after.height, storm.after.format], [
    1152,
    768,
    "jpeg",
  ]);
  assert.ok(storm.after.bytes < storm.before.bytes);
  assert.equal(fruits.action, "keep");
  assert.deepEqual(fruits.after, fruits.before);
  assert.deepEqual(plan.videos, []);
  assert.deepEqual(Object.keys(plan.tokens).sort(), ["after", "before"]);
  assert.equal(plan.tokens.before - plan.tokens.after, 0, "gpt-4o downscales by itself");
  assert.ok(plan.tokens.before > storm.before.tokens + fruits.before.tokens);
  assert.deepEqual(plan.cost, {
    before_usd: (plan.tokens.before * 2.5) / 1e6,
    after_usd: (plan.tokens.after * 2.5) / 1e6,
  });
});

Deno.test("/v1/optimize's request is the body the Chat Completions door then sends", async () => {
  await using stack = startStack();
  const plan = await (await stack.post("/optimize", request())).json();
  await (await stack.post("/chat/completions", request())).json();

  assert.deepEqual(stack.mock.requests[0].body, plan.request);
});

Deno.test("/v1/optimize reports the tokens squint.detail low saves", async () => {
  await using stack = startStack();
  const plan = await (await stack.post("/optimize", {
    ...request(),
    squint: { detail: "low" },
  })).json();

  const [storm, fruits] = plan.images;
  assert.equal(storm.before.tokens, 1105);
  assert.equal(storm.after.tokens, 85);
  assert.equal(fruits.before.tokens, 255);
  assert.equal(fruits.after.tokens, 85);
  assert.equal(plan.tokens.before - plan.tokens.after, 1105 + 255 - 85 - 85);
  assert.equal(plan.request.squint, undefined);
  assert.equal(stack.mock.received.count, 0);
});
