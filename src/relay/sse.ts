/** Server-sent events, split as they arrive: each complete event is handed on at once. */

/**
 * Cuts a byte stream at event boundaries: each push returns the text of every event it completed
 * (a block of whole events, terminators included), so a relay can look at a block once instead
 * of at each event.
 */
export class SseBlocks {
  #decoder = new TextDecoder();
  #pending = "";
  /** Nothing is held from earlier chunks: no text and no bytes of a character cut in two. */
  #clean = true;
  #whole = false;

  /**
   * Whether the block the last push returned is exactly that chunk's bytes (nothing held before
   * it, and it ends with a blank line), so a relay may send the bytes as they came.
   */
  get whole(): boolean {
    return this.#whole;
  }

  /** Feeds bytes; returns the whole events they completed, as one block ("" if none). */
  push(chunk: Uint8Array): string {
    const endsWhole = endsWithBlankLine(chunk);
    this.#whole = this.#clean && endsWhole;
    this.#clean = endsWhole;
    const text = this.#pending + this.#decoder.decode(chunk, { stream: true });
    const end = lastBoundary(text);
    this.#pending = text.slice(end);
    return text.slice(0, end);
  }

  /** What is left when the stream ends (an event cut short), if anything. */
  flush(): string | undefined {
    const rest = this.#pending + this.#decoder.decode();
    this.#pending = "";
    this.#clean = true;
    return rest.trim() ? rest : undefined;
  }
}

/** Whether `bytes` end with a blank line (LF LF or CRLF CRLF): nothing of them is held back. */
function endsWithBlankLine(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < 2 || bytes[n - 1] !== 10) return false;
  return bytes[n - 2] === 10 || (n >= 4 && bytes[n - 2] === 13 && bytes[n - 3] === 10 &&
    bytes[n - 4] === 13);
}

/** The offset just past the last blank line (LF or CRLF), or 0. */
function lastBoundary(text: string): number {
  const lf = text.lastIndexOf("\n\n");
  const crlf = text.lastIndexOf("\r\n\r\n");
  return Math.max(lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 4);
}

/** The events of a block, without their terminators. */
export function splitEvents(block: string): string[] {
  return block.split(/\r?\n\r?\n/).filter((event) => event !== "");
}

/** The `data:` payload of an event (several data lines joined by \n), or undefined. */
export function eventData(event: string): string | undefined {
  let data: string | undefined;
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith("data:")) continue;
    const value = line.slice(line[5] === " " ? 6 : 5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

/** An event block serialized for the wire. */
export function sseEvent(data: string): string {
  return `data: ${data}\n\n`;
}
