/**
 * The Responses API's WebSocket mode through squint (`GET /v1/responses` upgrade): a session with
 * two `response.create` events, one carrying a picture, each optimized, relayed and logged as its
 * own request; squint's figures on the socket only when asked; `426 Upgrade Required` when the
 * upstream refuses the WebSocket.
 */
import assert from "node:assert/strict";
import { startMockResponsesWs } from "../support/mock_responses_ws.ts";
import { corpusDataUrl, startSquint } from "../support/squint.ts";

const PHOTO = "photo_boats_sunset_2560x1600.jpg";
/** A Responses input asking about the photo. */
const PHOTO_QUESTION = [{
  role: "user",
  content: [
    { type: "input_text", text: "What animal is this? One word." },
    { type: "input_image", image_url: corpusDataUrl(PHOTO) },
  ],
}];

type Json = Record<string, unknown>;

/** A client socket to squint, its messages collected; `until` resolves on a matching one. */
async function connect(origin: string, headers: Record<string, string> = {}) {
  const url = `${origin.replace(/^http/, "ws")}/v1/responses`;
  const socket = new WebSocket(url, {
    headers: { authorization: "Bearer sk-own", ...headers },
  } as unknown as string[]);
  const received: Json[] = [];
  const waiters: { test: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data as string) as Json;
    received.push(message);
    for (const waiter of waiters.splice(0)) {
      if (waiter.test(message)) waiter.resolve(message);
      else waiters.push(waiter);
    }
  };
  const closed = new Promise<void>((resolve) => socket.onclose = () => resolve());
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (e) => reject(new Error((e as ErrorEvent).message));
  });
  return {
    socket,
    received,
    send: (message: Json) => socket.send(JSON.stringify(message)),
    until: (test: (m: Json) => boolean) =>
      new Promise<Json>((resolve) => {
        const found = received.find(test);
        if (found) resolve(found);
        else waiters.push({ test, resolve });
      }),
    async close() {
      socket.close();
      await closed;
    },
  };
}

const completedCount = (n: number) => (m: Json, list: Json[]) =>
  m.type === "response.completed" &&
  list.filter((x) => x.type === "response.completed").length >= n;

Deno.test("a WebSocket session: two response.create, the picture optimized, each logged as a request", async () => {
  const upstream = startMockResponsesWs();
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1` });
  const client = await connect(squint.origin, { "x-squint-stats": "event" });
  client.send({ type: "response.create", model: "gpt-4o", store: false, input: "Hello there." });
  await client.until((m) => completedCount(1)(m, client.received));
  client.send({
    type: "response.create",
    model: "gpt-4o",
    store: false,
    input: PHOTO_QUESTION,
  });
  await client.until((m) => completedCount(2)(m, client.received));
  const stats = await client.until((m) =>
    m.type === "squint" && client.received.filter((x) => x.type === "squint").length >= 2
  );
  await client.close();

  // The upstream got both, the picture smaller than sent, no `stream` field added.
  assert.equal(upstream.requests.length, 2);
  const [image] = upstream.requests[1].images;
  assert.ok((image.width ?? 2560) < 2560, `${image.width}×${image.height}`);
  assert.equal((upstream.requests[1].json as Json).stream, undefined);
  assert.equal(upstream.connections[0].headers.authorization, "Bearer sk-own");
  // Events came back in order, and squint's figures after each terminal event.
  const types = client.received.map((m) => m.type);
  assert.equal(types.filter((t) => t === "response.completed").length, 2);
  assert.equal(types.indexOf("squint"), types.indexOf("response.completed") + 1);
  assert.ok(Number(stats.tokens_before) > Number(stats.tokens_after));

  await squint.app.parts.storage.flush();
  const report = await squint.app.parts.storage.usage({});
  assert.equal(report.totals.requests, 2);
  await squint.close();
  await upstream.close();
});

Deno.test("without X-Squint-Stats the socket carries the upstream's events only", async () => {
  const upstream = startMockResponsesWs();
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1` });
  const client = await connect(squint.origin);
  client.send({ type: "response.create", model: "gpt-4o", input: "Hello." });
  await client.until((m) => m.type === "response.completed");
  client.send({ type: "response.create", model: "gpt-4o\u0001", input: "Hello." });
  const refused = await client.until((m) => m.type === "error");
  await client.close();
  assert.equal(client.received.some((m) => m.type === "squint"), false);
  assert.equal(refused.status, 400);
  assert.match(String((refused.error as Json).message), /model/);
  assert.equal(upstream.requests.length, 1);
  // The refusal is a request of the log too, under the caller's key.
  await squint.app.parts.storage.flush();
  const { rows } = await squint.app.parts.storage.requests({ door: "responses_websocket" });
  assert.deepEqual(rows.map((r) => [r.status, r.outcome]), [[400, "error"], [200, "complete"]]);
  assert.equal(rows[0].keyId, rows[1].keyId);
  assert.ok(rows[0].keyId);
  await squint.close();
  await upstream.close();
});

Deno.test("an upstream that refuses the WebSocket makes squint answer the upgrade with 426", async () => {
  const upstream = startMockResponsesWs({ refuseUpgrade: true });
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1` });
  const response = await fetch(`${squint.origin}/v1/responses`, {
    headers: {
      authorization: "Bearer sk-own",
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    },
  });
  assert.equal(response.status, 426);
  assert.equal((await response.json()).error.code, "websocket_unavailable");
  const plain = await fetch(`${squint.origin}/v1/responses`);
  assert.equal(plain.status, 405);
  await plain.body?.cancel();
  await squint.close();
  await upstream.close();
});

/**
 * A client socket over raw TCP, which can close with any code (Deno's WebSocket class refuses
 * codes other than 1000 and 3000–4999, though browsers send 1001 when a page goes away): the
 * upgrade's status line and a way to send a masked close frame and read the answer's first byte.
 */
async function rawSocket(origin: string) {
  const url = new URL(origin);
  const connection = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  await connection.write(new TextEncoder().encode(
    "GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
      "Authorization: Bearer sk-own\r\n\r\n",
  ));
  const buffer = new Uint8Array(4096);
  const read = async () => buffer.subarray(0, (await connection.read(buffer)) ?? 0);
  const statusLine = new TextDecoder().decode(await read()).split("\r\n")[0];
  return {
    statusLine,
    /** Sends a close frame with `code`; the opcode byte of the frame that answers it. */
    async close(code: number): Promise<number> {
      const mask = [7, 21, 42, 99];
      const payload = [code >> 8, code & 0xff].map((byte, i) => byte ^ mask[i]);
      await connection.write(new Uint8Array([0x88, 0x80 | 2, ...mask, ...payload]));
      const answer = await read();
      connection.close();
      return answer[0];
    },
  };
}

Deno.test("a client that leaves with 1001 (going away) closes the upstream socket normally and squint keeps serving", async () => {
  const upstream = startMockResponsesWs();
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1` });
  const client = await rawSocket(squint.origin);
  assert.equal(client.statusLine, "HTTP/1.1 101 Switching Protocols");
  await upstream.opened.wait(1);
  // A close frame answers the close (FIN + opcode 8).
  assert.equal(await client.close(1001), 0x88);
  await upstream.closed.wait(1);
  // The API only sends 1000 or 3000–4999 from a client socket; 1001 is the browser's own.
  assert.equal(upstream.connections[0].closed?.code, 1000);
  const health = await fetch(`${squint.origin}/health`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
  await squint.close();
  await upstream.close();
});

Deno.test("a malformed upgrade (no Connection: Upgrade, no Sec-WebSocket-Key, a version other than 13) is 400, and no upstream socket is opened for it", async () => {
  const upstream = startMockResponsesWs();
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1` });
  const upgrade = { authorization: "Bearer sk-own", connection: "Upgrade", upgrade: "websocket" };
  for (
    const [headers, named] of [
      [{ ...upgrade, "sec-websocket-version": "13" }, /Sec-WebSocket-Key/],
      [
        {
          ...upgrade,
          connection: "keep-alive",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
        /Connection: Upgrade/,
      ],
      [
        {
          ...upgrade,
          "sec-websocket-version": "8",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
        /Sec-WebSocket-Version/,
      ],
    ] as const
  ) {
    const response = await fetch(`${squint.origin}/v1/responses`, { headers });
    assert.equal(response.status, 400);
    const error = (await response.json()).error;
    assert.equal(error.code, "invalid_websocket_upgrade");
    assert.match(error.message, named);
  }
  assert.equal(upstream.connections.length, 0);
  await squint.close();
  await upstream.close();
});

/** An upstream WebSocket that answers every client message with `answer(socket)`. */
function scriptedUpstream(answer: (socket: WebSocket) => void) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = () => answer(socket);
    return response;
  });
  return { server, baseUrl: `http://127.0.0.1:${server.addr.port}/v1` };
}

Deno.test("an upstream event typed like an Object.prototype member ends no response: the completed one is logged, once", async () => {
  // An odd event, then the real end.
  const upstream = scriptedUpstream((socket) => {
    socket.send(JSON.stringify({ type: "constructor", sequence_number: 0 }));
    socket.send(JSON.stringify({
      type: "response.completed",
      sequence_number: 1,
      response: {
        id: "resp_1",
        object: "response",
        status: "completed",
        model: "gpt-4o",
        output: [],
        usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10 },
      },
    }));
  });
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: upstream.baseUrl });
  const client = await connect(squint.origin);
  client.send({ type: "response.create", model: "gpt-4o", store: false, input: "Hello there." });
  await client.until((m) => m.type === "response.completed");
  await client.close();
  await squint.app.parts.storage.flush();
  const { rows } = await squint.app.parts.storage.requests({ limit: 10 });
  assert.deepEqual(
    rows.map((r) => [r.outcome, r.upstreamInputTokens, r.upstreamOutputTokens]),
    [["complete", 7, 3]],
  );
  await squint.close();
  await upstream.server.shutdown();
});

Deno.test("an upstream that closes its socket mid-response: the client gets its close code, the response is logged incomplete, not client_closed", async () => {
  const upstream = scriptedUpstream((socket) => {
    socket.send(JSON.stringify({ type: "response.created", sequence_number: 0 }));
    socket.close(1011, "upstream broke");
  });
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: upstream.baseUrl });
  const client = await connect(squint.origin);
  const closed = new Promise<CloseEvent>((resolve) =>
    client.socket.addEventListener("close", resolve, { once: true })
  );
  client.send({ type: "response.create", model: "gpt-4o", store: false, input: "Hello there." });
  const close = await closed;
  assert.deepEqual([close.code, close.reason], [1011, "upstream broke"]);
  await squint.app.parts.storage.flush();
  const { rows } = await squint.app.parts.storage.requests({ limit: 10 });
  assert.deepEqual(rows.map((r) => [r.outcome, r.error]), [[
    "incomplete",
    "the upstream closed its socket (1011 upstream broke) before the response ended",
  ]]);
  await squint.close();
  await upstream.server.shutdown();
});

Deno.test("an event over SQUINT_MAX_BODY_MB is refused on the socket as an HTTPS body is (413), never sent upstream, and the session goes on", async () => {
  const upstream = startMockResponsesWs();
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1`,
    SQUINT_MAX_BODY_MB: "1",
  });
  const client = await connect(squint.origin);
  const big = "x".repeat(1.5 * 2 ** 20);
  client.send({ type: "response.create", model: "gpt-4o", input: big });
  // Any other event the client sends is held to the same limit before it is relayed.
  client.send({ type: "response.cancel", note: big });
  // Within the limit in UTF-16 code units, over it in the UTF-8 bytes that go on the wire.
  client.send({ type: "response.create", model: "gpt-4o", input: "é".repeat(0.6 * 2 ** 20) });
  client.send({ type: "response.create", model: "gpt-4o", input: "Hello." });
  await client.until((m) => m.type === "response.completed");
  await client.close();

  const errors = client.received.filter((m) => m.type === "error");
  assert.deepEqual(
    errors.map((m) => [m.status, (m.error as Json).code, (m.error as Json).message]),
    Array(3).fill([413, "request_too_large", "request body exceeds 1 MB (SQUINT_MAX_BODY_MB)"]),
  );
  assert.deepEqual(upstream.requests.map((r) => (r.json as Json).input), ["Hello."]);
  await squint.app.parts.storage.flush();
  const { rows } = await squint.app.parts.storage.requests({ door: "responses_websocket" });
  assert.deepEqual(rows.map((r) => [r.status, r.outcome]).sort(), [
    [200, "complete"],
    [413, "error"],
    [413, "error"],
    [413, "error"],
  ]);
  await squint.close();
  await upstream.close();
});

Deno.test("an upstream that goes silent mid-response past SQUINT_STREAM_IDLE_TIMEOUT_S: the client gets an error event, the response is logged incomplete, both sockets close", async () => {
  const upstream = scriptedUpstream((socket) => {
    socket.send(JSON.stringify({ type: "response.created", sequence_number: 0 }));
    // …and nothing more, the socket left open.
  });
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: upstream.baseUrl,
    SQUINT_STREAM_IDLE_TIMEOUT_S: "0.3",
  });
  const client = await connect(squint.origin);
  const closed = new Promise<CloseEvent>((resolve) =>
    client.socket.addEventListener("close", resolve, { once: true })
  );
  client.send({ type: "response.create", model: "gpt-4o", store: false, input: "Hello there." });
  const error = await client.until((m) => m.type === "error");
  await closed;
  const message =
    "the upstream sent nothing for 0.3 s (SQUINT_STREAM_IDLE_TIMEOUT_S); squint ended the stream";
  assert.deepEqual(error, {
    type: "error",
    status: 504,
    error: { type: "timeout_error", code: "stream_idle_timeout", message, param: null },
  });
  await squint.app.parts.storage.flush();
  const { rows } = await squint.app.parts.storage.requests({ limit: 10 });
  assert.deepEqual(rows.map((r) => [r.outcome, r.error]), [["incomplete", message]]);
  await squint.close();
  await upstream.server.shutdown();
});

Deno.test("a session with no response under way is never cut for being quiet", async () => {
  const upstream = startMockResponsesWs();
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1`,
    SQUINT_STREAM_IDLE_TIMEOUT_S: "0.2",
  });
  const client = await connect(squint.origin);
  client.send({ type: "response.create", model: "gpt-4o", store: false, input: "One." });
  await client.until((m) => completedCount(1)(m, client.received));
  // Quiet for longer than the limit between responses: the socket stays open.
  const quiet = Promise.withResolvers<void>();
  setTimeout(quiet.resolve, 600);
  await quiet.promise;
  client.send({ type: "response.create", model: "gpt-4o", store: false, input: "Two." });
  await client.until((m) => completedCount(2)(m, client.received));
  assert.equal(client.received.some((m) => m.type === "error"), false);
  await client.close();
  await squint.close();
  await upstream.close();
});

Deno.test("a response served at the flex tier is counted at half the list price on the socket too", async () => {
  const upstream = startMockResponsesWs();
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1` });
  const client = await connect(squint.origin);
  for (const [n, tier] of [[1, "default"], [2, "flex"]] as const) {
    client.send({
      type: "response.create",
      model: "gpt-4o",
      store: false,
      service_tier: tier,
      input: PHOTO_QUESTION,
    });
    const done = await client.until((m) => completedCount(n)(m, client.received));
    assert.equal((done.response as Json).service_tier, tier);
  }
  await client.close();
  await squint.app.parts.storage.flush();
  const { rows } = await squint.app.parts.storage.requests({ door: "responses_websocket" });
  const [flex, listed] = rows; // newest first
  assert.ok(listed.spentUsd! > 0 && listed.costSavedUsd! > 0);
  assert.equal(flex.spentUsd, listed.spentUsd! / 2);
  assert.equal(flex.costSavedUsd, listed.costSavedUsd! / 2);
  await squint.close();
  await upstream.close();
});
