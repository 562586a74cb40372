import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { ollamaChat } from "../../src/providers/ollama.ts";
import { type Json, TranslationError } from "../../src/providers/types.ts";
import { startMockOllama } from "../support/mock_ollama.ts";

const GRAY_PNG = Buffer.from(
  await Deno.readFile(new URL("../fixtures/images/gray.png", import.meta.url)),
).toString("base64");

const CURRENCY_TOOL = {
  type: "function",
  function: {
    name: "convert_currency",
    description: "Converts an amount to another currency",
    parameters: {
      type: "object",
      properties: { amount: { type: "number" }, to: { type: "string", enum: ["EUR", "USD"] } },
      required: ["amount", "to"],
    },
  },
};

const ZERO_CACHE = { prompt_tokens_details: { cached_tokens: 0 } };

/** A receipt conversation: two-part system prompt, image, tool call, its result, follow-up. */
function receiptConversation(): Json {
  return {
    model: "ollama/llava:7b",
    messages: [
      {
        role: "system",
        content: [{ type: "text", text: "You read receipts." }, {
          type: "text",
          text: "Answer in English.",
        }],
      },
      { role: "developer", content: "Totals are in EUR." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is the total?" },
          {
            type: "image_url",
            image_url: { url: `data:image/png;base64,${GRAY_PNG}`, detail: "low" },
          },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_abc",
          type: "function",
          function: { name: "convert_currency", arguments: '{"amount":12.5,"to":"EUR"}' },
        }],
      },
      { role: "tool", tool_call_id: "call_abc", content: "11.52 EUR" },
      { role: "assistant", content: "The total is 11.52 EUR." },
      { role: "user", content: "And the date?" },
    ],
    tools: [CURRENCY_TOOL],
    temperature: 0.2,
    top_p: 0.9,
    max_tokens: 50,
    max_completion_tokens: 120,
    stop: "\n\n",
    seed: 7,
    stream: true,
  };
}

/** The TranslationError an OpenAI body gives. */
function translationError(body: Json): TranslationError {
  try {
    ollamaChat.request(body, "llava:7b", false);
  } catch (e) {
    if (e instanceof TranslationError) return e;
    throw e;
  }
  assert.fail("the request was translated");
}

/** Replaces the ids a translator hands out (after checking their form) so answers compare whole. */
function withFixedIds(value: Json): Json {
  const text = JSON.stringify(value)
    .replace(/"chatcmpl-ollama-\d+"/g, '"chatcmpl-ollama-N"')
    .replace(/"call_\d+"/g, '"call_N"');
  return JSON.parse(text);
}

/** Translates NDJSON lines (as Ollama streams them) with one stream translator. */
function translateStream(lines: string[]): Json[] {
  const translator = ollamaChat.stream("llava:7b");
  const chunks = lines.flatMap((data) => translator.push({ data }));
  return [...chunks, ...translator.end()].map(withFixedIds);
}

const CREATED = Date.UTC(2025, 9, 26, 17, 21, 21) / 1000;

function chunk(delta: Json, finish: string | null = null): Json {
  return {
    id: "chatcmpl-ollama-N",
    object: "chat.completion.chunk",
    created: CREATED,
    model: "llava:7b",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

Deno.test("a receipt conversation becomes Ollama's /api/chat request field by field", () => {
  const request = ollamaChat.request(receiptConversation(), "llava:7b", true);
  assert.equal(request.path, "/api/chat");
  assert.deepEqual(request.headers, []);
  const body = request.body as { messages: Json[] } & Json;
  assert.equal(body.model, "llava:7b");
  assert.deepEqual(body.messages[0], {
    role: "system",
    content: "You read receipts.\nAnswer in English.",
  });
  assert.deepEqual(body.messages[1], { role: "system", content: "Totals are in EUR." });
  assert.deepEqual(body.messages[2], {
    role: "user",
    content: "What is the total?",
    images: [GRAY_PNG],
  });
  assert.ok(!GRAY_PNG.startsWith("data:") && GRAY_PNG.startsWith("iVBORw0KGgo"));
  assert.deepEqual(body.messages[3], {
    role: "assistant",
    content: "",
    tool_calls: [{
      function: { name: "convert_currency", arguments: { amount: 12.5, to: "EUR" } },
    }],
  });
  assert.deepEqual(body.messages[4], {
    role: "tool",
    content: "11.52 EUR",
    tool_name: "convert_currency",
  });
  assert.deepEqual(body.messages[5], { role: "assistant", content: "The total is 11.52 EUR." });
  assert.deepEqual(body.messages[6], { role: "user", content: "And the date?" });
  assert.equal(body.messages.length, 7);
  assert.deepEqual(body.tools, [CURRENCY_TOOL]);
  // max_completion_tokens wins over max_tokens; a single stop string becomes a list.
  assert.deepEqual(body.options, {
    temperature: 0.2,
    top_p: 0.9,
    num_predict: 120,
    stop: ["\n\n"],
    seed: 7,
  });
  assert.equal(body.stream, true);
  assert.equal("format" in body, false);
  assert.deepEqual(Object.keys(body), ["model", "messages", "tools", "options", "stream"]);
});

Deno.test("a non-streamed request says stream: false, since Ollama streams by default", () => {
  const { body } = ollamaChat.request(
    { messages: [{ role: "user", content: "Hi" }] },
    "qwen2.5vl:7b",
    false,
  );
  assert.deepEqual(body, {
    model: "qwen2.5vl:7b",
    messages: [{ role: "user", content: "Hi" }],
    stream: false,
  });
});

Deno.test("response_format becomes Ollama's format: json_object as json, json_schema as its schema", () => {
  const schema = { type: "object", properties: { total: { type: "number" } } };
  const format = (responseFormat: unknown) =>
    ollamaChat.request(
      { messages: [{ role: "user", content: "Total?" }], response_format: responseFormat },
      "llava:7b",
      false,
    ).body.format;
  assert.equal(format({ type: "json_object" }), "json");
  assert.deepEqual(
    format({ type: "json_schema", json_schema: { name: "receipt", schema, strict: true } }),
    schema,
  );
  assert.equal(format({ type: "text" }), undefined);
});

Deno.test("tool_choice none offers no tools and a named function offers only that one", () => {
  const weather = { type: "function", function: { name: "get_weather", parameters: {} } };
  const tools = (toolChoice: unknown) =>
    ollamaChat.request(
      {
        messages: [{ role: "user", content: "Hi" }],
        tools: [CURRENCY_TOOL, weather],
        tool_choice: toolChoice,
      },
      "llava:7b",
      false,
    ).body.tools;
  assert.equal(tools("none"), undefined);
  assert.deepEqual(tools({ type: "function", function: { name: "get_weather" } }), [weather]);
  assert.deepEqual(tools("required"), [CURRENCY_TOOL, weather]);
  assert.deepEqual(tools("auto"), [CURRENCY_TOOL, weather]);
});

Deno.test("what Ollama cannot take is a TranslationError naming the param", () => {
  const user = (content: unknown) => ({ messages: [{ role: "user", content }] });
  const cases: [Json, string][] = [
    [{ ...user("Hi"), n: 2 }, "n"],
    [
      user([{ type: "text", text: "Look" }, {
        type: "image_url",
        image_url: { url: "https://example.com/receipt.png" },
      }]),
      "messages[0].content[1]",
    ],
    [
      user([{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }]),
      "messages[0].content[0]",
    ],
    [
      {
        messages: [{ role: "user", content: "Hi" }, {
          role: "assistant",
          content: null,
          tool_calls: [{
            id: "c1",
            type: "function",
            function: { name: "f", arguments: "{amount:" },
          }],
        }],
      },
      "messages[1].tool_calls[0].function.arguments",
    ],
    [{ messages: [{ role: "function", name: "f", content: "1" }] }, "messages[0].role"],
    [
      { ...user("Hi"), response_format: { type: "json_schema", json_schema: {} } },
      "response_format.json_schema.schema",
    ],
    [{
      ...user("Hi"),
      tools: [CURRENCY_TOOL],
      tool_choice: { type: "function", function: { name: "nope" } },
    }, "tool_choice"],
  ];
  for (const [body, param] of cases) assert.equal(translationError(body).param, param);
  assert.match(translationError(cases[1][0]).message, /http\(s\) URLs/);
});

Deno.test("a non-streamed Ollama answer becomes a chat.completion with its counts as usage", () => {
  const answer = {
    model: "llava:7b",
    created_at: "2025-10-26T17:21:21.196249Z",
    message: { role: "assistant", content: "The total is 11.52 EUR." },
    done_reason: "stop",
    done: true,
    total_duration: 5191566416,
    load_duration: 2154458,
    prompt_eval_count: 26,
    prompt_eval_duration: 383809000,
    eval_count: 298,
    eval_duration: 4799921000,
  };
  const completion = ollamaChat.response(answer, "llava:7b");
  assert.match(String(completion.id), /^chatcmpl-ollama-\d+$/);
  assert.deepEqual(withFixedIds(completion), {
    id: "chatcmpl-ollama-N",
    object: "chat.completion",
    created: CREATED,
    model: "llava:7b",
    choices: [{
      index: 0,
      message: { role: "assistant", content: "The total is 11.52 EUR.", refusal: null },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage: { prompt_tokens: 26, completion_tokens: 298, total_tokens: 324, ...ZERO_CACHE },
  });
  assert.notEqual(ollamaChat.response(answer, "llava:7b").id, completion.id);
});

Deno.test("an answer with tool calls has OpenAI tool calls, arguments as JSON text, finish tool_calls", () => {
  // The tool-call answer of Ollama's docs/api.md ("Chat request (with tools)").
  const answer = {
    model: "llama3.2",
    created_at: "2024-07-22T20:33:28.123648Z",
    message: {
      role: "assistant",
      content: "",
      tool_calls: [{
        function: {
          name: "get_current_weather",
          arguments: { format: "celsius", location: "Paris, FR" },
        },
      }],
    },
    done_reason: "stop",
    done: true,
    total_duration: 885095291,
    load_duration: 3753500,
    prompt_eval_count: 122,
    prompt_eval_duration: 328493000,
    eval_count: 33,
    eval_duration: 552222000,
  };
  const completion = ollamaChat.response(answer, "llama3.2") as {
    choices: { message: { tool_calls: { id: string }[] } }[];
  } & Json;
  assert.match(completion.choices[0].message.tool_calls[0].id, /^call_\d+$/);
  assert.deepEqual(withFixedIds(completion).choices, [{
    index: 0,
    message: {
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{
        id: "call_N",
        type: "function",
        function: {
          name: "get_current_weather",
          arguments: '{"format":"celsius","location":"Paris, FR"}',
        },
      }],
    },
    logprobs: null,
    finish_reason: "tool_calls",
  }]);
  assert.equal(completion.created, Date.UTC(2024, 6, 22, 20, 33, 28) / 1000);
});

Deno.test("done_reason length is length, load and unknown reasons are stop, missing counts are 0", () => {
  const finish = (doneReason?: string) =>
    (ollamaChat.response(
      {
        created_at: "2025-10-26T17:21:21Z",
        message: { content: "" },
        done: true,
        done_reason: doneReason,
      },
      "llava:7b",
    ) as { choices: { finish_reason: string }[] }).choices[0].finish_reason;
  assert.equal(finish("length"), "length");
  assert.equal(finish("stop"), "stop");
  assert.equal(finish("load"), "stop");
  assert.equal(finish("unload"), "stop");
  assert.equal(finish(undefined), "stop");
  const load = ollamaChat.response(
    {
      model: "llava:7b",
      message: { role: "assistant", content: "" },
      done_reason: "load",
      done: true,
    },
    "llava:7b",
  );
  assert.deepEqual(load.usage, {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    ...ZERO_CACHE,
  });
});

Deno.test("an NDJSON text stream becomes a role chunk, content chunks, the finish and the usage", () => {
  const chunks = translateStream([
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:21.196249Z","message":{"role":"assistant","content":"The"},"done":false}',
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:21.207235Z","message":{"role":"assistant","content":" total"},"done":false}',
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:22.219166Z","message":{"role":"assistant","content":""},"done_reason":"length","done":true,"total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":2,"eval_duration":4535599000}',
  ]);
  assert.deepEqual(chunks, [
    chunk({ role: "assistant", content: "", refusal: null }),
    chunk({ content: "The" }),
    chunk({ content: " total" }),
    chunk({}, "length"),
    {
      id: "chatcmpl-ollama-N",
      object: "chat.completion.chunk",
      created: CREATED,
      model: "llava:7b",
      choices: [],
      usage: { prompt_tokens: 26, completion_tokens: 2, total_tokens: 28, ...ZERO_CACHE },
    },
  ]);
});

Deno.test("thinking: reasoning_effort becomes think (none: false), a past turn's reasoning its thinking, and the answer's thinking comes back as reasoning", () => {
  const ask = (extra: Json) =>
    ollamaChat.request(
      {
        model: "ollama/qwen3:8b",
        messages: [
          { role: "user", content: "What is 12 × 7?" },
          { role: "assistant", content: "84", reasoning: "12 × 7 = 84." },
          { role: "user", content: "And 12 × 8?" },
        ],
        ...extra,
      },
      "qwen3:8b",
      false,
    ).body as Json;
  assert.equal(ask({ reasoning_effort: "high" }).think, "high");
  assert.equal(ask({ reasoning_effort: "none" }).think, false);
  assert.equal(ask({ reasoning: { effort: "low" } }).think, "low");
  const plain = ask({});
  assert.equal("think" in plain, false, "the model's default when nothing is asked");
  assert.deepEqual((plain.messages as Json[])[1], {
    role: "assistant",
    content: "84",
    thinking: "12 × 7 = 84.",
  });
  assert.throws(
    () => ask({ reasoning_effort: "minimal" }),
    (e) => e instanceof TranslationError && e.param === "reasoning_effort",
  );

  const answer = ollamaChat.response({
    model: "qwen3:8b",
    created_at: "2025-10-26T17:21:21.196249Z",
    message: { role: "assistant", content: "96", thinking: "12 × 8 = 96." },
    done_reason: "stop",
    done: true,
    prompt_eval_count: 30,
    eval_count: 12,
  }, "qwen3:8b") as { choices: { message: Json }[] };
  assert.equal(answer.choices[0].message.reasoning, "12 × 8 = 96.");
  assert.deepEqual(
    translateStream([
      '{"model":"qwen3:8b","created_at":"2025-10-26T17:21:21.196249Z","message":{"role":"assistant","content":"","thinking":"12 × 8"},"done":false}',
      '{"model":"qwen3:8b","created_at":"2025-10-26T17:21:21.2Z","message":{"role":"assistant","content":"96"},"done":false}',
    ]).slice(1, 3).map((c) => (c as { choices: { delta: Json }[] }).choices[0].delta),
    [{ reasoning: "12 × 8" }, { content: "96" }],
  );
});

Deno.test("streamed tool calls become tool_calls chunks with whole arguments, indexed, finish tool_calls", () => {
  const chunks = translateStream([
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:21.1Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_x1y2z3w4","function":{"index":0,"name":"convert_currency","arguments":{"amount":12.5,"to":"EUR"}}}]},"done":false}',
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:21.2Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"index":1,"name":"get_weather","arguments":{}}}]},"done":false}',
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:21.3Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":122,"eval_count":33}',
  ]);
  assert.deepEqual(chunks.slice(0, 4), [
    chunk({ role: "assistant", content: "", refusal: null }),
    chunk({
      tool_calls: [{
        index: 0,
        id: "call_N",
        type: "function",
        function: { name: "convert_currency", arguments: '{"amount":12.5,"to":"EUR"}' },
      }],
    }),
    chunk({
      tool_calls: [{
        index: 1,
        id: "call_N",
        type: "function",
        function: { name: "get_weather", arguments: "{}" },
      }],
    }),
    chunk({}, "tool_calls"),
  ]);
  assert.deepEqual(chunks[4].usage, {
    prompt_tokens: 122,
    completion_tokens: 33,
    total_tokens: 155,
    ...ZERO_CACHE,
  });
  assert.equal(chunks.length, 5);
});

Deno.test("an error line mid-stream becomes an OpenAI error chunk and ends the stream", () => {
  const chunks = translateStream([
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:21.196249Z","message":{"role":"assistant","content":" Yes"},"done":false}',
    '{"error":"an error was encountered while running the model"}',
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:21.3Z","message":{"role":"assistant","content":"late"},"done":false}',
  ]);
  assert.deepEqual(chunks, [
    chunk({ role: "assistant", content: "", refusal: null }),
    chunk({ content: " Yes" }),
    {
      error: {
        message: "an error was encountered while running the model",
        type: "api_error",
        param: null,
        code: null,
      },
    },
  ]);
});

Deno.test("a stream that ends without its done line ends with an error chunk", () => {
  const chunks = translateStream([
    '{"model":"llava:7b","created_at":"2025-10-26T17:21:21.196249Z","message":{"role":"assistant","content":"The"},"done":false}',
  ]);
  assert.equal(chunks.length, 3);
  assert.equal((chunks[2].error as Json).type, "api_error");
  assert.match(String((chunks[2].error as Json).message), /ended before its final line/);
});

Deno.test("Ollama's errors keep their message with OpenAI's type for the status", () => {
  assert.deepEqual(ollamaChat.error(404, '{"error":"model \'llava:13b\' not found"}'), {
    error: {
      message: "model 'llava:13b' not found",
      type: "invalid_request_error",
      param: null,
      code: "model_not_found",
    },
  });
  assert.deepEqual(
    ollamaChat.error(404, '{"error":"model \\"llava:13b\\" not found, try pulling it first"}')
      .error,
    {
      message: 'model "llava:13b" not found, try pulling it first',
      type: "invalid_request_error",
      param: null,
      code: "model_not_found",
    },
  );
  assert.deepEqual(ollamaChat.error(400, '{"error":"model is required"}').error, {
    message: "model is required",
    type: "invalid_request_error",
    param: null,
    code: null,
  });
  assert.deepEqual(
    ollamaChat.error(500, '{"error":"llama runner process has terminated: exit status 2"}').error,
    {
      message: "llama runner process has terminated: exit status 2",
      type: "api_error",
      param: null,
      code: null,
    },
  );
  assert.equal(
    (ollamaChat.error(
      503,
      '{"error":"server busy, please try again.  maximum pending requests exceeded"}',
    )
      .error as Json).type,
    "api_error",
  );
  assert.deepEqual(ollamaChat.error(404, "404 page not found").error, {
    message: "404 page not found",
    type: "not_found_error",
    param: null,
    code: null,
  });
  assert.equal((ollamaChat.error(502, "").error as Json).message, "Ollama answered HTTP 502");
});

Deno.test("a translated request is accepted by the mock Ollama and its answer translates back", async () => {
  await using mock = startMockOllama({ imageTokens: 1 });
  const post = (body: Json, stream: boolean) => {
    const request = ollamaChat.request(body, "llava:7b", stream);
    return fetch(`${mock.origin}${request.path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request.body),
    });
  };

  // With tools offered and a user message last, the mock model calls the tool.
  const plain = await post(receiptConversation(), false);
  assert.equal(plain.status, 200);
  const completion = withFixedIds(ollamaChat.response(await plain.json(), "llava:7b"));
  assert.deepEqual(completion.choices, [{
    index: 0,
    message: {
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{
        id: "call_N",
        type: "function",
        function: { name: "convert_currency", arguments: '{"amount":1,"to":"EUR"}' },
      }],
    },
    logprobs: null,
    finish_reason: "tool_calls",
  }]);
  // 118 characters of content → 30 tokens, plus 1 for the image; 5 argument fragments.
  assert.deepEqual(completion.usage, {
    prompt_tokens: 31,
    completion_tokens: 5,
    total_tokens: 36,
    ...ZERO_CACHE,
  });

  const streamed = await post({ ...receiptConversation(), tool_choice: "none" }, true);
  assert.equal(streamed.headers.get("content-type"), "application/x-ndjson");
  const lines = (await streamed.text()).split("\n").filter((line) => line !== "");
  const chunks = translateStream(lines);
  const deltas = chunks.slice(1, -2).map((c) => (c.choices as { delta: Json }[])[0].delta);
  assert.deepEqual(deltas, [
    { content: "Echo:" },
    { content: " And" },
    { content: " the" },
    { content: " date?" },
    { content: " [images:" },
    { content: " 1]" },
  ]);
  assert.equal((chunks.at(-2)!.choices as { finish_reason: string }[])[0].finish_reason, "stop");
  assert.deepEqual(chunks.at(-1)!.usage, {
    prompt_tokens: 31,
    completion_tokens: 6,
    total_tokens: 37,
    ...ZERO_CACHE,
  });
  assert.deepEqual(mock.requests.map((request) => (request.body as Json).stream), [false, true]);
  assert.equal("tools" in (mock.requests[1].body as Json), false);
});
