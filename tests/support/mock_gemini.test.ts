import assert from "node:assert/strict";
import {
  ApiError,
  FinishReason,
  FunctionCallingConfigMode,
  type FunctionDeclaration,
  GoogleGenAI,
  Type,
} from "@google/genai";
import { type MockGemini, startMockGemini } from "./mock_gemini.ts";

const WEATHER: FunctionDeclaration = {
  name: "get_weather",
  description: "Current weather in a city.",
  parameters: {
    type: Type.OBJECT,
    properties: { city: { type: Type.STRING }, unit: { type: Type.STRING, enum: ["c", "f"] } },
    required: ["city", "unit"],
  },
};

function clientFor(mock: MockGemini, apiKey = "test-key"): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: mock.baseUrl, apiVersion: "v1beta" } });
}

function post(mock: MockGemini, path: string, body: unknown, key = "test-key"): Promise<Response> {
  return fetch(mock.origin + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { "x-goog-api-key": key } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  assert.fail("expected an ApiError");
}

Deno.test("generateContent through @google/genai answers the echo with usage, model version and id", async () => {
  await using mock = startMockGemini();
  const response = await clientFor(mock).models.generateContent({
    model: "gemini-2.5-flash",
    contents: "What is in this picture?",
    config: { systemInstruction: "Be brief." },
  });
  assert.equal(response.text, "Echo: What is in this picture?");
  assert.equal(response.candidates?.[0].finishReason, FinishReason.STOP);
  assert.equal(response.modelVersion, "gemini-2.5-flash");
  assert.match(response.responseId!, /^mock[0-9a-z]{18}$/);
  // "Be brief." (9) + "What is in this picture?" (24) = 33 characters → 9 tokens; 6 pieces.
  assert.deepEqual(response.usageMetadata, {
    promptTokenCount: 9,
    candidatesTokenCount: 6,
    totalTokenCount: 15,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: 9 }],
  });

  assert.equal(mock.received.count, 1);
  const [request] = mock.requests;
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/v1beta/models/gemini-2.5-flash:generateContent");
  assert.deepEqual(request.query, {});
  assert.equal(request.headers["x-goog-api-key"], "test-key");
  assert.deepEqual(request.body, {
    contents: [{ parts: [{ text: "What is in this picture?" }], role: "user" }],
    systemInstruction: { parts: [{ text: "Be brief." }], role: "user" },
    generationConfig: {},
  });
});

Deno.test("an inline image costs 258 prompt tokens by default and is counted in the answer", async () => {
  await using mock = startMockGemini();
  const response = await clientFor(mock).models.generateContent({
    model: "gemini-2.5-flash",
    contents: [{
      role: "user",
      parts: [{ text: "Read it" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } }],
    }],
  });
  assert.equal(response.text, "Echo: Read it [images: 1]");
  assert.deepEqual(response.usageMetadata?.promptTokensDetails, [
    { modality: "TEXT", tokenCount: 2 },
    { modality: "IMAGE", tokenCount: 258 },
  ]);
  assert.equal(response.usageMetadata?.promptTokenCount, 260);
});

Deno.test("generateContentStream yields one chunk per piece with running usage, then a STOP chunk", async () => {
  await using mock = startMockGemini();
  const stream = await clientFor(mock).models.generateContentStream({
    model: "gemini-2.5-flash",
    contents: "Say hi",
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.deepEqual(chunks.map((chunk) => chunk.text ?? ""), ["Echo:", " Say", " hi", ""]);
  assert.deepEqual(chunks.map((chunk) => chunk.usageMetadata?.candidatesTokenCount), [1, 2, 3, 3]);
  assert.equal(chunks.at(-1)!.candidates?.[0].finishReason, FinishReason.STOP);
  assert.deepEqual(mock.requests[0].query, { alt: "sse" });
  assert.equal(mock.requests[0].path, "/v1beta/models/gemini-2.5-flash:streamGenerateContent");
});

Deno.test("the raw stream is data-only SSE in Google's compact JSON, events ending in CRLF CRLF", async () => {
  await using mock = startMockGemini();
  const response = await post(
    mock,
    "/v1beta/models/mock-chunks-2:streamGenerateContent?alt=sse&key=k",
    { contents: [{ parts: [{ text: "a<b" }] }] },
    "",
  );
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const events = (await response.text()).split("\r\n\r\n");
  assert.equal(events.length, 4);
  assert.equal(events.at(-1), "");
  const usage = '"usageMetadata": {"promptTokenCount": 1,"candidatesTokenCount": 1,' +
    '"totalTokenCount": 2,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 1}]}';
  assert.equal(
    events[0],
    'data: {"candidates": [{"content": {"parts": [{"text": "tok0"}],"role": "model"},"index": 0}],' +
      `${usage},"modelVersion": "mock-chunks-2","responseId": "mock000000000000000000"}`,
  );
  assert.match(
    events[2],
    /^data: \{"candidates": \[\{"content": \{"role": "model"\},"finishReason": "STOP","index": 0\}\]/,
  );
});

Deno.test("a declared function under mode ANY is answered with a signed functionCall", async () => {
  await using mock = startMockGemini();
  const response = await clientFor(mock).models.generateContent({
    model: "gemini-2.5-flash",
    contents: "Weather in Paris?",
    config: {
      tools: [{ functionDeclarations: [WEATHER] }],
      toolConfig: {
        functionCallingConfig: {
          mode: FunctionCallingConfigMode.ANY,
          allowedFunctionNames: ["get_weather"],
        },
      },
    },
  });
  assert.deepEqual(response.functionCalls, [{
    name: "get_weather",
    args: { city: "mock", unit: "c" },
  }]);
  const [part] = response.candidates![0].content!.parts!;
  assert.equal(part.thoughtSignature, btoa("mock-thought-signature"));
  assert.equal(response.candidates![0].finishReason, FinishReason.STOP);
  // '{"city":"mock","unit":"c"}' is 26 characters → 7 tokens.
  assert.equal(response.usageMetadata?.candidatesTokenCount, 7);
});

Deno.test("maxOutputTokens cuts the text with MAX_TOKENS, and candidateCount answers that many", async () => {
  await using mock = startMockGemini();
  const response = await clientFor(mock).models.generateContent({
    model: "gemini-2.5-flash",
    contents: "one two three",
    config: { maxOutputTokens: 2, candidateCount: 2 },
  });
  assert.deepEqual(
    response.candidates?.map((c) => [c.index, c.content?.parts?.[0].text, c.finishReason]),
    [[0, "Echo: one", FinishReason.MAX_TOKENS], [1, "Echo: one", FinishReason.MAX_TOKENS]],
  );
  assert.equal(response.usageMetadata?.candidatesTokenCount, 4);
});

Deno.test("a scripted 429 is Google's RESOURCE_EXHAUSTED, which the SDK throws as ApiError 429", async () => {
  await using mock = startMockGemini();
  const error = await rejection(
    clientFor(mock).models.generateContent({ model: "mock-error-429", contents: "Hi" }),
  );
  assert.equal(error.status, 429);
  const body = JSON.parse(error.message);
  assert.equal(body.error.code, 429);
  assert.equal(body.error.status, "RESOURCE_EXHAUSTED");
  assert.match(body.error.message, /^You exceeded your current quota/);
  assert.deepEqual(body.error.details.at(-1), {
    "@type": "type.googleapis.com/google.rpc.RetryInfo",
    retryDelay: "1s",
  });
  const streamError = await rejection(
    clientFor(mock).models.generateContentStream({ model: "mock-error-503", contents: "Hi" }),
  );
  assert.equal(streamError.status, 503);
});

Deno.test("no API key is 403 PERMISSION_DENIED; a key outside apiKeys is 400 API_KEY_INVALID", async () => {
  await using mock = startMockGemini({ apiKeys: ["good-key"] });
  const body = { contents: [{ role: "user", parts: [{ text: "Hi" }] }] };
  const path = "/v1beta/models/gemini-2.5-flash:generateContent";
  const missing = await post(mock, path, body, "");
  assert.equal(missing.status, 403);
  assert.equal(missing.headers.get("content-type"), "application/json; charset=UTF-8");
  assert.deepEqual(await missing.json(), {
    error: {
      code: 403,
      message:
        "Method doesn't allow unregistered callers (callers without established identity). " +
        "Please use API Key or other form of API consumer identity to call this API.",
      status: "PERMISSION_DENIED",
    },
  });
  const wrong = await post(mock, path, body, "bad-key");
  assert.equal(wrong.status, 400);
  const { error } = await wrong.json();
  assert.equal(error.message, "API key not valid. Please pass a valid API key.");
  assert.equal(error.details[0].reason, "API_KEY_INVALID");
  assert.equal((await post(mock, `${path}?key=good-key`, body, "")).status, 200);
});

Deno.test("requests the API rejects are 400 INVALID_ARGUMENT in the API's own words", async () => {
  await using mock = startMockGemini();
  const path = "/v1beta/models/gemini-2.5-flash:generateContent";
  const cases: [unknown, string][] = [
    ["{not json", "Invalid JSON payload received. Unexpected token."],
    [{}, "* GenerateContentRequest.contents: contents is not specified\n"],
    [
      { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] },
      'Invalid JSON payload received. Unknown name "messages": Cannot find field.',
    ],
    [
      { contents: [{ role: "system", parts: [{ text: "Be brief." }] }] },
      "Please use a valid role: user, model.",
    ],
    [
      { contents: [{ role: "user", parts: [] }] },
      "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n",
    ],
    [
      {
        contents: [{ role: "user", parts: [{ text: "Hi" }] }],
        generationConfig: { max_tokens: 5 },
      },
      "Invalid JSON payload received. Unknown name \"max_tokens\" at 'generation_config': Cannot find field.",
    ],
    [
      {
        contents: [{ role: "user", parts: [{ text: "Hi" }] }],
        tools: [{
          functionDeclarations: [{
            name: "f",
            parameters: {
              type: "object",
              properties: { a: { type: "string" } },
              additionalProperties: false,
            },
          }],
        }],
      },
      'Invalid JSON payload received. Unknown name "additionalProperties" at ' +
      "'tools[0].function_declarations[0].parameters': Cannot find field.",
    ],
  ];
  for (const [body, message] of cases) {
    const response = await post(mock, path, body);
    assert.equal(response.status, 400, message);
    assert.deepEqual(await response.json(), {
      error: { code: 400, message, status: "INVALID_ARGUMENT" },
    });
  }
  // Turns need not alternate: two user turns in a row are fine.
  const twoUsers = {
    contents: [{ role: "user", parts: [{ text: "a" }] }, { role: "user", parts: [{ text: "b" }] }],
  };
  assert.equal((await post(mock, path, twoUsers)).status, 200);
});

Deno.test("gemini-3 models reject a function call of the current turn without a thought signature", async () => {
  await using mock = startMockGemini();
  const contents = (signature?: string) => ({
    contents: [
      { role: "user", parts: [{ text: "Weather?" }] },
      {
        role: "model",
        parts: [{ functionCall: { name: "get_weather", args: {} }, thoughtSignature: signature }],
      },
      {
        role: "user",
        parts: [{ functionResponse: { name: "get_weather", response: { content: "sunny" } } }],
      },
    ],
  });
  const unsigned = await post(mock, "/v1beta/models/gemini-3-flash:generateContent", contents());
  assert.equal(unsigned.status, 400);
  assert.match(
    (await unsigned.json()).error.message,
    /^Function call is missing a thought_signature/,
  );
  const signed = await post(
    mock,
    "/v1beta/models/gemini-3-flash:generateContent",
    contents("c2ln"),
  );
  assert.equal(signed.status, 200);
  const older = await post(mock, "/v1beta/models/gemini-2.5-flash:generateContent", contents());
  assert.equal(older.status, 200);
});

Deno.test("mock-reset breaks the stream after two chunks and the SDK reports it", async () => {
  await using mock = startMockGemini();
  const stream = await clientFor(mock).models.generateContentStream({
    model: "mock-reset",
    contents: "one two three four",
  });
  const texts: string[] = [];
  await assert.rejects(async () => {
    for await (const chunk of stream) texts.push(chunk.text ?? "");
  });
  assert.deepEqual(texts, ["Echo:", " one"]);
  assert.equal(mock.received.count, 1);
});

Deno.test("a client leaving a mock-slow stream is counted as aborted", async () => {
  await using mock = startMockGemini({ slowChunkMs: 5 });
  const controller = new AbortController();
  const stream = await clientFor(mock).models.generateContentStream({
    model: "mock-slow",
    contents: "Hi",
    config: { abortSignal: controller.signal },
  });
  const texts: string[] = [];
  for await (const chunk of stream) {
    texts.push(chunk.text ?? "");
    if (texts.length === 3) {
      controller.abort();
      break;
    }
  }
  assert.deepEqual(texts, ["tok0", " tok1", " tok2"]);
  await mock.aborted.wait(1);
  assert.equal(mock.aborted.count, 1);
});
