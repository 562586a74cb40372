/**
 * The read buffers of relayed streams, handed from a stream that ended to the next one. Deno
 * allocates a 16 KiB ArrayBuffer outside the JavaScript heap and counts it against the
 * collector's budget: 6-20 µs each (measured in a loop of 20,000), more than all the reads of a
 * short answer. A stream takes a spare buffer when there is one and gives it back when it ends.
 */

/** Bytes of one read buffer: events are small. */
export const READ_BUFFER_BYTES = 16 * 1024;
/** Spare buffers kept; past this a returned buffer is left to the collector. */
const MAX_SPARE = 256;

const spare: ArrayBuffer[] = [];

/** A read buffer: a spare one, or a new one. */
export function takeReadBuffer(): ArrayBuffer {
  return spare.pop() ?? new ArrayBuffer(READ_BUFFER_BYTES);
}

/**
 * Gives a buffer back once nothing reads into it or from it. A buffer still lent to a read (it is
 * transferred, so detached here) is not taken.
 */
export function giveBackReadBuffer(buffer: ArrayBuffer): void {
  if (buffer.detached || buffer.byteLength !== READ_BUFFER_BYTES) return;
  if (spare.length < MAX_SPARE) spare.push(buffer);
}
