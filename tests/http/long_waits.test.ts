/**
 * A wait set past what a timer can hold (2^31 − 1 ms, about 24.8 days) — how operators write
 * "never time out", e.g. SQUINT_UPSTREAM_TIMEOUT_S=99999999 — waits that long at most, instead of
 * overflowing the timer, which fires at once: every call would have timed out on arrival.
 */
import assert from "node:assert/strict";
import { corpusBytes, imageMessage, imageResponse, startFileServer } from "./_images.ts";
import { startStack } from "./_stack.ts";

const FOREVER_S = "99999999";

Deno.test("timeouts and budgets set past a timer's reach wait instead of firing at once", async () => {
  const photo = corpusBytes("photo_storm_road_1920x1280.jpg");
  await using images = startFileServer({ "/storm.jpg": () => imageResponse(photo, "image/jpeg") });
  await using stack = startStack({
    env: {
      SQUINT_UPSTREAM_TIMEOUT_S: FOREVER_S,
      SQUINT_REQUEST_TIMEOUT_S: FOREVER_S,
      SQUINT_STREAM_IDLE_TIMEOUT_S: FOREVER_S,
      SQUINT_TASK_TIMEOUT_S: FOREVER_S,
      SQUINT_IMAGE_FETCH_TIMEOUT_S: FOREVER_S,
      SQUINT_RETRY_MAX_MS: String(2 ** 40),
      SQUINT_ALLOW_PRIVATE_HOSTS: "127.0.0.1",
    },
  });
  const hello = [{ role: "user", content: "Hello." }];
  const plain = await stack.post("/chat/completions", { model: "gpt-4o", messages: hello });
  assert.equal(plain.status, 200, await plain.clone().text());
  await plain.body?.cancel();

  const streamed = await stack.post("/chat/completions", {
    model: "gpt-4o",
    stream: true,
    messages: hello,
  });
  const text = await streamed.text();
  assert.equal(streamed.status, 200);
  assert.ok(text.trimEnd().endsWith("data: [DONE]"), text.slice(-200));

  // A remote picture: fetched (the fetch timeout) and made smaller in a worker (the task
  // timeout), with a reading budget past reach too.
  const pictured = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [imageMessage("Explain what is happening on this road.", [
      `${images.origin}/storm.jpg`,
    ])],
  }, { "x-squint-ocr-budget-ms": String(2 ** 40) });
  assert.equal(pictured.status, 200);
  assert.deepEqual((await pictured.json()).squint.optimizations, ["resize"]);
  assert.deepEqual(images.hits, ["/storm.jpg"]);
});
