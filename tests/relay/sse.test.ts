/** SSE blocks: whole events handed on as they complete, and when a chunk may go on as it came. */
import assert from "node:assert/strict";
import { SseBlocks } from "../../src/relay/sse.ts";

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(
    parts.flatMap((p) => typeof p === "string" ? [...new TextEncoder().encode(p)] : p),
  );

Deno.test("a chunk of whole events is whole; one that ends or starts inside an event is not", () => {
  const blocks = new SseBlocks();
  assert.equal(blocks.push(bytes("data: 1\n\ndata: 2\n\n")), "data: 1\n\ndata: 2\n\n");
  assert.equal(blocks.whole, true);
  assert.equal(blocks.push(bytes("data: 3\r\n\r\ndata: 4")), "data: 3\r\n\r\n");
  assert.equal(blocks.whole, false, "the rest of it is held");
  assert.equal(blocks.push(bytes("\n\n")), "data: 4\n\n");
  assert.equal(blocks.whole, false, "its block holds text of the chunk before");
  assert.equal(blocks.push(bytes("data: 5\n\n")), "data: 5\n\n");
  assert.equal(blocks.whole, true);
});

Deno.test("a character cut in two after a blank line keeps the next chunk from going on as it came", () => {
  const blocks = new SseBlocks();
  // "é" is C3 A9: the chunk ends after the blank line and the first byte of the next line.
  assert.equal(blocks.push(bytes("data: a\n\n", [0xc3])), "data: a\n\n");
  assert.equal(blocks.whole, false, "a byte is held: sending the chunk would send it twice");
  assert.equal(blocks.push(bytes([0xa9], ": note\n\n")), "é: note\n\n");
  assert.equal(blocks.whole, false, "its first byte came in the chunk before");
  assert.equal(blocks.push(bytes("data: b\n\n")), "data: b\n\n");
  assert.equal(blocks.whole, true);
  assert.equal(blocks.flush(), undefined);
});
