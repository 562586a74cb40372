/** Server-sent events, split as they arrive: each complete event is handed on at once. */

/** Splits a byte stream into SSE event blocks (text without the blank-line terminator). */
export class SseSplitter {
  #decoder = new TextDecoder();
  #buffer = "";

  /** Feeds bytes; returns the events they completed. */
  push(chunk: Uint8Array): string[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    return this.#drain();
  }

  /** The bytes left when the stream ends (an event cut short), if any. */
  flush(): string | undefined {
    this.#buffer += this.#decoder.decode();
    const rest = this.#buffer;
    this.#buffer = "";
    return rest.trim() ? rest : undefined;
  }

  #drain(): string[] {
    const events: string[] = [];
    for (;;) {
      const match = /\r?\n\r?\n/.exec(this.#buffer);
      if (!match) return events;
      events.push(this.#buffer.slice(0, match.index));
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
    }
  }
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
