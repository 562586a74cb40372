/**
 * The other `/v1/*` doors (`/v1/models`, `/v1/embeddings`, `/v1/completions`, anything else):
 * relayed to the upstream and back unchanged, byte for byte.
 */
import assert from "node:assert/strict";
import { type MockOpenAI, startMockOpenAI } from "../support/mock_openai.ts";
import {
  assertOpenAIError,
  FIXED_CLOCK,
  SQUINT_REQUEST_ID,
  type Stack,
  startStack,
} from "./_stack.ts";

/** A squint stack and a second fresh mock asked directly: same clock, same ids in the same order. */
interface Pair extends AsyncDisposable {
  stack: Stack;
  direct: MockOpenAI;
  /** Sends one request to both; returns both answers as status, content type and text. */
  both(path: string, init?: RequestInit): Promise<{ relayed: Answer; direct: Answer }>;
}

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  headers: Headers;
}

async function answer(response: Response): Promise<Answer> {
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
    headers: response.headers,
  };
}

function startPair(): Pair {
  const stack = startStack({ mock: { clock: FIXED_CLOCK } });
  const direct = startMockOpenAI({ clock: FIXED_CLOCK });
  return {
    stack,
    direct,
    async both(path, init = {}) {
      const headers = { authorization: "Bearer sk-client", ...init.headers };
      const expected = await answer(await fetch(`${direct.baseUrl}${path}`, { ...init, headers }));
      const relayed = await answer(
        await fetch(`${stack.squint.baseUrl}${path}`, { ...init, headers }),
      );
      return { relayed, direct: expected };
    },
    async [Symbol.asyncDispose]() {
      await direct.close();
      await stack[Symbol.asyncDispose]();
    },
  };
}

function postJson(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

function assertSameAnswer(pair: { relayed: Answer; direct: Answer }): void {
  assert.equal(pair.relayed.status, pair.direct.status);
  assert.equal(pair.relayed.contentType, pair.direct.contentType);
  assert.equal(pair.relayed.text, pair.direct.text);
  assert.match(pair.relayed.headers.get("x-request-id")!, SQUINT_REQUEST_ID);
}

Deno.test("GET /v1/models is relayed unchanged, byte for byte", async () => {
  await using pair = startPair();
  const result = await pair.both("/models");
  assertSameAnswer(result);
  assert.equal(result.relayed.status, 200);
  assert.equal(
    result.relayed.headers.get("x-upstream-request-id"),
    result.direct.headers.get("x-request-id"),
  );
  assert.deepEqual(pair.stack.mock.requests.map((r) => [r.method, r.path]), [[
    "GET",
    "/v1/models",
  ]]);

  const ids = [];
  for await (const model of pair.stack.client.models.list()) ids.push(model.id);
  assert.ok(ids.includes("gpt-4o"));
});

Deno.test("GET /v1/models/{id} keeps its path and query, and relays the upstream's 404", async () => {
  await using pair = startPair();
  assertSameAnswer(await pair.both("/models/gpt-4o?include=all"));
  const missing = await pair.both("/models/gpt-9");
  assertSameAnswer(missing);
  assert.equal(missing.relayed.status, 404);
  assert.deepEqual(pair.stack.mock.requests.map((r) => r.path), [
    "/v1/models/gpt-4o?include=all",
    "/v1/models/gpt-9",
  ]);
});

Deno.test("POST /v1/embeddings is relayed unchanged both ways", async () => {
  await using pair = startPair();
  const body = {
    model: "text-embedding-3-small",
    input: ["fjords", "glaciers"],
    dimensions: 8,
    encoding_format: "float",
    user: "user-4711",
  };
  assertSameAnswer(await pair.both("/embeddings", postJson(body)));
  assert.deepEqual(pair.stack.mock.requests[0].body, body);

  const sdk = await pair.stack.client.embeddings.create({
    model: "text-embedding-3-small",
    input: "fjords",
    dimensions: 8,
  });
  assert.equal(sdk.data[0].embedding.length, 8);
});

Deno.test("POST /v1/completions is relayed unchanged, streamed or not", async () => {
  await using pair = startPair();
  const body = { model: "gpt-3.5-turbo-instruct", prompt: "Say this is a test", max_tokens: 7 };
  assertSameAnswer(await pair.both("/completions", postJson(body)));
  const streamed = await pair.both("/completions", postJson({ ...body, stream: true }));
  assertSameAnswer(streamed);
  assert.match(streamed.relayed.contentType!, /^text\/event-stream/);
  assert.deepEqual(pair.stack.mock.requests.map((r) => r.body), [body, { ...body, stream: true }]);
});

Deno.test("any other /v1 path goes to the upstream, which answers it", async () => {
  await using pair = startPair();
  const result = await pair.both("/files", postJson({ purpose: "batch" }));
  assertSameAnswer(result);
  assert.equal(result.relayed.status, 404);
  assert.deepEqual(pair.stack.mock.requests.map((r) => [r.method, r.path]), [[
    "POST",
    "/v1/files",
  ]]);
});

/** A JSON body of about `mb` megabytes, streamed without a declared length. */
function chunkedBody(mb: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const piece = encoder.encode("x".repeat(64 * 1024));
  const pieces = Math.ceil((mb * 2 ** 20) / piece.byteLength);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(encoder.encode('{"model":"text-embedding-3-small","input":"'));
      }
      if (sent === pieces) {
        controller.enqueue(encoder.encode('"}'));
        return controller.close();
      }
      sent++;
      controller.enqueue(piece);
    },
  });
}

Deno.test("a pass-through body declared over SQUINT_MAX_BODY_MB is refused with 413", async () => {
  await using stack = startStack({ env: { SQUINT_MAX_BODY_MB: "1" } });
  const response = await stack.post("/embeddings", {
    model: "text-embedding-3-small",
    input: "x".repeat(1_200_000),
  });
  await assertOpenAIError(response, 413, {
    type: "invalid_request_error",
    code: "request_too_large",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a pass-through body streamed without a length over SQUINT_MAX_BODY_MB is refused with 413", async () => {
  await using stack = startStack({ env: { SQUINT_MAX_BODY_MB: "1" } });
  const response = await fetch(`${stack.squint.baseUrl}/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
    body: chunkedBody(1.5),
  });
  const text = await response.text();
  assert.equal(response.status, 413, `got ${response.status}: ${text.slice(0, 200)}`);
  assert.equal(JSON.parse(text).error.code, "request_too_large");
  assert.equal(stack.mock.received.count, 0, "the upstream never got the oversized body");
});

Deno.test("a WebSocket upgrade on a passthrough path (the Realtime API) is refused with 501 naming the one path that takes one", async () => {
  await using stack = startStack({});
  const response = await fetch(`${stack.squint.baseUrl}/realtime?model=gpt-realtime`, {
    headers: {
      authorization: "Bearer sk-client",
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
    },
  });
  const body = await assertOpenAIError(response, 501, {
    type: "invalid_request_error",
    code: "websocket_not_relayed",
  });
  assert.match(body.error.message, /\/v1\/realtime.*GET \/v1\/responses/);
  assert.equal(stack.mock.received.count, 0, "nothing went upstream as plain HTTP");
});

Deno.test("reading back what exists spends nothing: a retrieved completion or response is not counted again, a background response once, when first seen finished", async () => {
  const usage = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 };
  const response = (id: string, background: boolean) => ({
    id,
    object: "response",
    model: "gpt-4o",
    status: "completed",
    background,
    usage: { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 },
  });
  // An upstream that answers retrievals of objects made earlier, and one new completion.
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/v1/completions") {
      return Response.json({ id: "cmpl-1", object: "text_completion", model: "gpt-4o", usage });
    }
    if (path === "/v1/chat/completions/chatcmpl-1") {
      return Response.json({ id: "chatcmpl-1", object: "chat.completion", model: "gpt-4o", usage });
    }
    if (path.startsWith("/v1/responses/resp_bg")) return Response.json(response("resp_bg", true));
    if (path === "/v1/responses/resp_fg") return Response.json(response("resp_fg", false));
    return new Response("{}", { status: 404 });
  });
  await using stack = startStack({
    env: { SQUINT_OPENAI_BASE_URL: `http://127.0.0.1:${upstream.addr.port}/v1` },
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const answer = await fetch(`${stack.squint.baseUrl}${path}`, {
      method,
      headers: { authorization: "Bearer sk-client", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.equal(answer.status, 200, path);
    await answer.body?.cancel();
    return answer.headers.get("x-request-id")!;
  };
  const created = await call("POST", "/completions", { model: "gpt-4o", prompt: "Hello" });
  await call("GET", "/chat/completions/chatcmpl-1");
  await call("GET", "/chat/completions/chatcmpl-1");
  await call("GET", "/responses/resp_fg");
  const firstSeen = await call("GET", "/responses/resp_bg");
  await call("GET", "/responses/resp_bg");
  await call("POST", "/responses/resp_bg/cancel");
  const storage = stack.squint.app.parts.storage;
  let one;
  while (!(one = await storage.request(created)) || !(await storage.request(firstSeen)));
  await storage.flush();
  const { totals } = await storage.usage({});
  assert.equal(totals.requests, 7);
  // The new completion, and the background response once: nothing else was spent.
  assert.ok(one.costAfterUsd! > 0);
  assert.equal(totals.cost_after_usd, 2 * one.costAfterUsd!);
  assert.equal((await storage.request(firstSeen))!.costAfterUsd, one.costAfterUsd);
  await upstream.shutdown();
});

Deno.test("a background response streamed through the Responses door is counted there, and not again when read back", async () => {
  const response = {
    id: "resp_bgs",
    object: "response",
    model: "gpt-4o",
    status: "completed",
    background: true,
    usage: { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 },
  };
  const sse = (type: string, body: Record<string, unknown>, n: number) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n, ...body })}\n\n`;
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (request.method === "POST" && path === "/v1/responses") {
      const created = { ...response, status: "in_progress", usage: null };
      return new Response(
        sse("response.created", { response: created }, 0) +
          sse("response.completed", { response }, 1),
        { headers: { "content-type": "text/event-stream" } },
      );
    }
    if (path === "/v1/responses/resp_bgs") return Response.json(response);
    return new Response("{}", { status: 404 });
  });
  await using stack = startStack({
    env: { SQUINT_OPENAI_BASE_URL: `http://127.0.0.1:${upstream.addr.port}/v1` },
  });
  const headers = { authorization: "Bearer sk-client", "content-type": "application/json" };
  const streamed = await fetch(`${stack.squint.baseUrl}/responses`, {
    method: "POST",
    headers,
    body: JSON.stringify({ model: "gpt-4o", input: "Hello", background: true, stream: true }),
  });
  assert.match(await streamed.text(), /response\.completed/);
  const storage = stack.squint.app.parts.storage;
  let made;
  while (!(made = await storage.request(streamed.headers.get("x-request-id")!)));
  const readBack = await fetch(`${stack.squint.baseUrl}/responses/resp_bgs`, { headers });
  assert.equal(readBack.status, 200);
  await readBack.body?.cancel();
  let read;
  while (!(read = await storage.request(readBack.headers.get("x-request-id")!)));
  assert.ok(made.spentUsd! > 0);
  assert.equal(read.spentUsd, 0, "the read-back counts nothing");
  await storage.flush();
  assert.equal((await storage.usage({})).totals.spent_usd, made.spentUsd);
  await upstream.shutdown();
});

Deno.test("a pass-through answer too large to read whole (a 6 MB embeddings batch) is counted from its usage, and reaches the client intact", async () => {
  await using stack = startStack({});
  const input = Array.from({ length: 100 }, (_, i) => `passage ${i} of a long batch`);
  const response = await stack.post("/embeddings", {
    model: "text-embedding-3-large",
    input,
    dimensions: 3072,
  });
  const text = await response.text();
  assert.equal(response.status, 200);
  assert.ok(text.length > 5 * 2 ** 20, `${text.length} bytes`);
  const answered = JSON.parse(text);
  assert.equal(answered.data.length, 100);
  assert.ok(answered.usage.prompt_tokens > 0);
  const storage = stack.squint.app.parts.storage;
  const id = response.headers.get("x-request-id")!;
  let row;
  while (!(row = await storage.request(id)));
  assert.deepEqual([row.modelCalled, row.upstreamInputTokens, row.outcome], [
    "text-embedding-3-large",
    answered.usage.prompt_tokens,
    "passthrough",
  ]);
  assert.ok(row.costAfterUsd! > 0);
});

Deno.test("a streamed pass-through answer is counted from the usage its events carry", async () => {
  await using stack = startStack({});
  const response = await stack.post("/completions", {
    model: "gpt-3.5-turbo-instruct",
    prompt: "Say hello to the whole world",
    stream: true,
    stream_options: { include_usage: true },
  });
  const text = await response.text();
  assert.equal(response.status, 200);
  const events = text.split("\n\n").filter((e) => e.startsWith("data: {"))
    .map((e) => JSON.parse(e.slice(6)));
  const usage = events.at(-1).usage;
  assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
  const storage = stack.squint.app.parts.storage;
  const id = response.headers.get("x-request-id")!;
  let row;
  while (!(row = await storage.request(id)));
  assert.deepEqual(
    [row.modelCalled, row.upstreamInputTokens, row.upstreamOutputTokens, row.stream],
    ["gpt-3.5-turbo-instruct", usage.prompt_tokens, usage.completion_tokens, true],
  );
  assert.ok(row.costAfterUsd! > 0);
});

Deno.test("a pass-through answer whose usage is in input and output tokens (image generation, transcription) is counted", async () => {
  // gpt-image-1's answer as OpenAI documents it (the picture itself cut short).
  const image = {
    created: 1713833628,
    data: [{ b64_json: "iVBORw0KGgo=" }],
    usage: {
      total_tokens: 4210,
      input_tokens: 50,
      output_tokens: 4160,
      input_tokens_details: { text_tokens: 50, image_tokens: 0 },
    },
  };
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json(image),
  );
  await using stack = startStack({
    env: { SQUINT_OPENAI_BASE_URL: `http://127.0.0.1:${upstream.addr.port}/v1` },
  });
  const response = await stack.post("/images/generations", {
    model: "gpt-image-1",
    prompt: "A lighthouse at dusk",
  });
  assert.deepEqual(await response.json(), image);
  const storage = stack.squint.app.parts.storage;
  const id = response.headers.get("x-request-id")!;
  let row;
  while (!(row = await storage.request(id)));
  assert.deepEqual([row.upstreamInputTokens, row.upstreamOutputTokens], [50, 4160]);
  await upstream.shutdown();
});
