/**
 * The Anthropic door, `POST /v1/messages`: a Claude-Code-shaped request reaches Anthropic byte
 * for byte but for its optimized image; the official Anthropic SDK and the Vercel AI SDK work
 * through it unchanged; figures in headers, and in a final `squint` event only when asked.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { corpusDir, startSquint } from "../support/squint.ts";
import { probeImage } from "../../workers/image/probe.ts";

const SCREENSHOT = "web_debian_reference_gui_1920x1080.png";

function startAll(env: Record<string, string> = {}) {
  const anthropic = startMockAnthropic();
  const openai = startMockOpenAI();
  const squint = startSquint({
    SQUINT_ANTHROPIC_BASE_URL: anthropic.baseUrl,
    SQUINT_OPENAI_BASE_URL: openai.baseUrl,
    ...env,
  });
  return {
    anthropic,
    openai,
    squint,
    async [Symbol.asyncDispose]() {
      await anthropic.close();
      await openai.close();
      await squint.close();
    },
  };
}

/** A request shaped like Claude Code's: system array with cache_control, tools, a screenshot. */
function claudeCodeBody(screenshot: string) {
  return {
    model: "claude-sonnet-4-6",
    max_tokens: 1024,
    stream: true,
    system: [
      { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude." },
      {
        type: "text",
        text: "Working directory: /work/app. Use the tools to inspect the UI.",
        cache_control: { type: "ephemeral" },
      },
    ],
    tools: [{
      name: "screenshot",
      description: "Takes a screenshot of the app.",
      input_schema: { type: "object", properties: {}, required: [] },
    }],
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: "Why is the sidebar cut off? \u00e9\u2014\u4e2d" }],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Look at it first.", signature: "sig-abc" },
          { type: "tool_use", id: "toolu_01", name: "screenshot", input: {} },
        ],
      },
      {
        role: "user",
        content: [{
          type: "tool_result",
          tool_use_id: "toolu_01",
          content: [
            { type: "text", text: "Screenshot taken." },
            {
              type: "image",
              source: { type: "base64", media_type: "image/png", data: screenshot },
            },
          ],
        }, { type: "text", text: "Here it is.", cache_control: { type: "ephemeral" } }],
      },
    ],
    metadata: { user_id: "user_abc" },
    some_future_field: { kept: true },
  };
}

function screenshotBase64(): string {
  return Deno.readFileSync(`${corpusDir()}/images/${SCREENSHOT}`).toBase64();
}

Deno.test("a Claude-Code-shaped request reaches Anthropic byte for byte but for its optimized screenshot", async () => {
  await using all = startAll();
  const original = screenshotBase64();
  // Written the way a client writes it (the escapes too): compare the bytes, not the JSON.
  const sent = JSON.stringify(claudeCodeBody(original)).replace("\u00e9", "\\u00e9");
  const response = await fetch(`${all.squint.origin}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "sk-ant-client",
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "interleaved-thinking-2025-05-14",
      // The screenshot stays a picture here (its text is another test's): pixels are spliced.
      "x-squint-ocr": "off",
    },
    body: sent,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /text\/event-stream/);
  const events = await response.text();
  assert.match(events, /event: message_stop/);
  assert.doesNotMatch(events, /event: squint/, "no squint event unless asked");
  assert.ok(Number(response.headers.get("x-squint-tokens-saved")) > 0);

  const received = all.anthropic.requests[0];
  assert.equal(received.headers["anthropic-beta"], "interleaved-thinking-2025-05-14");
  assert.equal(received.headers["anthropic-version"], "2023-06-01");
  assert.equal(received.headers["x-api-key"], "sk-ant-client");
  type Source = { data: string; media_type: string };
  type Block = { content: { source: Source }[] };
  const body = received.body as { messages: { content: Block[] }[] };
  const image = body.messages[2].content[0].content[1].source;
  assert.notEqual(image.data, original, "the screenshot was optimized");
  const info = probeImage(Uint8Array.fromBase64(image.data))!;
  assert.ok(Math.max(info.width, info.height) <= 1568, `${info.width}×${info.height}`);
  // (Fewer pixels than Claude would bill, which may take more bytes: tokens are what cost.)
  // Every other byte as the client sent it.
  const placeholder = (raw: string, data: string, type: string) =>
    raw.replace(data, "<IMAGE>").replace(`"media_type":"${type}"`, '"media_type":"<TYPE>"');
  assert.equal(
    placeholder(received.raw, image.data, image.media_type),
    placeholder(sent, original, "image/png"),
  );
});

/** Posts a Messages body to squint as a client would, the picture kept a picture (OCR off). */
function postPicture(origin: string, body: unknown): Promise<Response> {
  return fetch(`${origin}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "sk-ant-client",
      "anthropic-version": "2023-06-01",
      "x-squint-ocr": "off",
    },
    body: JSON.stringify(body),
  });
}

Deno.test("an image inside a document of its own content is optimized like any image; a search result's and a text document's text are counted", async () => {
  await using all = startAll();
  const original = screenshotBase64();
  const image = {
    type: "image",
    source: { type: "base64", media_type: "image/png", data: original },
  };
  const body = {
    model: "claude-sonnet-4-6",
    max_tokens: 100,
    messages: [{
      role: "user",
      content: [
        {
          type: "document",
          source: {
            type: "content",
            content: [{ type: "text", text: "The settings page" }, image],
          },
          title: "screens",
        },
        {
          type: "search_result",
          source: "https://example.org/notes",
          title: "notes",
          content: [{ type: "text", text: "The sidebar is 240 px wide." }],
        },
        {
          type: "document",
          source: { type: "text", media_type: "text/plain", data: "Known bug." },
        },
        { type: "text", text: "Why is the sidebar cut off?" },
      ],
    }],
  };
  const response = await postPicture(all.squint.origin, body);
  assert.equal(response.status, 200);
  const answer = await response.json();
  assert.match(answer.content[0].text, /\[images: 1\]$/);
  type Received = {
    messages: { content: { source: { content: { source: { data: string } }[] } }[] }[];
  };
  const sent =
    (all.anthropic.requests[0].body as Received).messages[0].content[0].source.content[1];
  assert.notEqual(sent.source.data, original, "the document's image was optimized");
  const info = probeImage(Uint8Array.fromBase64(sent.source.data))!;
  assert.ok(Math.max(info.width, info.height) <= 1568, `${info.width}×${info.height}`);
  const before = Number(response.headers.get("x-squint-tokens-before"));
  // The search result's and the text document's words are part of what the request costs.
  const content = body.messages[0].content;
  const without = await postPicture(all.squint.origin, {
    ...body,
    messages: [{ role: "user", content: [content[0], content[3]] }],
  });
  assert.equal(without.status, 200);
  await without.body?.cancel();
  assert.ok(before > Number(without.headers.get("x-squint-tokens-before")));
});

Deno.test("the Anthropic SDK works through squint, streamed and not, with squint's figures in headers", async () => {
  await using all = startAll();
  const client = new Anthropic({
    baseURL: all.squint.origin,
    apiKey: "sk-ant-client",
    maxRetries: 0,
  });
  const request = {
    model: "claude-sonnet-4-6",
    max_tokens: 64,
    messages: [{
      role: "user" as const,
      content: [
        { type: "text" as const, text: "What is on this page?" },
        {
          type: "image" as const,
          source: {
            type: "base64" as const,
            media_type: "image/png" as const,
            data: screenshotBase64(),
          },
        },
      ],
    }],
  };
  const { data: message, response } = await client.messages.create(request).withResponse();
  assert.equal(message.type, "message");
  assert.ok(message.content.length > 0);
  assert.ok(message.usage.input_tokens > 0);
  assert.match(response.headers.get("x-request-id") ?? "", /^sq-/);
  assert.equal(response.headers.get("x-squint-model"), "claude-sonnet-4-6");

  const stream = client.messages.stream(request);
  const final = await stream.finalMessage();
  assert.equal(final.stop_reason, "end_turn");
  assert.equal(all.anthropic.requests.length, 2);
});

Deno.test("X-Squint-Stats: event adds one final squint event, which the Anthropic SDK skips", async () => {
  await using all = startAll();
  const client = new Anthropic({
    baseURL: all.squint.origin,
    apiKey: "sk-ant-client",
    maxRetries: 0,
    defaultHeaders: { "x-squint-stats": "event" },
  });
  const request = {
    model: "claude-sonnet-4-6",
    max_tokens: 32,
    stream: true,
    messages: [{ role: "user", content: "hello" }],
  };
  const raw = await fetch(`${all.squint.origin}/v1/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": "sk-ant-client",
      "anthropic-version": "2023-06-01",
      "x-squint-stats": "event",
    },
    body: JSON.stringify(request),
  });
  const text = await raw.text();
  const last = text.trim().split("\n\n").at(-1)!;
  assert.match(last, /^event: squint\ndata: /);
  const stats = JSON.parse(last.split("\ndata: ")[1]);
  assert.equal(stats.model, "claude-sonnet-4-6");
  assert.ok(stats.upstream_input_tokens > 0, "billed input from the stream's usage");
  assert.ok(text.indexOf("event: message_stop") < text.indexOf("event: squint"));

  const stream = client.messages.stream(request as never);
  const final = await stream.finalMessage();
  assert.equal(final.type, "message");
});

Deno.test("count_tokens goes to Anthropic; errors come in Anthropic's shape", async () => {
  await using all = startAll();
  const client = new Anthropic({
    baseURL: all.squint.origin,
    apiKey: "sk-ant-client",
    maxRetries: 0,
  });
  const counted = await client.messages.countTokens({
    model: "claude-sonnet-4-6",
    messages: [{ role: "user", content: "count me" }],
  });
  assert.ok(counted.input_tokens > 0);
  assert.equal(all.anthropic.requests[0].path, "/v1/messages/count_tokens");

  const bad = await fetch(`${all.squint.origin}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "k" },
    body: "{not json",
  });
  assert.equal(bad.status, 400);
  const body = await bad.json();
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "invalid_request_error");
  // An upstream error passes through as Anthropic wrote it.
  await assert.rejects(
    client.messages.create({
      model: "mock-error-429",
      max_tokens: 8,
      messages: [{ role: "user", content: "x" }],
    }),
    (e: unknown) => e instanceof Anthropic.RateLimitError,
  );
});

Deno.test("with a squint key, Anthropic gets squint's own key; a client key without a squint key is refused", async () => {
  await using all = startAll({
    SQUINT_API_KEYS: "sq-team",
    SQUINT_ANTHROPIC_API_KEY: "sk-ant-server",
  });
  const client = new Anthropic({ baseURL: all.squint.origin, apiKey: "sq-team", maxRetries: 0 });
  await client.messages.create({
    model: "claude-sonnet-4-6",
    max_tokens: 8,
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(all.anthropic.requests[0].headers["x-api-key"], "sk-ant-server");
  const stranger = new Anthropic({
    baseURL: all.squint.origin,
    apiKey: "sk-ant-own",
    maxRetries: 0,
  });
  await assert.rejects(
    stranger.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 8,
      messages: [{ role: "user", content: "hi" }],
    }),
    (e: unknown) => e instanceof Anthropic.AuthenticationError,
  );
});

Deno.test("the Vercel AI SDK works through squint's Anthropic and Chat Completions doors", async () => {
  await using all = startAll();
  const anthropic = createAnthropic({
    baseURL: `${all.squint.origin}/v1`,
    apiKey: "sk-ant-client",
  });
  const viaMessages = await generateText({
    model: anthropic("claude-sonnet-4-6"),
    prompt: "Say hello",
  });
  assert.ok(viaMessages.text.length > 0);
  assert.equal(all.anthropic.requests.at(-1)!.path, "/v1/messages");

  const openai = createOpenAI({ baseURL: all.squint.baseUrl, apiKey: "sk-client" });
  const viaChat = await generateText({ model: openai.chat("gpt-4o-mini"), prompt: "Say hello" });
  assert.ok(viaChat.text.length > 0);
  // The chat door routes claude-* to Anthropic, translated.
  const routed = streamText({ model: openai.chat("claude-sonnet-4-6"), prompt: "Say hello" });
  let streamed = "";
  for await (const piece of routed.textStream) streamed += piece;
  assert.ok(streamed.length > 0);
  assert.equal(all.anthropic.requests.length, 2);
  assert.equal(all.openai.requests.length, 1);
});

Deno.test("an image by URL is fetched, and sent as bytes once squint has rendered it for the model", async () => {
  const bytes = Deno.readFileSync(`${corpusDir()}/images/${SCREENSHOT}`);
  const images = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(bytes, { headers: { "content-type": "image/png" } }),
  );
  try {
    await using all = startAll({ SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1" });
    const url = `http://127.0.0.1:${images.addr.port}/shot.png`;
    const sent = JSON.stringify({
      model: "claude-sonnet-4-6",
      max_tokens: 16,
      messages: [{
        role: "user",
        content: [
          { type: "image", source: { type: "url", url } },
          { type: "text", text: "What does this page say?" },
        ],
      }],
    });
    const response = await fetch(`${all.squint.origin}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": "k",
        "anthropic-version": "2023-06-01",
        "x-squint-ocr": "off",
      },
      body: sent,
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    const raw = all.anthropic.requests[0].raw;
    const source = (all.anthropic.requests[0].body as {
      messages: { content: { source?: { type: string; data: string; media_type: string } }[] }[];
    }).messages[0].content[0].source!;
    assert.equal(source.type, "base64");
    const info = probeImage(Uint8Array.fromBase64(source.data))!;
    assert.ok(Math.max(info.width, info.height) <= 1568);
    const inline = JSON.stringify({
      type: "base64",
      media_type: source.media_type,
      data: source.data,
    });
    assert.equal(
      raw.replace(inline, "<SOURCE>"),
      sent.replace(JSON.stringify({ type: "url", url }), "<SOURCE>"),
    );
  } finally {
    await images.shutdown();
  }
});

Deno.test("SQUINT_PROMPT_CACHE=auto: breakpoints for Anthropic where the client set none, a routing key for OpenAI", async () => {
  await using all = startAll({ SQUINT_PROMPT_CACHE: "auto" });
  const system = `You are a careful reviewer. ${"Rules. ".repeat(700)}`;
  const headers = {
    "content-type": "application/json",
    "x-api-key": "sk-ant-client",
    "anthropic-version": "2023-06-01",
  };
  const ask = (body: unknown) =>
    fetch(`${all.squint.origin}/v1/messages`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    }).then((r) => r.json());
  await ask({
    model: "claude-sonnet-4-6",
    max_tokens: 8,
    system,
    messages: [{ role: "user", content: "hi" }],
  });
  const placed = all.anthropic.requests[0].body as { system: { cache_control?: unknown }[] };
  assert.deepEqual(placed.system.at(-1)!.cache_control, { type: "ephemeral" });
  // A client's own marker: the body goes as written.
  const own = {
    model: "claude-sonnet-4-6",
    max_tokens: 8,
    system: [{ type: "text", text: system, cache_control: { type: "ephemeral", ttl: "1h" } }],
    messages: [{ role: "user", content: "hi" }],
  };
  await ask(own);
  assert.equal(all.anthropic.requests[1].raw, JSON.stringify(own));

  // Through the chat door: the translated request gets them too; OpenAI gets a prompt_cache_key.
  const chat = (model: string) =>
    fetch(`${all.squint.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
      body: JSON.stringify({
        model,
        messages: [{ role: "system", content: system }, { role: "user", content: "hi" }],
      }),
    }).then((r) => r.json());
  await chat("claude-sonnet-4-6");
  const translated = all.anthropic.requests[2].body as { system: { cache_control?: unknown }[] };
  assert.deepEqual(translated.system.at(-1)!.cache_control, { type: "ephemeral" });
  await chat("gpt-4o-mini");
  const key = (all.openai.requests[0].body as { prompt_cache_key?: string }).prompt_cache_key;
  assert.match(key ?? "", /^[0-9a-f]{16}$/, "the tenant's key id");
});

Deno.test("server-side web searches are spent at the catalogue's price per thousand, beside the tokens", async () => {
  const message = (searches: number) => ({
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-6",
    content: [{ type: "text", text: "Debian 13 was released in August 2025." }],
    stop_reason: "end_turn",
    usage: {
      input_tokens: 1000,
      output_tokens: 100,
      server_tool_use: { web_search_requests: searches, web_fetch_requests: 1 },
    },
  });
  let searches = 0;
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json(message(searches)),
  );
  const squint = startSquint({
    SQUINT_ANTHROPIC_BASE_URL: `http://127.0.0.1:${upstream.addr.port}`,
  });
  const storage = squint.app.parts.storage;
  const spent = async (n: number) => {
    searches = n;
    const response = await fetch(`${squint.origin}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": "sk-ant-client",
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({
        model: "claude-sonnet-4-6",
        max_tokens: 200,
        messages: [{ role: "user", content: "When was Debian 13 released?" }],
        tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 5 }],
      }),
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    let row;
    while (!(row = await storage.request(response.headers.get("x-request-id")!)));
    return row.spentUsd!;
  };
  const none = await spent(0);
  const three = await spent(3);
  const perK = squint.app.parts.registry.resolve("claude-sonnet-4-6")!.prices!.webSearchPerK!;
  assert.equal(perK, 10);
  assert.ok(Math.abs(three - none - 3 * perK / 1000) < 1e-9, `${none} → ${three}`);
  await squint.close();
  await upstream.shutdown();
});
