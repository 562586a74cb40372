import assert from "node:assert/strict";
import {
  APIError,
  APIUserAbortError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  OpenAI,
  RateLimitError,
} from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { type MockOpenAI, startMockOpenAI } from "./mock_openai.ts";
import { SSE_DONE, WEATHER_TOOL } from "./openai_wire.ts";

const ZERO_DETAILS = {
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};

function clientFor(mock: MockOpenAI): OpenAI {
  return new OpenAI({ baseURL: mock.baseUrl, apiKey: "sk-mock", maxRetries: 0 });
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

Deno.test("a non-streamed chat completion has OpenAI's shape, headers and exact usage", async () => {
  await using mock = startMockOpenAI({
    imageTokens: (part) => part.image_url.detail === "low" ? 85 : 0,
  });
  const client = clientFor(mock);
  const { data, response, request_id } = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this picture?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
        ],
      },
    ],
  }).withResponse();

  assert.match(data.id, /^chatcmpl-[A-Za-z0-9]{29}$/);
  assert.equal(data.object, "chat.completion");
  assert.equal(data.model, "gpt-4o-mini");
  assert.deepEqual(data.choices, [{
    index: 0,
    message: {
      role: "assistant",
      content: "Echo: What is in this picture? [images: 1]",
      refusal: null,
      annotations: [],
    },
    logprobs: null,
    finish_reason: "stop",
  }]);
  // "Be brief." (9) + "What is in this picture?" (24) = 33 chars → 9 tokens, plus 85 for the image.
  assert.deepEqual(data.usage, {
    prompt_tokens: 94,
    completion_tokens: 8,
    total_tokens: 102,
    ...ZERO_DETAILS,
  });
  assert.equal(data.service_tier, "default");
  assert.match(data.system_fingerprint!, /^fp_[0-9a-f]{10}$/);
  assert.match(request_id!, /^req_[0-9a-f]{32}$/);
  assert.match(response.headers.get("openai-processing-ms")!, /^\d+$/);
});

Deno.test("a chat request with n = 2 is answered with two choices", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const completion = await client.chat.completions.create({
    model: "gpt-4o",
    n: 2,
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.deepEqual(completion.choices.map((choice) => [choice.index, choice.message.content]), [
    [0, "Echo: Hi"],
    [1, "Echo: Hi"],
  ]);
  assert.equal(completion.usage?.completion_tokens, 4);
});

Deno.test("max_tokens below the answer's length truncates it with finish_reason length", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const completion = await client.chat.completions.create({
    model: "gpt-4o",
    max_completion_tokens: 2,
    messages: [{ role: "user", content: "one two three" }],
  });
  assert.equal(completion.choices[0].message.content, "Echo: one");
  assert.equal(completion.choices[0].finish_reason, "length");
  assert.equal(completion.usage?.completion_tokens, 2);
});

Deno.test("a stream without include_usage has no usage key and an obfuscation pad on every chunk", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const chunks = await collect(
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: "Say hi" }],
    }),
  );
  assert.deepEqual(chunks[0].choices[0].delta, { role: "assistant", content: "", refusal: null });
  assert.equal(
    chunks.map((chunk) => chunk.choices[0].delta.content ?? "").join(""),
    "Echo: Say hi",
  );
  assert.equal(chunks.at(-1)!.choices[0].finish_reason, "stop");
  assert.deepEqual(chunks.at(-1)!.choices[0].delta, {});
  for (const chunk of chunks) {
    assert.equal("usage" in chunk, false);
    assert.equal(typeof chunk.obfuscation, "string");
    assert.equal(chunk.object, "chat.completion.chunk");
    assert.equal(chunk.id, chunks[0].id);
  }
});

Deno.test("a stream with include_usage sends usage null on each chunk, then a choices-empty usage chunk", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const chunks: ChatCompletionChunk[] = await collect(
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Say hi" }],
    }),
  );
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  // "Say hi" is 6 characters → 2 prompt tokens; "Echo:", " Say", " hi" → 3 completion tokens.
  assert.deepEqual(last.usage, {
    prompt_tokens: 2,
    completion_tokens: 3,
    total_tokens: 5,
    ...ZERO_DETAILS,
  });
  for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage, null);
});

Deno.test("include_obfuscation false leaves the obfuscation field out", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const chunks = await collect(
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_obfuscation: false },
      messages: [{ role: "user", content: "Say hi" }],
    }),
  );
  for (const chunk of chunks) assert.equal("obfuscation" in chunk, false);
});

Deno.test("the raw stream is data-only SSE ending in data: [DONE]", async () => {
  await using mock = startMockOpenAI();
  const response = await fetch(`${mock.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-chunks-3", stream: true, messages: [] }),
  });
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const events = (await response.text()).split("\n\n");
  assert.equal(events.at(-1), "");
  assert.equal(events.at(-2) + "\n\n", SSE_DONE);
  // role chunk, three content chunks, finish chunk, [DONE]
  assert.equal(events.length - 1, 6);
  for (const event of events.slice(0, -2)) assert.match(event, /^data: \{"id":"chatcmpl-/);
});

Deno.test("a forced tool call streams as deltas the SDK reassembles into one call", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const stream = client.chat.completions.stream({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Weather in Paris?" }],
    tools: [WEATHER_TOOL],
    tool_choice: { type: "function", function: { name: "get_weather" } },
  });
  const completion = await stream.finalChatCompletion();
  const choice = completion.choices[0];
  assert.equal(choice.finish_reason, "tool_calls");
  assert.equal(choice.message.content, null);
  assert.equal(choice.message.tool_calls?.length, 1);
  const call = choice.message.tool_calls![0];
  assert.equal(call.type, "function");
  assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
  assert.equal(call.type === "function" && call.function.name, "get_weather");
  assert.equal(call.type === "function" && call.function.arguments, '{"city":"mock","unit":"c"}');
});

Deno.test("the first streamed tool-call delta carries id, type, name and empty arguments", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const chunks = await collect(
    await client.chat.completions.create({
      model: "gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: "Weather?" }],
      tools: [WEATHER_TOOL],
      tool_choice: "required",
    }),
  );
  const first = chunks[0].choices[0].delta;
  assert.equal(first.role, "assistant");
  assert.equal(first.content, null);
  assert.equal(first.tool_calls?.[0].index, 0);
  assert.equal(first.tool_calls?.[0].type, "function");
  assert.deepEqual(first.tool_calls?.[0].function, { name: "get_weather", arguments: "" });
  const fragments = chunks.slice(1, -1).map((chunk) => chunk.choices[0].delta.tool_calls![0]);
  for (const fragment of fragments) {
    assert.deepEqual(Object.keys(fragment), ["index", "function"]);
    assert.deepEqual(Object.keys(fragment.function!), ["arguments"]);
  }
  assert.equal(chunks.at(-1)!.choices[0].finish_reason, "tool_calls");
});

Deno.test("a non-streamed forced tool call returns tool_calls with content null", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const completion = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Weather?" }],
    tools: [WEATHER_TOOL],
    tool_choice: "required",
  });
  const message = completion.choices[0].message;
  assert.equal(message.content, null);
  assert.equal(completion.choices[0].finish_reason, "tool_calls");
  assert.equal(
    message.tool_calls?.[0].type === "function" && message.tool_calls[0].function.name,
    "get_weather",
  );
});

Deno.test("mock-error-429 raises the SDK's RateLimitError with OpenAI's error fields", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const error = await client.chat.completions
    .create({ model: "mock-error-429", messages: [{ role: "user", content: "Hi" }] })
    .then(() => assert.fail("expected a 429"), (error: unknown) => error);
  assert.ok(error instanceof RateLimitError);
  assert.equal(error.status, 429);
  assert.equal(error.type, "requests");
  assert.equal(error.code, "rate_limit_exceeded");
  assert.equal(error.param, null);
  assert.equal(error.headers.get("retry-after"), "1");
  assert.match(error.requestID!, /^req_/);
});

Deno.test("mock-error-400 and mock-error-500 raise the SDK's matching error classes", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const fail = (model: string) =>
    client.chat.completions.create({ model, messages: [] }).then(
      () => assert.fail(`expected ${model} to fail`),
      (error: unknown) => error,
    );
  const bad = await fail("mock-error-400");
  assert.ok(bad instanceof BadRequestError);
  assert.equal(bad.code, "context_length_exceeded");
  const internal = await fail("mock-error-500");
  assert.ok(internal instanceof InternalServerError);
  assert.equal(internal.status, 500);
  assert.equal(internal.type, "server_error");
});

Deno.test("mock-reset cuts the stream after it started and the SDK raises mid-iteration", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const stream = await client.chat.completions.create({
    model: "mock-reset",
    stream: true,
    messages: [{ role: "user", content: "one two three four five" }],
  });
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
  });
  assert.deepEqual(seen, ["", "Echo:", " one"]);
  assert.equal(mock.aborted.count, 0);
});

Deno.test("a client leaving a mock-slow stream is seen by the upstream as an abort", async () => {
  await using mock = startMockOpenAI({ slowChunkMs: 5 });
  const client = clientFor(mock);
  const stream = await client.chat.completions.create({
    model: "mock-slow",
    stream: true,
    messages: [{ role: "user", content: "Hi" }],
  });
  let pieces = 0;
  for await (const chunk of stream) {
    if (chunk.choices[0].delta.content && ++pieces === 3) break;
  }
  await mock.aborted.wait(1);
  assert.deepEqual(mock.abortedRequests, [{ path: "/v1/chat/completions", model: "mock-slow" }]);
});

Deno.test("mock-hang never answers and counts the client's abort", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const controller = new AbortController();
  const pending = client.chat.completions.create(
    { model: "mock-hang", messages: [{ role: "user", content: "Hi" }] },
    { signal: controller.signal },
  );
  await mock.received.wait(1);
  controller.abort();
  await assert.rejects(pending, APIUserAbortError);
  await mock.aborted.wait(1);
  assert.equal(mock.aborted.count, 1);
});

Deno.test("mock-chunks-N streams exactly N content chunks and bills N completion tokens", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const chunks = await collect(
    await client.chat.completions.create({
      model: "mock-chunks-5",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Hi" }],
    }),
  );
  const contents = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content));
  assert.deepEqual(contents.filter((content) => content), [
    "tok0",
    " tok1",
    " tok2",
    " tok3",
    " tok4",
  ]);
  assert.equal(chunks.at(-1)!.usage?.completion_tokens, 5);
});

Deno.test("every request is recorded with method, path, headers and parsed body", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(mock.requests.length, 1);
  const [recorded] = mock.requests;
  assert.equal(recorded.method, "POST");
  assert.equal(recorded.path, "/v1/chat/completions");
  assert.equal(recorded.headers.authorization, "Bearer sk-mock");
  assert.deepEqual(recorded.body, { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] });
});

Deno.test("record false keeps no requests but still counts them", async () => {
  await using mock = startMockOpenAI({ record: false });
  const client = clientFor(mock);
  await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(mock.requests.length, 0);
  assert.equal(mock.received.count, 1);
});

Deno.test("embeddings decode from the SDK's default base64 into deterministic unit vectors", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const base64 = await client.embeddings.create({
    model: "text-embedding-3-small",
    input: ["a", "b"],
  });
  const floats = await client.embeddings.create({
    model: "text-embedding-3-small",
    input: ["a", "b"],
    encoding_format: "float",
  });
  assert.equal(base64.data.length, 2);
  assert.equal(base64.data[0].embedding.length, 1536);
  assert.deepEqual(Array.from(base64.data[0].embedding), floats.data[0].embedding);
  const norm = Math.hypot(...floats.data[1].embedding);
  assert.ok(Math.abs(norm - 1) < 1e-5);
  assert.deepEqual(floats.usage, { prompt_tokens: 2, total_tokens: 2 });
});

Deno.test("legacy completions answer a text_completion capped at 16 tokens by default", async () => {
  await using mock = startMockOpenAI();
  const client = clientFor(mock);
  const completion = await client.completions.create({
    model: "gpt-3.5-turbo-instruct",
    prompt: "Say this is a test",
  });
  assert.equal(completion.object, "text_completion");
  assert.equal(completion.choices[0].text, "Echo: Say this is a test");
  assert.deepEqual(completion.usage, { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
});

Deno.test("the model list and an unknown route answer in OpenAI's shapes", async () => {
  await using mock = startMockOpenAI({ models: ["gpt-4o-mini"] });
  const client = clientFor(mock);
  const models = await collect(client.models.list());
  assert.deepEqual(models.map((model) => [model.id, model.object, model.owned_by]), [
    ["gpt-4o-mini", "model", "system"],
  ]);
  const error = await client.get("/nowhere").then(() => assert.fail("expected a 404"), (e) => e);
  assert.ok(error instanceof NotFoundError);
  assert.equal((error as APIError).message, "404 Invalid URL (GET /v1/nowhere)");
});

Deno.test("delayMs holds every answer back for at least that long", async () => {
  await using mock = startMockOpenAI({ delayMs: 30 });
  const started = performance.now();
  const response = await fetch(`${mock.baseUrl}/models`);
  await response.body?.cancel();
  assert.ok(performance.now() - started >= 30);
});

Deno.test("closing the mock ends streams and hung requests still in flight", async () => {
  const mock = startMockOpenAI({ slowChunkMs: 5 });
  const slow = await fetch(`${mock.baseUrl}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "mock-slow", stream: true, messages: [] }),
  });
  const reader = slow.body!.getReader();
  await reader.read();
  const hung = fetch(`${mock.baseUrl}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "mock-hang", messages: [] }),
  });
  await mock.received.wait(2);
  await mock.close();
  const answer = await hung;
  assert.equal(answer.status, 503);
  assert.equal((await answer.json()).error.type, "server_error");
  await assert.rejects(async () => {
    while (!(await reader.read()).done) { /* drain until the cut */ }
  });
  assert.equal(mock.aborted.count, 0);
});
