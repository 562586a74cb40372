/**
 * The Responses door, `POST /v1/responses`, through the official OpenAI SDK: inline
 * `input_image` parts optimized for the model, every other byte as the client sent it, streams
 * relayed event by event, figures in headers.
 */
import assert from "node:assert/strict";
import { corpusDataUrl } from "../support/squint.ts";
import { startStack } from "./_stack.ts";
import { STORED_PROMPT_MODEL } from "../support/mock_openai.ts";
import { probeImage } from "../../workers/image/probe.ts";

const PHOTO = "photo_boats_sunset_2560x1600.jpg";

function request(stream: boolean) {
  return {
    model: "gpt-4o",
    instructions: "Be brief.",
    stream,
    input: [{
      role: "user",
      content: [
        { type: "input_text", text: "Describe this photo in detail." },
        { type: "input_image", image_url: corpusDataUrl(PHOTO), detail: "high" },
      ],
    }],
    metadata: { team: "photos" },
  };
}

Deno.test("an inline input_image is optimized and every other byte goes as sent", async () => {
  await using stack = startStack();
  const sent = JSON.stringify(request(false));
  const response = await stack.post("/responses", sent);
  assert.equal(response.status, 200);
  const answer = await response.json();
  assert.equal(answer.object, "response");
  assert.equal(answer.status, "completed");
  // detail "high" is the client's: kept, so the tokens stay; the pixels gpt-4o drops are not sent.
  assert.equal(response.headers.get("x-squint-tokens-saved"), "0");
  const received = stack.mock.requests[0];
  assert.equal(received.path, "/v1/responses");
  const input = (received.body as { input: { content: { image_url?: string }[] }[] }).input;
  const url = input[0].content[1].image_url!;
  const original = corpusDataUrl(PHOTO);
  assert.notEqual(url, original);
  const info = probeImage(Uint8Array.fromBase64(url.slice(url.indexOf(",") + 1)))!;
  // gpt-4o at high detail uses at most 2048 px, then 768 px on the short side.
  assert.ok(Math.min(info.width, info.height) <= 768, `${info.width}×${info.height}`);
  assert.ok(url.length < original.length);
  assert.equal(received.raw!.replace(url, "<IMAGE>"), sent.replace(original, "<IMAGE>"));
});

Deno.test("the OpenAI SDK's Responses calls work through squint, streamed and not", async () => {
  await using stack = startStack();
  const answer = await stack.client.responses.create(request(false) as never) as unknown as {
    output_text: string;
    usage: { input_tokens: number };
  };
  assert.ok(answer.output_text.length > 0);
  assert.ok(answer.usage.input_tokens > 0);
  const events = await stack.client.responses.create(
    request(true) as never,
  ) as unknown as AsyncIterable<{ type: string }>;
  const types: string[] = [];
  for await (const event of events) types.push(event.type);
  assert.equal(types[0], "response.created");
  assert.equal(types.at(-1), "response.completed");
  assert.ok(types.includes("response.output_text.delta"));
  assert.equal(stack.mock.requests.length, 2);
});

Deno.test("a glance question drops the image to low detail, added beside the URL", async () => {
  await using stack = startStack();
  const body = {
    model: "gpt-4o",
    input: [{
      role: "user",
      content: [
        { type: "input_text", text: "What is in this image?" },
        { type: "input_image", image_url: corpusDataUrl(PHOTO) },
      ],
    }],
  };
  const response = await stack.post("/responses", body);
  assert.equal(response.status, 200);
  await response.body?.cancel();
  const part = (stack.mock.requests[0].body as {
    input: { content: { detail?: string }[] }[];
  }).input[0].content[1];
  assert.equal(part.detail, "low");
});

Deno.test("an input_image in a reusable prompt's variables is planned with the input's question, and only its own bytes change", async () => {
  await using stack = startStack();
  const original = corpusDataUrl(PHOTO);
  const body = {
    model: "gpt-4o",
    prompt: {
      id: "pmpt_abc",
      version: "2",
      variables: {
        "the/photo~1": { type: "input_image", image_url: original },
        caption: "Sunset over the harbour",
      },
    },
    input: "What is in this image?",
  };
  const sent = JSON.stringify(body);
  const response = await stack.post("/responses", sent);
  assert.equal(response.status, 200);
  await response.body?.cancel();
  // A glance: gpt-4o's low detail (85 tokens) instead of its high-detail tiles.
  const before = Number(response.headers.get("x-squint-tokens-before"));
  const after = Number(response.headers.get("x-squint-tokens-after"));
  assert.ok(before > 700 && after < 120, `${before} → ${after}`);
  const received = stack.mock.requests[0];
  const photo = (received.body as typeof body).prompt.variables["the/photo~1"] as {
    image_url: string;
    detail?: string;
  };
  assert.equal(photo.detail, "low");
  assert.notEqual(photo.image_url, original);
  assert.equal(
    received.raw!.replace(photo.image_url, "<IMAGE>").replace(',"detail":"low"', ""),
    sent.replace(original, "<IMAGE>"),
  );
});

Deno.test("a stored prompt without model or input goes to OpenAI as it came, on the prompt's own model, logged unoptimized", async () => {
  await using stack = startStack();
  const sent = JSON.stringify({ prompt: { id: "pmpt_abc", variables: { city: "Paris" } } });
  const response = await stack.post("/responses", sent);
  assert.equal(response.status, 200);
  const answer = await response.json();
  assert.equal(answer.model, STORED_PROMPT_MODEL);
  assert.equal(stack.mock.requests[0].raw, sent, "no model added, nothing changed");
  const storage = stack.squint.app.parts.storage;
  let row;
  while (!(row = await storage.request(response.headers.get("x-request-id")!)));
  assert.equal(row.passthroughReason, "the model is the stored prompt's, unknown to squint");
  // Neither input nor prompt: the API's own refusal, before anything is sent.
  const empty = await stack.post("/responses", { model: "gpt-4o" });
  assert.equal(empty.status, 400);
  assert.equal((await empty.json()).error.param, "input");
  assert.equal(stack.mock.requests.length, 1);
});
