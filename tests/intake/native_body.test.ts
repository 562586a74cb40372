/**
 * Native-door bodies are read and written where it is cheapest: a large body (a corpus photo
 * inline) is parsed, spliced and serialized in a worker, with exactly the result the main thread
 * gives a small one; invalid JSON is a 400 either way.
 */
import assert from "node:assert/strict";
import { GatewayError } from "../../src/errors.ts";
import type { NewImageData } from "../../src/intake/anthropic_images.ts";
import { chatView } from "../../src/intake/anthropic_images.ts";
import {
  parseNativeBody,
  serializeJson,
  spliceBytes,
  spliceNativeBody,
} from "../../src/intake/native_body.ts";
import { WorkerPool } from "../../src/pool/pool.ts";
import { corpusDir } from "../support/squint.ts";

const WORKER = new URL("../../workers/image_worker.ts", import.meta.url);

/** A Messages body written as a client writes it (escapes and spacing kept), a photo inline. */
function messagesBody(): Uint8Array {
  const data = Deno.readFileSync(`${corpusDir()}/images/photo_beach_aerial_5120x2880.jpg`)
    .toBase64();
  const text = `{"model":"claude-sonnet-4-6","max_tokens":64,"messages":[{"role":"user",` +
    `"content":[{"type":"text","text":"caf\\u00e9 \\/ what is this?"},` +
    `{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"${data}"},` +
    `"cache_control":{"type":"ephemeral"}}]}]}`;
  return new TextEncoder().encode(text);
}

Deno.test("a large native body is parsed, spliced and written in a worker, as the main thread would", async () => {
  const pool = new WorkerPool({ workerUrl: WORKER, size: 1, queueLimit: 4, taskTimeoutMs: 30_000 });
  try {
    const bytes = messagesBody();
    assert.ok(bytes.byteLength > 1_000_000);

    const json = await parseNativeBody(bytes, pool) as Record<string, unknown>;
    assert.deepEqual(json, JSON.parse(new TextDecoder().decode(bytes)));
    assert.equal(pool.stats().completed, 1, "parsed by the worker");

    const [image] = chatView(json).images;
    const change: NewImageData = { image, mediaType: "image/png", data: "iVBORw0KGgo=" };
    const spliced = await spliceNativeBody("messages", bytes, [change], pool);
    assert.equal(pool.stats().completed, 2, "spliced by the worker");
    assert.deepEqual(spliced, spliceBytes("messages", bytes, [change]));
    // Every byte as the client wrote it (escapes included) but the image's data and type.
    const original = new TextDecoder().decode(bytes);
    const source = image.source as { data: string };
    assert.equal(
      new TextDecoder().decode(spliced),
      original.replace(source.data, "iVBORw0KGgo=").replace(
        '"media_type":"image/jpeg"',
        '"media_type":"image/png"',
      ),
    );

    const written = await serializeJson(json, bytes.byteLength, pool);
    assert.equal(pool.stats().completed, 3, "written by the worker");
    assert.equal(new TextDecoder().decode(written), JSON.stringify(json));
  } finally {
    pool.close();
  }
});

Deno.test("a native body that is not JSON is a 400, large or small", async () => {
  const pool = new WorkerPool({ workerUrl: WORKER, size: 1, queueLimit: 4, taskTimeoutMs: 30_000 });
  try {
    for (const size of [100, 2_000_000]) {
      const bytes = new TextEncoder().encode(`{"model":"x","messages":[${"1,".repeat(size / 2)}`);
      await assert.rejects(parseNativeBody(bytes, pool), (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.status, 400);
        assert.match(e.message, /^request body is not valid JSON: /);
        return true;
      });
    }
  } finally {
    pool.close();
  }
});
