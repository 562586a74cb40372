/**
 * Renders kept by content: the same original bytes rendered to the same spec give the same
 * output, so an image repeated in a request or re-sent in an agent's next turn is processed once
 * (and byte-identically, which keeps provider prompt caches valid). Bounded by bytes, LRU.
 */
import type { RenderResult } from "../../workers/image/protocol.ts";

/** An LRU of render promises keyed by `hash|spec`. */
export class RenderCache {
  #entries = new Map<string, Promise<RenderResult>>();
  #sizes = new Map<string, number>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** The cached render for `key`, or the one `render` starts (shared by concurrent callers). */
  get(key: string, render: () => Promise<RenderResult>): Promise<RenderResult> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const promise = render();
    this.#entries.set(key, promise);
    promise.then(
      (result) => this.#account(key, result.literal.byteLength),
      () => this.#entries.delete(key),
    );
    return promise;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  #account(key: string, size: number): void {
    if (!this.#entries.has(key)) return;
    this.#sizes.set(key, size);
    this.#bytes += size;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      if (!this.#sizes.has(oldest)) continue;
      this.#bytes -= this.#sizes.get(oldest)!;
      this.#sizes.delete(oldest);
      this.#entries.delete(oldest);
    }
  }
}
