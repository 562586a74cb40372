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
    input: [{
      role: "user",
      content: [
        { type: "input_text", text: "What animal is this? One word." },
        { type: "input_image", image_url: corpusDataUrl(PHOTO) },
      ],
    }],
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
