/** `GET /v1/usage` (totals and savings, grouped) and `GET /health`. */
import assert from "node:assert/strict";
import { createRegistry } from "../../src/models/registry.ts";
import { corpusDataUrl, imageMessage } from "./_images.ts";
import { assertOpenAIError, SQUINT_REQUEST_ID, sseChunks, startStack } from "./_stack.ts";

type Figures = Record<string, number>;
interface Stats {
  tokens_before: number;
  tokens_after: number;
  tokens_saved: number;
  upstream_input_tokens: number;
  cost_before_usd: number;
  cost_after_usd: number;
  cost_saved_usd: number;
  model: string;
}
interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

const usd = (x: number) => Math.round(x * 1e10) / 1e10;
const REGISTRY = createRegistry();

/** The figures `/v1/usage` must report for requests with these stats and usage. */
function expectedFigures(calls: { squint: Stats; usage: Usage }[]): Figures {
  const sum = (f: (c: { squint: Stats; usage: Usage }) => number) =>
    calls.reduce((total, call) => total + f(call), 0);
  return {
    requests: calls.length,
    errors: 0,
    tokens_before: sum((c) => c.squint.tokens_before),
    tokens_after: sum((c) => c.squint.tokens_after),
    tokens_saved: sum((c) => c.squint.tokens_saved),
    upstream_input_tokens: sum((c) => c.usage.prompt_tokens),
    upstream_output_tokens: sum((c) => c.usage.completion_tokens),
    cost_before_usd: usd(sum((c) => c.squint.cost_before_usd)),
    cost_after_usd: usd(sum((c) => c.squint.cost_after_usd)),
    cost_saved_usd: usd(sum((c) => c.squint.cost_saved_usd)),
    // The billed input and the output at the called model's output price.
    spent_usd: usd(sum((c) =>
      usd(
        c.squint.cost_after_usd +
          c.usage.completion_tokens * REGISTRY.resolve(c.squint.model)!.prices!.outputPerMTok / 1e6,
      )
    )),
  };
}

/** The first 16 hex digits of SHA-256 of a key: how the request log names it. */
async function keyId(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return new Uint8Array(digest).toHex().slice(0, 16);
}

function usageOf(origin: string, query = "", headers: Record<string, string> = {}) {
  return fetch(`${origin}/v1/usage${query}`, { headers });
}

Deno.test("/v1/usage totals every completed request, streamed ones included, and groups them by model, optimization and channel", async () => {
  await using stack = startStack();
  const plain = await (await stack.post("/chat/completions", {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "What is a fjord?" }],
  })).json();
  const photo = await (await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [imageMessage("Is it raining?", [corpusDataUrl("photo_storm_road_1920x1280.jpg")])],
    squint: { detail: "low" },
  })).json();
  const chunks = await sseChunks(
    await stack.post("/chat/completions", {
      model: "gpt-4o",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "And a glacier?" }],
    }),
  );
  const streamed = chunks.at(-1) as unknown as { squint: Stats; usage: Usage };
  assert.equal(streamed.squint.upstream_input_tokens, streamed.usage.prompt_tokens);

  const response = await usageOf(stack.squint.origin);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("x-request-id")!, SQUINT_REQUEST_ID);
  const report = await response.json();
  assert.equal(report.from, null);
  assert.equal(report.to, null);
  assert.deepEqual(report.totals, expectedFigures([plain, photo, streamed]));
  assert.equal(report.totals.tokens_saved, 1020);

  const byModel = await (await usageOf(stack.squint.origin, "?group_by=model")).json();
  assert.equal(byModel.group_by, "model");
  assert.deepEqual(
    byModel.groups.map((g: Figures & { key: string }) => [g.key, g.requests]),
    [["gpt-4o", 2], ["gpt-4o-mini", 1]],
  );
  assert.deepEqual(
    byModel.groups.find((g: { key: string }) => g.key === "gpt-4o-mini"),
    { key: "gpt-4o-mini", ...expectedFigures([plain]) },
  );

  const byOptimization = await (await usageOf(stack.squint.origin, "?group_by=optimization"))
    .json();
  assert.deepEqual(
    byOptimization.groups.map((g: Figures & { key: string }) => [g.key, g.requests]).sort(),
    [["detail_low", 1], ["resize", 1]],
  );

  // A channel's group carries what it saved; the other figures are not split by channel.
  const byChannel = await (await usageOf(stack.squint.origin, "?group_by=channel")).json();
  assert.deepEqual(byChannel.groups.map((g: Figures & { key: string }) => [g.key, g.requests]), [
    ["images", 1],
  ]);
  assert.equal(byChannel.groups[0].cost_saved_usd, expectedFigures([photo]).cost_saved_usd);
});

Deno.test("/v1/usage from and to select a time window", async () => {
  await using stack = startStack();
  await (await stack.post("/chat/completions", {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hello" }],
  })).json();
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const hourAhead = new Date(Date.now() + 3_600_000).toISOString();

  const inside = await (await usageOf(stack.squint.origin, `?from=${hourAgo}&to=${hourAhead}`))
    .json();
  assert.equal(inside.totals.requests, 1);
  assert.equal(inside.from, hourAgo);
  assert.equal(inside.to, hourAhead);
  const later = await (await usageOf(stack.squint.origin, `?from=${hourAhead}`)).json();
  assert.equal(later.totals.requests, 0);
});

Deno.test("/v1/usage group_by=key names keys by hash; each squint key sees only its own usage", async () => {
  await using stack = startStack({
    env: {
      SQUINT_API_KEYS: "sq-alice,sq-bob",
      SQUINT_OPENAI_API_KEY: "sk-server",
      SQUINT_ADMIN_TOKEN: "admin-secret",
    },
  });
  const ask = (key: string) =>
    stack.post("/chat/completions", {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hello" }],
    }, { authorization: `Bearer ${key}` }).then((r) => r.json());
  await ask("sq-alice");
  await ask("sq-alice");
  await ask("sq-bob");

  const all = await (await usageOf(stack.squint.origin, "?group_by=key", {
    authorization: "Bearer admin-secret",
  })).json();
  assert.equal(all.totals.requests, 3);
  assert.deepEqual(
    all.groups.map((g: Figures & { key: string }) => [g.key, g.requests]).sort(),
    [[await keyId("sq-alice"), 2], [await keyId("sq-bob"), 1]].sort(),
  );
  const alice = await (await usageOf(stack.squint.origin, "?group_by=key", {
    authorization: "Bearer sq-alice",
  })).json();
  assert.equal(alice.totals.requests, 2);
  assert.deepEqual(alice.groups.map((g: { key: string }) => g.key), [await keyId("sq-alice")]);
  const anonymous = await usageOf(stack.squint.origin);
  await assertOpenAIError(anonymous, 401, { type: "authentication_error" });
});

Deno.test("/v1/usage refuses an unknown group_by, a date that is not ISO 8601 and a window that ends before it starts with 400", async () => {
  await using stack = startStack();
  const backwards = await usageOf(stack.squint.origin, "?from=2026-12-01&to=2026-11-01");
  const refused = await backwards.clone().json();
  await assertOpenAIError(backwards, 400, { type: "invalid_request_error", param: "to" });
  assert.equal(
    refused.error.message,
    "to: 2026-11-01T00:00:00.000Z is before from (2026-12-01T00:00:00.000Z)",
  );
  await assertOpenAIError(await usageOf(stack.squint.origin, "?group_by=colour"), 400, {
    type: "invalid_request_error",
    param: "group_by",
  });
  await assertOpenAIError(await usageOf(stack.squint.origin, "?from=yesterday"), 400, {
    type: "invalid_request_error",
    param: "from",
  });
});

Deno.test("HEAD is answered wherever GET is (/health, /metrics, the dashboard's login): GET's status and headers, no body", async () => {
  await using stack = startStack();
  for (const path of ["/health", "/metrics", "/dashboard/login"]) {
    const get = await fetch(`${stack.squint.origin}${path}`);
    await get.body?.cancel();
    const head = await fetch(`${stack.squint.origin}${path}`, { method: "HEAD" });
    assert.equal(head.status, get.status, path);
    assert.equal(head.headers.get("content-type"), get.headers.get("content-type"), path);
    assert.equal(await head.text(), "", path);
  }
  // A route without GET still refuses it, and says HEAD only where GET is.
  const refused = await fetch(`${stack.squint.baseUrl}/chat/completions`, { method: "HEAD" });
  assert.equal(refused.status, 405);
  assert.equal(refused.headers.get("allow"), "POST");
  const options = await fetch(`${stack.squint.origin}/health`, { method: "PUT" });
  await options.body?.cancel();
  assert.equal(options.headers.get("allow"), "GET, HEAD");
});

Deno.test("GET /health answers 200 with the storage and the worker pool", async () => {
  await using stack = startStack({ env: { SQUINT_WORKERS: "2" } });
  const response = await fetch(`${stack.squint.origin}/health`);
  const body = await response.json();

  assert.equal(response.status, 200);
  assert.match(response.headers.get("x-request-id")!, SQUINT_REQUEST_ID);
  assert.equal(body.status, "ok");
  assert.deepEqual(body.storage, { ok: true, detail: "sqlite" });
  assert.deepEqual(Object.keys(body.pool).sort(), [
    "busy",
    "completed",
    "failed",
    "queued",
    "replaced",
    "size",
  ]);
  assert.equal(body.pool.size, 2);
  assert.equal(body.pool.busy, 0);
  assert.equal(body.pool.queued, 0);
});
