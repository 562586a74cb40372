/** Read buffers pass from a stream that ended to the next, never while a read holds them. */
import assert from "node:assert/strict";
import {
  giveBackReadBuffer,
  READ_BUFFER_BYTES,
  takeReadBuffer,
} from "../../src/relay/read_buffers.ts";
import { IdleLimitedReader } from "../../src/relay/upstream_faults.ts";
import { byteStream } from "../support/byte_stream.ts";

Deno.test("a buffer given back is the next one taken; one lent to a read is not taken back", () => {
  const buffer = takeReadBuffer();
  assert.equal(buffer.byteLength, READ_BUFFER_BYTES);
  giveBackReadBuffer(buffer);
  assert.equal(takeReadBuffer(), buffer);
  const lent = takeReadBuffer();
  const moved = lent.transfer(); // what a BYOB read does to it
  giveBackReadBuffer(lent);
  assert.notEqual(takeReadBuffer(), lent);
  giveBackReadBuffer(new ArrayBuffer(1024)); // not a read buffer
  assert.equal(takeReadBuffer().byteLength, READ_BUFFER_BYTES);
  assert.equal(moved.byteLength, READ_BUFFER_BYTES);
});

Deno.test("a stream that ended hands its read buffer to the next stream, which reads right", async () => {
  const decoder = new TextDecoder();
  const readAll = async (reader: IdleLimitedReader) => {
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    return text;
  };
  const first = new IdleLimitedReader(byteStream(["data: 1\n\n", "data: 2\n\n"]), undefined);
  assert.equal(await readAll(first), "data: 1\n\ndata: 2\n\n");
  first.stop();
  const handedOn = takeReadBuffer();
  giveBackReadBuffer(handedOn);
  const second = new IdleLimitedReader(byteStream(["data: 3\n\n"]), undefined);
  const { value } = await second.read();
  assert.equal(value!.buffer.byteLength, READ_BUFFER_BYTES);
  assert.equal(decoder.decode(value), "data: 3\n\n");
  assert.equal(handedOn.detached, true); // lent to the second stream's read
  second.stop();
});
