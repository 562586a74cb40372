/**
 * Renders kept by content: the same original bytes rendered to the same spec give the same
 * output, so an image repeated in a request or re-sent in an agent's next turn is processed once
 * (and byte-identically, which keeps provider prompt caches valid). Bounded by bytes, LRU.
 */
import type { RenderResult } from "../../workers/image/protocol.ts";
import { PromiseCache } from "./promise_cache.ts";

/** An LRU of render promises keyed by `hash|spec`, bounded by the bytes of the renders. */
export class RenderCache extends PromiseCache<RenderResult> {
  constructor(maxBytes: number) {
    super(maxBytes, (result) => result.literal.byteLength);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.total;
  }
}
