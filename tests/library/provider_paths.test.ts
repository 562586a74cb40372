/** Which door a provider request is, and its base address, from the URL an SDK calls. */
import assert from "node:assert/strict";
import { providerDoor } from "../../src/library/provider_paths.ts";

const door = (method: string, url: string) => providerDoor(method, new URL(url));

Deno.test("provider URLs name squint's doors and keep the address the SDK was given", () => {
  assert.deepEqual(door("POST", "https://api.openai.com/v1/chat/completions"), {
    path: "/v1/chat/completions",
    upstream: { openai_base_url: "https://api.openai.com/v1" },
  });
  assert.deepEqual(door("POST", "http://127.0.0.1:9/proxy/v1/responses?x=1"), {
    path: "/v1/responses?x=1",
    upstream: { openai_base_url: "http://127.0.0.1:9/proxy/v1" },
  });
  assert.deepEqual(door("POST", "https://api.anthropic.com/v1/messages"), {
    path: "/v1/messages",
    upstream: { anthropic_base_url: "https://api.anthropic.com" },
  });
  assert.deepEqual(door("POST", "https://api.anthropic.com/v1/messages/count_tokens"), {
    path: "/v1/messages/count_tokens",
    upstream: { anthropic_base_url: "https://api.anthropic.com" },
  });
  assert.deepEqual(
    door(
      "POST",
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    ),
    {
      path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
      upstream: { gemini_base_url: "https://generativelanguage.googleapis.com" },
    },
  );
});

Deno.test("anything else is not a door: other paths, other methods", () => {
  for (
    const [method, url] of [
      ["GET", "https://api.openai.com/v1/models"],
      ["POST", "https://api.openai.com/v1/embeddings"],
      ["GET", "https://api.openai.com/v1/responses"],
      ["POST", "https://api.anthropic.com/v1/messages/batches"],
      [
        "POST",
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:embedContent",
      ],
      ["POST", "https://example.com/chat/completions/extra"],
    ]
  ) {
    assert.equal(door(method, url), undefined, `${method} ${url}`);
  }
});
