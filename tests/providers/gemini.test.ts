import assert from "node:assert/strict";
import { geminiChat } from "../../src/providers/gemini.ts";
import { type Json, TranslationError } from "../../src/providers/types.ts";
import { startMockGemini } from "../support/mock_gemini.ts";

const CHART = "chart_octave_histogram_750x525.png";
const corpus = Deno.env.get("SQUINT_CORPUS_DIR") ??
  new URL("../../../shared/corpus", import.meta.url).pathname;
const chartBase64 = Deno.readFileSync(`${corpus}/images/${CHART}`).toBase64();

const LOOKUP_TOOL = {
  type: "function",
  function: {
    name: "lookup_dataset",
    description: "Finds the dataset a chart was drawn from.",
    parameters: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: {
        name: { type: "string", description: "The dataset's name" },
        limit: { type: ["integer", "null"], minimum: 1 },
        since: { anyOf: [{ type: "string", format: "date" }, { type: "null" }] },
        filters: {
          type: "object",
          properties: { column: { type: "string", enum: ["x", "y"] } },
          additionalProperties: false,
        },
      },
      required: ["name", "unknown", "constructor"],
      additionalProperties: false,
    },
  },
};

/** A chat with a two-part system prompt, a picture, a tool call, its result and a follow-up. */
const CONVERSATION = {
  model: "gemini-2.5-flash",
  messages: [
    {
      role: "system",
      content: [
        { type: "text", text: "You read charts for squint's tests." },
        { type: "text", text: "Answer in one sentence." },
      ],
    },
    {
      role: "user",
      content: [
        { type: "text", text: "What does this chart show?" },
        {
          type: "image_url",
          image_url: { url: `data:image/png;base64,${chartBase64}`, detail: "high" },
        },
      ],
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "call_0",
        type: "function",
        function: { name: "lookup_dataset", arguments: '{"name":"histogram"}' },
        extra_content: { google: { thought_signature: "c2lnLXJlYWw=" } },
      }],
    },
    { role: "tool", tool_call_id: "call_0", content: '{"rows":750,"source":"octave"}' },
    { role: "assistant", content: "A histogram of 750 values drawn with Octave." },
    { role: "developer", content: "Mention the tallest bin." },
    { role: "user", content: "Which bin is the tallest?" },
  ],
  tools: [LOOKUP_TOOL],
  tool_choice: "auto",
  max_tokens: 256,
  max_completion_tokens: 300,
  temperature: 0.2,
  top_p: 0.9,
  stop: "END",
  n: 1,
  seed: 7,
  stream_options: null,
};

function translationError(action: () => unknown): TranslationError {
  try {
    action();
  } catch (error) {
    if (error instanceof TranslationError) return error;
    throw error;
  }
  assert.fail("expected a TranslationError");
}

function streamChunks(model: string, events: Json[]): Json[] {
  const stream = geminiChat.stream(model);
  const chunks = events.flatMap((event) => stream.push({ data: JSON.stringify(event) }));
  return [...chunks, ...stream.end()].map(({ created: _, ...chunk }) => chunk);
}

Deno.test("a conversation with system parts, an image, a tool call and its result becomes Gemini's request field by field", () => {
  const request = geminiChat.request(CONVERSATION, "gemini-2.5-flash", false);
  assert.equal(request.path, "/v1beta/models/gemini-2.5-flash:generateContent");
  assert.deepEqual(request.headers, []);
  assert.deepEqual(request.body, {
    contents: [
      {
        role: "user",
        parts: [
          { text: "What does this chart show?" },
          { inlineData: { mimeType: "image/png", data: chartBase64 } },
        ],
      },
      {
        role: "model",
        parts: [{
          functionCall: { name: "lookup_dataset", args: { name: "histogram" } },
          thoughtSignature: "c2lnLXJlYWw=",
        }],
      },
      {
        role: "user",
        parts: [{
          functionResponse: {
            name: "lookup_dataset",
            response: { content: { rows: 750, source: "octave" } },
          },
        }],
      },
      { role: "model", parts: [{ text: "A histogram of 750 values drawn with Octave." }] },
      { role: "user", parts: [{ text: "Which bin is the tallest?" }] },
    ],
    systemInstruction: {
      parts: [
        { text: "You read charts for squint's tests." },
        { text: "Answer in one sentence." },
        { text: "Mention the tallest bin." },
      ],
    },
    tools: [{
      functionDeclarations: [{
        name: "lookup_dataset",
        description: "Finds the dataset a chart was drawn from.",
        parameters: {
          type: "OBJECT",
          properties: {
            name: { type: "STRING", description: "The dataset's name" },
            limit: { type: "INTEGER", nullable: true, minimum: 1 },
            since: { type: "STRING", format: "date", nullable: true },
            filters: {
              type: "OBJECT",
              properties: { column: { type: "STRING", enum: ["x", "y"] } },
            },
          },
          required: ["name"],
        },
      }],
    }],
    toolConfig: { functionCallingConfig: { mode: "AUTO" } },
    generationConfig: {
      temperature: 0.2,
      topP: 0.9,
      candidateCount: 1,
      seed: 7,
      maxOutputTokens: 300,
      stopSequences: ["END"],
    },
  });
});

Deno.test("streaming asks streamGenerateContent with alt=sse, and the model name is URL-encoded", () => {
  const body = { messages: [{ role: "user", content: "Hi" }] };
  assert.equal(
    geminiChat.request(body, "gemini-2.5-flash", true).path,
    "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
  );
  assert.equal(
    geminiChat.request(body, "tuned/my model", false).path,
    "/v1beta/models/tuned%2Fmy%20model:generateContent",
  );
});

Deno.test("consecutive turns of one role merge, parallel tool results included, and plain-text results stay text", () => {
  const { body } = geminiChat.request(
    {
      messages: [
        { role: "user", content: "Weather in Paris" },
        { role: "user", content: [{ type: "text", text: "and in Rome?" }] },
        {
          role: "assistant",
          content: "Checking both.",
          tool_calls: [
            {
              id: "a",
              type: "function",
              function: { name: "weather", arguments: '{"city":"Paris"}' },
            },
            { id: "b", type: "function", function: { name: "weather", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "a", content: "18 °C, cloudy" },
        { role: "tool", tool_call_id: "b", content: [{ type: "text", text: "[24, 25]" }] },
      ],
    },
    "gemini-2.5-flash",
    false,
  );
  assert.deepEqual(body.contents, [
    { role: "user", parts: [{ text: "Weather in Paris" }, { text: "and in Rome?" }] },
    {
      role: "model",
      parts: [
        { text: "Checking both." },
        {
          functionCall: { name: "weather", args: { city: "Paris" } },
          thoughtSignature: "skip_thought_signature_validator",
        },
        { functionCall: { name: "weather", args: {} } },
      ],
    },
    {
      role: "user",
      parts: [
        { functionResponse: { name: "weather", response: { content: "18 °C, cloudy" } } },
        { functionResponse: { name: "weather", response: { content: "[24, 25]" } } },
      ],
    },
  ]);
});

Deno.test("tool_choice none, auto, required and a named function become Gemini's calling modes", () => {
  const config = (tool_choice: unknown) =>
    geminiChat.request(
      {
        messages: [{ role: "user", content: "Hi" }],
        tools: [LOOKUP_TOOL],
        tool_choice,
      },
      "gemini-2.5-flash",
      false,
    ).body.toolConfig;
  assert.deepEqual(config("none"), { functionCallingConfig: { mode: "NONE" } });
  assert.deepEqual(config("auto"), { functionCallingConfig: { mode: "AUTO" } });
  assert.deepEqual(config("required"), { functionCallingConfig: { mode: "ANY" } });
  assert.deepEqual(
    config({ type: "function", function: { name: "lookup_dataset" } }),
    { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["lookup_dataset"] } },
  );
  assert.equal(config(undefined), undefined);
  assert.equal(translationError(() => config("sometimes")).param, "tool_choice");
});

Deno.test("response_format json_object and json_schema set the JSON mime type, the schema as JSON Schema", () => {
  const config = (response_format: unknown) =>
    geminiChat.request({ messages: [{ role: "user", content: "Hi" }], response_format }, "g", false)
      .body.generationConfig;
  const schema = {
    type: "object",
    properties: { bins: { type: "array", items: { type: "number" } } },
    required: ["bins"],
    additionalProperties: false,
  };
  assert.equal(config({ type: "text" }), undefined);
  assert.deepEqual(config({ type: "json_object" }), { responseMimeType: "application/json" });
  assert.deepEqual(
    config({ type: "json_schema", json_schema: { name: "bins", strict: true, schema } }),
    { responseMimeType: "application/json", responseJsonSchema: schema },
  );
});

Deno.test("what Gemini cannot take is a TranslationError naming the place in the OpenAI body", () => {
  const cases: [Json, string][] = [
    [{
      messages: [{
        role: "user",
        content: [{ type: "image_url", image_url: { url: "https://example.com/chart.png" } }],
      }],
    }, "messages[0].content[0].image_url.url"],
    [{
      messages: [{
        role: "assistant",
        tool_calls: [{ id: "x", type: "function", function: { name: "f", arguments: "{oops" } }],
      }],
    }, "messages[0].tool_calls[0].function.arguments"],
    [
      { messages: [{ role: "tool", tool_call_id: "nobody", content: "1" }] },
      "messages[0].tool_call_id",
    ],
    [{ messages: [{ role: "narrator", content: "Once upon a time" }] }, "messages[0].role"],
    [{
      messages: [{
        role: "system",
        content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }],
      }],
    }, "messages[0].content[0]"],
    [{ messages: [{ role: "system", content: "Only a system prompt" }] }, "messages"],
    [{
      messages: [{ role: "user", content: "Hi" }],
      tools: [{ type: "custom", custom: { name: "x" } }],
    }, "tools[0]"],
  ];
  for (const [body, param] of cases) {
    assert.equal(translationError(() => geminiChat.request(body, "g", false)).param, param);
  }
  assert.equal(geminiChat.takesImageUrls, false);
});

Deno.test("a text answer drops thought parts and reports thoughts, cached and tool-use tokens", () => {
  const completion = geminiChat.response({
    candidates: [{
      content: {
        parts: [
          { text: "Looking at the bars first.", thought: true },
          { text: "The tallest bin " },
          { text: "is 0–1." },
        ],
        role: "model",
      },
      finishReason: "STOP",
      index: 0,
    }],
    usageMetadata: {
      promptTokenCount: 1310,
      candidatesTokenCount: 9,
      totalTokenCount: 1431,
      cachedContentTokenCount: 1024,
      toolUsePromptTokenCount: 12,
      thoughtsTokenCount: 100,
    },
    modelVersion: "gemini-2.5-flash",
    responseId: "ag4pavQTzLrj4Q-XkKnZBA",
  }, "gemini-flash-latest");
  assert.equal(typeof completion.created, "number");
  assert.deepEqual({ ...completion, created: 0 }, {
    id: "chatcmpl-gemini-ag4pavQTzLrj4Q-XkKnZBA",
    object: "chat.completion",
    created: 0,
    model: "gemini-2.5-flash",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: "The tallest bin is 0–1.",
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage: {
      prompt_tokens: 1322,
      completion_tokens: 109,
      total_tokens: 1431,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 100 },
    },
  });
});

Deno.test("function calls become tool calls call_0, call_1 with finish tool_calls and the thought signature", () => {
  const completion = geminiChat.response({
    candidates: [{
      content: {
        parts: [
          { functionCall: { name: "weather", args: { city: "Paris" } }, thoughtSignature: "c2ln" },
          { functionCall: { name: "weather", args: { city: "Rome" } } },
        ],
        role: "model",
      },
      finishReason: "STOP",
      index: 0,
      finishMessage: "Model generated function call(s).",
    }],
    usageMetadata: { promptTokenCount: 83, candidatesTokenCount: 14, totalTokenCount: 97 },
  }, "gemini-2.5-flash");
  assert.match(String(completion.id), /^chatcmpl-gemini-\d+$/);
  assert.equal(completion.model, "gemini-2.5-flash");
  assert.deepEqual((completion.choices as Json[])[0], {
    index: 0,
    message: {
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_0",
          type: "function",
          function: { name: "weather", arguments: '{"city":"Paris"}' },
          extra_content: { google: { thought_signature: "c2ln" } },
        },
        {
          id: "call_1",
          type: "function",
          function: { name: "weather", arguments: '{"city":"Rome"}' },
        },
      ],
      refusal: null,
      annotations: [],
    },
    logprobs: null,
    finish_reason: "tool_calls",
  });
});

Deno.test("a tool call sent back carries its thought signature into the next Gemini request", () => {
  const answer = geminiChat.response({
    candidates: [{
      content: {
        parts: [{ functionCall: { name: "f", args: {} }, thoughtSignature: "c2ln" }],
        role: "model",
      },
      finishReason: "STOP",
    }],
  }, "gemini-3-flash");
  const assistant = ((answer.choices as Json[])[0].message) as Json;
  const { body } = geminiChat.request(
    {
      messages: [
        { role: "user", content: "Go" },
        assistant,
        { role: "tool", tool_call_id: "call_0", content: "done" },
      ],
    },
    "gemini-3-flash",
    false,
  );
  assert.deepEqual((body.contents as Json[])[1], {
    role: "model",
    parts: [{ functionCall: { name: "f", args: {} }, thoughtSignature: "c2ln" }],
  });
});

Deno.test("Gemini finish reasons map to OpenAI's, one choice per candidate", () => {
  const expected: Record<string, string> = {
    STOP: "stop",
    MAX_TOKENS: "length",
    SAFETY: "content_filter",
    RECITATION: "content_filter",
    PROHIBITED_CONTENT: "content_filter",
    BLOCKLIST: "content_filter",
    SPII: "content_filter",
    LANGUAGE: "stop",
    OTHER: "stop",
    MALFORMED_FUNCTION_CALL: "stop",
  };
  const candidates = Object.keys(expected).map((finishReason, index) => ({
    content: { parts: [{ text: `answer ${index}` }], role: "model" },
    finishReason,
    index,
  }));
  const choices = geminiChat.response({ candidates }, "gemini-2.5-flash").choices as Json[];
  assert.deepEqual(choices.map((choice) => choice.finish_reason), Object.values(expected));
  assert.deepEqual(choices.map((choice) => choice.index), candidates.map((c) => c.index));
  assert.equal((choices[3].message as Json).content, "answer 3");
});

Deno.test("a blocked prompt is one content_filter choice with null content", () => {
  const completion = geminiChat.response({
    promptFeedback: { blockReason: "PROHIBITED_CONTENT" },
    usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
    modelVersion: "gemini-2.5-flash",
    responseId: "blocked1",
  }, "gemini-2.5-flash");
  assert.deepEqual(completion.choices, [{
    index: 0,
    message: { role: "assistant", content: null, refusal: null, annotations: [] },
    logprobs: null,
    finish_reason: "content_filter",
  }]);
  assert.deepEqual(completion.usage, {
    prompt_tokens: 8,
    completion_tokens: 0,
    total_tokens: 8,
    prompt_tokens_details: { cached_tokens: 0 },
  });
});

const HEAD = {
  id: "chatcmpl-gemini-ag4pavQTzLrj4Q-XkKnZBA",
  object: "chat.completion.chunk",
  model: "gemini-2.5-flash",
};

Deno.test("a live-captured text stream becomes role, content, finish and usage chunks", () => {
  // gemini-2.5-flash, alt=sse: a text chunk, then a finish chunk with no parts.
  const usage = { promptTokenCount: 51, candidatesTokenCount: 2, totalTokenCount: 53 };
  const chunks = streamChunks("gemini-2.5-flash", [
    {
      candidates: [{ content: { parts: [{ text: "Four." }], role: "model" }, index: 0 }],
      usageMetadata: usage,
      modelVersion: "gemini-2.5-flash",
      responseId: "ag4pavQTzLrj4Q-XkKnZBA",
    },
    {
      candidates: [{ content: { role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: usage,
      modelVersion: "gemini-2.5-flash",
      responseId: "ag4pavQTzLrj4Q-XkKnZBA",
    },
  ]);
  const choice = (delta: Json, finish_reason: string | null = null) => ({
    ...HEAD,
    choices: [{ index: 0, delta, logprobs: null, finish_reason }],
  });
  assert.deepEqual(chunks, [
    choice({ role: "assistant", content: "" }),
    choice({ content: "Four." }),
    choice({}, "stop"),
    {
      ...HEAD,
      choices: [],
      usage: {
        prompt_tokens: 51,
        completion_tokens: 2,
        total_tokens: 53,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    },
  ]);
});

Deno.test("a streamed function call after a thought is one whole tool_calls delta and finishes tool_calls", () => {
  const chunks = streamChunks("gemini-2.5-flash", [
    {
      candidates: [{
        content: { parts: [{ text: "Planning the call.", thought: true }], role: "model" },
        index: 0,
      }],
      usageMetadata: { promptTokenCount: 48, thoughtsTokenCount: 40, totalTokenCount: 88 },
      modelVersion: "gemini-2.5-flash",
    },
    {
      candidates: [{
        content: {
          parts: [{
            functionCall: { name: "get_weather", args: { city: "Paris" } },
            thoughtSignature: "sig-real",
          }],
          role: "model",
        },
        finishReason: "STOP",
        index: 0,
      }],
      usageMetadata: {
        promptTokenCount: 48,
        candidatesTokenCount: 14,
        thoughtsTokenCount: 40,
        totalTokenCount: 102,
      },
      modelVersion: "gemini-2.5-flash",
    },
  ]);
  assert.deepEqual(chunks.map((chunk) => (chunk.choices as Json[])[0]?.delta), [
    { role: "assistant", content: "" },
    {
      tool_calls: [{
        index: 0,
        id: "call_0",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        extra_content: { google: { thought_signature: "sig-real" } },
      }],
    },
    {},
    undefined,
  ]);
  assert.equal((chunks[2].choices as Json[])[0].finish_reason, "tool_calls");
  assert.match(String(chunks[0].id), /^chatcmpl-gemini-\d+$/);
  assert.deepEqual(chunks[3].usage, {
    prompt_tokens: 48,
    completion_tokens: 54,
    total_tokens: 102,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 40 },
  });
});

Deno.test("a stream of two candidates keeps their indexes, and a blocked prompt streams content_filter", () => {
  const twoCandidates = streamChunks("g", [{
    candidates: [0, 1].map((index) => ({
      content: { parts: [{ text: `a${index}` }], role: "model" },
      finishReason: "MAX_TOKENS",
      index,
    })),
  }]);
  assert.deepEqual(
    twoCandidates.map((chunk) => {
      const [choice] = chunk.choices as Json[];
      return [choice.index, choice.delta, choice.finish_reason];
    }),
    [
      [0, { role: "assistant", content: "" }, null],
      [0, { content: "a0" }, null],
      [0, {}, "length"],
      [1, { role: "assistant", content: "" }, null],
      [1, { content: "a1" }, null],
      [1, {}, "length"],
    ],
  );
  const blocked = streamChunks("gemini-2.5-flash", [{
    promptFeedback: { blockReason: "SAFETY" },
    usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 },
  }]);
  assert.deepEqual(
    blocked.map((chunk) => chunk.usage ? "usage" : (chunk.choices as Json[])[0].finish_reason),
    [null, "content_filter", "usage"],
  );
});

Deno.test("an error event inside a stream comes out as OpenAI's error object", () => {
  const stream = geminiChat.stream("gemini-2.5-flash");
  assert.deepEqual(
    stream.push({
      data:
        '{"error": {"code": 503,"message": "The model is overloaded.","status": "UNAVAILABLE"}}',
    }),
    [{
      error: {
        message: "The model is overloaded.",
        type: "api_error",
        param: null,
        code: "UNAVAILABLE",
      },
    }],
  );
  assert.deepEqual(stream.end(), []);
});

Deno.test("Google's errors become OpenAI error objects with the status mapped and the message kept", () => {
  const google = (code: number, status: string, message: string) =>
    JSON.stringify({ error: { code, message, status } }, null, 2);
  const cases: [number, string, string, string][] = [
    [400, "INVALID_ARGUMENT", "Please use a valid role: user, model.", "invalid_request_error"],
    [
      401,
      "UNAUTHENTICATED",
      "Request had invalid authentication credentials.",
      "authentication_error",
    ],
    [
      403,
      "PERMISSION_DENIED",
      "Method doesn't allow unregistered callers (callers without established identity).",
      "permission_error",
    ],
    [404, "NOT_FOUND", "models/gemini-9 is not found for API version v1beta", "not_found_error"],
    [429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.", "rate_limit_error"],
    [500, "INTERNAL", "An internal error has occurred.", "api_error"],
    [503, "UNAVAILABLE", "The model is overloaded. Please try again later.", "api_error"],
  ];
  for (const [code, status, message, type] of cases) {
    assert.deepEqual(geminiChat.error(code, google(code, status, message)), {
      error: { message, type, param: null, code: status },
    });
  }
  assert.deepEqual(
    geminiChat.error(
      400,
      `[${google(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")}]`,
    ),
    {
      error: {
        message: "Request contains an invalid argument.",
        type: "invalid_request_error",
        param: null,
        code: "INVALID_ARGUMENT",
      },
    },
  );
  assert.deepEqual(geminiChat.error(429, "<html>Too Many Requests</html>\n"), {
    error: {
      message: "<html>Too Many Requests</html>",
      type: "rate_limit_error",
      param: null,
      code: "RESOURCE_EXHAUSTED",
    },
  });
});

Deno.test("the translated conversation passes the mock's checks and its answer and stream translate back", async () => {
  await using mock = startMockGemini();
  const call = async (stream: boolean) => {
    const upstream = geminiChat.request(CONVERSATION, "gemini-3-flash", stream);
    return await fetch(mock.origin + upstream.path, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "test-key" },
      body: JSON.stringify(upstream.body),
    });
  };
  const answer = await call(false);
  assert.equal(answer.status, 200);
  const completion = geminiChat.response(await answer.json(), "gemini-3-flash");
  const [choice] = completion.choices as Json[];
  assert.equal((choice.message as Json).content, "Echo: Which bin is the tallest? [images: 1]");
  // Text: 35 + 23 + 24 + 26 + 44 + 25 = 177 characters → 45 tokens, plus 258 for the image.
  assert.deepEqual(completion.usage, {
    prompt_tokens: 303,
    completion_tokens: 8,
    total_tokens: 311,
    prompt_tokens_details: { cached_tokens: 0 },
  });

  const streamed = await call(true);
  const text = await streamed.text();
  const translator = geminiChat.stream("gemini-3-flash");
  const chunks = text.split("\r\n\r\n").filter((event) => event.startsWith("data: "))
    .flatMap((event) => translator.push({ data: event.slice("data: ".length) }));
  chunks.push(...translator.end());
  const content = chunks.map((chunk) =>
    ((chunk.choices as Json[])[0]?.delta as Json)?.content ?? ""
  );
  assert.equal(content.join(""), "Echo: Which bin is the tallest? [images: 1]");
  assert.deepEqual(chunks.at(-1)!.usage, completion.usage);
});

Deno.test("reasoning_effort becomes Gemini's thinking as Google's OpenAI compatibility maps it", () => {
  const thinking = (model: string, effort: string) =>
    (geminiChat.request(
      { model, reasoning_effort: effort, messages: [{ role: "user", content: "Hi" }] },
      model,
      false,
    ).body as Json).generationConfig as Json;
  // Gemini 2.5: a budget (none turns thinking off; minimal is the least short of that).
  for (
    const [effort, budget] of [["none", 0], ["minimal", 1024], ["low", 1024], ["medium", 8192], [
      "high",
      24576,
    ]] as const
  ) {
    assert.deepEqual(thinking("gemini-2.5-flash", effort), {
      thinkingConfig: { thinkingBudget: budget },
    }, effort);
  }
  // Gemini 3: the level by name (none is its least, minimal).
  assert.deepEqual(thinking("gemini-3-pro-preview", "high"), {
    thinkingConfig: { thinkingLevel: "high" },
  });
  assert.deepEqual(thinking("gemini-3-flash-preview", "none"), {
    thinkingConfig: { thinkingLevel: "minimal" },
  });
  assert.throws(
    () => thinking("gemini-2.5-flash", "extreme"),
    (e: Error) => e instanceof TranslationError && /reasoning_effort/.test(e.message),
  );
});
