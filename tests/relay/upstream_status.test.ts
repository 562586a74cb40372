/**
 * Upstream answers whose status cannot be relayed as it is: a status HTTP does not define (600 and
 * up, which an HTTP/1.1 peer may send and fetch takes) and, on the doors, a status that carries no
 * body (204, 205, 304) where the API's answer was asked for. Each is a 502 `bad_upstream_response`
 * in the door's shape, never a 500; a passthrough path relays 204 and 304 as they came. The
 * upstream is a raw TCP server, since a Deno.serve handler cannot answer 999 nor a 304 of its
 * own choosing.
 */
import assert from "node:assert/strict";
import { startSquint } from "../support/squint.ts";

/** An HTTP/1.1 upstream answering the status a request names (`status:NNN` in its body or URL). */
function startRawUpstream() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const decoder = new TextDecoder();
  const answer = async (connection: Deno.Conn) => {
    let text = "";
    const buffer = new Uint8Array(64 * 1024);
    // Headers, then the body its content-length announces.
    while (true) {
      const n = await connection.read(buffer);
      if (n === null) return;
      text += decoder.decode(buffer.subarray(0, n));
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length - end - 4 >= length) break;
    }
    const status = /status:(\d{3})/.exec(text)?.[1] ?? "200";
    const body = ["204", "205", "304"].includes(status) ? "" : '{"note":"odd status"}';
    await connection.write(new TextEncoder().encode(
      `HTTP/1.1 ${status} Odd\r\ncontent-type: application/json\r\n` +
        `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
    ));
  };
  (async () => {
    for await (const connection of listener) {
      answer(connection).catch(() => {}).finally(() => {
        try {
          connection.close();
        } catch { /* closed by the peer */ }
      });
    }
  })();
  const { port } = listener.addr as Deno.NetAddr;
  return { origin: `http://127.0.0.1:${port}`, close: () => listener.close() };
}

/** A door, with the body that names `status`. */
const DOORS = [
  {
    name: "chat completions",
    path: "/v1/chat/completions",
    shape: "openai",
    body: (status: string) => ({ model: "gpt-4o", messages: [{ role: "user", content: status }] }),
  },
  {
    name: "chat completions to claude",
    path: "/v1/chat/completions",
    shape: "openai",
    body: (status: string) => ({
      model: "claude-sonnet-4-6",
      messages: [{ role: "user", content: status }],
    }),
  },
  {
    name: "messages",
    path: "/v1/messages",
    shape: "anthropic",
    body: (status: string) => ({
      model: "claude-sonnet-4-6",
      max_tokens: 16,
      messages: [{ role: "user", content: status }],
    }),
  },
  {
    name: "responses",
    path: "/v1/responses",
    shape: "openai",
    body: (status: string) => ({ model: "gpt-4o", input: status }),
  },
] as const;

function startAll() {
  const upstream = startRawUpstream();
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: `${upstream.origin}/v1`,
    SQUINT_ANTHROPIC_BASE_URL: upstream.origin,
    SQUINT_RETRIES: "0",
    SQUINT_CIRCUIT_FAILURES: "1000",
  });
  return {
    squint,
    async [Symbol.asyncDispose]() {
      await squint.close();
      upstream.close();
    },
  };
}

const HEADERS = {
  "content-type": "application/json",
  authorization: "Bearer sk-client",
  "x-api-key": "sk-client",
  "anthropic-version": "2023-06-01",
};

Deno.test("an upstream status HTTP does not define, or one without a body where an answer was asked, is a 502 bad_upstream_response at every door", async () => {
  await using all = startAll();
  for (const door of DOORS) {
    for (const status of ["999", "600", "204", "205", "304"]) {
      for (const stream of [false, true]) {
        const body = { ...door.body(`status:${status}`), stream };
        const response = await fetch(`${all.squint.origin}${door.path}`, {
          method: "POST",
          headers: HEADERS,
          body: JSON.stringify(body),
        });
        const where = `${door.name}, ${status}, ${stream ? "stream" : "json"}`;
        assert.equal(response.status, 502, where);
        const error = await response.json();
        if (door.shape === "anthropic") {
          assert.equal(error.type, "error", where);
          assert.equal(error.error.type, "api_error", where);
        } else assert.equal(error.error.code, "bad_upstream_response", where);
        assert.match(error.error.message, new RegExp(`answered ${status}\\b`), where);
      }
    }
  }
});

Deno.test("a passthrough path relays 204 and 304 as they came, and refuses a status HTTP does not define with 502", async () => {
  await using all = startAll();
  for (const status of ["204", "304"]) {
    const response = await fetch(`${all.squint.origin}/v1/files/status:${status}`, {
      headers: { authorization: "Bearer sk-client" },
    });
    assert.equal(response.status, Number(status));
    assert.equal(response.body, null);
  }
  const odd = await fetch(`${all.squint.origin}/v1/files/status:999`, {
    headers: { authorization: "Bearer sk-client" },
  });
  assert.equal(odd.status, 502);
  const error = (await odd.json()).error;
  assert.equal(error.code, "bad_upstream_response");
  assert.match(error.message, /answered 999\b/);
});
