/**
 * Stored squint keys on the embedded default (a real SQLite data dir, the real app, a mock
 * upstream): created through the admin API, held to their limits, changed with PATCH, revoked,
 * and a restart on the same folder keeps what a key has spent.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { EmbeddedStorage } from "../../src/storage/embedded.ts";
import { type MockOpenAI, startMockOpenAI } from "../support/mock_openai.ts";
import { type RunningSquint, serveApp, startSquint } from "../support/squint.ts";
import { assertOpenAIError } from "./_stack.ts";

const ADMIN = "admin-token-for-embedded-tests";

/** squint on `dataDir` in front of `mock`, with an admin token and a server-side key. */
function squintOn(dataDir: string, mock: MockOpenAI): RunningSquint {
  return startSquint({
    SQUINT_DATA_DIR: dataDir,
    SQUINT_ADMIN_TOKEN: ADMIN,
    SQUINT_OPENAI_API_KEY: "sk-server",
    SQUINT_OPENAI_BASE_URL: mock.baseUrl,
  });
}

/** A mock upstream and squint on a fresh data dir; `restart()` starts a new squint on it. */
async function embedded() {
  const dataDir = await Deno.makeTempDir({ prefix: "squint-embedded-keys-" });
  const mock = startMockOpenAI();
  const it = {
    dataDir,
    mock,
    squint: squintOn(dataDir, mock),
    admin(method: string, path: string, body?: unknown): Promise<Response> {
      return fetch(`${it.squint.origin}/admin/keys${path}`, {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    async createKey(spec: Record<string, unknown>): Promise<{ id: string; key: string }> {
      const response = await it.admin("POST", "", spec);
      assert.equal(response.status, 201);
      return await response.json();
    },
    chat(key: string, model = "gpt-4o"): Promise<Response> {
      return fetch(`${it.squint.origin}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "Spend a little." }] }),
      });
    },
    /** A chat request answered 200 and logged (so its spend is counted). */
    async spend(key: string, model = "gpt-4o"): Promise<void> {
      const response = await it.chat(key, model);
      assert.equal(response.status, 200, await response.clone().text());
      await response.body?.cancel();
      const id = response.headers.get("x-request-id")!;
      // The row is logged once the answer is done; each look writes what is queued first.
      while (!(await it.squint.app.parts.storage.request(id)));
    },
    async restart(): Promise<void> {
      await it.squint.close();
      it.squint = squintOn(dataDir, mock);
    },
    async [Symbol.asyncDispose]() {
      await mock.close();
      await it.squint.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
  return it;
}

Deno.test("embedded mode stores a key made through the admin API in keys.db; it calls with squint's provider key until revoked", async () => {
  await using it = await embedded();
  const created = await it.createKey({ name: "ci" });
  assert.match(created.key, /^sq-[A-Za-z0-9_-]{43}$/);
  assert.ok((await Deno.stat(`${it.dataDir}/keys.db`)).isFile);

  const listed = await (await it.admin("GET", "")).json();
  assert.deepEqual(listed.data.map((k: { id: string }) => k.id), [created.id]);
  assert.ok(!JSON.stringify(listed).includes(created.key));

  await it.spend(created.key);
  assert.equal(it.mock.requests[0].headers.authorization, "Bearer sk-server");
  const usage = await it.squint.app.parts.storage.usage({ groupBy: "key" });
  assert.deepEqual(usage.groups?.map((g) => g.key), [created.id], "logged under the key's id");

  const revoked = await it.admin("DELETE", `/${created.id}`);
  assert.deepEqual(await revoked.json(), { id: created.id, revoked: true });
  await assertOpenAIError(await it.chat(created.key), 401, {
    type: "authentication_error",
    code: "missing_squint_key",
  });
  assert.equal(it.mock.requests.length, 1);
});

Deno.test("a stored key must name the model: a stored prompt's own model could not be checked against its limits or priced", async () => {
  await using it = await embedded();
  const created = await it.createKey({ name: "prompts", budget_usd: 1 });
  const ask = (body: unknown) =>
    fetch(`${it.squint.origin}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${created.key}` },
      body: JSON.stringify(body),
    });
  const body = await assertOpenAIError(await ask({ prompt: { id: "pmpt_abc" } }), 400, {
    type: "invalid_request_error",
    code: null,
  });
  assert.equal(body.error.param, "model");
  assert.equal(it.mock.requests.length, 0);
  const named = await ask({ model: "gpt-4o", prompt: { id: "pmpt_abc" } });
  assert.equal(named.status, 200);
  await named.body?.cancel();
});

Deno.test("SQUINT_API_KEYS keep working beside stored keys in embedded mode", async () => {
  await using it = await embedded();
  await it.squint.close();
  it.squint = startSquint({
    SQUINT_DATA_DIR: it.dataDir,
    SQUINT_ADMIN_TOKEN: ADMIN,
    SQUINT_API_KEYS: "sq-configured",
    SQUINT_OPENAI_API_KEY: "sk-server",
    SQUINT_OPENAI_BASE_URL: it.mock.baseUrl,
  });
  const stored = await it.createKey({ name: "stored" });
  await it.spend("sq-configured");
  await it.spend(stored.key);
  assert.equal(it.mock.requests.length, 2);
});

Deno.test("a spent budget serves the key's fallback model, and is 429 budget_exhausted without one", async () => {
  await using it = await embedded();
  const strict = await it.createKey({ name: "strict", budget_usd: 0.0000001 });
  const lenient = await it.createKey({
    name: "lenient",
    budget_usd: 0.0000001,
    fallback_model: "gpt-4o-mini",
  });
  await it.spend(strict.key);
  await it.spend(lenient.key);

  const fallback = await it.chat(lenient.key);
  assert.equal(fallback.status, 200);
  assert.equal((await fallback.json()).squint.model, "gpt-4o-mini");
  assert.equal((it.mock.requests.at(-1)!.body as { model: string }).model, "gpt-4o-mini");

  const refused = await it.chat(strict.key);
  const body = await assertOpenAIError(refused, 429, {
    type: "rate_limit_error",
    code: "budget_exhausted",
  });
  // Small sums in digits a person reads, not exponents.
  assert.match(
    body.error.message,
    /^budget exhausted: this squint key has spent \$0\.0000\d\d of its \$0\.00000010 budget per month$/,
  );
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  assert.equal(it.mock.requests.length, 3);
});

Deno.test("a key's budget counts what its requests cost in all, the output's tokens included, also after a restart", async () => {
  await using it = await embedded();
  const { id, key } = await it.createKey({ name: "full", budget_usd: 1 });
  const first = await it.chat(key);
  await first.body?.cancel();
  let row;
  while (!(row = await it.squint.app.parts.storage.request(first.headers.get("x-request-id")!)));
  const input = row.costAfterUsd!;
  const prices = it.squint.app.parts.registry.resolve("gpt-4o")!.prices!;
  const output = row.upstreamOutputTokens! * prices.outputPerMTok / 1e6;
  assert.ok(input > 0 && output > 0, `input ${input}, output ${output}`);
  assert.ok(Math.abs(row.spentUsd! - (input + output)) < 1e-9, `spent ${row.spentUsd}`);
  // A budget the input alone stays under, but the whole request does not.
  const patched = await it.admin("PATCH", `/${id}`, { budget_usd: input + output / 2 });
  assert.equal(patched.status, 200);
  await patched.body?.cancel();
  const refused = await it.chat(key);
  assert.equal(refused.status, 429, await refused.clone().text());
  assert.equal((await refused.json()).error.code, "budget_exhausted");
  await it.restart();
  const afterRestart = await it.chat(key);
  assert.equal(afterRestart.status, 429);
  await afterRestart.body?.cancel();
});

Deno.test("a key's refused requests are logged under the key, with the model it asked for", async () => {
  await using it = await embedded();
  const strict = await it.createKey({ name: "strict", budget_usd: 0.0000001 });
  await it.spend(strict.key);
  const spent = await it.chat(strict.key, "gpt-4o-mini");
  assert.equal(spent.status, 429);
  await spent.body?.cancel();
  const badControl = await fetch(`${it.squint.origin}/v1/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${strict.key}`,
      "x-squint-detail": "sharpest",
    },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello." }] }),
  });
  assert.equal(badControl.status, 400);
  await badControl.body?.cancel();
  const unknownKey = await it.chat("sq-not-a-key-of-this-squint");
  assert.equal(unknownKey.status, 401);
  await unknownKey.body?.cancel();

  const row = async (response: Response) => {
    const id = response.headers.get("x-request-id")!;
    let found;
    while (!(found = await it.squint.app.parts.storage.request(id)));
    return found;
  };
  const refused = await row(spent);
  assert.equal(refused.keyId, strict.id);
  assert.equal(refused.modelRequested, "gpt-4o-mini");
  assert.match(refused.error ?? "", /^budget exhausted/);
  const controlRow = await row(badControl);
  assert.equal(controlRow.keyId, strict.id);
  assert.equal(controlRow.status, 400);
  // A credential squint does not know is no key's.
  assert.equal((await row(unknownKey)).keyId, null);

  // The key's own usage counts its refusals.
  const usage = await fetch(`${it.squint.origin}/v1/usage`, {
    headers: { authorization: `Bearer ${strict.key}` },
  });
  const totals = (await usage.json()).totals;
  assert.deepEqual([totals.requests, totals.errors], [3, 2]);
});

Deno.test("past a key's requests per minute squint answers 429 rate_limited with Retry-After", async () => {
  await using it = await embedded();
  const { key } = await it.createKey({ name: "slow", rpm: 2 });
  // Three requests in one UTC minute (tried again, once, should they straddle two).
  for (let attempt = 0; attempt < 2; attempt++) {
    const minute = Math.floor(Date.now() / 60_000);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const response = await it.chat(key);
      statuses.push(response.status);
      if (response.status === 429) {
        await assertOpenAIError(response, 429, { type: "rate_limit_error", code: "rate_limited" });
        assert.ok(Number(response.headers.get("retry-after")) >= 1);
      } else await response.body?.cancel();
    }
    if (Math.floor(Date.now() / 60_000) !== minute) continue;
    assert.deepEqual(statuses, [200, 200, 429]);
    return;
  }
  assert.fail("two minute boundaries in two tries");
});

Deno.test("PATCH changes a key's limits and the next request is held to them", async () => {
  await using it = await embedded();
  const { id, key } = await it.createKey({ name: "open" });
  await it.spend(key);

  const narrowed = await it.admin("PATCH", `/${id}`, {
    name: "narrow",
    models: ["gpt-4o-mini"],
    budget_usd: 0.0000001,
  });
  assert.equal(narrowed.status, 200);
  const changed = await narrowed.json();
  assert.deepEqual(
    [changed.id, changed.name, changed.models, changed.budget_usd, changed.budget_period],
    [id, "narrow", ["gpt-4o-mini"], 0.0000001, "month"],
  );
  await assertOpenAIError(await it.chat(key, "gpt-4o"), 403, {
    type: "permission_error",
    code: "model_not_allowed",
  });
  // The budget was given after the key spent: that spend counts.
  await assertOpenAIError(await it.chat(key, "gpt-4o-mini"), 429, {
    type: "rate_limit_error",
    code: "budget_exhausted",
  });

  const cleared = await it.admin("PATCH", `/${id}`, { models: null, budget_usd: null });
  assert.deepEqual(
    await cleared.json().then((k) => [k.models, k.budget_usd]),
    [null, null],
  );
  await it.spend(key, "gpt-4o");
  assert.equal((await (await it.admin("GET", "")).json()).data[0].name, "narrow");
});

Deno.test("PATCH refuses a bad change with 400 and an unknown or revoked key with 404, in the OpenAI shape", async () => {
  await using it = await embedded();
  const { id } = await it.createKey({ name: "k", rpm: 5 });
  for (
    const [body, param] of [
      [{ rpm: -1 }, "rpm"],
      [{ name: null }, "name"],
      [{ budget_period: "week" }, "budget_period"],
      [{ provider_keys: { openai: "sk" } }, null],
    ] as const
  ) {
    await assertOpenAIError(await it.admin("PATCH", `/${id}`, body), 400, {
      type: "invalid_request_error",
      param,
    });
  }
  await assertOpenAIError(await it.admin("PATCH", "/key_unknown", { rpm: 1 }), 404, {
    type: "not_found_error",
  });
  await it.admin("DELETE", `/${id}`).then((r) => r.body?.cancel());
  await assertOpenAIError(await it.admin("PATCH", `/${id}`, { rpm: 1 }), 404, {
    type: "not_found_error",
  });
  const unauthorized = await fetch(`${it.squint.origin}/admin/keys/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ rpm: 1 }),
  });
  await assertOpenAIError(unauthorized, 401, {
    type: "authentication_error",
    code: "invalid_admin_token",
  });
  assert.equal((await (await it.admin("GET", "")).json()).data[0].rpm, 5);
});

Deno.test("a restart keeps what a key spent: its budget stays spent, and a budget given after it counts the spend from before", async () => {
  await using it = await embedded();
  const strict = await it.createKey({ name: "strict", budget_usd: 0.0000001 });
  const later = await it.createKey({ name: "budget later" });
  await it.spend(strict.key);
  await it.spend(later.key);
  await assertOpenAIError(await it.chat(strict.key), 429, {
    type: "rate_limit_error",
    code: "budget_exhausted",
  });

  await it.restart();
  await assertOpenAIError(await it.chat(strict.key), 429, {
    type: "rate_limit_error",
    code: "budget_exhausted",
  });
  // Spend after the restart alone is below the budget given now; with the spend before it, not.
  await it.spend(later.key);
  const spent = (await it.squint.app.parts.storage.usage({ keyId: later.id })).totals
    .cost_after_usd;
  const patched = await it.admin("PATCH", `/${later.id}`, { budget_usd: spent * 0.75 });
  assert.equal(patched.status, 200);
  await assertOpenAIError(await it.chat(later.key), 429, {
    type: "rate_limit_error",
    code: "budget_exhausted",
  });
  assert.equal(it.mock.requests.length, 3);
});

Deno.test("a store that keeps no keys answers the admin API with 501 keys_unavailable", async () => {
  const config = loadConfig({
    SQUINT_DATA_DIR: ":memory:",
    SQUINT_WORKERS: "1",
    SQUINT_ADMIN_TOKEN: ADMIN,
  });
  const squint = serveApp(
    createApp(config, new EmbeddedStorage({ dataDir: ":memory:", retentionDays: 30 })),
  );
  try {
    const response = await fetch(`${squint.origin}/admin/keys`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    await assertOpenAIError(response, 501, {
      type: "invalid_request_error",
      code: "keys_unavailable",
    });
  } finally {
    await squint.close();
  }
});
