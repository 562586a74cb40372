/**
 * A request for a model squint has no image rule or price for (Codex CLI 0.171.0's default,
 * `gpt-6.2-sol`) goes on with its image as it came, and says so: `passthrough_reason` naming the
 * model in its `squint` object and log row, `X-Squint-Cost-Saved-Usd: unknown`, and one count in
 * `squint_unknown_model_requests_total` for its door.
 */
import assert from "node:assert/strict";
import { corpusDataUrl, imageMessage } from "../http/_images.ts";
import { type Stack, startStack } from "../http/_stack.ts";
import { parsePrometheusText, total } from "../support/prometheus_text.ts";

const UNKNOWN = "gpt-6.2-sol";
const REASON = "unknown model: gpt-6.2-sol (no image rule, no price)";
const PHOTO = corpusDataUrl("photo_boats_sunset_2560x1600.jpg");

async function logRow(stack: Stack, response: Response) {
  const storage = stack.squint.app.parts.storage;
  await storage.flush();
  const row = await storage.request(response.headers.get("x-request-id")!);
  assert.ok(row, "a log row");
  return row;
}

async function unknownModelCount(stack: Stack): Promise<Record<string, number>> {
  const text = await (await fetch(`${stack.squint.origin}/metrics`)).text();
  const metrics = parsePrometheusText(text);
  return Object.fromEntries(
    ["chat_completions", "responses"].map((door) => [
      door,
      total(metrics, "squint_unknown_model_requests_total", { door }),
    ]),
  );
}

Deno.test("an unknown model's request keeps its image, names the model in its reason and log row, and is counted", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", {
    model: UNKNOWN,
    messages: [imageMessage("What is in this photo?", [PHOTO])],
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("x-squint-model"), UNKNOWN);
  assert.equal(response.headers.get("x-squint-cost-saved-usd"), "unknown");
  const { squint } = await response.json();
  assert.equal(squint.passthrough_reason, REASON);
  assert.equal(squint.cost_saved_usd, null);
  assert.deepEqual(squint.optimizations, []);
  // The upstream got the photo byte for byte.
  const sent = stack.mock.requests.at(-1)!.body as { messages: { content: unknown[] }[] };
  assert.deepEqual(sent.messages[0].content[1], { type: "image_url", image_url: { url: PHOTO } });
  const row = await logRow(stack, response);
  assert.equal(row.passthroughReason, REASON);
  assert.equal(row.outcome, "passthrough");
  assert.equal(row.modelRequested, UNKNOWN);
  assert.deepEqual(await unknownModelCount(stack), { chat_completions: 1, responses: 0 });
});

Deno.test("a known model is not counted as unknown, and the Responses door counts its own", async () => {
  await using stack = startStack();
  const known = await stack.post("/chat/completions", {
    model: "gpt-5.1-codex",
    messages: [imageMessage("What is in this photo?", [PHOTO])],
  });
  assert.equal(known.status, 200);
  const { squint } = await known.json();
  assert.equal(squint.passthrough_reason, undefined);
  assert.equal((await logRow(stack, known)).passthroughReason, null);

  const responses = await stack.post("/responses", {
    model: UNKNOWN,
    input: [{
      role: "user",
      content: [
        { type: "input_text", text: "What is in this photo?" },
        { type: "input_image", image_url: PHOTO },
      ],
    }],
  });
  assert.equal(responses.status, 200);
  assert.equal(responses.headers.get("x-squint-cost-saved-usd"), "unknown");
  await responses.body?.cancel();
  assert.equal((await logRow(stack, responses)).passthroughReason, REASON);
  assert.deepEqual(await unknownModelCount(stack), { chat_completions: 0, responses: 1 });
});
