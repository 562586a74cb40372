/** A non-streamed Chat Completions answer: the upstream's answer, the squint object, the headers. */
import assert from "node:assert/strict";
import { APIUserAbortError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { FIXED_CLOCK, SQUINT_FIELDS, SQUINT_REQUEST_ID, startStack, without } from "./_stack.ts";

const REQUEST: ChatCompletionCreateParamsNonStreaming = {
  model: "gpt-4o",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "Name three rivers in Norway." }] },
  ],
};
/** gpt-4o's input price, USD per million tokens. */
const GPT_4O_INPUT_PER_MTOK = 2.5;

async function directAnswer(
  request: unknown,
): Promise<{ body: Record<string, unknown>; headers: Headers }> {
  await using direct = startMockOpenAI({ clock: FIXED_CLOCK });
  const response = await fetch(`${direct.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
    body: JSON.stringify(request),
  });
  return { body: await response.json(), headers: response.headers };
}

Deno.test("a non-streamed answer is the upstream's answer unchanged plus a squint object", async () => {
  const expected = await directAnswer(REQUEST);
  await using stack = startStack({ mock: { clock: FIXED_CLOCK } });
  const { data, response } = await stack.client.chat.completions.create(REQUEST).withResponse();

  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^application\/json/);
  const answer = data as unknown as Record<string, unknown>;
  assert.deepEqual(without(answer, "squint"), expected.body);
});

Deno.test("the squint object reports every CONTRACT.md figure, with the upstream's billed prompt tokens", async () => {
  await using stack = startStack();
  const answer = await (await stack.post("/chat/completions", REQUEST)).json();
  const { squint, usage } = answer;

  assert.deepEqual(Object.keys(squint).sort(), SQUINT_FIELDS);
  // The mock bills ceil(chars / 4): "Be brief." + "Name three rivers in Norway." = 37 chars.
  assert.equal(usage.prompt_tokens, 10);
  assert.equal(squint.upstream_input_tokens, usage.prompt_tokens);
  assert.equal(typeof squint.tokens_before, "number");
  assert.ok(squint.tokens_before > 0);
  assert.equal(squint.tokens_after, squint.tokens_before);
  assert.equal(squint.tokens_saved, 0);
  assert.equal(squint.cost_after_usd, (usage.prompt_tokens * GPT_4O_INPUT_PER_MTOK) / 1e6);
  assert.equal(squint.cost_before_usd, squint.cost_after_usd);
  assert.equal(squint.cost_saved_usd, 0);
  assert.deepEqual(squint.optimizations, []);
  assert.equal(squint.estimated, true, "text tokens without the tokenizer are an estimate");
  assert.equal(squint.cache, "bypass");
  assert.equal(squint.model, "gpt-4o");
});

Deno.test("a non-streamed answer carries X-Squint headers equal to its squint object and both request ids", async () => {
  const expected = await directAnswer(REQUEST);
  await using stack = startStack({ mock: { clock: FIXED_CLOCK } });
  const first = await stack.post("/chat/completions", REQUEST);
  const { squint } = await first.json();
  const second = await stack.post("/chat/completions", REQUEST);
  await second.body!.cancel();

  const h = first.headers;
  assert.equal(h.get("x-squint-tokens-before"), String(squint.tokens_before));
  assert.equal(h.get("x-squint-tokens-after"), String(squint.tokens_after));
  assert.equal(h.get("x-squint-tokens-saved"), String(squint.tokens_saved));
  assert.equal(h.get("x-squint-cost-saved-usd"), String(squint.cost_saved_usd));
  assert.equal(h.get("x-squint-cache-status"), "bypass");
  assert.equal(h.get("x-squint-model"), "gpt-4o");
  assert.match(h.get("x-request-id")!, SQUINT_REQUEST_ID);
  assert.match(second.headers.get("x-request-id")!, SQUINT_REQUEST_ID);
  assert.notEqual(h.get("x-request-id"), second.headers.get("x-request-id"));
  // A fresh mock hands its first request the same id, so this is the upstream's own id.
  assert.equal(h.get("x-upstream-request-id"), expected.headers.get("x-request-id"));
  assert.notEqual(
    second.headers.get("x-upstream-request-id"),
    h.get("x-upstream-request-id"),
  );
  assert.equal(h.get("openai-version"), "2020-10-01");
});

Deno.test("the SDK sees squint's request id and the squint object on a non-streamed answer", async () => {
  await using stack = startStack();
  const { data, request_id } = await stack.client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hello" }],
  }).withResponse();

  assert.match(request_id!, SQUINT_REQUEST_ID);
  assert.equal(data.choices[0].message.content, "Echo: hello");
  const squint = (data as unknown as { squint: Record<string, unknown> }).squint;
  assert.equal(squint.model, "gpt-4o-mini");
  assert.equal(squint.upstream_input_tokens, data.usage!.prompt_tokens);
});

Deno.test("a client leaving before a non-streamed answer makes squint abort its upstream call", async () => {
  await using stack = startStack();
  const controller = new AbortController();
  const pending = stack.client.chat.completions.create(
    { model: "mock-hang", messages: [{ role: "user", content: "hello" }] },
    { signal: controller.signal },
  );
  await stack.mock.received.wait(1);
  controller.abort();
  await assert.rejects(pending, (e: unknown) => e instanceof APIUserAbortError);

  await stack.mock.aborted.wait(1);
  assert.deepEqual(stack.mock.abortedRequests, [
    { path: "/v1/chat/completions", model: "mock-hang" },
  ]);
});
