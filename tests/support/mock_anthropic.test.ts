import assert from "node:assert/strict";
import Anthropic, {
  APIError,
  NotFoundError,
  OverloadedError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import { type MockAnthropic, startMockAnthropic } from "./mock_anthropic.ts";

const WEATHER_TOOL = {
  name: "get_weather",
  description: "Current weather in a city.",
  input_schema: {
    type: "object" as const,
    properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
    required: ["city", "unit"],
  },
};

function clientFor(mock: MockAnthropic): Anthropic {
  return new Anthropic({ baseURL: mock.baseUrl, apiKey: "sk-ant-mock", maxRetries: 0 });
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** A raw call, for what the SDK would not send (missing headers, removed parameters). */
function post(
  mock: MockAnthropic,
  body: unknown,
  headers: Record<string, string> = { "x-api-key": "k", "anthropic-version": "2023-06-01" },
  path = "/v1/messages",
): Promise<Response> {
  return fetch(`${mock.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

Deno.test("a non-streamed message has Anthropic's shape, request id and exact usage", async () => {
  await using mock = startMockAnthropic();
  const params = {
    model: "claude-sonnet-4-6",
    max_tokens: 100,
    system: "Be brief.",
    messages: [{
      role: "user" as const,
      content: [
        { type: "text" as const, text: "What is in this picture?" },
        {
          type: "image" as const,
          source: { type: "base64" as const, media_type: "image/png" as const, data: "AAAA" },
        },
      ],
    }],
  };
  const { data, request_id } = await clientFor(mock).messages.create(params).withResponse();

  assert.match(data.id, /^msg_01[0-9A-Za-z]{22}$/);
  assert.equal(data.type, "message");
  assert.equal(data.role, "assistant");
  assert.equal(data.model, "claude-sonnet-4-6");
  assert.deepEqual(data.content, [
    { type: "text", text: "Echo: What is in this picture? [images: 1]" },
  ]);
  assert.equal(data.stop_reason, "end_turn");
  assert.equal(data.stop_sequence, null);
  // "Be brief." (9) + "What is in this picture?" (24) = 33 chars → 9 tokens, plus 1568 for the image.
  assert.deepEqual(data.usage, {
    input_tokens: 1577,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: 8,
    service_tier: "standard",
  });
  assert.match(request_id!, /^req_01[0-9A-Za-z]{22}$/);

  const [recorded] = mock.requests;
  assert.equal(recorded.method, "POST");
  assert.equal(recorded.path, "/v1/messages");
  assert.equal(recorded.raw, JSON.stringify(params));
  assert.deepEqual(recorded.body, params);
  assert.equal(recorded.headers["authorization"], "Bearer sk-ant-mock");
  assert.match(recorded.headers["anthropic-version"], /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(mock.received.count, 1);
});

Deno.test("a stream sends Anthropic's event sequence, which the SDK assembles into the message", async () => {
  await using mock = startMockAnthropic();
  const stream = clientFor(mock).messages.stream({
    model: "claude-haiku-4-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "Say hi to everyone" }],
  });
  const texts: string[] = [];
  stream.on("text", (text) => texts.push(text));
  const message = await stream.finalMessage();

  assert.deepEqual(texts, ["Echo:", " Say", " hi", " to", " everyone"]);
  assert.deepEqual(message.content, [{ type: "text", text: "Echo: Say hi to everyone" }]);
  assert.equal(message.stop_reason, "end_turn");
  assert.equal(message.usage.input_tokens, 5);
  assert.equal(message.usage.output_tokens, 5);
});

Deno.test("the raw stream is named SSE events: message_start, a ping, block events, message_stop", async () => {
  await using mock = startMockAnthropic();
  const response = await post(mock, {
    model: "claude-haiku-4-5",
    max_tokens: 100,
    stream: true,
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const text = await response.text();
  const events = text.split("\n\n").filter(Boolean).map((block) => {
    const [event, data] = block.split("\n");
    const name = event.slice("event: ".length);
    assert.equal(JSON.parse(data.slice("data: ".length)).type, name);
    return name;
  });
  assert.deepEqual(events, [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  assert.ok(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n'));
  assert.ok(text.includes('event: ping\ndata: {"type":"ping"}\n\n'));
});

Deno.test("a forced tool streams as input_json_delta fragments the SDK parses into the input", async () => {
  await using mock = startMockAnthropic();
  const client = clientFor(mock);
  const events = await collect(
    await client.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 100,
      stream: true,
      tools: [WEATHER_TOOL],
      tool_choice: { type: "tool", name: "get_weather" },
      messages: [{ role: "user", content: "Weather in Paris?" }],
    }),
  );
  const start = events.find((event) => event.type === "content_block_start");
  assert.deepEqual(start?.type === "content_block_start" && start.content_block.type, "tool_use");
  const fragments = events.flatMap((event) =>
    event.type === "content_block_delta" && event.delta.type === "input_json_delta"
      ? [event.delta.partial_json]
      : []
  );
  assert.equal(fragments[0], "");
  assert.equal(fragments.join(""), '{"city":"mock","unit":"c"}');
  assert.ok(fragments.slice(1).every((fragment) => fragment.length <= 5));

  const message = await client.messages.stream({
    model: "claude-haiku-4-5",
    max_tokens: 100,
    tools: [WEATHER_TOOL],
    tool_choice: { type: "any" },
    messages: [{ role: "user", content: "Weather in Paris?" }],
  }).finalMessage();
  assert.equal(message.stop_reason, "tool_use");
  assert.equal(message.content.length, 1);
  const [block] = message.content;
  assert.equal(block.type, "tool_use");
  if (block.type !== "tool_use") return;
  assert.match(block.id, /^toolu_01[0-9A-Za-z]{22}$/);
  assert.equal(block.name, "get_weather");
  assert.deepEqual(block.input, { city: "mock", unit: "c" });
});

Deno.test("a non-streamed forced tool answers one tool_use block and stop_reason tool_use", async () => {
  await using mock = startMockAnthropic();
  const message = await clientFor(mock).messages.create({
    model: "claude-haiku-4-5",
    max_tokens: 100,
    tools: [WEATHER_TOOL],
    tool_choice: { type: "tool", name: "get_weather" },
    messages: [{ role: "user", content: "Weather?" }],
  });
  assert.deepEqual(message.content.map((block) => block.type), ["tool_use"]);
  assert.equal(message.stop_reason, "tool_use");
  // '{"city":"mock","unit":"c"}' is 26 characters: 6 fragments of at most 5.
  assert.equal(message.usage.output_tokens, 6);
});

Deno.test("a tool result is answered with its text, and auto tool choice answers text", async () => {
  await using mock = startMockAnthropic();
  const message = await clientFor(mock).messages.create({
    model: "claude-haiku-4-5",
    max_tokens: 100,
    tools: [WEATHER_TOOL],
    tool_choice: { type: "auto" },
    messages: [
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: [{
          type: "tool_use",
          id: "toolu_1",
          name: "get_weather",
          input: { city: "Paris", unit: "c" },
        }],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18 C, sunny" }],
      },
    ],
  });
  assert.deepEqual(message.content, [{ type: "text", text: "Echo: 18 C, sunny" }]);
});

Deno.test("count_tokens answers the input tokens of the same rule", async () => {
  await using mock = startMockAnthropic({ imageTokens: () => 100 });
  const count = await clientFor(mock).messages.countTokens({
    model: "claude-sonnet-4-6",
    system: "Be brief.",
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is in this picture?" },
        { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
      ],
    }],
  });
  assert.deepEqual(count, { input_tokens: 109 });
  assert.equal(mock.requests[0].path, "/v1/messages/count_tokens");
});

Deno.test("max_tokens cuts the answer with stop_reason max_tokens; a stop sequence ends it early", async () => {
  await using mock = startMockAnthropic();
  const client = clientFor(mock);
  const short = await client.messages.create({
    model: "claude-haiku-4-5",
    max_tokens: 2,
    messages: [{ role: "user", content: "one two three" }],
  });
  assert.deepEqual(short.content, [{ type: "text", text: "Echo: one" }]);
  assert.equal(short.stop_reason, "max_tokens");

  const stopped = await client.messages.create({
    model: "claude-haiku-4-5",
    max_tokens: 100,
    stop_sequences: ["three", "two"],
    messages: [{ role: "user", content: "one two three" }],
  });
  assert.deepEqual(stopped.content, [{ type: "text", text: "Echo: one " }]);
  assert.equal(stopped.stop_reason, "stop_sequence");
  assert.equal(stopped.stop_sequence, "two");
});

Deno.test("a cache_control prefix is written once, then read on the next request", async () => {
  await using mock = startMockAnthropic();
  const client = clientFor(mock);
  const request = (question: string) =>
    client.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 100,
      system: [{ type: "text", text: "R".repeat(4000), cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: question }],
    });
  const first = await request("First?");
  const second = await request("Second question?");
  assert.deepEqual(
    [
      first.usage.input_tokens,
      first.usage.cache_creation_input_tokens,
      first.usage.cache_read_input_tokens,
    ],
    [2, 1000, 0],
  );
  assert.deepEqual(first.usage.cache_creation, {
    ephemeral_5m_input_tokens: 1000,
    ephemeral_1h_input_tokens: 0,
  });
  assert.deepEqual(
    [
      second.usage.input_tokens,
      second.usage.cache_creation_input_tokens,
      second.usage.cache_read_input_tokens,
    ],
    [4, 0, 1000],
  );
});

Deno.test("mock-error-429 raises the SDK's RateLimitError with Anthropic's error body", async () => {
  await using mock = startMockAnthropic();
  const error = await clientFor(mock).messages.create({
    model: "mock-error-429",
    max_tokens: 10,
    messages: [{ role: "user", content: "Hi" }],
  }).catch((e) => e);
  assert.ok(error instanceof RateLimitError);
  assert.equal(error.status, 429);
  assert.equal(error.type, "rate_limit_error");
  assert.match(error.apiMessage!, /rate limit for your organization/);
  assert.match(error.requestID!, /^req_/);
  assert.equal(error.headers.get("retry-after"), "1");
  const body = error.error as { type: string; request_id: string };
  assert.equal(body.type, "error");
  assert.equal(body.request_id, error.requestID);
});

Deno.test("mock-error-404 and mock-error-529 raise NotFoundError and OverloadedError", async () => {
  await using mock = startMockAnthropic();
  const client = clientFor(mock);
  const fail = (model: string) =>
    client.messages.create({ model, max_tokens: 10, messages: [{ role: "user", content: "Hi" }] })
      .catch((e) => e);
  const missing = await fail("mock-error-404");
  assert.ok(missing instanceof NotFoundError);
  assert.equal(missing.apiMessage, "model: mock-error-404");
  const overloaded = await fail("mock-error-529");
  assert.ok(overloaded instanceof OverloadedError);
  assert.equal(overloaded.type, "overloaded_error");
});

Deno.test("mock-stream-error sends an error event after the stream started; the SDK raises it", async () => {
  await using mock = startMockAnthropic();
  const stream = await clientFor(mock).messages.create({
    model: "mock-stream-error",
    max_tokens: 100,
    stream: true,
    messages: [{ role: "user", content: "Tell me more" }],
  });
  const seen: string[] = [];
  const error = await (async () => {
    for await (const event of stream) seen.push(event.type);
  })().catch((e) => e);
  assert.ok(error instanceof APIError);
  assert.equal(error.type, "overloaded_error");
  assert.deepEqual(seen, ["message_start", "content_block_start", "content_block_delta"]);
});

Deno.test("mock-reset cuts the stream after it started and the SDK raises mid-iteration", async () => {
  await using mock = startMockAnthropic();
  const stream = await clientFor(mock).messages.create({
    model: "mock-reset",
    max_tokens: 100,
    stream: true,
    messages: [{ role: "user", content: "one two three four" }],
  });
  const seen: string[] = [];
  const error = await (async () => {
    for await (const event of stream) seen.push(event.type);
  })().catch((e) => e);
  assert.ok(error instanceof Error);
  assert.deepEqual(seen, [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_delta",
  ]);
});

Deno.test("a client leaving a mock-slow stream is seen by the upstream as an abort", async () => {
  await using mock = startMockAnthropic({ slowChunkMs: 5 });
  const stream = await clientFor(mock).messages.create({
    model: "mock-slow",
    max_tokens: 10000,
    stream: true,
    messages: [{ role: "user", content: "Go" }],
  });
  let deltas = 0;
  for await (const event of stream) {
    if (event.type === "content_block_delta" && ++deltas === 3) break;
  }
  await mock.aborted.wait(1);
  assert.deepEqual(mock.abortedRequests, [{ path: "/v1/messages", model: "mock-slow" }]);
});

Deno.test("requests the API refuses get its status, error type and message", async () => {
  await using mock = startMockAnthropic();
  const valid = {
    model: "claude-haiku-4-5",
    max_tokens: 10,
    messages: [{ role: "user", content: "Hi" }],
  };
  const cases: [Response, number, string, string][] = [
    [
      await post(mock, valid, { "anthropic-version": "2023-06-01" }),
      401,
      "authentication_error",
      "x-api-key header is required",
    ],
    [
      await post(mock, valid, { "x-api-key": "k" }),
      400,
      "invalid_request_error",
      "anthropic-version: header is required",
    ],
    [
      await post(mock, { ...valid, max_tokens: undefined }),
      400,
      "invalid_request_error",
      "max_tokens: Field required",
    ],
    [
      await post(mock, "{not json"),
      400,
      "invalid_request_error",
      "There was an error parsing the body as JSON.",
    ],
    [
      await post(mock, { ...valid, temperature: 1 }, {
        "x-api-key": "k",
        "anthropic-version": "2026-10-21",
      }),
      400,
      "invalid_request_error",
      "temperature: Extra inputs are not permitted",
    ],
    [
      await post(mock, {
        ...valid,
        messages: [{ role: "user", content: [{ type: "text", text: "" }] }],
      }),
      400,
      "invalid_request_error",
      "messages: text content blocks must be non-empty",
    ],
    [await post(mock, valid, undefined, "/v1/complete"), 404, "not_found_error", "Not Found"],
  ];
  for (const [response, status, type, message] of cases) {
    const body = await response.json();
    assert.equal(response.status, status, message);
    assert.deepEqual(body, {
      type: "error",
      error: { type, message },
      request_id: body.request_id,
    });
    assert.equal(response.headers.get("request-id"), body.request_id);
  }
  const older = await post(mock, { ...valid, temperature: 0.5 });
  assert.equal(older.status, 200);
  await older.body?.cancel();
});

Deno.test("record false keeps no requests but still counts them", async () => {
  await using mock = startMockAnthropic({ record: false });
  await clientFor(mock).messages.countTokens({
    model: "claude-haiku-4-5",
    messages: [{ role: "user", content: "Hi" }],
  });
  assert.equal(mock.requests.length, 0);
  assert.equal(mock.received.count, 1);
});

Deno.test("mock-hang never answers and counts the client's abort", async () => {
  await using mock = startMockAnthropic();
  // A raw connection, closed once the mock has the request: the disconnect is certain (an
  // aborted fetch may leave its connection to the pool for a while).
  const body = JSON.stringify({
    model: "mock-hang",
    max_tokens: 10,
    messages: [{ role: "user", content: "Hi" }],
  });
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(mock.baseUrl).port),
  });
  await conn.write(new TextEncoder().encode(
    `POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
      `x-api-key: k\r\nanthropic-version: 2023-06-01\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
  ));
  await mock.received.wait(1);
  conn.close();
  await mock.aborted.wait(1);
  assert.deepEqual(mock.abortedRequests, [{ path: "/v1/messages", model: "mock-hang" }]);
});
