/**
 * The embedded key-value store: in-process memory, bounded by the summed bytes of its values
 * (least recently used first out), each value with its own expiry. Expired values are dropped
 * when touched and when room is needed.
 */
import type { KeyValueStore } from "./types.ts";

interface Entry {
  value: Uint8Array;
  expires: number;
}

/** Memory-backed `KeyValueStore`. */
export class MemoryKeyValue implements KeyValueStore {
  #entries = new Map<string, Entry>();
  #bytes = 0;

  /** `now` is for tests. */
  constructor(readonly maxBytes: number, readonly now: () => number = Date.now) {}

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held (expired ones not yet dropped included). */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.#drop(key, entry);
      return undefined;
    }
    return entry;
  }

  #drop(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.value.byteLength;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    const entry = this.#live(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return Promise.resolve(entry?.value);
  }

  set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const old = this.#entries.get(key);
    if (old) this.#drop(key, old);
    // A value larger than the whole store is not kept (it would evict everything for nothing).
    if (value.byteLength > this.maxBytes || ttlMs <= 0) return Promise.resolve();
    this.#entries.set(key, { value, expires: this.now() + ttlMs });
    this.#bytes += value.byteLength;
    this.#evict();
    return Promise.resolve();
  }

  setIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    if (this.#live(key)) return Promise.resolve(false);
    return this.set(key, value, ttlMs).then(() => this.#entries.has(key));
  }

  delete(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry) this.#drop(key, entry);
    return Promise.resolve();
  }

  #evict(): void {
    if (this.#bytes <= this.maxBytes) return;
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expires <= now) this.#drop(key, entry);
    }
    for (const [key, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(key, entry);
    }
  }
}
