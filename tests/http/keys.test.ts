/**
 * Keys (CONTRACT.md): a squint key makes squint use its own provider key; any other credential is
 * the client's own and is forwarded; an unauthenticated client never reaches squint's key.
 */
import assert from "node:assert/strict";
import { AuthenticationError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { assertOpenAIError, startStack } from "./_stack.ts";

const SERVER_KEYS = { SQUINT_API_KEYS: "sq-test,sq-other", SQUINT_OPENAI_API_KEY: "sk-server" };
const HELLO: ChatCompletionCreateParamsNonStreaming = {
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "hello" }],
};

/** POSTs a chat request to squint with exactly `headers` (no credential unless given). */
function chat(origin: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(HELLO),
  });
}

Deno.test("a squint key as Bearer makes squint call the upstream with its own provider key", async () => {
  await using stack = startStack({ env: SERVER_KEYS, apiKey: "sq-test" });
  const answer = await stack.client.chat.completions.create(HELLO);

  assert.ok(answer);
  assert.equal(stack.mock.requests[0].headers.authorization, "Bearer sk-server");
});

Deno.test("a squint key in x-api-key works like Bearer and is not forwarded", async () => {
  await using stack = startStack({ env: SERVER_KEYS });
  const response = await chat(stack.squint.origin, { "x-api-key": "sq-test" });
  await response.json();

  assert.equal(response.status, 200);
  const seen = stack.mock.requests[0].headers;
  assert.equal(seen.authorization, "Bearer sk-server");
  assert.equal(seen["x-api-key"], undefined);
});

Deno.test("an unknown credential without X-Squint-Key is refused with 401 where squint keys are required", async () => {
  await using stack = startStack({ env: SERVER_KEYS, apiKey: "sk-own-provider-key" });
  let caught: unknown;
  await assert.rejects(stack.client.chat.completions.create(HELLO), (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof AuthenticationError);
  assert.equal(caught.status, 401);
  assert.equal(caught.code, "missing_squint_key");

  const response = await chat(stack.squint.origin, { authorization: "Bearer sk-own-provider-key" });
  await assertOpenAIError(response, 401, {
    type: "authentication_error",
    code: "missing_squint_key",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("the client's own key with X-Squint-Key is forwarded instead of squint's", async () => {
  await using stack = startStack({
    env: SERVER_KEYS,
    apiKey: "sk-own-provider-key",
    headers: { "X-Squint-Key": "sq-test" },
  });
  await stack.client.chat.completions.create(HELLO);

  const seen = stack.mock.requests[0].headers;
  assert.equal(seen.authorization, "Bearer sk-own-provider-key");
  assert.equal(seen["x-squint-key"], undefined, "the squint key never reaches the provider");
});

Deno.test("the client's own key in x-api-key with X-Squint-Key is forwarded as Bearer", async () => {
  await using stack = startStack({ env: SERVER_KEYS });
  const response = await chat(stack.squint.origin, {
    "x-api-key": "sk-own-provider-key",
    "x-squint-key": "sq-other",
  });
  await response.json();

  assert.equal(response.status, 200);
  assert.equal(stack.mock.requests[0].headers.authorization, "Bearer sk-own-provider-key");
});

Deno.test("a request without any credential is refused with 401 where squint keys are configured", async () => {
  await using stack = startStack({ env: SERVER_KEYS });
  const response = await chat(stack.squint.origin, {});
  await assertOpenAIError(response, 401, {
    type: "authentication_error",
    code: "missing_squint_key",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("a known squint key is never forwarded to the provider, even beside another in X-Squint-Key", async () => {
  await using stack = startStack({ env: SERVER_KEYS });
  const response = await chat(stack.squint.origin, {
    authorization: "Bearer sq-other",
    "x-squint-key": "sq-test",
  });
  await response.body?.cancel();

  assert.equal(stack.mock.requests[0]?.headers.authorization, "Bearer sk-server");
});

Deno.test("an unknown X-Squint-Key is refused with 401 even beside a valid-looking provider key", async () => {
  await using stack = startStack({ env: SERVER_KEYS });
  const response = await chat(stack.squint.origin, {
    authorization: "Bearer sk-own-provider-key",
    "x-squint-key": "sq-guessed",
  });
  await assertOpenAIError(response, 401, {
    type: "authentication_error",
    code: "invalid_squint_key",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("with no keys configured, the client's own key is forwarded to the upstream", async () => {
  await using stack = startStack({ apiKey: "sk-own-provider-key" });
  await stack.client.chat.completions.create(HELLO);

  assert.equal(stack.mock.requests[0].headers.authorization, "Bearer sk-own-provider-key");
});

Deno.test("with no keys configured, a request without credentials reaches the upstream without one", async () => {
  await using stack = startStack();
  const response = await chat(stack.squint.origin, {});
  await response.json();

  assert.equal(response.status, 200);
  assert.equal(stack.mock.requests[0].headers.authorization, undefined);
});

Deno.test("with only a server key and SQUINT_REQUIRE_KEY=off, an unauthenticated request still gets 401", async () => {
  await using stack = startStack({
    env: { SQUINT_OPENAI_API_KEY: "sk-server", SQUINT_REQUIRE_KEY: "off" },
  });
  const anonymous = await chat(stack.squint.origin, {});
  await assertOpenAIError(anonymous, 401, { type: "authentication_error" });
  assert.equal(stack.mock.received.count, 0);

  const own = await chat(stack.squint.origin, { authorization: "Bearer sk-own-provider-key" });
  await own.json();
  assert.equal(own.status, 200);
  assert.equal(stack.mock.requests[0].headers.authorization, "Bearer sk-own-provider-key");
});

Deno.test("with only a server key, the client's own key needs a squint key by default", async () => {
  await using stack = startStack({ env: { SQUINT_OPENAI_API_KEY: "sk-server" } });
  const response = await chat(stack.squint.origin, { authorization: "Bearer sk-own-provider-key" });
  await assertOpenAIError(response, 401, {
    type: "authentication_error",
    code: "missing_squint_key",
  });
  assert.equal(stack.mock.received.count, 0);
});

Deno.test("the pass-through doors and /v1/optimize apply the same keys", async () => {
  await using stack = startStack({ env: SERVER_KEYS });
  const anonymousModels = await fetch(`${stack.squint.baseUrl}/models`);
  await assertOpenAIError(anonymousModels, 401, { type: "authentication_error" });
  const anonymousPlan = await fetch(`${stack.squint.baseUrl}/optimize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(HELLO),
  });
  await assertOpenAIError(anonymousPlan, 401, { type: "authentication_error" });
  assert.equal(stack.mock.received.count, 0);

  const models = await fetch(`${stack.squint.baseUrl}/models`, {
    headers: { authorization: "Bearer sq-test" },
  });
  await models.json();
  assert.equal(models.status, 200);
  assert.equal(stack.mock.requests[0].headers.authorization, "Bearer sk-server");
});
