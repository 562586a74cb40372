/**
 * Two squint instances on different ports sharing one PostgreSQL and Redis (a database and key
 * prefix of this test's own) behave as one: a cache entry written by one is a hit on the other
 * (exact and by look), identical concurrent requests over both make one upstream call, a key's
 * rate limit and budget hold in total, usage counts every request once, a revocation on one is
 * refused on the other; Redis cut off degrades without failing requests.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { type MockOpenAI, startMockOpenAI } from "../support/mock_openai.ts";
import { type MockOptions } from "../support/mock_openai.ts";
import { startProductionSquint } from "../support/production_squint.ts";
import { freshDatabase, productionServices, redisPrefix } from "../support/services.ts";
import { corpusDataUrl } from "../support/squint.ts";
import { captureErrors } from "../support/said.ts";
import { proxyInFront } from "../support/tcp_proxy.ts";
import { variant } from "../support/variants.ts";
import { FIXED_CLOCK } from "./_stack.ts";

const services = await productionServices();
const ADMIN = "admin-token-for-tests";
const ENV = {
  SQUINT_ADMIN_TOKEN: ADMIN,
  SQUINT_OPENAI_API_KEY: "sk-server",
  SQUINT_ENCRYPTION_KEY: "a-long-random-string-for-the-tests",
};

type Instance = Awaited<ReturnType<typeof startProductionSquint>>;

/** Two instances over one database and Redis prefix, and the mock upstream behind both. */
async function twoInstances(env: Record<string, string> = {}, mock: MockOptions = {}) {
  const db = await freshDatabase(services.postgresUrl);
  const redis = await redisPrefix(services.redisUrl);
  const upstream = startMockOpenAI({ clock: FIXED_CLOCK, ...mock });
  const shared = { databaseUrl: db.url, redisUrl: services.redisUrl, redisPrefix: redis.prefix };
  const settings = { ...ENV, SQUINT_OPENAI_BASE_URL: upstream.baseUrl, ...env };
  const a = await startProductionSquint(shared, settings);
  const b = await startProductionSquint(shared, settings);
  return {
    a,
    b,
    mock: upstream,
    db,
    async [Symbol.asyncDispose]() {
      await upstream.close();
      await a.close();
      await b.close();
      await redis.clear();
      await db.drop();
    },
  };
}

function ask(content: unknown, model = "gpt-4o") {
  return { model, temperature: 0, messages: [{ role: "user", content }] };
}

function post(
  instance: Instance,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${instance.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** A chat call with squint key `key`; resolves to status, body and the error code if any. */
async function chat(instance: Instance, key: string, body: unknown) {
  const response = await post(instance, "/v1/chat/completions", body, {
    authorization: `Bearer ${key}`,
  });
  const json = await response.json();
  return { status: response.status, json, retryAfter: response.headers.get("retry-after") };
}

async function createKey(instance: Instance, spec: Record<string, unknown>) {
  const response = await post(instance, "/admin/keys", spec, { authorization: `Bearer ${ADMIN}` });
  const json = await response.json();
  assert.equal(response.status, 201, JSON.stringify(json));
  return json as { id: string; key: string };
}

/** Starts the test at least `seconds` before the minute ends, so a per-minute window holds. */
async function awayFromMinuteEnd(seconds: number): Promise<void> {
  const left = 60_000 - Date.now() % 60_000;
  if (left < seconds * 1000) {
    console.log(`waiting ${left} ms for a fresh rate-limit minute`);
    await new Promise((resolve) => setTimeout(resolve, left + 50));
  }
}

Deno.test({
  name: "an answer cached by one instance is a hit on the other, exactly and by look",
  ignore: services.ignore,
  async fn() {
    await using it = await twoInstances({ SQUINT_CACHE: "on" });
    const { key } = await createKey(it.a, { name: "cache" });
    const first = await chat(it.a, key, ask("What is the capital of France?"));
    assert.equal(first.json.squint.cache, "miss");
    const second = await chat(it.b, key, ask("What is the capital of France?"));
    assert.equal(second.json.squint.cache, "hit");
    assert.deepEqual(second.json.choices, first.json.choices);

    const question = "What is in this image?";
    const photo = [{ type: "text", text: question }, {
      type: "image_url",
      image_url: { url: corpusDataUrl("photo_boats_sunset_2560x1600.jpg") },
    }];
    assert.equal((await chat(it.a, key, ask(photo))).json.squint.cache, "miss");
    const copy = [{ type: "text", text: question }, {
      type: "image_url",
      image_url: { url: await variant("photo_boats_sunset_2560x1600.jpg", { scale: 0.5 }) },
    }];
    const byLook = await chat(it.b, key, ask(copy));
    assert.equal(byLook.json.squint.cache, "hit");
    assert.ok(byLook.json.squint.optimizations.includes("perceptual_match"));
    assert.equal(it.mock.requests.length, 2);
  },
});

Deno.test({
  name: "20 concurrent identical requests spread over both instances make one upstream call",
  ignore: services.ignore,
  async fn() {
    const { promise: opened, resolve: open } = Promise.withResolvers<void>();
    await using it = await twoInstances({}, { gate: opened });
    const { key } = await createKey(it.a, { name: "dedup" });
    // Every request is in: each instance's leader has taken the lease or is waiting on it,
    // and every other request has boarded its instance's flight.
    let boarded = 0, decided = 0;
    const { promise: allIn, resolve: allInNow } = Promise.withResolvers<void>();
    const check = () => boarded === 20 && decided === 2 && allInNow();
    for (const instance of [it.a, it.b]) {
      instance.app.parts.flights.addEventListener("board", () => (boarded++, check()));
      for (const event of ["lead", "wait"]) {
        instance.app.parts.sharedFlights!.addEventListener(event, () => (decided++, check()));
      }
    }
    const answers = Array.from(
      { length: 20 },
      (_, i) => chat(i % 2 ? it.b : it.a, key, ask("Name three primary colours.")),
    );
    await allIn;
    open();
    const results = await Promise.all(answers);
    assert.deepEqual(results.map((r) => r.status), Array(20).fill(200));
    assert.equal(it.mock.requests.length, 1);
    const text = results[0].json.choices[0].message.content;
    assert.ok(results.every((r) => r.json.choices[0].message.content === text));
    const caches = results.map((r) => r.json.squint.cache).sort();
    assert.deepEqual(caches, ["bypass", ...Array(19).fill("dedup")]);

    // Every request is counted once, whichever instance served it.
    await Promise.all([it.a.storage.flush(), it.b.storage.flush()]);
    const usage = await fetch(`${it.b.origin}/v1/usage?group_by=key`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    }).then((r) => r.json());
    assert.equal(usage.totals.requests, 20);
    assert.equal(usage.groups.length, 1);
  },
});

Deno.test({
  name: "a key's requests-per-minute limit holds in total over both instances",
  ignore: services.ignore,
  async fn() {
    await using it = await twoInstances();
    const { key } = await createKey(it.a, { name: "limited", rpm: 4 });
    await awayFromMinuteEnd(10);
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await chat(i % 2 ? it.b : it.a, key, ask(`n ${i}`)));
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 429, 429, 429, 429]);
    const refused = results[4];
    assert.equal(refused.json.error.code, "rate_limited");
    assert.equal(refused.json.error.type, "rate_limit_error");
    const retry = Number(refused.retryAfter);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${refused.retryAfter}`);
    assert.equal(it.mock.requests.length, 4);
  },
});

Deno.test({
  name: "a key's tokens-per-minute limit counts the tokens used on either instance",
  ignore: services.ignore,
  async fn() {
    await using it = await twoInstances();
    const { key } = await createKey(it.a, { name: "tokens", tpm: 1 });
    await awayFromMinuteEnd(10);
    const first = await chat(it.a, key, ask("Use some tokens."));
    assert.equal(first.status, 200);
    assert.ok(first.json.usage.total_tokens >= 1);
    await it.a.storage.flush();
    const second = await chat(it.b, key, ask("And more."));
    assert.equal(second.status, 429);
    assert.equal(second.json.error.code, "rate_limited");
    assert.match(second.json.error.message, /1 tokens per minute/);
    assert.ok(Number(second.retryAfter) >= 1);
    assert.equal(it.mock.requests.length, 1);
  },
});

Deno.test({
  name: "a budget spent on one instance is refused on the other, or served by the fallback model",
  ignore: services.ignore,
  async fn() {
    await using it = await twoInstances();
    const strict = await createKey(it.a, { name: "strict", budget_usd: 0.000001 });
    const lenient = await createKey(it.a, {
      name: "lenient",
      budget_usd: 0.000001,
      budget_period: "day",
      fallback_model: "gpt-4o-mini",
    });
    for (const { key } of [strict, lenient]) {
      assert.equal((await chat(it.a, key, ask("Spend a little."))).status, 200);
    }
    await it.a.storage.flush();
    const refused = await chat(it.b, strict.key, ask("And some more."));
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error.code, "budget_exhausted");
    const untilMonthEnd = Number(refused.retryAfter);
    assert.ok(untilMonthEnd > 0 && untilMonthEnd <= 31 * 86400, `${refused.retryAfter}`);
    const fallback = await chat(it.b, lenient.key, ask("And some more."));
    assert.equal(fallback.status, 200);
    assert.equal((it.mock.requests.at(-1)!.body as { model: string }).model, "gpt-4o-mini");
    assert.equal(it.mock.requests.length, 3);
  },
});

Deno.test({
  name:
    "keys: revoked on one instance is refused on the other; models, provider keys, nothing in clear",
  ignore: services.ignore,
  async fn() {
    await using it = await twoInstances();
    const own = await createKey(it.a, {
      name: "own provider key",
      models: ["gpt-4o*"],
      provider_keys: { openai: "sk-of-this-key-only" },
    });
    assert.equal((await chat(it.b, own.key, ask("hi"))).status, 200);
    assert.equal(it.mock.requests[0].headers.authorization, "Bearer sk-of-this-key-only");
    const other = await chat(it.b, own.key, ask("hi", "claude-sonnet-4-6"));
    assert.equal(other.status, 403);
    assert.equal(other.json.error.code, "model_not_allowed");

    const listed = await fetch(`${it.b.origin}/admin/keys`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    }).then((r) => r.json());
    assert.equal(listed.data.length, 1);
    assert.deepEqual(listed.data[0].providers, ["openai"]);
    const text = JSON.stringify(listed);
    assert.ok(!text.includes(own.key) && !text.includes("sk-of-this-key-only"));

    const sql = postgres(it.db.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`SELECT row_to_json(k)::text AS t FROM squint_keys k`;
      assert.ok(!row.t.includes(own.key), "the secret is stored as a hash only");
      assert.ok(!row.t.includes("sk-of-this-key-only"), "the provider key is stored sealed");
      const logged = await sql`SELECT row_to_json(r)::text AS t FROM requests r`;
      assert.ok(logged.every((r) => !r.t.includes(own.key) && !r.t.includes("sk-of")));
    } finally {
      await sql.end();
    }

    const revoked = await fetch(`${it.a.origin}/admin/keys/${own.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.equal(revoked.status, 200);
    await revoked.body?.cancel();
    const after = await chat(it.b, own.key, ask("hi"));
    assert.equal(after.status, 401);
    assert.equal(after.json.error.code, "missing_squint_key");
  },
});

Deno.test({
  name: "the admin API is off without a token, refuses a wrong one, and shows a secret only once",
  ignore: services.ignore,
  async fn() {
    await using it = await twoInstances();
    const wrong = await post(it.a, "/admin/keys", { name: "x" }, { authorization: "Bearer no" });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error.code, "invalid_admin_token");
    const bad = await post(it.a, "/admin/keys", { name: "x", rpm: -1 }, {
      authorization: `Bearer ${ADMIN}`,
    });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.param, "rpm");
    const created = await createKey(it.a, { name: "shown once" });
    assert.match(created.key, /^sq-[A-Za-z0-9_-]{43}$/);
    const listed = await fetch(`${it.a.origin}/admin/keys`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    }).then((r) => r.text());
    assert.ok(!listed.includes(created.key));
    assert.ok(listed.includes(created.key.slice(0, 9)));

    const db = await freshDatabase(services.postgresUrl);
    await using redis = await redisPrefix(services.redisUrl);
    const off = await startProductionSquint({
      databaseUrl: db.url,
      redisUrl: services.redisUrl,
      redisPrefix: redis.prefix,
    });
    try {
      const response = await fetch(`${off.origin}/admin/keys`);
      assert.equal(response.status, 404);
      assert.match((await response.json()).error.message, /SQUINT_ADMIN_TOKEN/);
    } finally {
      await off.close();
      await db.drop();
    }
  },
});

Deno.test({
  name:
    "with Redis cut off, requests are served (no cache, local limits) and sharing resumes when it is back",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    await using redis = await redisPrefix(services.redisUrl);
    await using front = await proxyInFront(services.redisUrl, 6379);
    const { proxy } = front;
    await using mock: MockOpenAI = startMockOpenAI({ clock: FIXED_CLOCK });
    const instance = await startProductionSquint({
      databaseUrl: db.url,
      redisUrl: front.url,
      redisPrefix: redis.prefix,
    }, { ...ENV, SQUINT_OPENAI_BASE_URL: mock.baseUrl, SQUINT_CACHE: "on" });
    using _quiet = captureErrors();
    try {
      const { key } = await createKey(instance, { name: "through a cut", rpm: 3 });
      await awayFromMinuteEnd(10);
      await proxy.cut();
      const during = [];
      for (let i = 0; i < 4; i++) during.push(await chat(instance, key, ask("Same question.")));
      // No cache while Redis is away, and the limit is counted locally.
      assert.deepEqual(during.map((r) => r.status), [200, 200, 200, 429]);
      assert.deepEqual(during.slice(0, 3).map((r) => r.json.squint.cache), [
        "miss",
        "miss",
        "miss",
      ]);
      assert.equal((await instance.storage.health()).ok, true);
      await proxy.restore();
      await instance.storage.redis.whenReady();
      const stored = await chat(instance, key, ask("Another question."));
      assert.equal(stored.json.squint.cache, "miss");
      assert.equal((await chat(instance, key, ask("Another question."))).json.squint.cache, "hit");
    } finally {
      await instance.close();
    }
  },
});

Deno.test({
  name:
    "with PostgreSQL cut off, a known key is still served and every request's row arrives once it is back",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    await using redis = await redisPrefix(services.redisUrl);
    await using front = await proxyInFront(db.url, 5432);
    const { proxy } = front;
    await using mock: MockOpenAI = startMockOpenAI({ clock: FIXED_CLOCK });
    const instance = await startProductionSquint({
      databaseUrl: front.url,
      redisUrl: services.redisUrl,
      redisPrefix: redis.prefix,
    }, { ...ENV, SQUINT_OPENAI_BASE_URL: mock.baseUrl });
    using _quiet = captureErrors();
    try {
      const { key } = await createKey(instance, { name: "through an outage" });
      assert.equal((await chat(instance, key, ask("before"))).status, 200);
      await instance.storage.flush();
      await proxy.cut();
      const during = [];
      for (let i = 0; i < 5; i++) during.push(await chat(instance, key, ask(`during ${i}`)));
      assert.deepEqual(during.map((r) => r.status), [200, 200, 200, 200, 200]);
      // A key never seen before cannot be checked: 503, not let through.
      const unseen = await chat(instance, "sq-never-seen-before", ask("who?"));
      assert.equal(unseen.status, 503);
      assert.equal(unseen.json.error.code, "key_store_unavailable");
      const health = await fetch(`${instance.origin}/health`);
      assert.equal(health.status, 200);
      assert.match((await health.json()).storage.detail, /^postgres: /);
      await proxy.restore();
      await instance.storage.flush();
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql`SELECT status FROM requests ORDER BY ts`;
        assert.deepEqual(rows.map((r) => r.status), [200, 200, 200, 200, 200, 200, 503]);
      } finally {
        await sql.end();
      }
    } finally {
      await instance.close();
    }
  },
});

Deno.test({
  name:
    "a Redis that does not answer at start delays start-up by at most a moment, and requests are served",
  ignore: services.ignore,
  async fn() {
    await using db = await freshDatabase(services.postgresUrl);
    await using mock: MockOpenAI = startMockOpenAI({ clock: FIXED_CLOCK });
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (closed.addr as Deno.NetAddr).port;
    closed.close();
    using said = captureErrors();
    const started = performance.now();
    const instance = await startProductionSquint({
      databaseUrl: db.url,
      redisUrl: `redis://127.0.0.1:${port}`,
      redisPrefix: "squint-test:unreachable:",
    }, { ...ENV, SQUINT_OPENAI_BASE_URL: mock.baseUrl, SQUINT_CACHE: "on" });
    try {
      assert.ok(performance.now() - started < 5000, "start-up does not wait for Redis");
      const { key } = await createKey(instance, { name: "no redis", rpm: 100 });
      const answers = [];
      for (let i = 0; i < 2; i++) answers.push(await chat(instance, key, ask("Same question.")));
      assert.deepEqual(answers.map((r) => [r.status, r.json.squint.cache]), [
        [200, "miss"],
        [200, "miss"],
      ]);
      assert.ok(said.lines.some((s) => /Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable/.test(s)));
      assert.match((await instance.storage.health()).detail, /redis: /);
    } finally {
      await instance.close();
    }
  },
});
