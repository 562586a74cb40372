/**
 * Errors at the OpenAI-shaped doors: squint's own in OpenAI's error shape with the right status,
 * the upstream's relayed with their status and body unchanged, and the SDK raising them as
 * APIError subclasses.
 */
import assert from "node:assert/strict";
import {
  APIError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  UnprocessableEntityError,
} from "openai";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { fixtureDataUrl, imageMessage } from "./_images.ts";
import { assertOpenAIError, closedPort, SQUINT_REQUEST_ID, startStack } from "./_stack.ts";

const HELLO = [{ role: "user" as const, content: "hello" }];

/** The status, headers and exact body bytes a fresh mock answers `model` with. */
async function directAnswer(
  model: string,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; headers: Headers; body: string }> {
  await using direct = startMockOpenAI();
  const response = await fetch(`${direct.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
    body: JSON.stringify({ model, messages: HELLO, ...extra }),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Asserts that `promise` rejects with an APIError of `type` and `status`; returns it. */
async function sdkError<T extends APIError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
  status: number,
): Promise<T> {
  let caught: unknown;
  await assert.rejects(promise, (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof type, `expected ${type.name}, got ${caught}`);
  assert.equal((caught as APIError).status, status);
  return caught as T;
}

Deno.test("a body that is not JSON is refused with 400 before reaching the upstream", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", '{"model": "gpt-4o", "messages": [');
  const body = await assertOpenAIError(response, 400, {
    type: "invalid_request_error",
    code: null,
    param: null,
  });
  assert.match(body.error.message, /not valid JSON/);
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a large body that is not JSON (parsed off the main thread) is refused with 400 too", async () => {
  await using stack = startStack();
  const image = fixtureDataUrl("bomb_30000x30000.png", "image/png");
  const broken = JSON.stringify({
    model: "gpt-4o",
    messages: [imageMessage("x".repeat(300_000), [image])],
  }).slice(0, -1);
  const response = await stack.post("/chat/completions", broken);
  const body = await assertOpenAIError(response, 400, { type: "invalid_request_error" });
  assert.match(body.error.message, /not valid JSON/);
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a JSON body that is not an object is refused with 400", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", [{ model: "gpt-4o" }]);
  await assertOpenAIError(response, 400, { type: "invalid_request_error" });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a request without a model is refused with 400 naming the model parameter", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", { messages: HELLO });
  await assertOpenAIError(response, 400, { type: "invalid_request_error", param: "model" });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("each field squint reads is checked in order and refused with 400 naming it", async () => {
  await using stack = startStack();
  const cases: [Record<string, unknown>, string, string][] = [
    [{ model: 4, messages: "x" }, "model", "model: required string"],
    [{ model: "gpt-4o", messages: {} }, "messages", "messages: required array"],
    [{ model: "gpt-4o", messages: HELLO, stream: "yes" }, "stream", "stream: must be a boolean"],
    [
      { model: "gpt-4o", messages: HELLO, stream_options: [] },
      "stream_options",
      "stream_options: must be an object",
    ],
    [
      { model: "gpt-4o", messages: [...HELLO, "hello"] },
      "messages.1",
      "messages[]: each message must be an object",
    ],
    [
      { model: "gpt-4o", messages: [...HELLO, { content: "hi" }] },
      "messages.1.role",
      "messages[].role: required string",
    ],
  ];
  for (const [body, param, message] of cases) {
    const response = await stack.post("/chat/completions", body);
    const error = await assertOpenAIError(response, 400, { type: "invalid_request_error", param });
    assert.equal(error.error.message, message);
  }
  const fine = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: HELLO,
    stream: null,
    stream_options: null,
  });
  assert.equal(fine.status, 200);
  await fine.body?.cancel();
  assert.equal(stack.mock.received.count, 1);
});

Deno.test("the SDK raises BadRequestError for a request without messages", async () => {
  await using stack = startStack();
  const error = await sdkError(
    stack.client.chat.completions.create(
      { model: "gpt-4o" } as Parameters<typeof stack.client.chat.completions.create>[0],
    ),
    BadRequestError,
    400,
  );
  assert.equal(error.param, "messages");
  assert.equal(error.type, "invalid_request_error");
  assert.match(error.requestID!, SQUINT_REQUEST_ID);
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a bad value of a squint control in the body is refused with 400 naming it", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: HELLO,
    squint: { fidelity: "extreme" },
  });
  await assertOpenAIError(response, 400, {
    type: "invalid_request_error",
    code: "invalid_squint_control",
    param: "squint.fidelity",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("an unknown squint control is refused with 400 rather than silently ignored", async () => {
  await using stack = startStack();
  // A name every object inherits (`constructor`) is as unknown as a misspelt one.
  for (const name of ["fidelty", "constructor"]) {
    const response = await stack.post("/chat/completions", {
      model: "gpt-4o",
      messages: HELLO,
      squint: { [name]: "lossless" },
    });
    await assertOpenAIError(response, 400, {
      type: "invalid_request_error",
      code: "invalid_squint_control",
      param: `squint.${name}`,
    });
  }
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a bad X-Squint header value is refused with 400 naming the header", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", { model: "gpt-4o", messages: HELLO }, {
    "x-squint-optimize": "sometimes",
  });
  await assertOpenAIError(response, 400, {
    type: "invalid_request_error",
    code: "invalid_squint_control",
    param: "x-squint-optimize",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a body sent as text/plain is refused with 415", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", { model: "gpt-4o", messages: HELLO }, {
    "content-type": "text/plain",
  });
  await assertOpenAIError(response, 415, {
    type: "invalid_request_error",
    code: "unsupported_media_type",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a compressed body is refused with 415 naming its Content-Encoding, not read as broken JSON", async () => {
  await using stack = startStack();
  const json = new TextEncoder().encode(JSON.stringify({ model: "gpt-4o", messages: HELLO }));
  const gzipped = new Uint8Array(
    await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  const response = await fetch(`${stack.squint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-encoding": "gzip",
      authorization: "Bearer sk-client",
    },
    body: gzipped,
  });
  const refused = await response.clone().json();
  await assertOpenAIError(response, 415, {
    type: "invalid_request_error",
    code: "unsupported_content_encoding",
  });
  assert.equal(
    refused.error.message,
    "content-encoding gzip: squint reads request bodies uncompressed; send this one without it",
  );
  assert.equal(stack.mock.received.count, 0);
  // `identity` is no encoding at all.
  const plain = await stack.post("/chat/completions", { model: "gpt-4o", messages: HELLO }, {
    "content-encoding": "identity",
  });
  assert.equal(plain.status, 200);
  await plain.body?.cancel();
});

Deno.test("a path outside /v1 is an unknown door: 404 in OpenAI's error shape", async () => {
  await using stack = startStack();
  const response = await fetch(`${stack.squint.origin}/v2/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: HELLO }),
  });
  await assertOpenAIError(response, 404, { type: "not_found_error", code: "unknown_url" });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("an id in a path that is not valid percent-encoded UTF-8 is refused with 400 naming it, on every route with one", async () => {
  const admin = "errors-admin-token";
  await using stack = startStack({ env: { SQUINT_ADMIN_TOKEN: admin } });
  const origin = stack.squint.origin;
  const broken = "%E0%A4%A";
  const bearer = { authorization: `Bearer ${admin}` };
  for (
    const [method, path] of [
      ["GET", `/v1/requests/${broken}`],
      ["GET", `/v1/requests/${broken}/original`],
      ["PATCH", `/admin/keys/${broken}`],
      ["DELETE", `/admin/keys/${broken}`],
    ]
  ) {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { ...bearer, "content-type": "application/json" },
      body: method === "PATCH" ? JSON.stringify({ rpm: 5 }) : undefined,
    });
    const body = await assertOpenAIError(response, 400, { type: "invalid_request_error" });
    assert.match(body.error.message, /%E0%A4%A.*not valid percent-encoded UTF-8/, path);
  }
  const login = await fetch(`${origin}/dashboard/login`, {
    method: "POST",
    body: new URLSearchParams({ token: admin }),
    redirect: "manual",
  });
  const cookie = login.headers.get("set-cookie")!.split(";")[0];
  for (
    const path of [
      `/dashboard/api/requests/${broken}`,
      `/dashboard/api/requests/${broken}/images/0/sent`,
    ]
  ) {
    const response = await fetch(`${origin}${path}`, { headers: { cookie } });
    assert.equal(response.status, 400, path);
    assert.match((await response.json()).error.message, /not valid percent-encoded UTF-8/);
  }
});

Deno.test("GET on the Chat Completions door is refused with 405 and an Allow header", async () => {
  await using stack = startStack();
  const response = await fetch(`${stack.squint.baseUrl}/chat/completions`);
  assert.equal(response.headers.get("allow"), "POST");
  await assertOpenAIError(response, 405, {
    type: "invalid_request_error",
    code: "method_not_allowed",
  });
});

Deno.test("a body over SQUINT_MAX_BODY_MB is refused with 413 from its declared length", async () => {
  await using stack = startStack({ env: { SQUINT_MAX_BODY_MB: "1" } });
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [{ role: "user", content: "x".repeat(1_100_000) }],
  });
  await assertOpenAIError(response, 413, {
    type: "invalid_request_error",
    code: "request_too_large",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a chunked body over SQUINT_MAX_BODY_MB is refused with 413 while it is read", async () => {
  await using stack = startStack({ env: { SQUINT_MAX_BODY_MB: "1" } });
  const piece = new TextEncoder().encode("x".repeat(64 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"model":"gpt-4o","x":"'));
      if (sent >= 20) return controller.close();
      sent++;
      controller.enqueue(piece);
    },
  });
  const response = await fetch(`${stack.squint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
    body,
  });
  await assertOpenAIError(response, 413, {
    type: "invalid_request_error",
    code: "request_too_large",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a decompression bomb image (30000×30000 PNG) is refused with 413 naming its place", async () => {
  await using stack = startStack();
  const bomb = fixtureDataUrl("bomb_30000x30000.png", "image/png");
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [imageMessage("What is this?", [bomb])],
  });
  const body = await assertOpenAIError(response, 413, {
    type: "invalid_request_error",
    code: "image_too_large",
    param: "messages[0].content[1]",
  });
  assert.match(body.error.message, /30000×30000/);
  assert.equal(stack.mock.received.count, 0);
});

for (const status of [429, 400, 500]) {
  Deno.test(`an upstream ${status} is relayed with its status, headers and body unchanged`, async () => {
    const model = `mock-error-${status}`;
    const expected = await directAnswer(model);
    // One attempt: what is relayed is the upstream's own answer (retries: attempts.test.ts).
    await using stack = startStack({ env: { SQUINT_RETRIES: "0" } });
    const response = await stack.post("/chat/completions", { model, messages: HELLO });

    assert.equal(response.status, status);
    assert.equal(await response.text(), expected.body);
    assert.match(response.headers.get("x-request-id")!, SQUINT_REQUEST_ID);
    assert.equal(
      response.headers.get("x-upstream-request-id"),
      expected.headers.get("x-request-id"),
    );
    assert.equal(response.headers.get("retry-after"), expected.headers.get("retry-after"));
  });
}

Deno.test("an upstream 429 on a streamed request is relayed as the same JSON error", async () => {
  const expected = await directAnswer("mock-error-429", { stream: true });
  await using stack = startStack();
  const response = await stack.post("/chat/completions", {
    model: "mock-error-429",
    stream: true,
    messages: HELLO,
  });
  assert.equal(response.status, 429);
  assert.match(response.headers.get("content-type")!, /^application\/json/);
  assert.equal(await response.text(), expected.body);
});

Deno.test("the SDK raises RateLimitError, BadRequestError and InternalServerError for relayed upstream errors", async () => {
  await using stack = startStack();
  const create = (model: string) =>
    stack.client.chat.completions.create({ model, messages: HELLO });

  const limited = await sdkError(create("mock-error-429"), RateLimitError, 429);
  assert.equal(limited.code, "rate_limit_exceeded");
  assert.equal(limited.headers?.get("retry-after"), "1");
  const bad = await sdkError(create("mock-error-400"), BadRequestError, 400);
  assert.equal(bad.code, "context_length_exceeded");
  assert.equal(bad.param, "messages");
  await sdkError(create("mock-error-500"), InternalServerError, 500);
  await sdkError(create("mock-error-404"), NotFoundError, 404);
  await sdkError(create("mock-error-422"), UnprocessableEntityError, 422);
  await sdkError(
    stack.client.chat.completions.create({
      model: "mock-error-429",
      messages: HELLO,
      stream: true,
    }),
    RateLimitError,
    429,
  );
});

Deno.test("an unreachable upstream is a 502 in OpenAI's error shape", async () => {
  await using stack = startStack({
    env: { SQUINT_OPENAI_BASE_URL: `http://127.0.0.1:${closedPort()}/v1` },
  });
  const response = await stack.post("/chat/completions", { model: "gpt-4o", messages: HELLO });
  await assertOpenAIError(response, 502, { type: "api_error", code: "upstream_unreachable" });

  const error = await sdkError(
    stack.client.chat.completions.create({ model: "gpt-4o", messages: HELLO }),
    InternalServerError,
    502,
  );
  assert.equal(error.code, "upstream_unreachable");
});

Deno.test("an upstream silent past SQUINT_UPSTREAM_TIMEOUT_S is a 504, and squint hangs up on it", async () => {
  await using stack = startStack({
    env: { SQUINT_UPSTREAM_TIMEOUT_S: "0.3", SQUINT_RETRIES: "0" },
  });
  const started = performance.now();
  const response = await stack.post("/chat/completions", { model: "mock-hang", messages: HELLO });
  await assertOpenAIError(response, 504, { type: "timeout_error", code: "upstream_timeout" });
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 300 && elapsed < 3000, `answered after ${elapsed} ms`);
  await stack.mock.aborted.wait(1);

  const error = await sdkError(
    stack.client.chat.completions.create({ model: "mock-hang", messages: HELLO }),
    InternalServerError,
    504,
  );
  assert.equal(error.code, "upstream_timeout");
  await stack.mock.aborted.wait(2);
  assert.deepEqual(stack.mock.abortedRequests.map((r) => r.model), ["mock-hang", "mock-hang"]);
});

Deno.test("an upstream that breaks off a non-streamed answer is a 502, not a crash", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", { model: "mock-reset", messages: HELLO });
  await assertOpenAIError(response, 502, { type: "api_error", code: "upstream_reset" });

  const next = await stack.client.chat.completions.create({ model: "gpt-4o", messages: HELLO });
  assert.equal(next.choices[0].message.content, "Echo: hello");
});
