import assert from "node:assert/strict";
import { anthropicChat, DEFAULT_MAX_TOKENS } from "../../src/providers/anthropic.ts";
import {
  type Json,
  type StreamEvent,
  TranslationError,
  type UpstreamRequest,
} from "../../src/providers/types.ts";
import { type MockAnthropic, startMockAnthropic } from "../support/mock_anthropic.ts";

const WEATHER = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city.",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city", "unit"],
    },
  },
};
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==";

/** Parses an SSE transcript as the door hands it over: one event name and data per block. */
function transcript(text: string): StreamEvent[] {
  return text.trim().split(/\n\n+/).map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)![1];
    return event ? { event, data } : { data };
  });
}

function translateStream(text: string, model = "claude-sonnet-4-5"): Json[] {
  const stream = anthropicChat.stream(model);
  return [...transcript(text).flatMap((event) => stream.push(event)), ...stream.end()];
}

function refusal(run: () => unknown): TranslationError {
  try {
    run();
  } catch (e) {
    if (e instanceof TranslationError) return e;
    throw e;
  }
  assert.fail("expected a TranslationError");
}

Deno.test("a whole conversation becomes one Anthropic Messages request, field by field", () => {
  const request = anthropicChat.request(
    {
      model: "anthropic/claude-sonnet-4-5",
      messages: [
        { role: "system", content: "You are a careful assistant." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these two pictures, and what is the weather?" },
            {
              type: "image_url",
              image_url: { url: "https://example.com/cat.jpg", detail: "high" },
            },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
          ],
        },
        {
          role: "assistant",
          content: "",
          tool_calls: [{
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris","unit":"c"}' },
          }],
        },
        { role: "tool", tool_call_id: "call_1", content: "18 C, sunny" },
        { role: "assistant", content: "Un chat et un chien; 18 °C à Paris." },
        { role: "user", content: "And tomorrow?" },
      ],
      tools: [WEATHER],
      tool_choice: "auto",
      parallel_tool_calls: false,
      max_completion_tokens: 300,
      max_tokens: 999,
      stop: "\n\nHuman:",
      temperature: 1.4,
      top_p: 0.9,
      user: "user-42",
      seed: 7,
      frequency_penalty: 0.5,
    },
    "claude-sonnet-4-5",
    false,
  );

  assert.equal(request.path, "/v1/messages");
  assert.deepEqual(request.headers, [["anthropic-version", "2023-06-01"]]);
  assert.deepEqual(request.body, {
    model: "claude-sonnet-4-5",
    max_tokens: 300,
    system: [
      { type: "text", text: "You are a careful assistant." },
      { type: "text", text: "Answer in French." },
    ],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these two pictures, and what is the weather?" },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          {
            type: "image",
            source: { type: "base64", media_type: "image/png", data: PNG_BASE64 },
          },
        ],
      },
      {
        role: "assistant",
        content: [{
          type: "tool_use",
          id: "call_1",
          name: "get_weather",
          input: { city: "Paris", unit: "c" },
        }],
      },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "call_1", content: "18 C, sunny" }],
      },
      {
        role: "assistant",
        content: [{ type: "text", text: "Un chat et un chien; 18 °C à Paris." }],
      },
      { role: "user", content: [{ type: "text", text: "And tomorrow?" }] },
    ],
    tools: [{
      name: "get_weather",
      description: "Current weather in a city.",
      input_schema: WEATHER.function.parameters,
    }],
    tool_choice: { type: "auto", disable_parallel_tool_use: true },
    stop_sequences: ["\n\nHuman:"],
    temperature: 1,
    top_p: 0.9,
    metadata: { user_id: "user-42" },
  });
  assert.equal(anthropicChat.takesImageUrls, true);
});

Deno.test("system messages anywhere, in several parts, gather into the top-level system in order", () => {
  const request = anthropicChat.request(
    {
      messages: [
        { role: "system", content: [{ type: "text", text: "A" }, { type: "text", text: "B" }] },
        { role: "user", content: "Hi" },
        { role: "developer", content: "C" },
        { role: "user", content: "Again" },
      ],
    },
    "claude-haiku-4-5",
    false,
  );
  assert.deepEqual(request.body.system, [
    { type: "text", text: "A" },
    { type: "text", text: "B" },
    { type: "text", text: "C" },
  ]);
  // The two user turns, no longer separated, merge into one.
  assert.deepEqual(request.body.messages, [{
    role: "user",
    content: [{ type: "text", text: "Hi" }, { type: "text", text: "Again" }],
  }]);
});

Deno.test("parallel tool results merge into one user turn, with the next user message after them", () => {
  const request = anthropicChat.request(
    {
      messages: [
        { role: "user", content: "Weather in Paris and Oslo?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: "{}" } },
            { id: "call_b", type: "function", function: { name: "get_weather", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: "18 C" },
        { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "-2 C" }] },
        { role: "user", content: "Which is warmer?" },
      ],
    },
    "claude-haiku-4-5",
    true,
  );
  assert.deepEqual(request.body.messages, [
    { role: "user", content: [{ type: "text", text: "Weather in Paris and Oslo?" }] },
    {
      role: "assistant",
      content: [
        { type: "tool_use", id: "call_a", name: "get_weather", input: {} },
        { type: "tool_use", id: "call_b", name: "get_weather", input: {} },
      ],
    },
    {
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "call_a", content: "18 C" },
        { type: "tool_result", tool_use_id: "call_b", content: [{ type: "text", text: "-2 C" }] },
        { type: "text", text: "Which is warmer?" },
      ],
    },
  ]);
  assert.equal(request.body.stream, true);
  assert.equal(request.body.max_tokens, DEFAULT_MAX_TOKENS);
});

Deno.test("tool_choice and parallel_tool_calls map to Anthropic's tool_choice", () => {
  const cases: [unknown, boolean | undefined, unknown][] = [
    ["none", undefined, { type: "none" }],
    ["auto", undefined, { type: "auto" }],
    ["required", undefined, { type: "any" }],
    [{ type: "function", function: { name: "get_weather" } }, undefined, {
      type: "tool",
      name: "get_weather",
    }],
    ["required", false, { type: "any", disable_parallel_tool_use: true }],
    [undefined, false, { type: "auto", disable_parallel_tool_use: true }],
    ["none", false, { type: "none" }],
    [undefined, undefined, undefined],
  ];
  for (const [choice, parallel, expected] of cases) {
    const request = anthropicChat.request(
      {
        messages: [{ role: "user", content: "Hi" }],
        tools: [WEATHER],
        tool_choice: choice,
        parallel_tool_calls: parallel,
      },
      "claude-haiku-4-5",
      false,
    );
    assert.deepEqual(request.body.tool_choice, expected, JSON.stringify([choice, parallel]));
  }
});

Deno.test("max_tokens comes from max_completion_tokens, then max_tokens, then the default", () => {
  const limit = (fields: Json) =>
    anthropicChat.request(
      { messages: [{ role: "user", content: "Hi" }], ...fields },
      "claude-haiku-4-5",
      false,
    ).body.max_tokens;
  assert.equal(limit({ max_completion_tokens: 10, max_tokens: 20 }), 10);
  assert.equal(limit({ max_tokens: 20 }), 20);
  assert.equal(limit({ max_tokens: null }), 4096);
  assert.equal(limit({}), 4096);
});

Deno.test("a stop list becomes stop_sequences and temperature within 0–1 passes unchanged", () => {
  const request = anthropicChat.request(
    {
      messages: [{ role: "user", content: "Count" }],
      stop: ["5", "five"],
      temperature: 0.2,
    },
    "claude-haiku-4-5",
    false,
  );
  assert.deepEqual(request.body.stop_sequences, ["5", "five"]);
  assert.equal(request.body.temperature, 0.2);
  assert.equal("stream" in request.body, false);
  assert.equal("system" in request.body, false);
});

Deno.test("response_format json_schema becomes output_config.format; json_object is refused", () => {
  const schema = {
    type: "object",
    properties: { answer: { type: "string" } },
    required: ["answer"],
    additionalProperties: false,
  };
  const request = anthropicChat.request(
    {
      messages: [{ role: "user", content: "Answer in JSON" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", strict: true, schema },
      },
    },
    "claude-sonnet-4-5",
    false,
  );
  assert.deepEqual(request.body.output_config, { format: { type: "json_schema", schema } });

  const plain = anthropicChat.request(
    {
      messages: [{ role: "user", content: "Hi" }],
      response_format: { type: "text" },
    },
    "claude-sonnet-4-5",
    false,
  );
  assert.equal("output_config" in plain.body, false);

  const error = refusal(() =>
    anthropicChat.request(
      {
        messages: [{ role: "user", content: "Hi" }],
        response_format: { type: "json_object" },
      },
      "claude-sonnet-4-5",
      false,
    )
  );
  assert.equal(error.param, "response_format");
});

Deno.test("cache_control on a content part stays on the block it becomes", () => {
  const request = anthropicChat.request(
    {
      messages: [
        {
          role: "system",
          content: [{ type: "text", text: "Long rules", cache_control: { type: "ephemeral" } }],
        },
        { role: "user", content: "Hi" },
      ],
    },
    "claude-sonnet-4-5",
    false,
  );
  assert.deepEqual(request.body.system, [
    { type: "text", text: "Long rules", cache_control: { type: "ephemeral" } },
  ]);
});

Deno.test("what Anthropic cannot take is refused with the param that names it", () => {
  const refused = (fields: Json) =>
    refusal(() => anthropicChat.request(fields, "claude-haiku-4-5", false));
  const user = (content: unknown) => ({ messages: [{ role: "user", content }] });
  const cases: [Json, string][] = [
    [{ ...user("Hi"), n: 2 }, "n"],
    [{
      messages: [{
        role: "assistant",
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{city:" } }],
      }],
    }, "messages[0].tool_calls[0].function.arguments"],
    [{
      messages: [{
        role: "assistant",
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }],
      }],
    }, "messages[0].tool_calls[0].function.arguments"],
    [
      user([{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }]),
      "messages[0].content[0]",
    ],
    [
      user([{ type: "text", text: "x" }, {
        type: "image_url",
        image_url: { url: "data:image/png,%89PNG" },
      }]),
      "messages[0].content[1]",
    ],
    [
      user([{ type: "image_url", image_url: { url: "ftp://example.com/a.png" } }]),
      "messages[0].content[0]",
    ],
    [
      user([{ type: "input_audio", input_audio: { data: "", format: "wav" } }]),
      "messages[0].content[0]",
    ],
    [{ messages: [{ role: "function", name: "f", content: "x" }] }, "messages[0].role"],
    [{ messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id"],
    [{ ...user("Hi"), tools: [{ type: "web_search" }] }, "tools[0].type"],
    [{ ...user("Hi"), tool_choice: "sometimes" }, "tool_choice"],
    [{ messages: "Hi" }, "messages"],
  ];
  for (const [fields, param] of cases) {
    assert.equal(refused(fields).param, param, JSON.stringify(fields));
  }
});

Deno.test("a text answer becomes one chat.completion choice; thinking is dropped, cache counts kept", () => {
  const before = Math.floor(Date.now() / 1000);
  const completion = anthropicChat.response({
    id: "msg_01XFDUDYJgAACzvnptvVoYEL",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5-20250929",
    content: [
      { type: "thinking", thinking: "The user greets me.", signature: "EqQBCgIYAhIM" },
      { type: "text", text: "Bonjour" },
      { type: "text", text: " !" },
    ],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: 12,
      cache_creation_input_tokens: 2048,
      cache_read_input_tokens: 4096,
      cache_creation: { ephemeral_5m_input_tokens: 2048, ephemeral_1h_input_tokens: 0 },
      output_tokens: 7,
      service_tier: "standard",
    },
  }, "claude-sonnet-4-5");
  const created = completion.created as number;
  assert.ok(created >= before && created <= before + 1);
  assert.deepEqual(completion, {
    id: "msg_01XFDUDYJgAACzvnptvVoYEL",
    object: "chat.completion",
    created,
    model: "claude-sonnet-4-5-20250929",
    choices: [{
      index: 0,
      message: { role: "assistant", content: "Bonjour !", refusal: null },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage: {
      prompt_tokens: 6156,
      completion_tokens: 7,
      total_tokens: 6163,
      prompt_tokens_details: { cached_tokens: 4096 },
      cache_creation_input_tokens: 2048,
    },
    // Anthropic's tier in OpenAI's word: squint counts the call at it (service_tier.ts).
    service_tier: "default",
  });
});

Deno.test("a tool_use answer becomes tool_calls with JSON arguments and finish_reason tool_calls", () => {
  const completion = anthropicChat.response({
    id: "msg_01Aq9w938a90dw8q",
    type: "message",
    role: "assistant",
    model: "claude-haiku-4-5-20251001",
    content: [
      { type: "text", text: "Let me check." },
      {
        type: "tool_use",
        id: "toolu_01A09q90qw90lq917835lq9",
        name: "get_weather",
        input: { city: "Paris", unit: "c" },
      },
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    usage: { input_tokens: 400, output_tokens: 60 },
  }, "claude-haiku-4-5");
  const [choice] = completion.choices as Json[];
  assert.deepEqual(choice.message, {
    role: "assistant",
    content: "Let me check.",
    tool_calls: [{
      id: "toolu_01A09q90qw90lq917835lq9",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris","unit":"c"}' },
    }],
    refusal: null,
  });
  assert.equal(choice.finish_reason, "tool_calls");
  assert.deepEqual(completion.usage, {
    prompt_tokens: 400,
    completion_tokens: 60,
    total_tokens: 460,
    prompt_tokens_details: { cached_tokens: 0 },
  });
});

Deno.test("every stop reason maps to its OpenAI finish reason", () => {
  const finish = (stop_reason: string) => {
    const completion = anthropicChat.response({
      id: "msg_1",
      content: [],
      stop_reason,
      usage: { input_tokens: 1, output_tokens: 1 },
    }, "claude-haiku-4-5");
    return (completion.choices as Json[])[0].finish_reason;
  };
  assert.deepEqual(
    ["end_turn", "stop_sequence", "max_tokens", "tool_use", "refusal", "pause_turn"].map(finish),
    ["stop", "stop", "length", "tool_calls", "content_filter", "stop"],
  );
});

const TEXT_STREAM = `
event: message_start
data: {"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","id":"msg_01K2JbSUMYhez5RHoK9ZCj9U","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":1024,"cache_read_input_tokens":3000,"cache_creation":{"ephemeral_5m_input_tokens":1024,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"A greeting."}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" world"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":25,"cache_creation_input_tokens":1024,"cache_read_input_tokens":3000,"output_tokens":15}}

event: message_stop
data: {"type":"message_stop"}
`;

Deno.test("a text stream becomes a role chunk, content chunks, a finish chunk and a usage chunk", () => {
  const chunks = translateStream(TEXT_STREAM);
  const created = chunks[0].created;
  const head = {
    id: "msg_01K2JbSUMYhez5RHoK9ZCj9U",
    object: "chat.completion.chunk",
    created,
    model: "claude-sonnet-4-5-20250929",
    service_tier: "default",
  };
  const choice = (delta: Json, finish_reason: string | null = null) => ({
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason }],
  });
  assert.deepEqual(chunks, [
    choice({ role: "assistant", content: "" }),
    choice({ content: "Hello" }),
    choice({ content: " world" }),
    choice({}, "length"),
    {
      ...head,
      choices: [],
      usage: {
        prompt_tokens: 4049,
        completion_tokens: 15,
        total_tokens: 4064,
        prompt_tokens_details: { cached_tokens: 3000 },
        cache_creation_input_tokens: 1024,
      },
    },
  ]);
});

const TOOL_STREAM = `
event: message_start
data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking both."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Pa"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ris\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_02Bq9sJ0d1n5m3kQ","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Oslo\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}
`;

Deno.test("tool_use blocks stream as tool_calls numbered from 0, their argument deltas on that index", () => {
  const deltas = translateStream(TOOL_STREAM, "claude-haiku-4-5").map((chunk) => {
    const [choice] = chunk.choices as Json[];
    return choice ? [choice.delta, choice.finish_reason] : chunk.usage;
  });
  assert.deepEqual(deltas, [
    [{ role: "assistant", content: "" }, null],
    [{ content: "Checking both." }, null],
    [{
      tool_calls: [{
        index: 0,
        id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        type: "function",
        function: { name: "get_weather", arguments: "" },
      }],
    }, null],
    [{ tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] }, null],
    [{ tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] }, null],
    [{
      tool_calls: [{
        index: 1,
        id: "toolu_02Bq9sJ0d1n5m3kQ",
        type: "function",
        function: { name: "get_weather", arguments: "" },
      }],
    }, null],
    [{ tool_calls: [{ index: 1, function: { arguments: '{"city": "Oslo"}' } }] }, null],
    [{}, "tool_calls"],
    {
      prompt_tokens: 472,
      completion_tokens: 89,
      total_tokens: 561,
      prompt_tokens_details: { cached_tokens: 0 },
    },
  ]);
});

Deno.test("an error event mid-stream becomes an OpenAI error chunk the client sees", () => {
  const chunks = translateStream(`
event: message_start
data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}

event: error
data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
`);
  assert.equal(chunks.length, 3);
  assert.deepEqual(chunks[2], {
    error: { message: "Overloaded", type: "overloaded_error", param: null, code: "overloaded" },
  });
});

Deno.test("a stream cut after message_delta still ends with its usage chunk", () => {
  const cut = TEXT_STREAM.slice(0, TEXT_STREAM.indexOf("event: message_stop"));
  const chunks = translateStream(cut);
  assert.deepEqual((chunks.at(-1)!.usage as Json).completion_tokens, 15);
  assert.equal(chunks.filter((chunk) => "usage" in chunk).length, 1);
  const stream = anthropicChat.stream("claude-haiku-4-5");
  assert.deepEqual(stream.push({ event: "ping", data: '{"type": "ping"}' }), []);
  assert.deepEqual(stream.push({ data: "not json" }), []);
  assert.deepEqual(stream.end(), []);
});

Deno.test("Anthropic error bodies become OpenAI error objects with Anthropic's message", () => {
  const cases: [number, string, string, string | null][] = [
    [400, "invalid_request_error", "invalid_request_error", null],
    [401, "authentication_error", "authentication_error", "invalid_api_key"],
    [403, "permission_error", "permission_error", null],
    [404, "not_found_error", "not_found_error", null],
    [413, "request_too_large", "invalid_request_error", "request_too_large"],
    [429, "rate_limit_error", "rate_limit_error", "rate_limit_exceeded"],
    [500, "api_error", "api_error", null],
    [529, "overloaded_error", "overloaded_error", "overloaded"],
    [418, "teapot_error", "invalid_request_error", null],
    [502, "gateway_error", "api_error", null],
  ];
  for (const [status, anthropicType, type, code] of cases) {
    const text = JSON.stringify({
      type: "error",
      error: { type: anthropicType, message: `message of ${anthropicType}` },
      request_id: "req_011CSHoEeqs5C35K2UUqR7Fy",
    });
    assert.deepEqual(anthropicChat.error(status, text), {
      error: { message: `message of ${anthropicType}`, type, param: null, code },
    });
  }
});

Deno.test("an error body that is not Anthropic's JSON becomes the message as it is", () => {
  assert.deepEqual(anthropicChat.error(502, "<html>Bad gateway</html>\n"), {
    error: { message: "<html>Bad gateway</html>", type: "api_error", param: null, code: null },
  });
  assert.deepEqual(anthropicChat.error(503, ""), {
    error: { message: "Anthropic answered HTTP 503", type: "api_error", param: null, code: null },
  });
  assert.deepEqual(anthropicChat.error(400, '{"message":"bad"}'), {
    error: { message: '{"message":"bad"}', type: "invalid_request_error", param: null, code: null },
  });
});

/** Sends a translated request to the mock as squint would, and returns the raw answer. */
async function sendToMock(mock: MockAnthropic, request: UpstreamRequest): Promise<Response> {
  return await fetch(`${mock.baseUrl}${request.path}`, {
    method: "POST",
    headers: [
      ["content-type", "application/json"],
      ["x-api-key", "sk-ant-mock"],
      ...request.headers,
    ],
    body: JSON.stringify(request.body),
  });
}

Deno.test("a translated conversation is taken by the mock Anthropic and its answer translates back", async () => {
  await using mock = startMockAnthropic({ imageTokens: () => 100 });
  const openAIBody = {
    messages: [
      { role: "system", content: "Be brief." },
      {
        role: "user",
        content: [
          { type: "text", text: "Describe" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
        ],
      },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "call_1", content: "a red square" },
    ],
    max_tokens: 50,
  };
  const upstream = await sendToMock(
    mock,
    anthropicChat.request(openAIBody, "claude-haiku-4-5", false),
  );
  assert.equal(upstream.status, 200);
  const completion = anthropicChat.response(await upstream.json(), "claude-haiku-4-5");
  const [choice] = completion.choices as Json[];
  assert.deepEqual(choice.message, {
    role: "assistant",
    content: "Echo: a red square [images: 1]",
    refusal: null,
  });
  assert.equal(choice.finish_reason, "stop");
  // "Be brief." 9 + "Describe" 8 + "a red square" 12 = 29 chars → 8 tokens, plus 100 for the image.
  assert.equal((completion.usage as Json).prompt_tokens, 108);
});

Deno.test("a translated streamed tool call comes back from the mock as OpenAI tool_call chunks", async () => {
  await using mock = startMockAnthropic();
  const request = anthropicChat.request(
    {
      messages: [{ role: "user", content: "Weather in Paris?" }],
      tools: [WEATHER],
      tool_choice: "required",
    },
    "claude-haiku-4-5",
    true,
  );
  const upstream = await sendToMock(mock, request);
  const stream = anthropicChat.stream("claude-haiku-4-5");
  const chunks = [
    ...transcript(await upstream.text()).flatMap((event) => stream.push(event)),
    ...stream.end(),
  ];
  const calls = chunks.flatMap((chunk) => {
    const delta = (chunk.choices as Json[])[0]?.delta as Json | undefined;
    return (delta?.tool_calls as Json[] | undefined) ?? [];
  });
  assert.equal(calls[0].index, 0);
  assert.equal((calls[0].function as Json).name, "get_weather");
  assert.equal(
    calls.map((call) => (call.function as Json).arguments).join(""),
    '{"city":"mock","unit":"c"}',
  );
  assert.equal((chunks.at(-2)!.choices as Json[])[0].finish_reason, "tool_calls");
  assert.equal((chunks.at(-1)!.usage as Json).completion_tokens, 6);
});

Deno.test("the mock's error answers translate to OpenAI errors with their message", async () => {
  await using mock = startMockAnthropic();
  const request = anthropicChat.request(
    { messages: [{ role: "user", content: "Hi" }] },
    "mock-error-529",
    false,
  );
  const upstream = await sendToMock(mock, request);
  assert.deepEqual(anthropicChat.error(upstream.status, await upstream.text()), {
    error: { message: "Overloaded", type: "overloaded_error", param: null, code: "overloaded" },
  });
});

Deno.test("thinking goes to Anthropic as its OpenAI compatibility takes it, and the answer keeps its text only", () => {
  const thinking = { type: "enabled", budget_tokens: 2048 };
  const request = anthropicChat.request(
    {
      model: "claude-sonnet-4-6",
      max_tokens: 4096,
      thinking,
      messages: [{ role: "user", content: "What is 2+2?" }],
    },
    "claude-sonnet-4-6",
    false,
  );
  assert.deepEqual((request.body as Json).thinking, thinking);
  const completion = anthropicChat.response({
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-6",
    content: [
      { type: "thinking", thinking: "Two and two.", signature: "sig" },
      { type: "text", text: "4" },
    ],
    stop_reason: "end_turn",
    usage: { input_tokens: 12, output_tokens: 30 },
  }, "claude-sonnet-4-6") as Json;
  const [choice] = completion.choices as Json[];
  assert.equal((choice.message as Json).content, "4");
});

Deno.test("the tier Anthropic says it served at rides on every translated chunk and answer, in OpenAI's words", () => {
  const priority = translateStream(
    TEXT_STREAM.replace('"service_tier":"standard"', '"service_tier":"priority"'),
  );
  assert.deepEqual(new Set(priority.map((chunk) => chunk.service_tier)), new Set(["priority"]));
  const answer = (usage: Json) =>
    anthropicChat.response({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-haiku-4-5",
      content: [{ type: "text", text: "Hi." }],
      stop_reason: "end_turn",
      usage,
    }, "claude-haiku-4-5");
  assert.equal(
    answer({ input_tokens: 5, output_tokens: 2, service_tier: "priority" }).service_tier,
    "priority",
  );
  assert.equal(
    "service_tier" in answer({ input_tokens: 5, output_tokens: 2 }),
    false,
    "none said, none written",
  );
});
