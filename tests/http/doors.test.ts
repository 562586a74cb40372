/**
 * Every door is squint: the native doors (Anthropic Messages, OpenAI Responses) get what the chat
 * door has — every image site planned and counted (tool outputs and screenshots included), retries
 * and fallbacks, the cache and de-duplication, the `squint` body object, the query string kept —
 * and a path squint does not handle goes to the provider whose API it is, with that provider's
 * credential only.
 */
import assert from "node:assert/strict";
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { startMockOllama } from "../support/mock_ollama.ts";
import { corpusDataUrl, startSquint } from "../support/squint.ts";
import { startDoors as startAll } from "./_doors.ts";
import { probeImage } from "../../workers/image/probe.ts";

const PHOTO = "photo_boats_sunset_2560x1600.jpg";
const SCREENSHOT = "web_debian_reference_gui_1920x1080.png";

/** The pixels of a base64 image or data URL. */
function sizeOf(data: string): { width: number; height: number } {
  const info = probeImage(Uint8Array.fromBase64(data.slice(data.indexOf(",") + 1)))!;
  return { width: info.width, height: info.height };
}

const base64Of = (file: string) => corpusDataUrl(file).split(",")[1];

/**
 * A Claude-Code-like Messages turn: the user asks, the model calls a tool, its `tool_result`
 * carries `before` blocks then the picture, and `after` follows the result in the same turn.
 */
function toolResultTurn(
  question: string,
  source: Record<string, string>,
  before: unknown[] = [],
  after: unknown[] = [],
) {
  return {
    model: "claude-sonnet-4-6",
    max_tokens: 100,
    messages: [
      { role: "user", content: question },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_1", name: "Read", input: { file_path: "p.png" } }],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_1",
            content: [...before, { type: "image", source }],
          },
          ...after,
        ],
      },
    ],
  };
}

/** A Codex-like Responses turn: the model called `view_image`, its output carries the picture. */
function viewImageTurn(output: unknown, extra: Record<string, unknown> = {}) {
  return {
    model: "gpt-4o",
    store: false,
    input: [
      { role: "user", content: [{ type: "input_text", text: "Describe the photo in detail." }] },
      {
        type: "function_call",
        call_id: "call_1",
        name: "view_image",
        arguments: '{"path":"photo.jpg"}',
      },
      { type: "function_call_output", call_id: "call_1", output },
    ],
    ...extra,
  };
}

Deno.test("an image in a Responses function_call_output is optimized and counted", async () => {
  await using it = startAll();
  const response = await it.post(
    "/v1/responses",
    viewImageTurn([{ type: "input_image", image_url: corpusDataUrl(PHOTO) }]),
  );
  assert.equal(response.status, 200);
  await response.json();
  // 2560×1600 at gpt-4o's high detail: 1229×768, 6 tiles: 85 + 6·170 = 1105 image tokens.
  assert.ok(Number(response.headers.get("x-squint-tokens-before")) > 1105);
  const sent = it.openai.requests[0].body as { input: { output?: { image_url: string }[] }[] };
  const seen = sizeOf(sent.input[2].output![0].image_url);
  assert.ok(Math.min(seen.width, seen.height) <= 768, `${seen.width}×${seen.height}`);
});

Deno.test("a computer_call_output screenshot is optimized and no detail field is added", async () => {
  await using it = startAll();
  const body = {
    model: "gpt-4o",
    store: false,
    input: [
      { role: "user", content: "Click the search box." },
      {
        type: "computer_call_output",
        call_id: "call_2",
        output: { type: "computer_screenshot", image_url: corpusDataUrl(PHOTO) },
      },
    ],
  };
  const response = await it.post("/v1/responses", body);
  assert.equal(response.status, 200);
  await response.body?.cancel();
  const sent = it.openai.requests[0].body as {
    input: { output?: Record<string, string> }[];
  };
  const output = sent.input[1].output!;
  assert.deepEqual(Object.keys(output).sort(), ["image_url", "type"]);
  assert.ok(output.image_url.length < corpusDataUrl(PHOTO).length);
});

Deno.test("/v1/optimize takes any door's body and names each image's JSON pointer", async () => {
  await using it = startAll();
  const messages = toolResultTurn("Look at the screen.", {
    type: "base64",
    media_type: "image/png",
    data: base64Of(SCREENSHOT),
  }, [{ type: "text", text: "Here it is." }]);
  // Pixels kept (its text is another test's), so the block's new data can be read back.
  const planned = await (await it.post("/v1/optimize", messages, { "x-squint-ocr": "off" }))
    .json();
  assert.equal(planned.door, "messages");
  assert.deepEqual(planned.images.map((i: { path: string }) => i.path), [
    "/messages/2/content/0/content/1",
  ]);
  assert.ok(planned.request.messages[2].content[0].content[1].source.data.length > 0);

  const responses = await (await it.post("/v1/optimize", {
    door: "responses",
    ...viewImageTurn([{ type: "input_image", image_url: corpusDataUrl(PHOTO) }]),
  })).json();
  assert.equal(responses.door, "responses");
  assert.deepEqual(responses.images.map((i: { path: string }) => i.path), ["/input/2/output/0"]);
  assert.equal(responses.request.door, undefined);

  const chat = await (await it.post("/v1/optimize", {
    model: "gpt-4o",
    messages: [{
      role: "user",
      content: [{ type: "text", text: "What is this?" }, {
        type: "image_url",
        image_url: { url: corpusDataUrl(PHOTO) },
      }],
    }],
  })).json();
  assert.equal(chat.door, "chat_completions");
  assert.deepEqual(chat.images.map((i: { path: string }) => i.path), ["/messages/0/content/1"]);
});

Deno.test("the Messages and Responses doors retry an upstream 500", async () => {
  await using it = startAll();
  const messages = await it.post("/v1/messages", {
    model: "mock-fail-1-500",
    max_tokens: 50,
    messages: [{ role: "user", content: "Hello" }],
  }, { "x-api-key": "sk-ant-own", authorization: "" });
  assert.equal(messages.status, 200);
  assert.equal((await messages.json()).type, "message");
  assert.equal(it.anthropic.requests.length, 2);

  const responses = await it.post("/v1/responses", {
    model: "mock-fail-1-503",
    input: "Hello",
  });
  assert.equal(responses.status, 200);
  assert.equal((await responses.json()).object, "response");
  assert.equal(it.openai.requests.length, 2);
});

Deno.test("a Messages request falls back to another model Anthropic serves", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(
    file,
    JSON.stringify({ fallbacks: { "mock-error-529": ["gpt-4o", "claude-haiku-4-5"] } }),
  );
  await using it = startAll({ SQUINT_CONFIG: file });
  const response = await it.post("/v1/messages", {
    model: "mock-error-529",
    max_tokens: 50,
    messages: [{ role: "user", content: "Hello" }],
  });
  assert.equal(response.status, 200);
  await response.json();
  // gpt-4o is not served by the Messages API: skipped, never sent to OpenAI.
  assert.equal(it.openai.requests.length, 0);
  assert.equal((it.anthropic.requests.at(-1)!.body as { model: string }).model, "claude-haiku-4-5");
  await Deno.remove(file);
});

Deno.test("the query string reaches the upstream on every door", async () => {
  await using it = startAll();
  const messages = await it.post("/v1/messages?beta=true", {
    model: "claude-sonnet-4-6",
    max_tokens: 50,
    messages: [{ role: "user", content: "Hello" }],
  });
  await messages.json();
  assert.equal(it.anthropic.requests[0].path, "/v1/messages?beta=true");
  const responses = await it.post("/v1/responses?trace=1", { model: "gpt-4o", input: "Hello" });
  await responses.json();
  assert.equal(it.openai.requests[0].path, "/v1/responses?trace=1");
  // Azure OpenAI needs its api-version on every call, the chat door's included.
  const chat = await it.post("/v1/chat/completions?api-version=2024-10-21", {
    model: "gpt-4o",
    messages: [{ role: "user", content: "Hello" }],
  });
  await chat.json();
  assert.equal(it.openai.requests[1].path, "/v1/chat/completions?api-version=2024-10-21");
  // Translated to another API, the call is squint's own: the OpenAI query does not apply there.
  const translated = await it.post("/v1/chat/completions?api-version=2024-10-21", {
    model: "claude-sonnet-4-6",
    messages: [{ role: "user", content: "Hello" }],
  });
  await translated.json();
  assert.equal(it.anthropic.requests[1].path, "/v1/messages");
});

Deno.test("a Messages answer is served from the cache, a stored Responses one is not", async () => {
  await using it = startAll({ SQUINT_CACHE: "on" });
  const body = {
    model: "claude-sonnet-4-6",
    max_tokens: 50,
    temperature: 0,
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is in this photo?" },
        {
          type: "image",
          source: { type: "base64", media_type: "image/jpeg", data: base64Of(PHOTO) },
        },
      ],
    }],
  };
  const first = await it.post("/v1/messages", body);
  const firstText = await first.text();
  assert.equal(first.headers.get("x-squint-cache-status"), "miss");
  const second = await it.post("/v1/messages", body);
  assert.equal(await second.text(), firstText);
  assert.equal(second.headers.get("x-squint-cache-status"), "hit");
  assert.equal(it.anthropic.requests.length, 1);
  // Another sampling parameter is another key.
  const third = await it.post("/v1/messages", { ...body, max_tokens: 51 });
  await third.text();
  assert.equal(third.headers.get("x-squint-cache-status"), "miss");

  const stored = { model: "gpt-4o", temperature: 0, input: "Hello" };
  for (let i = 0; i < 2; i++) await (await it.post("/v1/responses", stored)).text();
  assert.equal(it.openai.requests.length, 2);
  const unstored = { ...stored, store: false };
  for (let i = 0; i < 2; i++) await (await it.post("/v1/responses", unstored)).text();
  assert.equal(it.openai.requests.length, 3);
});

/** The cache status of one request through `it`, its answer read to the end. */
async function cacheStatus(
  it: { post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response> },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<string | null> {
  const response = await it.post(path, body, headers);
  await response.text();
  return response.headers.get("x-squint-cache-status");
}

Deno.test("no hit across the headers and query that change an answer: anthropic-beta, anthropic-version, openai-beta, the query string", async () => {
  await using it = startAll({ SQUINT_CACHE: "on" });
  const ask = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    cacheStatus(it, path, body, headers);
  const messages = {
    model: "claude-sonnet-4-6",
    max_tokens: 50,
    temperature: 0,
    messages: [{ role: "user", content: "Hello" }],
  };
  const chat = { model: "gpt-4o", temperature: 0, messages: [{ role: "user", content: "Hello" }] };
  const translated = { ...chat, model: "claude-sonnet-4-6" };
  const thinking = { "anthropic-beta": "interleaved-thinking-2025-05-14" };
  const cases: [string, string, unknown, Record<string, string>][] = [
    ["messages", "/v1/messages", messages, {}],
    ["messages, a beta", "/v1/messages", messages, thinking],
    ["messages, two betas", "/v1/messages", messages, {
      "anthropic-beta": "interleaved-thinking-2025-05-14,context-1m-2025-08-07",
    }],
    ["messages, another version", "/v1/messages", messages, { "anthropic-version": "2024-01-01" }],
    ["messages, a query", "/v1/messages?beta=true", messages, {}],
    ["chat", "/v1/chat/completions", chat, {}],
    ["chat, a query", "/v1/chat/completions?api-version=2024-10-21", chat, {}],
    ["chat, openai-beta", "/v1/chat/completions", chat, { "openai-beta": "assistants=v2" }],
    ["chat to Anthropic", "/v1/chat/completions", translated, {}],
    ["chat to Anthropic, a beta", "/v1/chat/completions", translated, thinking],
  ];
  for (const [name, path, body, headers] of cases) {
    assert.equal(await ask(path, body, headers), "miss", name);
  }
  // Each is its own key, and each is found again; betas in another order are the same set.
  for (const [name, path, body, headers] of cases) {
    assert.equal(await ask(path, body, headers), "hit", name);
  }
  const reordered = {
    "anthropic-beta": " context-1m-2025-08-07 , interleaved-thinking-2025-05-14",
  };
  assert.equal(await ask("/v1/messages", messages, reordered), "hit");
});

Deno.test("an answer from the live world is never kept: web search, a container, MCP servers, Gemini's grounding", async () => {
  await using it = startAll({ SQUINT_CACHE: "on" });
  const status = (path: string, body: unknown) => cacheStatus(it, path, body);
  const messages = {
    model: "claude-sonnet-4-6",
    max_tokens: 50,
    temperature: 0,
    messages: [{ role: "user", content: "What changed in Debian today?" }],
  };
  const chat = { model: "gpt-4o", temperature: 0, messages: messages.messages };
  const live: [string, string, unknown][] = [
    ["messages, web search", "/v1/messages", {
      ...messages,
      tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }],
    }],
    ["messages, a container", "/v1/messages", { ...messages, container: "container_abc" }],
    ["messages, MCP servers", "/v1/messages", {
      ...messages,
      mcp_servers: [{ type: "url", url: "https://mcp.example.org/sse", name: "debian" }],
    }],
    ["chat, web search", "/v1/chat/completions", { ...chat, web_search_options: {} }],
    ["responses, file search", "/v1/responses", {
      model: "gpt-4o",
      temperature: 0,
      store: false,
      input: "What changed?",
      tools: [{ type: "file_search", vector_store_ids: ["vs_1"] }],
    }],
  ];
  for (const [name, path, body] of live) {
    assert.equal(await status(path, body), "bypass", name);
    assert.equal(await status(path, body), "bypass", `${name}, again`);
  }
  // The same body without its live tool is kept and found again.
  assert.equal(await status("/v1/messages", messages), "miss");
  assert.equal(await status("/v1/messages", messages), "hit");
});

Deno.test("identical concurrent Messages requests share one upstream call", async () => {
  const gate = Promise.withResolvers<void>();
  const anthropic = startMockAnthropic({ gate: gate.promise });
  const squint = startSquint({ SQUINT_ANTHROPIC_BASE_URL: anthropic.baseUrl });
  let boarded = 0;
  const all = new Promise<void>((resolve) =>
    squint.app.parts.flights.addEventListener("board", () => ++boarded === 5 && resolve())
  );
  const body = JSON.stringify({
    model: "claude-sonnet-4-6",
    max_tokens: 50,
    temperature: 0,
    messages: [{ role: "user", content: "Hello" }],
  });
  const answers = Array.from({ length: 5 }, () =>
    fetch(`${squint.origin}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": "sk-ant-own",
        "anthropic-version": "2023-06-01",
      },
      body,
    }).then(async (r) => ({
      cache: r.headers.get("x-squint-cache-status"),
      text: await r.text(),
    })));
  await all;
  gate.resolve();
  const got = await Promise.all(answers);
  assert.equal(anthropic.requests.length, 1);
  assert.equal(new Set(got.map((g) => g.text)).size, 1);
  assert.deepEqual(got.map((g) => g.cache).sort(), ["bypass", "hit", "hit", "hit", "hit"]);
  await squint.close();
  await anthropic.close();
});

Deno.test("the squint body object is honoured and removed at the native doors", async () => {
  await using it = startAll();
  const response = await it.post("/v1/messages", {
    model: "claude-sonnet-4-6",
    max_tokens: 50,
    squint: { optimize: "off" },
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "What is in this photo?" },
        {
          type: "image",
          source: { type: "base64", media_type: "image/jpeg", data: base64Of(PHOTO) },
        },
      ],
    }],
  });
  await response.json();
  const sent = it.anthropic.requests[0].body as Record<string, unknown>;
  assert.equal(sent.squint, undefined);
  assert.ok(it.anthropic.requests[0].raw.includes(base64Of(PHOTO)));
  const bad = await it.post("/v1/responses", { model: "gpt-4o", input: "Hi", squint: { opt: 1 } });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.code, "invalid_squint_control");
});

Deno.test("a passthrough request goes to the provider whose API it speaks, with its credential only", async () => {
  await using it = startAll();
  const get = (path: string, headers: Record<string, string>) =>
    fetch(`${it.squint.origin}${path}`, { headers }).then((r) => r.body?.cancel());
  await get("/v1/models", { "x-api-key": "sk-ant-own", "anthropic-version": "2023-06-01" });
  await get("/v1/models", { authorization: "Bearer sk-openai-own" });
  await get("/v1beta/models", { "x-goog-api-key": "goog-own" });
  await get("/v1beta/models?key=goog-query&pageSize=5", {});

  assert.deepEqual(it.anthropic.requests.map((r) => [r.path, r.headers["x-api-key"]]), [
    ["/v1/models", "sk-ant-own"],
  ]);
  assert.equal(it.anthropic.requests[0].headers.authorization, undefined);
  assert.deepEqual(it.openai.requests.map((r) => [r.path, r.headers.authorization]), [
    ["/v1/models", "Bearer sk-openai-own"],
  ]);
  assert.equal(it.openai.requests[0].headers["x-api-key"], undefined);
  const google = it.gemini.requests.map((r) => [r.path, r.query, r.headers["x-goog-api-key"]]);
  assert.deepEqual(google, [
    ["/v1beta/models", {}, "goog-own"],
    ["/v1beta/models", { pageSize: "5" }, "goog-query"],
  ]);
});

Deno.test("Ollama is called without a credential when the client holds a squint key", async () => {
  const ollama = startMockOllama();
  const squint = startSquint({
    SQUINT_API_KEYS: "sq-test",
    SQUINT_OPENAI_API_KEY: "sk-server",
    SQUINT_OLLAMA_BASE_URL: ollama.origin,
  });
  const response = await fetch(`${squint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sq-test" },
    body: JSON.stringify({ model: "ollama/llava:7b", messages: [{ role: "user", content: "Hi" }] }),
  });
  assert.equal(response.status, 200);
  await response.json();
  assert.equal(ollama.requests[0].headers.authorization, undefined);
  await squint.close();
  await ollama.close();
});

Deno.test("bodies nested too deep are 400 nesting_too_deep in each door's shape", async () => {
  await using it = startAll();
  const deep = "[".repeat(10_000) + "]".repeat(10_000);
  const cases: [string, string, (json: Record<string, unknown>) => unknown][] = [
    ["/v1/chat/completions", `{"model":"gpt-4o","messages":[],"x":${deep}}`, (j) => j.error],
    ["/v1/messages", `{"model":"claude-sonnet-4-6","messages":[],"x":${deep}}`, (j) => j.error],
    ["/v1/responses", `{"model":"gpt-4o","input":"hi","x":${deep}}`, (j) => j.error],
    ["/v1/optimize", `{"model":"gpt-4o","messages":${deep}}`, (j) => j.error],
  ];
  for (const [path, body, error] of cases) {
    const response = await it.post(path, body);
    assert.equal(response.status, 400, path);
    const json = await response.json();
    assert.ok(error(json), path);
    if (path !== "/v1/messages") assert.equal(json.error.code, "nesting_too_deep", path);
    else assert.equal(json.type, "error");
  }
});

Deno.test("a model name that is not printable or too long is 400 before any header is made", async () => {
  await using it = startAll();
  for (const model of ["gpt-4o\u0001", "gpt-4o\u2028", "模型", "x".repeat(100_000), ""]) {
    for (
      const [path, body] of [
        ["/v1/chat/completions", { model, messages: [{ role: "user", content: "Hi" }] }],
        ["/v1/messages", { model, max_tokens: 5, messages: [{ role: "user", content: "Hi" }] }],
        ["/v1/responses", { model, input: "Hi" }],
      ] as const
    ) {
      const response = await it.post(path, body);
      assert.equal(response.status, 400, `${path} ${model.slice(0, 10)}`);
      const json = await response.json();
      assert.match(JSON.stringify(json), /model/);
    }
  }
  assert.equal(it.openai.requests.length + it.anthropic.requests.length, 0);
});

Deno.test("an upstream reset in the middle of a Messages answer is a 502", async () => {
  await using it = startAll();
  const response = await it.post("/v1/messages", {
    model: "mock-reset",
    max_tokens: 50,
    messages: [{ role: "user", content: "Hello" }],
  });
  assert.equal(response.status, 502);
  const json = await response.json();
  assert.equal(json.type, "error");
});

Deno.test("a page in a Messages tool_result goes as its text in the image block's place", async () => {
  await using it = startAll();
  // A slide of a few lines: its text is far cheaper than Claude's 1,452 tokens of pixels.
  const page = "doc_slide_sparse_text_p2_150dpi.png";
  const body = toolResultTurn(
    "Read the page and summarize this.",
    { type: "base64", media_type: "image/png", data: base64Of(page) },
    [],
    [{ type: "text", text: "Summarize this." }],
  );
  const response = await it.post("/v1/messages", body);
  assert.equal(response.status, 200);
  await response.json();
  assert.ok(
    Number(response.headers.get("x-squint-tokens-after")) <
      Number(response.headers.get("x-squint-tokens-before")),
  );
  const sent = it.anthropic.requests[0].body as {
    messages: { content: { type: string; content?: { type: string; text?: string }[] }[] }[];
  };
  const result = sent.messages[2].content[0];
  assert.equal(result.type, "tool_result");
  assert.deepEqual(result.content!.map((b) => b.type), ["text"]);
  assert.match(result.content![0].text!, /General document information/);
});

Deno.test("a page in a Responses tool output goes as input_text in the image's place", async () => {
  await using it = startAll();
  const page = "doc_slide_sparse_text_p2_150dpi.png";
  const body = viewImageTurn([{ type: "input_image", image_url: corpusDataUrl(page) }]);
  (body.input[0] as { content: { text: string }[] }).content[0].text = "Summarize this page.";
  const response = await it.post("/v1/responses", { ...body, model: "gpt-4.1-mini" });
  assert.equal(response.status, 200);
  await response.json();
  const sent = it.openai.requests[0].body as { input: { output?: Record<string, string>[] }[] };
  const output = sent.input[2].output!;
  assert.deepEqual(output.map((p) => p.type), ["input_text"]);
  assert.match(output[0].text, /General document information/);
});
