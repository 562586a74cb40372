/**
 * `squint serve` stopping while a Responses WebSocket has a response under way: the response
 * finishes on its socket (within SQUINT_SHUTDOWN_GRACE_S) before the socket is closed, instead
 * of being cut the moment the signal comes; meanwhile a new request is refused with 503
 * `server_shutting_down`, and a new `response.create` on the socket gets an error event.
 */
import assert from "node:assert/strict";
import { waitForLine } from "../support/child_output.ts";
import { serveChild } from "./_cli.ts";

type Json = Record<string, unknown>;

Deno.test("a stopping squint lets a WebSocket response under way finish before it closes the socket", async () => {
  // The upstream answers each response.create only when the test says so.
  const created = Promise.withResolvers<void>();
  const finish = Promise.withResolvers<void>();
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = async () => {
      socket.send(JSON.stringify({ type: "response.created", sequence_number: 0 }));
      created.resolve();
      await finish.promise;
      socket.send(JSON.stringify({
        type: "response.completed",
        sequence_number: 1,
        response: { id: "resp_1", status: "completed", output: [], usage: null },
      }));
    };
    return response;
  });
  await using served = serveChild({
    SQUINT_SHUTDOWN_GRACE_S: "30",
    SQUINT_OPENAI_BASE_URL: `http://127.0.0.1:${upstream.addr.port}/v1`,
  });
  const { child, stdout } = served;
  try {
    const [, origin] = await waitForLine(stdout, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const socket = new WebSocket(`${origin.replace("http", "ws")}/v1/responses`, {
      headers: { authorization: "Bearer sk-own" },
    } as unknown as string[]);
    const received: Json[] = [];
    const completed = Promise.withResolvers<void>();
    const refused = Promise.withResolvers<Json>();
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data as string) as Json;
      received.push(message);
      if (message.type === "response.completed") completed.resolve();
      if (message.type === "error") refused.resolve(message);
    };
    const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
    await new Promise((resolve) => socket.onopen = resolve);
    socket.send(JSON.stringify({ type: "response.create", model: "gpt-4o", input: "Hello." }));
    await created.promise;

    child.kill("SIGTERM");
    await waitForLine(stdout, /SIGTERM: no new connections/);
    // A new request while the response finishes is refused, in its door's shape.
    const health = await fetch(`${origin}/v1/chat/completions`, { method: "POST", body: "{}" });
    assert.equal(health.status, 503);
    assert.equal((await health.json()).error.code, "server_shutting_down");
    // So is a new response on the open socket.
    socket.send(JSON.stringify({ type: "response.create", model: "gpt-4o", input: "More." }));
    assert.equal(((await refused.promise).error as Json).code, "server_shutting_down");

    finish.resolve();
    await completed.promise;
    const close = await closed;
    assert.equal(close.code, 1001);
    assert.deepEqual(received.map((m) => m.type), [
      "response.created",
      "error",
      "response.completed",
    ]);
    await waitForLine(stdout, /all requests finished; exiting/);
    assert.equal((await child.status).code, 0);
  } finally {
    finish.resolve();
    await upstream.shutdown();
  }
});
