import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type ChatResponse, type Message, Ollama } from "ollama";
import { OpenAI } from "openai";
import { startMockOllama } from "./mock_ollama.ts";
import { WEATHER_TOOL } from "./openai_wire.ts";

const GRAY_PNG = Buffer.from(
  await Deno.readFile(new URL("../fixtures/images/gray.png", import.meta.url)),
).toString("base64");

const FIXED_NOW = Date.UTC(2025, 9, 26, 17, 21, 21, 196);

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** The ollama client's failure: its message and HTTP status. */
async function failure(call: Promise<unknown>): Promise<{ error: string; status_code: number }> {
  try {
    await call;
  } catch (e) {
    return e as { error: string; status_code: number };
  }
  assert.fail("the call succeeded");
}

Deno.test("the ollama client's non-streamed chat gets one answer with Ollama's counts", async () => {
  await using mock = startMockOllama({ imageTokens: 576, clock: () => FIXED_NOW });
  const client = new Ollama({ host: mock.origin });
  const answer = await client.chat({
    model: "llava:7b",
    messages: [
      { role: "system", content: "You read receipts." },
      { role: "user", content: "What is the total?", images: [GRAY_PNG] },
    ],
  });
  assert.deepEqual(answer, {
    model: "llava:7b",
    created_at: "2025-10-26T17:21:21.196Z",
    message: { role: "assistant", content: "Echo: What is the total? [images: 1]" },
    done_reason: "stop",
    done: true,
    total_duration: 1_000_000 + 585 * 250_000 + 7 * 20_000_000,
    load_duration: 1_000_000,
    // "You read receipts." (18) + "What is the total?" (18) → 9 tokens, plus 576 for the image.
    prompt_eval_count: 585,
    prompt_eval_duration: 585 * 250_000,
    eval_count: 7,
    eval_duration: 7 * 20_000_000,
  } as unknown as ChatResponse);
  const [recorded] = mock.requests;
  assert.equal(recorded.path, "/api/chat");
  assert.equal((recorded.body as { stream: boolean }).stream, false);
  assert.deepEqual((recorded.body as { messages: Message[] }).messages[1].images, [GRAY_PNG]);
  assert.match(recorded.headers["user-agent"], /^ollama-js\/0\.6\.4/);
});

Deno.test("a streamed chat is NDJSON: one piece a line, the last line done with the counts", async () => {
  await using mock = startMockOllama();
  const response = await fetch(`${mock.origin}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: "qwen2.5vl", messages: [] }),
  });
  assert.equal(response.status, 404, "a name without a tag means :latest, which is not pulled");
  assert.deepEqual(await response.json(), { error: "model 'qwen2.5vl' not found" });

  const client = new Ollama({ host: mock.origin });
  const parts = await collect(
    await client.chat({
      model: "qwen2.5vl:7b",
      messages: [{ role: "user", content: "Say hi" }],
      stream: true,
    }),
  );
  assert.deepEqual(parts.map((part) => part.message.content), ["Echo:", " Say", " hi", ""]);
  assert.deepEqual(parts.map((part) => part.done), [false, false, false, true]);
  const last = parts.at(-1)!;
  assert.equal(last.done_reason, "stop");
  assert.equal(last.prompt_eval_count, 2);
  assert.equal(last.eval_count, 3);
  assert.equal("eval_count" in parts[0], false);

  const raw = await fetch(`${mock.origin}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: "Hi" }] }),
  });
  assert.equal(raw.headers.get("content-type"), "application/x-ndjson");
  const lines = (await raw.text()).split("\n");
  assert.equal(lines.at(-1), "", "every line ends with a newline");
  assert.deepEqual(lines.slice(0, -1).map((line) => JSON.parse(line).done), [false, false, true]);
});

Deno.test("with tools the model calls one, arguments as an object, then answers the tool result", async () => {
  await using mock = startMockOllama();
  const client = new Ollama({ host: mock.origin });
  const question: Message = { role: "user", content: "Use get_weather for Paris" };
  const calling = await client.chat({
    model: "mistral-small3.1:24b",
    messages: [question],
    tools: [WEATHER_TOOL],
  });
  assert.equal(calling.message.content, "");
  assert.equal(calling.message.tool_calls?.length, 1);
  const call = calling.message.tool_calls![0] as {
    id: string;
    function: { index: number; name: string; arguments: Record<string, unknown> };
  };
  assert.match(call.id, /^call_[0-9a-z]{8}$/);
  assert.deepEqual(call.function, {
    index: 0,
    name: "get_weather",
    arguments: { city: "mock", unit: "c" },
  });
  assert.equal(calling.done_reason, "stop");
  assert.equal(calling.eval_count, 6, '{"city":"mock","unit":"c"} is 6 five-character fragments');

  const answered = await client.chat({
    model: "mistral-small3.1:24b",
    messages: [
      question,
      calling.message,
      { role: "tool", content: "18 °C", tool_name: "get_weather" },
    ],
    tools: [WEATHER_TOOL],
  });
  assert.equal(answered.message.content, "Echo: Use get_weather for Paris");
  assert.equal(answered.message.tool_calls, undefined);
});

Deno.test("list shows the pulled models with their details", async () => {
  await using mock = startMockOllama();
  const client = new Ollama({ host: mock.origin });
  const { models } = await client.list();
  assert.deepEqual(models.map((model) => model.name), [
    "llava:7b",
    "qwen2.5vl:7b",
    "llama3.2-vision:11b",
    "mistral-small3.1:24b",
  ]);
  assert.equal(models[0].model, "llava:7b");
  assert.match(models[0].digest, /^[0-9a-f]{64}$/);
  assert.deepEqual(models[2].details, {
    parent_model: "",
    format: "gguf",
    family: "mllama",
    families: ["mllama"],
    parameter_size: "10.7B",
    quantization_level: "Q4_K_M",
  });
  await using custom = startMockOllama({ models: ["gemma3:4b"] });
  const other = await new Ollama({ host: custom.origin }).list();
  assert.deepEqual(other.models.map((model) => model.name), ["gemma3:4b"]);
});

Deno.test("failures come as Ollama's {error} bodies with their status", async () => {
  await using mock = startMockOllama();
  const client = new Ollama({ host: mock.origin });
  const user: Message = { role: "user", content: "Hi" };
  assert.deepEqual(
    { ...await failure(client.chat({ model: "llava:13b", messages: [user] })) },
    { error: "model 'llava:13b' not found", status_code: 404, name: "ResponseError" },
  );
  const noModel = await failure(client.chat({ model: "", messages: [user] }));
  assert.deepEqual([noModel.status_code, noModel.error], [400, "model is required"]);
  const dataUrl = await failure(client.chat({
    model: "llava:7b",
    messages: [{ role: "user", content: "Look", images: [`data:image/png;base64,${GRAY_PNG}`] }],
  }));
  assert.deepEqual([dataUrl.status_code, dataUrl.error], [
    400,
    "illegal base64 data at input byte 4",
  ]);
  const busy = await failure(client.chat({ model: "mock-error-503", messages: [user] }));
  assert.deepEqual([busy.status_code, busy.error], [
    503,
    "server busy, please try again.  maximum pending requests exceeded",
  ]);
  const gone = await fetch(`${mock.origin}/api/nothing`);
  assert.deepEqual([gone.status, await gone.text()], [404, "404 page not found"]);
});

Deno.test("num_predict cuts the answer with done_reason length; no messages loads the model", async () => {
  await using mock = startMockOllama();
  const client = new Ollama({ host: mock.origin });
  const cut = await client.chat({
    model: "llava:7b",
    messages: [{ role: "user", content: "one two three four" }],
    options: { num_predict: 2 },
  });
  assert.deepEqual([cut.message.content, cut.done_reason, cut.eval_count], [
    "Echo: one",
    "length",
    2,
  ]);
  const load = await client.chat({ model: "llava:7b", messages: [] });
  assert.deepEqual([load.message, load.done_reason, load.done], [
    { role: "assistant", content: "" },
    "load",
    true,
  ]);
});

Deno.test("mock-stream-error sends two pieces then Ollama's error line, which the client throws", async () => {
  await using mock = startMockOllama();
  const client = new Ollama({ host: mock.origin });
  const stream = await client.chat({
    model: "mock-stream-error",
    messages: [{ role: "user", content: "Hi" }],
    stream: true,
  });
  const seen: string[] = [];
  await assert.rejects(
    async () => {
      for await (const part of stream) seen.push(part.message.content);
    },
    { message: "an error was encountered while running the model" },
  );
  assert.deepEqual(seen, ["Echo:", " one"]);
  const plain = await failure(
    client.chat({ model: "mock-stream-error", messages: [{ role: "user", content: "Hi" }] }),
  );
  assert.deepEqual([plain.status_code, plain.error], [
    500,
    "an error was encountered while running the model",
  ]);
});

Deno.test("mock-reset breaks the NDJSON stream off after three lines", async () => {
  await using mock = startMockOllama();
  const client = new Ollama({ host: mock.origin });
  const stream = await client.chat({
    model: "mock-chunks-10",
    messages: [{ role: "user", content: "Hi" }],
    stream: true,
  });
  assert.equal((await collect(stream)).length, 11);
  const reset = await client.chat({
    model: "mock-reset",
    messages: [{ role: "user", content: "one two three four" }],
    stream: true,
  });
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const part of reset) seen.push(part.message.content);
  });
  assert.deepEqual(seen, ["Echo:", " one", " two"].slice(0, seen.length));
  assert.equal(mock.received.count, 2);
});

Deno.test("Ollama's OpenAI-compatible endpoint answers the openai SDK minimally", async () => {
  await using mock = startMockOllama();
  const client = new OpenAI({ baseURL: mock.openAIBaseUrl, apiKey: "ollama", maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: "llava:7b",
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: `data:image/png;base64,${GRAY_PNG}` } },
      ],
    }],
  });
  assert.match(completion.id, /^chatcmpl-\d+$/);
  assert.equal(completion.system_fingerprint, "fp_ollama");
  assert.deepEqual(completion.choices, [{
    index: 0,
    message: { role: "assistant", content: "Echo: What is this? [images: 1]" },
    finish_reason: "stop",
  }]);
  assert.deepEqual(completion.usage, {
    prompt_tokens: 580,
    completion_tokens: 6,
    total_tokens: 586,
  });

  const chunks = await collect(
    await client.chat.completions.create({
      model: "llava:7b",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      stream_options: { include_usage: true },
    }),
  );
  assert.deepEqual(chunks.map((c) => c.choices[0]?.delta.content ?? null), [
    "Echo:",
    " Hi",
    "",
    null,
  ]);
  assert.equal(chunks[2].choices[0].finish_reason, "stop");
  assert.equal(chunks[3].usage?.total_tokens, 3);

  await assert.rejects(
    client.chat.completions.create({
      model: "llava:7b",
      messages: [{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }],
      }],
    }),
    {
      status: 400,
      message: "400 image URLs are not currently supported, please use base64 encoded data instead",
    },
  );
  await assert.rejects(
    client.chat.completions.create({
      model: "gone:1b",
      messages: [{ role: "user", content: "Hi" }],
    }),
    (e: { status: number; type: string }) => e.status === 404 && e.type === "not_found_error",
  );
});

Deno.test("mock-slow paces its lines, and a client that leaves mid-stream is counted as aborted", async () => {
  await using mock = startMockOllama({ slowChunkMs: 5 });
  const response = await fetch(`${mock.origin}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "mock-slow",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    }),
  });
  // The client leaves for good: it cancels its read of the body, which closes the connection.
  // (The ollama client's `abort()` leaves closing it to the runtime, which under load may not
  // happen before the whole paced stream has been written into the socket's buffers.)
  const lines = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: string[] = [];
  let pending = "";
  while (seen.length < 3) {
    const { value, done } = await lines.read();
    if (done) break;
    pending += value;
    const whole = pending.split("\n");
    pending = whole.pop()!;
    for (const line of whole.filter(Boolean)) {
      seen.push((JSON.parse(line) as ChatResponse).message.content);
    }
  }
  await lines.cancel();
  assert.deepEqual(seen.slice(0, 3), ["tok0", " tok1", " tok2"]);
  await mock.aborted.wait(1);
  assert.equal(mock.aborted.count, 1);
});
