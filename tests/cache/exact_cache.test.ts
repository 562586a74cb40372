/**
 * The pieces of the exact cache on their own: the key (what it holds and what it leaves out),
 * the policy, the stored answer's two shapes, and the bounded key-value store.
 */
import assert from "node:assert/strict";
import {
  answerToStore,
  chunksToCompletion,
  completionToChunks,
  streamText,
} from "../../src/cache/answer.ts";
import { askedOutsideBody, chatCacheKey, hashKey } from "../../src/cache/key.ts";
import { cachePolicy } from "../../src/cache/policy.ts";
import { loadConfig } from "../../src/config.ts";
import { marker } from "../../src/intake/inline_images.ts";
import { type Controls, takeControls } from "../../src/optimize/controls.ts";
import { MemoryKeyValue } from "../../src/storage/memory_kv.ts";

const config = loadConfig({});
const controls: Controls = takeControls({}, new Headers(), config);
const where = {
  tenant: "t1",
  upstream: "http://up/v1",
  model: "gpt-4o",
  headers: new Headers(),
  url: new URL("http://squint/v1/chat/completions"),
  rulesVersion: "2026-11",
};

async function keyOf(body: Record<string, unknown>, ids: string[] = [], c = controls) {
  return await hashKey(chatCacheKey(body, ids, { ...where, model: String(body.model) }, c));
}

Deno.test("the key ignores field order and the stream flags, and holds every other field", async () => {
  const body = { model: "gpt-4o", temperature: 0, messages: [{ role: "user", content: "hi" }] };
  const same = await keyOf(body);
  assert.equal(
    await keyOf({ messages: body.messages, temperature: 0, model: "gpt-4o", stream: true }),
    same,
  );
  assert.equal(await keyOf({ ...body, stream_options: { include_usage: true } }), same);
  for (const field of ["top_p", "n", "seed", "stop", "max_tokens", "logprobs", "user"]) {
    assert.notEqual(await keyOf({ ...body, [field]: 1 }), same, field);
  }
  assert.notEqual(await keyOf({ ...body, response_format: { type: "json_object" } }), same);
  assert.notEqual(await keyOf(body, [], { ...controls, detail: "low" }), same);
  const other = chatCacheKey(body, [], { ...where, tenant: "t2" }, controls);
  assert.notEqual(await hashKey(other), same);
});

Deno.test("outside the body the key holds the query and the headers that shape an answer, nothing else", async () => {
  const asked = (headers: Record<string, string>, query = "") =>
    askedOutsideBody(new Headers(headers), new URL(`http://squint/v1/messages${query}`));
  assert.deepEqual(
    asked({
      "anthropic-beta": "b-2, a-1,,",
      "anthropic-version": "2023-06-01",
      "openai-beta": "assistants=v2",
      "user-agent": "sdk/1.0",
      "x-stainless-retry-count": "1",
    }, "?z=1&beta=true"),
    {
      path: "/v1/messages",
      "anthropic-beta": "a-1,b-2",
      "anthropic-version": "2023-06-01",
      "openai-beta": "assistants=v2",
      "?": "beta=true&z=1",
    },
  );
  assert.deepEqual(asked({ "user-agent": "another/2.0" }), { path: "/v1/messages" });
  const body = { model: "gpt-4o", temperature: 0, messages: [{ role: "user", content: "hi" }] };
  const keyed = (query: string, headers: Record<string, string> = {}) =>
    hashKey(chatCacheKey(body, [], {
      ...where,
      headers: new Headers(headers),
      url: new URL(`http://squint/v1/chat/completions${query}`),
    }, controls));
  assert.notEqual(await keyed("?api-version=1"), await keyed(""));
  assert.equal(await keyed("?b=2&a=1"), await keyed("?a=1&b=2"));
  assert.notEqual(await keyed("", { "openai-beta": "x" }), await keyed(""));
  assert.equal(await keyed("", { "user-agent": "x" }), await keyed(""));
});

Deno.test("inline values are keyed by their content ids, not by where they sit in the body", async () => {
  const withImage = (ref: number) => ({
    model: "gpt-4o",
    messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: marker(ref) } }] }],
  });
  assert.equal(
    await keyOf(withImage(0), ["sha256:a"]),
    await keyOf(withImage(1), ["x", "sha256:a"]),
  );
  assert.notEqual(await keyOf(withImage(0), ["sha256:a"]), await keyOf(withImage(0), ["sha256:b"]));
});

Deno.test("the policy: sampled answers only when asked, a remote image unfetched never, dedup at temperature 0", () => {
  const on = { ...controls, cache: "on" as const };
  assert.deepEqual(
    [cachePolicy({ temperature: 0 }, on, config)].map((p) => [p.read, p.write, p.dedup]),
    [[true, true, true]],
  );
  const sampled = cachePolicy({}, on, config);
  assert.equal(sampled.read || sampled.write || sampled.dedup, false);
  // Gemini's temperature sits in its generationConfig.
  const gemini = (temperature?: number) =>
    cachePolicy({ generationConfig: { temperature } }, on, config);
  assert.deepEqual([gemini(0).read, gemini(0).dedup, gemini(0.7).read, gemini().read], [
    true,
    true,
    false,
    false,
  ]);
  assert.equal(cachePolicy({ temperature: 0.5 }, { ...on, cacheAsked: true }, config).read, true);
  assert.equal(
    cachePolicy({ temperature: 0.5 }, on, loadConfig({ SQUINT_CACHE_SAMPLED: "on" })).write,
    true,
  );
  const unfetched = cachePolicy({ temperature: 0 }, on, config, "remote image not fetched");
  assert.deepEqual([unfetched.read, unfetched.write, unfetched.dedup], [false, false, true]);
  const refused = cachePolicy(
    { temperature: 0 },
    { ...controls, cache: "off", cacheAsked: true },
    config,
  );
  assert.equal(refused.dedup, false);
  assert.equal(
    cachePolicy({ temperature: 0 }, on, loadConfig({ SQUINT_DEDUP: "off" })).dedup,
    false,
  );
  assert.equal(cachePolicy({}, { ...on, cacheTtlS: 5 }, config).ttlMs, 5000);
});

const COMPLETION = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Hello there", refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: "stop",
    },
    {
      index: 1,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        annotations: [],
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "f", arguments: '{"a":1}' },
        }],
      },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  ],
  usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
};

Deno.test("a completion unfolded into chunks folds back into itself", () => {
  const chunks = completionToChunks(COMPLETION);
  assert.equal(chunks.length, 2 + 2 + 2 + 1); // per choice: role, body, finish; then usage
  assert.deepEqual(chunksToCompletion(chunks), COMPLETION);
  for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.endsWith(',"usage":null}'));
});

Deno.test("only complete 200 answers are stored: a cut stream, an error or a missing finish reason are not", () => {
  const tokens = { before: 10, after: 5 };
  const sse = (events: string[]) =>
    new TextEncoder().encode(events.map((e) => `data: ${e}\n\n`).join(""));
  const chunks = completionToChunks(COMPLETION);
  const stored = answerToStore(200, "text/event-stream", sse([...chunks, "[DONE]"]), tokens);
  assert.deepEqual(stored?.events, chunks);
  assert.equal(
    streamText(stored!),
    chunks.map((c) => `data: ${c}\n\n`).join("") + "data: [DONE]\n\n",
  );
  assert.equal(answerToStore(200, "text/event-stream", sse(chunks), tokens), undefined);
  assert.equal(
    answerToStore(200, "text/event-stream", sse([chunks[0], "[DONE]"]), tokens),
    undefined,
  );
  const json = new TextEncoder().encode(JSON.stringify(COMPLETION));
  assert.equal(
    answerToStore(200, "application/json", json, tokens)?.completion,
    JSON.stringify(COMPLETION),
  );
  assert.equal(answerToStore(500, "application/json", json, tokens), undefined);
  assert.equal(
    answerToStore(200, "application/json", new TextEncoder().encode("{}"), tokens),
    undefined,
  );
});

Deno.test("the memory store: TTL per entry, LRU by bytes, set-if-absent leases", async () => {
  let now = 0;
  const kv = new MemoryKeyValue(10, () => now);
  const bytes = (n: number) => new Uint8Array(n);
  await kv.set("a", bytes(4), 1000);
  await kv.set("b", bytes(4), 100);
  assert.equal((await kv.get("a"))?.byteLength, 4); // a is now the most recent
  await kv.set("c", bytes(4), 1000); // 12 > 10: b, the least recent, goes
  assert.equal(await kv.get("b"), undefined);
  assert.equal(kv.bytes, 8);
  now = 1000;
  assert.equal(await kv.get("a"), undefined, "expired");
  assert.equal(await kv.setIfAbsent("lease", bytes(1), 50), true);
  assert.equal(await kv.setIfAbsent("lease", bytes(1), 50), false);
  now = 1050;
  assert.equal(await kv.setIfAbsent("lease", bytes(1), 50), true, "an expired lease can be taken");
  await kv.set("huge", bytes(11), 1000);
  assert.equal(await kv.get("huge"), undefined, "larger than the store: not kept");
  await kv.delete("lease");
  assert.equal(await kv.get("lease"), undefined);
});
