import assert from "node:assert/strict";
import { startRelay } from "../../bench/relay.ts";
import { startMockOpenAI } from "./mock_openai.ts";

const FIXED_CLOCK = () => 1_761_564_674;
const STREAMED_REQUEST = {
  model: "gpt-4o-mini",
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: "user", content: "Say hi through the relay" }],
};

function post(baseUrl: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-relay" },
    body: JSON.stringify(body),
  });
}

for (const pump of [false, true]) {
  Deno.test(`the relay${pump ? " (pump)" : ""} passes a streamed completion through byte for byte`, async () => {
    // Two fresh mocks with one clock hand out the same ids and times, so their streams are equal.
    await using direct = startMockOpenAI({ clock: FIXED_CLOCK });
    await using upstream = startMockOpenAI({ clock: FIXED_CLOCK });
    const relay = startRelay(upstream.baseUrl, { pump });
    try {
      const expected = await post(direct.baseUrl, STREAMED_REQUEST);
      const relayed = await post(relay.url, STREAMED_REQUEST);
      assert.equal(relayed.status, 200);
      assert.equal(relayed.headers.get("content-type"), expected.headers.get("content-type"));
      assert.equal(relayed.headers.get("x-request-id"), expected.headers.get("x-request-id"));
      assert.equal(await relayed.text(), await expected.text());

      const [seen] = upstream.requests;
      assert.equal(seen.path, "/v1/chat/completions");
      assert.equal(seen.headers.authorization, "Bearer sk-relay");
      assert.equal(seen.headers.host, new URL(upstream.origin).host);
      assert.deepEqual(seen.body, STREAMED_REQUEST);
    } finally {
      await relay.close();
    }
  });
}

Deno.test("the relay passes an upstream error through with its status, headers and body", async () => {
  await using upstream = startMockOpenAI();
  const relay = startRelay(upstream.baseUrl);
  try {
    const response = await post(relay.url, { model: "mock-error-429", messages: [] });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "1");
    const body = await response.json();
    assert.equal(body.error.code, "rate_limit_exceeded");
  } finally {
    await relay.close();
  }
});

for (const pump of [false, true]) {
  Deno.test(`a client leaving the relay${pump ? " (pump)" : ""} mid-stream reaches the upstream as an abort`, async () => {
    await using upstream = startMockOpenAI({ slowChunkMs: 5 });
    const relay = startRelay(upstream.baseUrl, { pump });
    try {
      const response = await post(relay.url, { ...STREAMED_REQUEST, model: "mock-slow" });
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      await upstream.aborted.wait(1);
      assert.deepEqual(upstream.abortedRequests, [{
        path: "/v1/chat/completions",
        model: "mock-slow",
      }]);
    } finally {
      await relay.close();
    }
  });
}
