/**
 * A large chat body bound for a translated upstream is translated in a worker when one is free;
 * a full queue or a failed task leaves the work to the main thread, never a 500.
 */
import assert from "node:assert/strict";
import { asGatewayError } from "../../src/errors.ts";
import { WorkerPool } from "../../src/pool/pool.ts";
import type { Route } from "../../src/providers/route.ts";
import { upstreamRequest } from "../../src/providers/translate.ts";
import { corpusDataUrl } from "../support/squint.ts";

const WORKER = new URL("../../workers/image_worker.ts", import.meta.url);
const ROUTE = {
  provider: "anthropic",
  model: "claude-sonnet-4-6",
  baseUrl: "http://127.0.0.1:9",
} as unknown as Route;

function photoBody(question: string): string {
  return JSON.stringify({
    model: "claude-sonnet-4-6",
    max_tokens: 64,
    messages: [{
      role: "user",
      content: [
        { type: "text", text: question },
        {
          type: "image_url",
          image_url: { url: corpusDataUrl("photo_beach_aerial_5120x2880.jpg") },
        },
      ],
    }],
  });
}

Deno.test("a large body that finds the worker queue full is translated on the main thread, not a 500", async () => {
  const pool = new WorkerPool({ workerUrl: WORKER, size: 1, queueLimit: 0, taskTimeoutMs: 30_000 });
  try {
    await pool.whenReady();
    const first = photoBody("What is in this image?");
    const second = photoBody("Where was this taken?");
    // The first takes the only worker; with no queue, the second finds the pool full.
    const [inWorker, overflow] = await Promise.all([
      upstreamRequest(first, ROUTE, "sk-a", new Headers(), true, true, pool),
      upstreamRequest(second, ROUTE, "sk-a", new Headers(), true, true, pool).catch((e) => {
        const error = asGatewayError(e);
        assert.fail(`the overflow was answered ${error.status}: ${error.message}`);
      }),
    ]);
    assert.equal(pool.stats().completed, 1, "only the first went to the worker");
    const here = await upstreamRequest(second, ROUTE, "sk-a", new Headers(), true, true);
    assert.equal(
      await new Response(overflow.body as BodyInit).text(),
      await new Response(here.body as BodyInit).text(),
    );
    assert.deepEqual(overflow.headers, here.headers);
    assert.equal(overflow.url, "http://127.0.0.1:9/v1/messages");
    assert.equal(overflow.promptCachePlaced, here.promptCachePlaced);
    assert.equal(inWorker.url, overflow.url);
  } finally {
    pool.close();
  }
});

Deno.test("a large body whose worker task times out is translated on the main thread", async () => {
  const pool = new WorkerPool({ workerUrl: WORKER, size: 1, queueLimit: 4, taskTimeoutMs: 1 });
  try {
    const body = photoBody("What is in this image?");
    const translated = await upstreamRequest(
      body,
      ROUTE,
      "sk-a",
      new Headers(),
      false,
      false,
      pool,
    );
    assert.equal(pool.stats().replaced, 1, "the worker timed out and was replaced");
    const here = await upstreamRequest(body, ROUTE, "sk-a", new Headers(), false, false);
    assert.equal(
      await new Response(translated.body as BodyInit).text(),
      await new Response(here.body as BodyInit).text(),
    );
  } finally {
    pool.close();
  }
});
