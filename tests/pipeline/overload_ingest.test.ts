import assert from "node:assert/strict";
import { corpusDataUrl, startSquint } from "../support/squint.ts";

Deno.test("a large body whose parsing worker times out is refused with 503, never forwarded half-read", async () => {
  const squint = startSquint({
    SQUINT_TASK_TIMEOUT_S: "0.001",
    SQUINT_OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
  });
  try {
    await squint.app.parts.pool.whenReady();
    const response = await fetch(`${squint.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4o",
        messages: [{
          role: "user",
          content: [{
            type: "image_url",
            image_url: { url: corpusDataUrl("photo_dandelions_5312x2988.jpg") },
          }],
        }],
      }),
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "1");
    const error = (await response.json()).error;
    assert.equal(error.code, "overloaded");
    assert.match(error.message, /timeout/);
  } finally {
    await squint.close();
  }
});
