/** A short, stable, non-reversible id of a key for the request log (never the key itself). */

const cache = new Map<string, string>();
const MAX_CACHED = 10_000;

/** First 16 hex digits of SHA-256 of `key`; memoized so the hot path hashes a key once. */
export async function keyId(key: string | undefined): Promise<string | null> {
  if (!key) return null;
  const known = cache.get(key);
  if (known) return known;
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)),
  );
  const id = digest.toHex().slice(0, 16);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, id);
  return id;
}
