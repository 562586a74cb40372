/**
 * Faithful pass-through at the Chat Completions door: squint forwards every field the client
 * sent, changing only what it deliberately changes (the `squint` object is removed; streams ask
 * for usage; optimized images).
 */
import assert from "node:assert/strict";
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import { corpusDataUrl, imageMessage } from "./_images.ts";
import { collect, startStack } from "./_stack.ts";

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    strict: true,
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city", "unit"],
      additionalProperties: false,
    },
  },
};

/** A request using most of the Chat Completions surface, plus a field no API has yet. */
const FULL_REQUEST = {
  model: "gpt-4o",
  messages: [
    { role: "developer", content: 'Answer as JSON. Ünïcødé ✓ 🚀 "quoted" \\ back\nslash' },
    { role: "user", content: [{ type: "text", text: "What is the weather in Oslo?" }] },
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "call_oslo",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Oslo","unit":"c"}' },
      }],
    },
    { role: "tool", tool_call_id: "call_oslo", content: '{"temp_c":-3,"sky":"snow"}' },
    { role: "user", name: "ola", content: "And in Bergen? Reply with the forecast object." },
  ],
  tools: [WEATHER_TOOL],
  tool_choice: "auto",
  parallel_tool_calls: false,
  response_format: {
    type: "json_schema",
    json_schema: {
      name: "forecast",
      strict: true,
      schema: {
        type: "object",
        properties: { city: { type: "string" }, temp_c: { type: "number" } },
        required: ["city", "temp_c"],
        additionalProperties: false,
      },
    },
  },
  n: 2,
  seed: 42,
  stop: ["\n\nEND", "###"],
  max_completion_tokens: 256,
  temperature: 0.2,
  top_p: 0.95,
  frequency_penalty: 0.25,
  presence_penalty: -0.5,
  logit_bias: { "1734": -100 },
  logprobs: true,
  top_logprobs: 3,
  user: "user-4711",
  metadata: { ticket: "T-1", team: "weather" },
  store: false,
  service_tier: "auto",
  prompt_cache_key: "weather-v1",
  future_field_2027: { nested: [1, "two", null, { deep: true }], ratio: 0.125 },
};

Deno.test("every field of a non-streamed request reaches the upstream as sent, less squint's own object", async () => {
  await using stack = startStack();
  const { data } = await stack.client.chat.completions.create({
    ...FULL_REQUEST,
    squint: { fidelity: "balanced", detail: "auto" },
  } as unknown as ChatCompletionCreateParamsNonStreaming).withResponse();

  assert.equal(data.object, "chat.completion");
  assert.equal(data.choices.length, 2);
  assert.equal(stack.mock.requests.length, 1);
  const [seen] = stack.mock.requests;
  assert.equal(seen.method, "POST");
  assert.equal(seen.path, "/v1/chat/completions");
  assert.deepEqual(seen.body, FULL_REQUEST);
});

Deno.test("a streamed request reaches the upstream as sent, with only include_usage turned on", async () => {
  await using stack = startStack();
  const request = {
    ...FULL_REQUEST,
    stream: true,
    stream_options: { include_usage: false, include_obfuscation: false },
  };
  const stream = await stack.client.chat.completions.create(
    { ...request, squint: { optimize: "on" } } as unknown as ChatCompletionCreateParamsStreaming,
  );
  const chunks = await collect(stream);
  assert.ok(chunks.length > 0);

  const [seen] = stack.mock.requests;
  assert.deepEqual(seen.body, {
    ...request,
    stream_options: { include_usage: true, include_obfuscation: false },
  });
});

Deno.test("a stream without stream_options gets only include_usage added upstream", async () => {
  await using stack = startStack();
  const request = {
    model: "gpt-4o-mini",
    stream: true,
    messages: [{ role: "user", content: "plain string content" }],
  };
  const response = await stack.post("/chat/completions", request);
  await response.body!.cancel();
  await stack.mock.received.wait(1);
  assert.deepEqual(stack.mock.requests[0].body, {
    ...request,
    stream_options: { include_usage: true },
  });
});

Deno.test("client headers reach the upstream, except credentials, hop-by-hop headers and X-Squint controls", async () => {
  await using stack = startStack({
    headers: {
      "OpenAI-Organization": "org-squint-test",
      "OpenAI-Project": "proj_squint",
      "X-Trace-Id": "trace-7",
      "X-Squint-Fidelity": "lossless",
      "X-Squint-Optimize": "on",
      "Cookie": "session=secret",
      "X-Forwarded-For": "203.0.113.9",
    },
  });
  await stack.client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hello" }],
  });

  const headers = stack.mock.requests[0].headers;
  assert.equal(headers["openai-organization"], "org-squint-test");
  assert.equal(headers["openai-project"], "proj_squint");
  assert.equal(headers["x-trace-id"], "trace-7");
  assert.equal(headers["authorization"], "Bearer sk-client");
  assert.equal(headers["content-type"], "application/json");
  const names = Object.keys(headers);
  assert.deepEqual(names.filter((name) => name.startsWith("x-squint-")), []);
  assert.equal(headers["cookie"], undefined);
  assert.equal(headers["x-forwarded-for"], undefined);
  assert.equal(headers["x-api-key"], undefined);
});

Deno.test("text that happens to look like squint's internal image marker reaches the upstream unchanged", async () => {
  await using stack = startStack();
  const request = {
    model: "gpt-4o",
    messages: [
      { role: "user", content: "\u0000squint:0" },
      imageMessage("And this photo?", [corpusDataUrl("photo_fruits_512x480.jpg")]),
    ],
  };
  const response = await stack.post("/chat/completions", request);
  await response.json();

  assert.equal(response.status, 200);
  const sent = stack.mock.requests[0].body as { messages: { content: unknown }[] };
  const content = sent.messages[0].content;
  assert.ok(
    content === "\u0000squint:0",
    `the text became ${JSON.stringify(content).slice(0, 48)}…`,
  );
  assert.deepEqual(sent, request);
});

Deno.test("an image URL that happens to look like squint's internal marker is passed through, not a 500", async () => {
  await using stack = startStack();
  const request = {
    model: "gpt-4o",
    messages: [imageMessage("What is this?", ["\u0000squint:5"])],
  };
  const response = await stack.post("/chat/completions", request);
  const text = await response.text();

  assert.equal(response.status, 200, text);
  assert.deepEqual(stack.mock.requests[0].body, request);
});
