/**
 * Reading a child process's output in tests: the text it writes from now on, until a line of it
 * matches.
 *
 * @module
 */

/** Reads `reader` until what it gave since this call matches `pattern`; the match. */
export async function waitForLine(
  reader: ReadableStreamDefaultReader<string>,
  pattern: RegExp,
): Promise<RegExpMatchArray> {
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`squint exited before printing ${pattern}: ${buffer}`);
    buffer += value;
    const match = buffer.match(pattern);
    if (match) return match;
  }
}
