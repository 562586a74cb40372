/**
 * Key admission in every door (production storage: the local PostgreSQL and Redis): a spent
 * budget is served by the key's fallback model at the Messages and Responses doors, refused with
 * 429 `budget_exhausted` in the door's own shape otherwise, and on passthrough (which cannot swap
 * the model); passthrough spend is logged and counted.
 */
import assert from "node:assert/strict";
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { startMockGemini } from "../support/mock_gemini.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { startProductionSquint } from "../support/production_squint.ts";
import { freshDatabase, productionServices, redisPrefix } from "../support/services.ts";

const services = await productionServices();
const ADMIN = "admin-token-for-tests";

async function oneInstance() {
  const db = await freshDatabase(services.postgresUrl);
  const redis = await redisPrefix(services.redisUrl);
  const openai = startMockOpenAI();
  const anthropic = startMockAnthropic();
  const gemini = startMockGemini();
  const squint = await startProductionSquint(
    { databaseUrl: db.url, redisUrl: services.redisUrl, redisPrefix: redis.prefix },
    {
      SQUINT_ADMIN_TOKEN: ADMIN,
      SQUINT_OPENAI_API_KEY: "sk-server",
      SQUINT_ANTHROPIC_API_KEY: "sk-ant-server",
      SQUINT_ENCRYPTION_KEY: "a-long-random-string-for-the-tests",
      SQUINT_OPENAI_BASE_URL: openai.baseUrl,
      SQUINT_ANTHROPIC_BASE_URL: anthropic.baseUrl,
      SQUINT_GEMINI_API_KEY: "goog-server",
      SQUINT_GEMINI_BASE_URL: gemini.origin,
    },
  );
  const post = (path: string, body: unknown, key: string) =>
    fetch(`${squint.origin}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${key}`,
        ...(path === "/v1/messages" ? { "anthropic-version": "2023-06-01" } : {}),
      },
      body: JSON.stringify(body),
    });
  const createKey = async (spec: Record<string, unknown>) => {
    const response = await fetch(`${squint.origin}/admin/keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify(spec),
    });
    assert.equal(response.status, 201);
    return (await response.json()) as { id: string; key: string };
  };
  return {
    squint,
    openai,
    anthropic,
    gemini,
    post,
    createKey,
    async [Symbol.asyncDispose]() {
      await squint.close();
      await openai.close();
      await anthropic.close();
      await gemini.close();
      await redis.clear();
      await db.drop();
    },
  };
}

const MESSAGES = {
  model: "claude-sonnet-4-6",
  max_tokens: 20,
  messages: [{ role: "user", content: "Spend a little." }],
};
const RESPONSES = { model: "gpt-4o", input: "Spend a little." };

Deno.test({
  name: "a spent budget is the fallback model or 429 at the Messages and Responses doors",
  ignore: services.ignore,
  async fn() {
    await using it = await oneInstance();
    const strict = await it.createKey({ name: "strict", budget_usd: 0.000001 });
    const lenient = await it.createKey({
      name: "lenient",
      budget_usd: 0.000001,
      fallback_model: "claude-haiku-4-5",
    });
    const lenientOpenAI = await it.createKey({
      name: "lenient-openai",
      budget_usd: 0.000001,
      fallback_model: "gpt-4o-mini",
    });
    for (const { key } of [strict, lenient]) {
      await (await it.post("/v1/messages", MESSAGES, key)).text();
    }
    await (await it.post("/v1/responses", RESPONSES, lenientOpenAI.key)).text();
    await it.squint.storage.flush();

    const refused = await it.post("/v1/messages", MESSAGES, strict.key);
    assert.equal(refused.status, 429);
    const anthropicShape = await refused.json();
    assert.equal(anthropicShape.type, "error");
    assert.match(anthropicShape.error.message, /budget exhausted/);
    const refusedOpenAI = await it.post("/v1/responses", RESPONSES, strict.key);
    assert.equal(refusedOpenAI.status, 429);
    assert.equal((await refusedOpenAI.json()).error.code, "budget_exhausted");

    const fallback = await it.post("/v1/messages", MESSAGES, lenient.key);
    assert.equal(fallback.status, 200);
    await fallback.text();
    assert.equal(
      (it.anthropic.requests.at(-1)!.body as { model: string }).model,
      "claude-haiku-4-5",
    );
    const fallbackOpenAI = await it.post("/v1/responses", RESPONSES, lenientOpenAI.key);
    assert.equal(fallbackOpenAI.status, 200);
    await fallbackOpenAI.text();
    assert.equal((it.openai.requests.at(-1)!.body as { model: string }).model, "gpt-4o-mini");
  },
});

Deno.test({
  name:
    "passthrough spend is logged and counted, and a spent key gets 429 there even with a fallback",
  ignore: services.ignore,
  async fn() {
    await using it = await oneInstance();
    const { key } = await it.createKey({
      name: "embedder",
      budget_usd: 0.0000001,
      fallback_model: "gpt-4o-mini",
    });
    const first = await it.post(
      "/v1/embeddings",
      { model: "text-embedding-3-small", input: "one two three four five six seven eight" },
      key,
    );
    assert.equal(first.status, 200);
    const answer = await first.json();
    const id = first.headers.get("x-request-id")!;
    assert.equal(it.openai.requests[0].headers.authorization, "Bearer sk-server");
    // The usage is read from the answer as it streams by, then logged.
    let row = await it.squint.storage.request(id);
    for (let i = 0; !row && i < 50; i++) {
      await it.squint.storage.flush();
      row = await it.squint.storage.request(id);
    }
    assert.ok(row);
    assert.equal(row.outcome, "passthrough");
    assert.equal(row.upstreamInputTokens, answer.usage.prompt_tokens);
    assert.ok((row.costAfterUsd ?? 0) > 0);

    const refused = await it.post(
      "/v1/embeddings",
      { model: "text-embedding-3-small", input: "x" },
      key,
    );
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).error.code, "budget_exhausted");
    assert.equal(it.openai.requests.length, 1);
  },
});

Deno.test({
  name: "the Gemini door applies a key's budget: 429 RESOURCE_EXHAUSTED, or the fallback model",
  ignore: services.ignore,
  async fn() {
    await using it = await oneInstance();
    const strict = await it.createKey({ name: "strict", budget_usd: 0.000001 });
    const lenient = await it.createKey({
      name: "lenient",
      budget_usd: 0.000001,
      fallback_model: "gemini-2.5-flash-lite",
    });
    const body = { contents: [{ role: "user", parts: [{ text: "Spend a little." }] }] };
    const path = "/v1beta/models/gemini-2.5-flash:generateContent";
    for (const { key } of [strict, lenient]) {
      const first = await it.post(path, body, key);
      assert.equal(first.status, 200);
      await first.text();
    }
    assert.equal(it.gemini.requests[0].headers["x-goog-api-key"], "goog-server");
    await it.squint.storage.flush();
    const refused = await it.post(path, body, strict.key);
    assert.equal(refused.status, 429);
    const error = (await refused.json()).error;
    assert.equal(error.status, "RESOURCE_EXHAUSTED");
    assert.match(error.message, /budget exhausted/);
    const fallback = await it.post(path, body, lenient.key);
    assert.equal(fallback.status, 200);
    await fallback.text();
    assert.equal(
      it.gemini.requests.at(-1)!.path,
      "/v1beta/models/gemini-2.5-flash-lite:generateContent",
    );
  },
});
