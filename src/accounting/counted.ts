/**
 * Answers whose usage can be read back later (a background response): squint counts each once,
 * where it first sees the usage — at the door that relayed it, or on its first read-back through
 * passthrough — and remembers the id in the key-value store (shared by instances in production).
 *
 * @module
 */
import type { KeyValueStore } from "../storage/types.ts";

/** How long an answer counted is remembered (OpenAI keeps responses 30 days). */
const COUNTED_MS = 30 * 24 * 3600_000;

/** Marks the answer `id` counted; true when this call did, false when it was already. */
export async function countOnce(kv: KeyValueStore, id: string): Promise<boolean> {
  return await kv.setIfAbsent(`counted:${id}`, new Uint8Array(), COUNTED_MS);
}
