/**
 * The exact response cache and in-flight de-duplication through squint: what shares a key and
 * what never does, hits reported as CONTRACT.md says, stream and JSON answers serving each
 * other, replay chunk for chunk, and identical concurrent requests sharing one upstream call.
 */
import assert from "node:assert/strict";
import { WEATHER_TOOL } from "../support/openai_wire.ts";
import { corpusDataUrl } from "../support/squint.ts";
import { FIXED_CLOCK, type Stack, startStack, without } from "./_stack.ts";

const CACHE_ON = { SQUINT_CACHE: "on" };
const PHOTO = "photo_fruits_512x480.jpg";

/** A deterministic request with a system prompt, history, and one image. */
function baseRequest(): Record<string, unknown> {
  return {
    model: "gpt-4o-mini",
    temperature: 0,
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Hello" },
      { role: "assistant", content: "Hi." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this image?" },
          { type: "image_url", image_url: { url: corpusDataUrl(PHOTO) } },
        ],
      },
    ],
  };
}

async function chat(stack: Stack, body: unknown, headers?: Record<string, string>) {
  const response = await stack.post("/chat/completions", body, headers);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return { response, text, json: JSON.parse(text) };
}

/** The answer without squint's object and the fields that name the upstream call. */
function answerOf(json: Record<string, unknown>) {
  return without(json, "squint");
}

function deepCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

type Messages = { role: string; content: unknown }[];

/** Variants that must each miss: one thing that can change the answer differs. */
const VARIANTS: Record<string, (r: Record<string, unknown>) => void> = {
  "a different system prompt": (r) => {
    (r.messages as Messages)[0].content = "You are verbose.";
  },
  "different history": (r) => {
    (r.messages as Messages)[2].content = "Hello there.";
  },
  "an extra image": (r) => {
    const parts = (r.messages as Messages)[3].content as unknown[];
    parts.push({
      type: "image_url",
      image_url: { url: corpusDataUrl("photo_coffee_cup_600x400.png") },
    });
  },
  "another temperature": (r) => {
    r.temperature = 0.2;
  },
  "another model": (r) => {
    r.model = "gpt-4o";
  },
  "a tool": (r) => {
    r.tools = [WEATHER_TOOL];
  },
  "a seed": (r) => {
    r.seed = 7;
  },
  "max tokens": (r) => {
    r.max_tokens = 5;
  },
  "another squint setting": (r) => {
    r.squint = { fidelity: "lossless" };
  },
};

Deno.test("a repeated request is a cache hit: no upstream call, the same answer, reported as a hit", async () => {
  await using stack = startStack({ env: CACHE_ON, mock: { clock: FIXED_CLOCK } });
  const first = await chat(stack, baseRequest());
  assert.equal(first.json.squint.cache, "miss");
  assert.equal(first.response.headers.get("x-squint-cache-status"), "miss");
  const second = await chat(stack, baseRequest());
  assert.equal(stack.mock.requests.length, 1);
  assert.deepEqual(answerOf(second.json), answerOf(first.json));
  const s = second.json.squint;
  assert.equal(s.cache, "hit");
  assert.equal(second.response.headers.get("x-squint-cache-status"), "hit");
  assert.equal(s.upstream_input_tokens, 0);
  assert.equal(s.tokens_after, 0);
  assert.equal(s.tokens_before, first.json.squint.tokens_before);
  assert.equal(s.tokens_saved, s.tokens_before);
  assert.ok(s.optimizations.includes("cache_hit"));
  // Avoided: the first call's input cost as the client sent it, plus its billed output.
  const output = first.json.usage.completion_tokens * 0.6 / 1e6; // gpt-4o-mini output $/token
  assert.ok(Math.abs(s.cost_saved_usd - (first.json.squint.cost_before_usd + output)) < 1e-9);
  assert.equal(s.cost_after_usd, 0);
  // The hit's usage is the provider's, as billed the first time.
  assert.deepEqual(second.json.usage, first.json.usage);
});

Deno.test("no hit across a different system prompt, history, image, temperature, model, tool, seed, max tokens or squint setting", async () => {
  await using stack = startStack({ env: { ...CACHE_ON, SQUINT_CACHE_SAMPLED: "on" } });
  await chat(stack, baseRequest());
  for (const [name, change] of Object.entries(VARIANTS)) {
    const before = stack.mock.requests.length;
    const request = deepCopy(baseRequest());
    change(request);
    const { json } = await chat(stack, request);
    assert.equal(json.squint.cache, "miss", name);
    assert.equal(stack.mock.requests.length, before + 1, `${name}: one upstream call`);
  }
});

Deno.test("model names that differ only after a colon never share an answer", async () => {
  await using stack = startStack({ env: CACHE_ON });
  const ask = (model: string) =>
    chat(stack, { model, temperature: 0, messages: [{ role: "user", content: "hi" }] });
  assert.equal((await ask("llava:7b")).json.squint.cache, "miss");
  assert.equal((await ask("llava:13b")).json.squint.cache, "miss");
  assert.equal((await ask("llava:7b")).json.squint.cache, "hit");
  assert.deepEqual(stack.mock.requests.map((r) => (r.body as { model: string }).model), [
    "llava:7b",
    "llava:13b",
  ]);
});

Deno.test("no hit across tenants: each client key has its own answers", async () => {
  await using stack = startStack({ env: CACHE_ON });
  const body = {
    model: "gpt-4o-mini",
    temperature: 0,
    messages: [{ role: "user", content: "hi" }],
  };
  await chat(stack, body, { authorization: "Bearer sk-alice" });
  const bob = await chat(stack, body, { authorization: "Bearer sk-bob" });
  assert.equal(bob.json.squint.cache, "miss");
  const alice = await chat(stack, body, { authorization: "Bearer sk-alice" });
  assert.equal(alice.json.squint.cache, "hit");
  assert.equal(stack.mock.requests.length, 2);
});

Deno.test("sampled answers (temperature unset or above 0) are cached only when asked", async () => {
  await using stack = startStack({ env: CACHE_ON });
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "a poem" }] };
  await chat(stack, body);
  assert.equal((await chat(stack, body)).json.squint.cache, "bypass");
  assert.equal(stack.mock.requests.length, 2);
  // The request itself asks: cached.
  await chat(stack, body, { "x-squint-cache": "on" });
  const hit = await chat(stack, { ...body, squint: { cache: "on" } });
  assert.equal(hit.json.squint.cache, "hit");
  assert.equal(stack.mock.requests.length, 3);
});

Deno.test("cache modes: off bypasses, write stores without reading, read reads without storing", async () => {
  await using stack = startStack();
  const body = { model: "gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: "x" }] };
  assert.equal((await chat(stack, body)).json.squint.cache, "bypass");
  assert.equal((await chat(stack, body, { "x-squint-cache": "read" })).json.squint.cache, "miss");
  assert.equal(
    (await chat(stack, body, { "x-squint-cache": "write" })).json.squint.cache,
    "bypass",
  );
  assert.equal((await chat(stack, body, { "x-squint-cache": "read" })).json.squint.cache, "hit");
  assert.equal(stack.mock.requests.length, 3);
});

Deno.test("a TTL of the request's own: an expired answer is not served", async () => {
  let now = 1_000_000;
  await using stack = startStack({ env: CACHE_ON });
  // The store's clock is the test's (the TTL is the store's business).
  const kv = stack.squint.app.parts.storage.kv as unknown as { now: () => number };
  Object.defineProperty(kv, "now", { value: () => now });
  const body = { model: "gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: "t" }] };
  await chat(stack, body, { "x-squint-cache-ttl": "60" });
  now += 59_000;
  assert.equal((await chat(stack, body)).json.squint.cache, "hit");
  now += 2_000;
  assert.equal((await chat(stack, body)).json.squint.cache, "miss");
  assert.equal(stack.mock.requests.length, 2);
});

/** The data payloads of an SSE body, without `[DONE]`, each parsed and without `squint`. */
function chunksOf(text: string): Record<string, unknown>[] {
  const data = text.split("\n\n").filter((b) => b.startsWith("data: ")).map((b) => b.slice(6));
  assert.equal(data.at(-1), "[DONE]");
  return data.slice(0, -1).map((d) => without(JSON.parse(d), "squint"));
}

Deno.test("a streamed answer is replayed chunk for chunk, with and without usage asked", async () => {
  for (const includeUsage of [false, true]) {
    await using stack = startStack({ env: CACHE_ON, mock: { clock: FIXED_CLOCK } });
    const body = {
      model: "gpt-4o-mini",
      temperature: 0,
      stream: true,
      ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      messages: [{ role: "user", content: "stream a few words please" }],
    };
    const first = await stack.post("/chat/completions", body);
    const original = await first.text();
    const second = await stack.post("/chat/completions", body);
    assert.equal(second.headers.get("x-squint-cache-status"), "hit");
    const replay = await second.text();
    assert.equal(stack.mock.requests.length, 1);
    assert.deepEqual(chunksOf(replay), chunksOf(original));
    const last = replay.split("\n\n").filter(Boolean).at(-2)!.slice(6);
    assert.equal(JSON.parse(last).squint.cache, "hit");
  }
});

Deno.test("a stored stream answers a plain request, and a stored completion a stream, tool calls included", async () => {
  await using stack = startStack({ env: CACHE_ON, mock: { clock: FIXED_CLOCK } });
  const base = {
    model: "gpt-4o-mini",
    temperature: 0,
    tools: [WEATHER_TOOL],
    tool_choice: { type: "function", function: { name: WEATHER_TOOL.function.name } },
    messages: [{ role: "user", content: "weather in Oslo?" }],
  };
  // Stored as a stream, asked as JSON: the same completion the upstream gives to JSON.
  await (await stack.post("/chat/completions", { ...base, stream: true })).text();
  const folded = await chat(stack, base);
  assert.equal(folded.json.squint.cache, "hit");
  const direct = await chat(stack, { ...base, squint: { cache: "off" } });
  // Two calls differ only in their ids.
  const strip = (j: Record<string, unknown>) =>
    JSON.parse(JSON.stringify(without(j, "squint", "id")).replace(/call_[0-9a-z]+/g, "call_"));
  assert.deepEqual(strip(folded.json), strip(direct.json));

  // Stored as JSON, asked as a stream: the SDK's accumulated message matches.
  const other = { ...base, messages: [{ role: "user", content: "weather in Bergen?" }] };
  const stored = await chat(stack, other);
  const stream = await stack.client.chat.completions.create({ ...other, stream: true } as never);
  let args = "";
  let finish: string | null = null;
  type Chunk = {
    choices: {
      delta?: { tool_calls?: { function?: { arguments?: string } }[] };
      finish_reason?: string | null;
    }[];
  };
  for await (const chunk of stream as unknown as AsyncIterable<Chunk>) {
    for (const c of chunk.choices) {
      args += c.delta?.tool_calls?.[0]?.function?.arguments ?? "";
      finish = c.finish_reason ?? finish;
    }
  }
  const call = stored.json.choices[0].message.tool_calls[0];
  assert.equal(args, call.function.arguments);
  assert.equal(finish, "tool_calls");
  assert.equal(stack.mock.requests.length, 3);
});

Deno.test("upstream errors are not cached", async () => {
  await using stack = startStack({ env: { ...CACHE_ON, SQUINT_RETRIES: "0" } });
  const body = {
    model: "mock-error-500",
    temperature: 0,
    messages: [{ role: "user", content: "e" }],
  };
  for (let i = 0; i < 2; i++) {
    const response = await stack.post("/chat/completions", body);
    assert.equal(response.status, 500);
    await response.body?.cancel();
  }
  assert.equal(stack.mock.requests.length, 2);
});

/** Opens once `count` requests have boarded a flight in `stack`'s squint. */
function boarded(stack: Stack, count: number): Promise<void> {
  const flights = stack.squint.app.parts.flights;
  let seen = 0;
  return new Promise((resolve) =>
    flights.addEventListener("board", () => ++seen === count && resolve())
  );
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return { open, opened };
}

/**
 * Sends `body` `count` times at once through a stack whose mock answers only once all of them
 * have boarded a flight (`open` opens the mock's gate); resolves to each status and text.
 */
async function together(count: number, body: unknown, stack: Stack, open: () => void) {
  const all = boarded(stack, count);
  const answers = Array.from(
    { length: count },
    () =>
      stack.post("/chat/completions", body).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      })),
  );
  await all;
  open();
  return await Promise.all(answers);
}

for (const stream of [false, true]) {
  Deno.test(`50 concurrent identical ${stream ? "streamed" : "plain"} requests make one upstream call and get identical complete answers`, async () => {
    const { open, opened } = gate();
    await using stack = startStack({ mock: { gate: opened, clock: FIXED_CLOCK } });
    const body = {
      model: "mock-chunks-40",
      temperature: 0,
      stream,
      messages: [{ role: "user", content: "same question" }],
    };
    const done = await together(50, body, stack, open);
    assert.equal(stack.mock.requests.length, 1);
    const bodies: Record<string, unknown>[][] = done.map((d) => {
      assert.equal(d.status, 200);
      return stream ? chunksOf(d.text) : [without(JSON.parse(d.text), "squint")];
    });
    for (const b of bodies) assert.deepEqual(b, bodies[0]);
    const caches = done.map((d) =>
      stream
        ? JSON.parse(d.text.split("\n\n").filter(Boolean).at(-2)!.slice(6)).squint.cache
        : JSON.parse(d.text).squint.cache
    ).sort();
    assert.deepEqual(caches, [...Array(49).fill("dedup"), "bypass"].sort());
    if (stream) {
      const text = bodies[0].map((c) =>
        ((c.choices as { delta: { content?: string } }[])[0]?.delta.content) ?? ""
      ).join("");
      assert.equal(text.split(" ").length, 40);
    }
  });
}

Deno.test("a client that hangs up mid-stream does not break the others sharing its call", async () => {
  const { open, opened } = gate();
  await using stack = startStack({ mock: { gate: opened, slowChunkMs: 5, slowMaxChunks: 60 } });
  const all = boarded(stack, 3);
  const body = {
    model: "mock-slow",
    temperature: 0,
    stream: true,
    messages: [{ role: "user", content: "s" }],
  };
  // Reads the first bytes, then hangs up.
  const quitter = stack.post("/chat/completions", body).then(async (r) => {
    const reader = r.body!.getReader();
    await reader.read();
    await reader.cancel();
  });
  const stayers = [0, 1].map(() => stack.post("/chat/completions", body).then((r) => r.text()));
  await all;
  open();
  await quitter;
  const texts = await Promise.all(stayers);
  for (const text of texts) {
    const chunks = chunksOf(text);
    const finish = chunks.find((c) =>
      (c.choices as { finish_reason: string | null }[])?.[0]?.finish_reason
    );
    assert.ok(finish, "each stayer got the whole stream");
  }
  assert.deepEqual(chunksOf(texts[0]), chunksOf(texts[1]));
  assert.equal(stack.mock.requests.length, 1);
  assert.equal(stack.mock.aborted.count, 0);
});

Deno.test("an upstream error reaches every request sharing the call", async () => {
  const { open, opened } = gate();
  await using stack = startStack({ mock: { gate: opened }, env: { SQUINT_RETRIES: "0" } });
  const body = {
    model: "mock-error-503",
    temperature: 0,
    messages: [{ role: "user", content: "e" }],
  };
  const done = await together(5, body, stack, open);
  assert.equal(stack.mock.requests.length, 1);
  for (const d of done) {
    assert.equal(d.status, 503);
    assert.equal(typeof JSON.parse(d.text).error.message, "string");
  }
});

Deno.test("de-duplication is per tenant and only for temperature 0", async () => {
  const { open, opened } = gate();
  await using stack = startStack({ mock: { gate: opened } });
  const all = boarded(stack, 2);
  const body = { model: "gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: "d" }] };
  const sampled = { ...body, temperature: 0.7 };
  const answers = [
    stack.post("/chat/completions", body, { authorization: "Bearer sk-alice" }),
    stack.post("/chat/completions", body, { authorization: "Bearer sk-bob" }),
    stack.post("/chat/completions", sampled),
    stack.post("/chat/completions", sampled),
  ];
  await all;
  await stack.mock.received.wait(4);
  open();
  for (const r of await Promise.all(answers)) {
    assert.equal(r.status, 200);
    assert.notEqual((await r.json()).squint.cache, "dedup");
  }
  assert.equal(stack.mock.requests.length, 4);
});
