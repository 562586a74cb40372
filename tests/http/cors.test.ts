/**
 * Cross-origin requests (`SQUINT_CORS_ORIGINS`): a web page or browser extension that calls the
 * API from the browser, as it would call OpenAI's, gets its preflight answered and may read the
 * answer and squint's headers, from the listed origins only and on the API's paths only; with
 * the setting off (the default) a preflight is refused with an error that names the setting.
 * Tested with fetch, then in a real browser (headless Chromium) on a page of another origin.
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { startMockOllama } from "../support/mock_ollama.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { startSquint } from "../support/squint.ts";
import { startBrowser, watchedPage } from "../dashboard/_browser.ts";

const APP = "http://app.example:3000";

function preflight(origin: string, path: string, from = APP, method = "POST") {
  return fetch(`${origin}${path}`, {
    method: "OPTIONS",
    headers: {
      origin: from,
      "access-control-request-method": method,
      "access-control-request-headers": "authorization,content-type,x-stainless-os",
    },
  });
}

const CHAT = JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello." }] });

Deno.test("SQUINT_CORS_ORIGINS takes origins or *, and refuses anything else naming the variable", () => {
  assert.deepEqual(loadConfig({}).cors_origins, []);
  assert.deepEqual(
    loadConfig({ SQUINT_CORS_ORIGINS: "http://app.example:3000, https://chat.example" })
      .cors_origins,
    ["http://app.example:3000", "https://chat.example"],
  );
  assert.deepEqual(loadConfig({ SQUINT_CORS_ORIGINS: "*" }).cors_origins, ["*"]);
  for (const bad of ["app.example", "https://chat.example/", "https://chat.example/path"]) {
    assert.throws(
      () => loadConfig({ SQUINT_CORS_ORIGINS: bad }),
      (e: Error) =>
        e instanceof ConfigError && e.message.startsWith("SQUINT_CORS_ORIGINS:") &&
        e.message.includes(bad),
    );
  }
});

Deno.test("a listed origin's preflight is answered, and its requests carry the CORS headers", async () => {
  await using upstream = startMockOpenAI();
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: upstream.baseUrl,
    SQUINT_CORS_ORIGINS: `https://other.example, ${APP}`,
  });
  const answer = await preflight(squint.origin, "/v1/chat/completions");
  assert.equal(answer.status, 204);
  assert.equal(await answer.text(), "");
  assert.equal(answer.headers.get("access-control-allow-origin"), APP);
  assert.equal(answer.headers.get("vary"), "Origin");
  assert.match(answer.headers.get("access-control-allow-methods")!, /\bPOST\b/);
  assert.equal(
    answer.headers.get("access-control-allow-headers"),
    "authorization,content-type,x-stainless-os",
  );
  assert.equal(answer.headers.get("access-control-max-age"), "600");
  assert.equal(answer.headers.get("access-control-allow-credentials"), null);
  assert.equal(upstream.requests.length, 0, "a preflight never reaches the upstream");

  const response = await fetch(`${squint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { origin: APP, authorization: "Bearer sk-own", "content-type": "application/json" },
    body: CHAT,
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("access-control-allow-origin"), APP);
  assert.equal(response.headers.get("access-control-expose-headers"), "*");
  assert.equal(response.headers.get("vary"), "Origin");
  assert.ok(response.headers.get("x-squint-tokens-before"));
  await response.body?.cancel();
  // Upstream the call is squint's, a server's: no Origin (Anthropic refuses one without opt-in).
  assert.equal(upstream.requests[0].headers.origin, undefined);

  // An error squint answers itself carries them too, so the page can read why.
  const refused = await fetch(`${squint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { origin: APP, authorization: "Bearer sk-own", "content-type": "application/json" },
    body: "{",
  });
  assert.equal(refused.status, 400);
  assert.equal(refused.headers.get("access-control-allow-origin"), APP);
  await refused.body?.cancel();

  // A request without an Origin (a server, an SDK outside the browser) is answered as before.
  const plain = await fetch(`${squint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: "Bearer sk-own", "content-type": "application/json" },
    body: CHAT,
  });
  assert.equal(plain.headers.get("access-control-allow-origin"), null);
  await plain.body?.cancel();
  await squint.close();
});

Deno.test("an origin not listed, a path outside the API, and CORS off are refused with 403 naming the reason", async () => {
  await using upstream = startMockOpenAI();
  const listed = startSquint({
    SQUINT_OPENAI_BASE_URL: upstream.baseUrl,
    SQUINT_CORS_ORIGINS: APP,
  });
  const stranger = await preflight(listed.origin, "/v1/chat/completions", "https://evil.example");
  assert.equal(stranger.status, 403);
  assert.equal(stranger.headers.get("access-control-allow-origin"), null);
  const strangerError = (await stranger.json()).error;
  assert.equal(strangerError.code, "cors_origin_not_allowed");
  assert.match(strangerError.message, /https:\/\/evil\.example.*SQUINT_CORS_ORIGINS/);

  // The operators' pages and API are same-origin only, whatever the list says.
  for (const path of ["/admin/keys", "/dashboard/api/overview", "/metrics"]) {
    const answer = await preflight(listed.origin, path, APP, "GET");
    assert.equal(answer.status, 403, path);
    assert.equal(answer.headers.get("access-control-allow-origin"), null, path);
    assert.equal((await answer.json()).error.code, "cors_origin_not_allowed", path);
  }
  const adminGet = await fetch(`${listed.origin}/admin/keys`, { headers: { origin: APP } });
  assert.equal(adminGet.headers.get("access-control-allow-origin"), null);
  await adminGet.body?.cancel();
  await listed.close();

  const off = startSquint({ SQUINT_OPENAI_BASE_URL: upstream.baseUrl });
  const answer = await preflight(off.origin, "/v1/messages");
  assert.equal(answer.status, 403);
  const body = await answer.json();
  assert.equal(body.type, "error", "in the door's own shape (Anthropic's here)");
  assert.equal(body.error.type, "permission_error");
  assert.match(body.error.message, /SQUINT_CORS_ORIGINS/);
  const posted = await fetch(`${off.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { origin: APP, authorization: "Bearer sk-own", "content-type": "application/json" },
    body: CHAT,
  });
  assert.equal(posted.status, 403);
  assert.equal(posted.headers.get("access-control-allow-origin"), null);
  assert.equal((await posted.json()).error.code, "cors_origin_not_allowed");
  await off.close();
  assert.equal(upstream.requests.length, 0, "nothing went upstream");
});

/** The status line squint answers a WebSocket upgrade of `/v1/responses` with, sent from `from`. */
async function upgradeStatus(origin: string, from?: string): Promise<string> {
  const url = new URL(origin);
  const connection = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  await connection.write(new TextEncoder().encode(
    `GET /v1/responses HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
      `Sec-WebSocket-Version: 13\r\n${from ? `Origin: ${from}\r\n` : ""}\r\n`,
  ));
  const buffer = new Uint8Array(4096);
  const read = (await connection.read(buffer)) ?? 0;
  connection.close();
  return new TextDecoder().decode(buffer.subarray(0, read)).split("\r\n")[0];
}

Deno.test("a page of an origin not allowed cannot use the API without a preflight either: a bare POST and a WebSocket are 403, squint's own origin and clients without one are served", async () => {
  await using upstream = startMockOpenAI();
  await using ollama = startMockOllama();
  // A keyless upstream: Ollama refuses pages of other origins itself (OLLAMA_ORIGINS), but squint
  // calls it as a server, so squint must not let such a page through.
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: upstream.baseUrl,
    SQUINT_OLLAMA_BASE_URL: ollama.origin,
    SQUINT_CORS_ORIGINS: APP,
  });
  // What `fetch(url, {method: "POST", mode: "no-cors", body: new Blob([json])})` sends: no
  // preflight, no content type, no credential.
  const bare = (from?: string) =>
    fetch(`${squint.baseUrl}/chat/completions`, {
      method: "POST",
      headers: from ? { origin: from } : {},
      body: new Blob([
        JSON.stringify({ model: "ollama/llava:7b", messages: [{ role: "user", content: "Hi" }] }),
      ]),
    });
  const refused = await bare("https://evil.example");
  assert.equal(refused.status, 403);
  const error = (await refused.json()).error;
  assert.equal(error.code, "cors_origin_not_allowed");
  assert.match(error.message, /https:\/\/evil\.example.*SQUINT_CORS_ORIGINS/);
  assert.equal(
    await upgradeStatus(squint.origin, "https://evil.example"),
    "HTTP/1.1 403 Forbidden",
  );
  assert.equal(ollama.requests.length + upstream.requests.length, 0);

  for (const from of [APP, squint.origin, undefined]) {
    const served = await bare(from);
    assert.equal(served.status, 200, String(from));
    await served.body?.cancel();
  }
  assert.equal(ollama.requests.length, 3);
  // The mock takes no WebSocket: past the origin check the upgrade is squint's 426.
  for (const from of [APP, squint.origin, undefined]) {
    assert.equal(await upgradeStatus(squint.origin, from), "HTTP/1.1 426 Upgrade Required");
  }
  await squint.close();
});

Deno.test("in a real browser, a page of a listed origin calls squint, streams, and reads squint's headers; another origin cannot", async () => {
  await using upstream = startMockOpenAI();
  // Two pages of their own origins: only the first is listed.
  const page = () =>
    Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () =>
        new Response("<!doctype html><title>app</title>", {
          headers: { "content-type": "text/html" },
        }),
    );
  const app = page();
  const stranger = page();
  const appOrigin = `http://127.0.0.1:${app.addr.port}`;
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: upstream.baseUrl,
    SQUINT_CORS_ORIGINS: appOrigin,
  });
  await using browser = await startBrowser();
  const call = async (origin: string) => {
    const watched = await watchedPage(browser);
    await watched.page.goto(origin);
    const result = await watched.page.evaluate(
      async (base: string, body: string) => {
        try {
          const headers = { authorization: "Bearer sk-own", "content-type": "application/json" };
          const whole = await fetch(`${base}/chat/completions`, { method: "POST", headers, body });
          const json = await whole.json();
          const streamed = await fetch(`${base}/chat/completions`, {
            method: "POST",
            headers,
            body: JSON.stringify({ ...JSON.parse(body), stream: true }),
          });
          const text = await streamed.text();
          return {
            content: json.choices[0].message.content,
            tokensBefore: whole.headers.get("x-squint-tokens-before"),
            requestId: whole.headers.get("x-request-id"),
            streamDone: text.trimEnd().endsWith("data: [DONE]"),
          };
        } catch (e) {
          return { failed: String(e) };
        }
      },
      squint.baseUrl,
      CHAT,
    );
    await watched.page.close();
    return result;
  };
  const allowed = await call(appOrigin) as Record<string, unknown>;
  assert.equal(allowed.content, "Echo: Hello.");
  assert.equal(allowed.tokensBefore, "8");
  assert.match(String(allowed.requestId), /^sq-[0-9a-f]{32}$/);
  assert.equal(allowed.streamDone, true);
  const refused = await call(`http://127.0.0.1:${stranger.addr.port}`);
  assert.deepEqual(refused, { failed: "TypeError: Failed to fetch" });
  assert.equal(upstream.requests.length, 2, "the other origin's preflight stopped its request");
  await squint.close();
  await app.shutdown();
  await stranger.shutdown();
});
