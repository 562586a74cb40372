import assert from "node:assert/strict";
import { RenderCache } from "../../src/pipeline/render_cache.ts";
import type { RenderResult } from "../../workers/image/protocol.ts";

function result(size: number): RenderResult {
  return { literal: new Uint8Array(size), byteLength: size, format: "jpeg", width: 1, height: 1 };
}

Deno.test("concurrent requests for the same render share one task", async () => {
  const cache = new RenderCache(1000);
  let calls = 0;
  const render = () => {
    calls++;
    return Promise.resolve(result(10));
  };
  const [a, b] = await Promise.all([cache.get("h|spec", render), cache.get("h|spec", render)]);
  assert.equal(calls, 1);
  assert.equal(a, b);
});

Deno.test("the least recently used renders are evicted beyond the byte bound", async () => {
  const cache = new RenderCache(25);
  await cache.get("a", () => Promise.resolve(result(10)));
  await cache.get("b", () => Promise.resolve(result(10)));
  await cache.get("a", () => Promise.reject(new Error("a should be cached")));
  await cache.get("c", () => Promise.resolve(result(10)));
  assert.equal(cache.bytes, 20);
  let rendered = false;
  await cache.get("b", () => {
    rendered = true;
    return Promise.resolve(result(10));
  });
  assert.equal(rendered, true, "b was the least recently used and was evicted");
});

Deno.test("a failed render is not kept", async () => {
  const cache = new RenderCache(100);
  await assert.rejects(cache.get("x", () => Promise.reject(new Error("boom"))));
  assert.equal((await cache.get("x", () => Promise.resolve(result(5)))).byteLength, 5);
});
