/**
 * A large optimized chat body is translated for its provider in a worker, to exactly the request
 * the main thread makes of a small one; what the provider cannot take is a 400 naming the part.
 */
import assert from "node:assert/strict";
import { GatewayError } from "../../src/errors.ts";
import { WorkerPool } from "../../src/pool/pool.ts";
import { upstreamRequest } from "../../src/providers/translate.ts";
import type { Route } from "../../src/providers/route.ts";
import { corpusDataUrl } from "../support/squint.ts";

const WORKER = new URL("../../workers/image_worker.ts", import.meta.url);
const ROUTE = {
  provider: "anthropic",
  model: "claude-sonnet-4-6",
  baseUrl: "http://127.0.0.1:9",
} as unknown as Route;

function body(part: Record<string, unknown>): string {
  return JSON.stringify({
    model: "claude-sonnet-4-6",
    max_tokens: 64,
    messages: [{
      role: "user",
      content: [{ type: "text", text: "What is in this image?" }, part],
    }],
  });
}

Deno.test("a large chat body is translated in a worker, as the main thread translates it", async () => {
  const pool = new WorkerPool({ workerUrl: WORKER, size: 1, queueLimit: 4, taskTimeoutMs: 30_000 });
  try {
    const photo = body({
      type: "image_url",
      image_url: { url: corpusDataUrl("photo_beach_aerial_5120x2880.jpg") },
    });
    assert.ok(photo.length > 1_000_000);
    const inWorker = await upstreamRequest(photo, ROUTE, "sk-a", new Headers(), true, true, pool);
    assert.equal(pool.stats().completed, 1, "translated by the worker");
    const here = await upstreamRequest(photo, ROUTE, "sk-a", new Headers(), true, true);
    assert.equal(
      await new Response(inWorker.body as BodyInit).text(),
      await new Response(here.body as BodyInit).text(),
    );
    assert.deepEqual(inWorker.headers, here.headers);
    assert.equal(inWorker.url, "http://127.0.0.1:9/v1/messages");
    assert.equal(inWorker.promptCachePlaced, here.promptCachePlaced);
    const sent = JSON.parse(await new Response(inWorker.body as BodyInit).text());
    assert.equal(sent.messages[0].content[1].source.type, "base64");

    const refused = body({ type: "input_audio", input_audio: { data: "x".repeat(400_000) } });
    await assert.rejects(
      upstreamRequest(refused, ROUTE, "sk-a", new Headers(), false, false, pool),
      (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.status, 400);
        assert.equal(e.param, "messages[0].content[1]");
        assert.match(e.message, /Anthropic cannot take a 'input_audio' part here/);
        return true;
      },
    );
  } finally {
    pool.close();
  }
});
