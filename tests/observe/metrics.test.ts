/**
 * `GET /metrics` after a known mix of requests, read by a strict text-format reader: every
 * counter equals what `/v1/usage` reports and what the mock upstream saw.
 */
import assert from "node:assert/strict";
import { keyId } from "../../src/accounting/key_id.ts";
import { DURATION_BUCKETS, OVERHEAD_BUCKETS } from "../../src/observe/request_metrics.ts";
import { corpusDataUrl, imageMessage } from "../http/_images.ts";
import { type Stack, startStack } from "../http/_stack.ts";
import {
  type Family,
  histogramSeries,
  parsePrometheusText,
  total,
} from "../support/prometheus_text.ts";

const TOKEN = "metrics-token-1";
const usd = (x: number) => Math.round(x * 1e9) / 1e9;

async function scrape(stack: Stack, token = TOKEN): Promise<Family[]> {
  const response = await fetch(`${stack.squint.origin}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheusText(await response.text());
}

/** Resolves once `count` requests have boarded one flight (de-duplication). */
function boarded(stack: Stack, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) =>
    stack.squint.app.parts.flights.addEventListener("board", () => ++seen === count && resolve())
  );
}

Deno.test("/metrics after a cache hit, a dedup, an OCR route, a cascade, a retry and an error equals /v1/usage and the mock", async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => open = resolve);
  await using stack = startStack({
    env: { SQUINT_CACHE: "on", SQUINT_METRICS_TOKEN: TOKEN, SQUINT_RETRY_BASE_MS: "0" },
    mock: { gate },
  });
  const json = async (r: Promise<Response>) => (await r).json();
  // De-duplication: two identical requests share one call (the mock holds its answers until then).
  const same = {
    model: "gpt-4o-mini",
    temperature: 0,
    messages: [{ role: "user", content: "What is a fjord?" }],
  };
  const both = boarded(stack, 2);
  const pair = [
    json(stack.post("/chat/completions", same)),
    json(stack.post("/chat/completions", same)),
  ];
  await both;
  open();
  const shared = await Promise.all(pair);
  assert.deepEqual(shared.map((a) => a.squint.cache).sort(), ["dedup", "miss"]);
  // The cache: the same again is a hit.
  const hit = await json(stack.post("/chat/completions", same));
  assert.equal(hit.squint.cache, "hit");
  // A page read as text.
  const page = await json(stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [
      imageMessage("Summarize this.", [corpusDataUrl("doc_crop_book_paragraph_556x257.png")]),
    ],
  }));
  assert.ok(page.squint.optimizations.includes("ocr"), page.squint.optimizations.join());
  // A cascade to the cheaper model, streamed.
  const cascade = await stack.post("/chat/completions", {
    model: "gpt-4o",
    stream: true,
    messages: [{ role: "user", content: "What is the capital of France? One word." }],
  }, { "x-squint-cascade": "on" });
  const streamed = await cascade.text();
  assert.match(streamed, /"cascade"/);
  // A retry that then succeeds, and an error.
  const retried = await stack.post("/chat/completions", {
    model: "mock-fail-1-503",
    messages: [{ role: "user", content: "again?" }],
  });
  assert.equal(retried.status, 200);
  await retried.body?.cancel();
  const failed = await stack.post("/chat/completions", {
    model: "mock-error-400",
    messages: [{ role: "user", content: "no" }],
  });
  assert.equal(failed.status, 400);
  await failed.body?.cancel();

  const usage = await (await fetch(`${stack.squint.origin}/v1/usage`)).json();
  const channels = await (await fetch(`${stack.squint.origin}/v1/usage?group_by=channel`)).json();
  const m = await scrape(stack);
  const t = usage.totals;
  assert.equal(total(m, "squint_requests_total"), t.requests);
  assert.equal(t.requests, 7);
  assert.equal(total(m, "squint_requests_total", { status_class: "4xx" }), t.errors);
  assert.equal(total(m, "squint_requests_total", { cache: "hit" }), 1);
  assert.equal(total(m, "squint_requests_total", { cache: "dedup" }), 1);
  assert.equal(total(m, "squint_request_errors_total", { code: "upstream_error" }), 1);
  assert.equal(total(m, "squint_tokens_total", { type: "input" }), t.upstream_input_tokens);
  assert.equal(total(m, "squint_tokens_total", { type: "output" }), t.upstream_output_tokens);
  assert.equal(usd(total(m, "squint_cost_usd_total")), usd(t.cost_after_usd));
  assert.ok(t.spent_usd > t.cost_after_usd);
  assert.equal(usd(total(m, "squint_spent_usd_total")), usd(t.spent_usd));
  assert.equal(usd(total(m, "squint_baseline_cost_usd_total")), usd(t.cost_before_usd));
  assert.equal(usd(total(m, "squint_saved_usd_total")), usd(t.cost_saved_usd));
  for (const group of channels.groups) {
    assert.equal(
      usd(total(m, "squint_saved_usd_total", { channel: group.key })),
      usd(group.cost_saved_usd),
      group.key,
    );
  }
  assert.ok(total(m, "squint_saved_usd_total", { channel: "routing" }) > 0);
  assert.ok(total(m, "squint_saved_tokens_total", { channel: "ocr" }) > 0);
  assert.equal(
    total(m, "squint_saved_tokens_total", { channel: "cache" }),
    hit.squint.tokens_after,
  );
  assert.equal(total(m, "squint_images_total", { action: "ocr" }), 1);
  assert.equal(total(m, "squint_upstream_retries_total"), 1);
  // The mock saw every call squint made: one per request not served from the cache or a shared
  // call, plus the retry.
  const served = total(m, "squint_requests_total", { cache: "hit" }) +
    total(m, "squint_requests_total", { cache: "dedup" });
  assert.equal(
    stack.mock.requests.length,
    t.requests - served + total(m, "squint_upstream_retries_total"),
  );
  // Nothing left open by the streams and shared calls: only the scrape itself is under way.
  assert.equal(total(m, "squint_requests_in_flight"), 1);
  assert.equal(total(m, "squint_worker_pool", { state: "workers" }), 1);

  // Histograms: the buckets operators need, every request observed once.
  const duration = m.find((f) => f.name === "squint_request_duration_seconds")!;
  const series = histogramSeries(duration);
  assert.deepEqual(series[0].buckets.map((b) => b.le), [...DURATION_BUCKETS, Infinity]);
  assert.equal(DURATION_BUCKETS.at(-1), 600);
  assert.equal(series.reduce((n, s) => n + s.count!, 0), t.requests);
  const overhead = histogramSeries(m.find((f) => f.name === "squint_overhead_seconds")!);
  assert.ok(OVERHEAD_BUCKETS.includes(0.001) && OVERHEAD_BUCKETS[0] < 0.001);
  // Every request that reached the upstream has an overhead (the others were served by squint).
  assert.equal(overhead.reduce((n, s) => n + s.count!, 0), t.requests - served);
  const ttft = histogramSeries(m.find((f) => f.name === "squint_time_to_first_token_seconds")!);
  assert.equal(ttft.reduce((n, s) => n + s.count!, 0), 1);
  // No key label unless asked.
  assert.ok(m.every((f) => f.samples.every((s) => !("key" in s.labels))));
});

Deno.test("/metrics asks for its bearer token when one is set, and is 404 when metrics are off", async () => {
  await using stack = startStack({ env: { SQUINT_METRICS_TOKEN: TOKEN } });
  for (const headers of [{}, { authorization: "Bearer wrong" }] as Record<string, string>[]) {
    const refused = await fetch(`${stack.squint.origin}/metrics`, { headers });
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).error.code, "invalid_metrics_token");
  }
  await scrape(stack);
  await using off = startStack({ env: { SQUINT_METRICS: "off" } });
  const response = await fetch(`${off.squint.origin}/metrics`);
  assert.equal(response.status, 404);
  await response.body?.cancel();
});

Deno.test("a key label only when asked, holding the key's id and never the key; models past the cap are `other`", async () => {
  const key = "sq-metrics-label-key-0001";
  await using stack = startStack({
    apiKey: key,
    env: {
      SQUINT_API_KEYS: key,
      SQUINT_OPENAI_API_KEY: "sk-server",
      SQUINT_METRICS_KEY_LABEL: "on",
      SQUINT_METRICS_MAX_MODELS: "1",
    },
  });
  for (const model of ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"]) {
    const r = await stack.post("/chat/completions", {
      model,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(r.status, 200);
    await r.body?.cancel();
  }
  const text = await (await fetch(`${stack.squint.origin}/metrics`)).text();
  assert.ok(!text.includes(key));
  const m = parsePrometheusText(text);
  const id = (await keyId(key))!;
  assert.equal(total(m, "squint_requests_total", { key: id }), 3);
  assert.equal(total(m, "squint_requests_total", { model: "gpt-4o-mini" }), 1);
  assert.equal(total(m, "squint_requests_total", { model: "other" }), 2);
});

Deno.test("the door label is one of the doors' names whatever paths clients send: no series per path", async () => {
  await using stack = startStack();
  const origin = stack.squint.origin;
  const send = async (method: string, path: string, init: RequestInit = {}) => {
    const r = await fetch(`${origin}${path}`, { method, ...init });
    await r.body?.cancel();
    return r.status;
  };
  const json = { "content-type": "application/json", authorization: "Bearer sk-client" };
  // Paths no door serves, passthrough paths that carry ids, and a refusal on a model door.
  assert.equal(await send("GET", "/nowhere-1"), 404);
  assert.equal(await send("POST", "/nowhere-2"), 404);
  for (const id of ["file-abc", "file-def"]) {
    await send("GET", `/v1/files/${id}`, { headers: json });
  }
  const refused = await send("POST", "/v1/messages", {
    headers: { ...json, "anthropic-version": "2023-06-01" },
    body: "{not json",
  });
  assert.equal(refused, 400);
  const m = await scrape(stack);
  const doors = new Set(
    m.find((f) => f.name === "squint_requests_total")!.samples.map((s) => s.labels.door),
  );
  assert.deepEqual([...doors].sort(), ["messages", "passthrough", "unknown"]);
  assert.equal(total(m, "squint_requests_total", { door: "unknown", status_class: "4xx" }), 2);
  assert.equal(total(m, "squint_requests_total", { door: "passthrough" }), 2);
  assert.equal(
    total(m, "squint_requests_total", {
      door: "messages",
      provider: "anthropic",
      status_class: "4xx",
    }),
    1,
  );
  assert.equal(total(m, "squint_request_errors_total", { door: "messages" }), 1);
});
