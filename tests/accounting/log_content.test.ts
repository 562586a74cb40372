import assert from "node:assert/strict";
import { keyId } from "../../src/accounting/key_id.ts";
import { contentForLog } from "../../src/accounting/log_content.ts";
import { marker } from "../../src/intake/inline_images.ts";

const messages = [
  { role: "system", content: "You are terse." },
  {
    role: "user",
    content: [{ type: "text", text: "read this" }, {
      type: "image_url",
      image_url: { url: marker(0) },
    }],
  },
  {
    role: "user",
    content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }],
  },
];

Deno.test("message content is not logged unless SQUINT_LOG_CONTENT says so", () => {
  assert.equal(contentForLog(messages, "off"), null);
});

Deno.test("redacted content keeps roles and types and replaces every string by its length", () => {
  assert.equal(
    contentForLog(messages, "redacted"),
    '[{"role":"system","content":"[14 chars]"},{"role":"user","content":[{"type":"text","text":"[9 chars]"},{"type":"image_url","image_url":{"url":"[9 chars]"}}]},{"role":"user","content":[{"type":"image_url","image_url":{"url":"[34 chars]"}}]}]',
  );
});

Deno.test("full content keeps the text but never an image's bytes", () => {
  const logged = contentForLog(messages, "full")!;
  assert.match(logged, /"You are terse\."/);
  assert.match(logged, /"read this"/);
  assert.doesNotMatch(logged, /iVBOR|\\u0000/);
  assert.equal(logged.match(/\[image\]|\[inline data\]/g)!.length, 2);
});

Deno.test("keys are logged as a stable 16-hex-digit hash, never in clear", async () => {
  const id = await keyId("sk-secret-provider-key");
  assert.match(id!, /^[0-9a-f]{16}$/);
  assert.equal(await keyId("sk-secret-provider-key"), id);
  assert.notEqual(await keyId("sk-other"), id);
  assert.equal(await keyId(undefined), null);
});
