/**
 * Routing priced on the plan each option would really be sent with, and on the output the
 * request is expected to produce: its limit, else the tenant's history of that task in the log,
 * else the documented default. `/v1/optimize`'s routing figures are those of the request sent.
 */
import assert from "node:assert/strict";
import { DEFAULT_OUTPUT_TOKENS } from "../../src/routing/route_request.ts";
import { startStack } from "../http/_stack.ts";
import { corpusDataUrl } from "../support/squint.ts";

type Option = { model: string; imageTokens?: number; costUsd?: number; excluded?: string };
type Plan = {
  routing: {
    model: string;
    output: { tokens: number; from: string };
    options: Option[];
  };
  images: { action: string; detail?: string; after: { tokens: number } }[];
  request: { model: string };
};

/** A large photo and a one-word question about it: a glance. */
const GLANCE = {
  model: "gpt-4o",
  messages: [{
    role: "user",
    content: [
      { type: "text", text: "What animal is this? One word." },
      { type: "image_url", image_url: { url: corpusDataUrl("photo_ladybird_2560x1600.jpg") } },
    ],
  }],
};
const CASCADE = { "x-squint-cascade": "on" };

Deno.test("a cascade prices each option on the glance it would be sent at, and reports the output it assumed", async () => {
  await using stack = startStack();
  const response = await stack.post("/optimize", GLANCE, CASCADE);
  assert.equal(response.status, 200);
  const plan: Plan = await response.json();
  assert.equal(plan.images[0].detail, "low");
  const option = (model: string) => plan.routing.options.find((o) => o.model === model)!;
  // gpt-4o's glance is its low-detail price (85), not the 1,105 of high detail; mini's low detail
  // is its own rule's 2,833.
  assert.equal(option("gpt-4o").imageTokens, 85);
  assert.equal(option("gpt-4o-mini").imageTokens, 2833);
  assert.deepEqual(plan.routing.output, { tokens: DEFAULT_OUTPUT_TOKENS, from: "default" });
  // The chosen option's figures are the request's as sent.
  assert.equal(plan.request.model, plan.routing.model);
  assert.equal(option(plan.routing.model).imageTokens, plan.images[0].after.tokens);

  const limited = await (await stack.post(
    "/optimize",
    { ...GLANCE, max_tokens: 5 },
    CASCADE,
  )).json() as Plan;
  assert.deepEqual(limited.routing.output, { tokens: 5, from: "max_tokens" });
  // With a five-token answer the image dominates: gpt-4o's 85 tokens beat mini's 2,833.
  assert.equal(limited.routing.model, "gpt-4o");
  assert.match(
    limited.routing.options.find((o) => o.model === "gpt-4o-mini")!.excluded!,
    /costs more in total/,
  );
});

Deno.test("a tenant whose log shows short answers for the task stays on gpt-4o; another tenant does not", async () => {
  await using stack = startStack();
  const asked = (key: string) => ({ authorization: `Bearer ${key}`, ...CASCADE });
  // The tenant's history: simple questions, routed (so their task is logged), answered briefly.
  for (const question of ["What is the capital of France?", "What colour is the sky?"]) {
    const r = await stack.post("/chat/completions", {
      model: "gpt-4o",
      messages: [{ role: "user", content: `${question} One word.` }],
    }, asked("sk-short-answers"));
    assert.equal(r.status, 200);
    const answer = await r.json();
    assert.ok(answer.usage.completion_tokens < 50, String(answer.usage.completion_tokens));
  }
  await stack.squint.app.parts.storage.flush();

  const short: Plan = await (await stack.post("/optimize", GLANCE, asked("sk-short-answers")))
    .json();
  assert.equal(short.routing.output.from, "history");
  assert.ok(short.routing.output.tokens < 50);
  assert.equal(short.routing.model, "gpt-4o");

  const other: Plan = await (await stack.post("/optimize", GLANCE, asked("sk-no-history"))).json();
  assert.equal(other.routing.output.from, "default");
  assert.equal(other.routing.model, "gpt-4o-mini");
});

Deno.test("a cascade prices a text screenshot's glance at the legibility floor, as each option would send it", async () => {
  await using stack = startStack();
  const body = (model: string) => ({
    model,
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is in this image?" },
        {
          type: "image_url",
          image_url: { url: corpusDataUrl("web_debian_reference_data_1600x900.png") },
        },
      ],
    }],
  });
  const cascaded: Plan = await (await stack.post("/optimize", body("claude-sonnet-4-6"), CASCADE))
    .json();
  const options = cascaded.routing.options.filter((o) => !o.excluded);
  assert.ok(options.length >= 2, JSON.stringify(cascaded.routing.options));
  for (const option of options) {
    // What the request sends when it names that model itself: its glance held at the floor.
    const direct: Plan = await (await stack.post("/optimize", body(option.model))).json();
    assert.notEqual(direct.images[0].detail, "low", option.model);
    assert.equal(option.imageTokens, direct.images[0].after.tokens, option.model);
  }
});
