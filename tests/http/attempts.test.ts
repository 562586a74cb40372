/**
 * Retries and fallbacks through squint's Chat Completions door, against mock upstreams:
 * `Retry-After` honoured (from the mock's own clock), fallback to another provider on a 5xx,
 * a candidate without a key skipped, a started stream never retried, the last failure relayed.
 */
import assert from "node:assert/strict";
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { startMockOllama } from "../support/mock_ollama.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { startSquint } from "../support/squint.ts";
import { GatewayError } from "../../src/errors.ts";
import {
  backoffMs,
  callCandidates,
  Circuits,
  retryAfterMs,
  type RetryPolicy,
} from "../../src/providers/attempts.ts";

const HELLO = [{ role: "user", content: "hello" }];

/** Both mocks, squint in front with `env`, and a config file holding `file`. */
function startAll(env: Record<string, string> = {}, file: Record<string, unknown> = {}) {
  const openai = startMockOpenAI();
  const anthropic = startMockAnthropic();
  const path = Deno.makeTempFileSync({ suffix: ".json" });
  Deno.writeTextFileSync(path, JSON.stringify(file));
  const squint = startSquint({
    SQUINT_CONFIG: path,
    SQUINT_OPENAI_BASE_URL: openai.baseUrl,
    SQUINT_ANTHROPIC_BASE_URL: anthropic.baseUrl,
    SQUINT_RETRY_BASE_MS: "10",
    ...env,
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${squint.baseUrl}/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer sk-client",
        ...headers,
      },
      body: JSON.stringify(body),
    });
  return {
    openai,
    anthropic,
    post,
    async [Symbol.asyncDispose]() {
      await openai.close();
      await anthropic.close();
      await squint.close();
      Deno.removeSync(path);
    },
  };
}

Deno.test("after a 429 with Retry-After: 1 the retry reaches the upstream no sooner than a second later", async () => {
  await using all = startAll();
  const response = await all.post({ model: "mock-fail-1-429", messages: HELLO });
  assert.equal(response.status, 200);
  await response.json();
  const [first, second] = all.openai.requests;
  assert.equal(all.openai.requests.length, 2);
  assert.ok(second.at! - first.at! >= 1000, `retried after ${second.at! - first.at!} ms`);
});

Deno.test("a 500 on the first provider falls back to the next candidate on another provider", async () => {
  await using all = startAll({
    SQUINT_RETRIES: "0",
    SQUINT_API_KEYS: "sq-team",
    SQUINT_OPENAI_API_KEY: "sk-server-openai",
    SQUINT_ANTHROPIC_API_KEY: "sk-server-anthropic",
  }, {
    fallbacks: { "mock-error-500": ["claude-sonnet-4-6"] },
  });
  const response = await all.post({ model: "mock-error-500", messages: HELLO }, {
    authorization: "Bearer sq-team",
  });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  assert.equal(answer.object, "chat.completion");
  assert.equal(all.openai.requests.length, 1);
  assert.equal(all.anthropic.requests.length, 1);
  assert.equal((all.anthropic.requests[0].body as { model: string }).model, "claude-sonnet-4-6");
  assert.equal(all.anthropic.requests[0].headers["x-api-key"], "sk-server-anthropic");
});

Deno.test("a client's own key never goes to another provider's host: that fallback is skipped, one on the same host is tried", async () => {
  await using all = startAll({ SQUINT_RETRIES: "0" }, {
    fallbacks: { "mock-error-500": ["claude-sonnet-4-6", "gpt-4o-mini"] },
  });
  const response = await all.post({ model: "mock-error-500", messages: HELLO });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  assert.equal(all.anthropic.requests.length, 0, "the OpenAI key was not sent to Anthropic");
  assert.deepEqual(
    all.openai.requests.map((r) => [(r.body as { model: string }).model, r.headers.authorization]),
    [["mock-error-500", "Bearer sk-client"], ["gpt-4o-mini", "Bearer sk-client"]],
  );
});

Deno.test("a candidate squint holds no key for is skipped, not a failure", async () => {
  await using all = startAll({
    SQUINT_API_KEYS: "sq-team",
    SQUINT_OPENAI_API_KEY: "sk-server",
  }, { fallbacks: { "claude-sonnet-4-6": ["gpt-4o-mini"] } });
  const response = await all.post({ model: "claude-sonnet-4-6", messages: HELLO }, {
    authorization: "Bearer sq-team",
  });
  assert.equal(response.status, 200);
  await response.json();
  assert.equal(all.anthropic.requests.length, 0);
  assert.equal(all.openai.requests[0].headers.authorization, "Bearer sk-server");
});

Deno.test("a stream that has sent bytes is never retried", async () => {
  await using all = startAll();
  const response = await all.post({ model: "mock-reset", stream: true, messages: HELLO });
  assert.equal(response.status, 200);
  assert.match(await response.text(), /"error"/);
  assert.equal(all.openai.requests.length, 1);
});

Deno.test("when every attempt fails the client gets the last upstream status and body", async () => {
  await using all = startAll();
  const response = await all.post({ model: "mock-error-503", messages: HELLO });
  assert.equal(response.status, 503);
  const body = await response.json();
  assert.equal(typeof body.error.message, "string");
  assert.equal(all.openai.requests.length, 3, "the first try and 2 retries");
});

Deno.test("Retry-After in seconds or as a date; full-jitter backoff within its cap", () => {
  assert.equal(retryAfterMs(new Headers({ "retry-after": "2" })), 2000);
  const now = Date.parse("2026-11-22T10:00:00Z");
  assert.equal(
    retryAfterMs(new Headers({ "retry-after": "Sun, 22 Nov 2026 10:00:03 GMT" }), now),
    3000,
  );
  assert.equal(retryAfterMs(new Headers()), undefined);
  const policy: RetryPolicy = { retries: 2, baseMs: 100, maxMs: 300, totalMs: 10_000 };
  assert.equal(backoffMs(1, policy, () => 1), 100);
  assert.equal(backoffMs(2, policy, () => 1), 200);
  assert.equal(backoffMs(5, policy, () => 1), 300);
  assert.equal(backoffMs(3, policy, () => 0), 0);
});

Deno.test("the circuit opens after the threshold, lets one try through after the cooldown, closes on success", () => {
  let now = 0;
  const circuits = new Circuits(2, 1000, () => now);
  circuits.failed("a");
  assert.equal(circuits.allows("a"), true);
  circuits.failed("a");
  assert.equal(circuits.allows("a"), false);
  assert.equal(circuits.allows("b"), true, "per upstream");
  now = 1000;
  assert.equal(circuits.allows("a"), true, "half-open: one try");
  assert.equal(circuits.allows("a"), false);
  circuits.succeeded("a");
  assert.equal(circuits.allows("a"), true);
});

Deno.test("an open circuit skips its candidate for the next one", async () => {
  const circuits = new Circuits(1, 60_000);
  circuits.failed("down");
  const attempts: { model: string; error?: string; status?: number }[] = [];
  const make = (model: string, upstream: string, status: number) => ({
    model,
    provider: "openai",
    upstream,
    prepare: () => Promise.resolve(model),
    send: () => Promise.resolve(new Response("{}", { status })),
  });
  const { response, prepared } = await callCandidates(
    [make("first", "down", 200), make("second", "up", 200)],
    { retries: 0, baseMs: 1, maxMs: 1, totalMs: 1000 },
    circuits,
    new AbortController().signal,
    attempts as never,
  );
  assert.equal(prepared, "second");
  assert.equal(response.status, 200);
  assert.deepEqual(attempts.map((a) => [a.model, a.error ?? a.status]), [
    ["first", "circuit open"],
    ["second", 200],
  ]);
});

Deno.test("with every candidate's circuit open the client is told when the next try goes through", async () => {
  let now = 0;
  const circuits = new Circuits(1, 60_000, () => now);
  circuits.failed("down");
  now = 15_000;
  const attempts: { model: string; error?: string }[] = [];
  const refused = await callCandidates(
    [{
      model: "first",
      provider: "openai",
      upstream: "down",
      prepare: () => Promise.resolve("first"),
      send: () => Promise.resolve(new Response("{}")),
    }],
    { retries: 0, baseMs: 1, maxMs: 1, totalMs: 1000 },
    circuits,
    new AbortController().signal,
    attempts as never,
  ).then(() => undefined, (e) => e);
  assert.ok(refused instanceof GatewayError);
  assert.equal(refused.status, 503);
  assert.equal(refused.code, "circuit_open");
  assert.equal(refused.type, "overloaded_error");
  assert.deepEqual(refused.headers, { "retry-after": "45" });
  assert.equal(
    refused.message,
    "openai is failing: its circuit is open after 1 failure in a row; the next try goes through in 45 s",
  );
  assert.deepEqual(attempts.map((a) => [a.model, a.error]), [["first", "circuit open"]]);
});

Deno.test("an open circuit answers 503 circuit_open with Retry-After, without calling the upstream", async () => {
  await using all = startAll({
    SQUINT_RETRIES: "0",
    SQUINT_CIRCUIT_FAILURES: "1",
    SQUINT_CIRCUIT_COOLDOWN_S: "30",
  });
  const failed = await all.post({ model: "mock-error-500", messages: HELLO });
  assert.equal(failed.status, 500);
  await failed.body?.cancel();
  const refused = await all.post({ model: "mock-error-500", messages: HELLO });
  const body = await refused.json();
  assert.equal(refused.status, 503);
  assert.equal(body.error.code, "circuit_open");
  assert.equal(body.error.type, "overloaded_error");
  // 30 s from the failure, less the few ms since: rounded up to whole seconds.
  assert.equal(refused.headers.get("retry-after"), "30");
  assert.equal(all.openai.requests.length, 1);
});

Deno.test("a keyless fallback (Ollama) on another host is called without the client's own key", async () => {
  await using ollama = startMockOllama();
  await using all = startAll({ SQUINT_RETRIES: "0", SQUINT_OLLAMA_BASE_URL: ollama.origin }, {
    fallbacks: { "mock-error-500": ["ollama/llava:7b"] },
  });
  const response = await all.post({ model: "mock-error-500", messages: HELLO });
  assert.equal(response.status, 200, await response.text());
  assert.equal(ollama.requests.length, 1);
  assert.equal(ollama.requests[0].headers.authorization, undefined);
});
