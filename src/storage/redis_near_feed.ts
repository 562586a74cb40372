/**
 * The shared record of pictures by look: a Redis stream every instance appends to when it
 * stores an answer for a photo, and reads to fill its own index (capped at the index's size, so
 * a new instance reads at most that many). Lookups stay in process memory, at index speed; what
 * is shared is which pictures exist.
 */
import type { RedisLink } from "./redis.ts";
import type { NearEntry, NearFeed } from "./types.ts";

/** Entries read per call. */
const READ_BATCH = 1000;

/** Redis-stream-backed `NearFeed`. */
export class RedisNearFeed implements NearFeed {
  constructor(readonly redis: RedisLink, readonly maxEntries: number) {}

  get #stream(): string {
    return this.redis.key("near");
  }

  append(entry: NearEntry): Promise<void> {
    return this.redis.attempt(async () => {
      await this.redis.client.xAdd(
        this.#stream,
        "*",
        { id: entry.id, phash: entry.phash, dhash: entry.dhash },
        { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: this.maxEntries } },
      );
    }, () => {});
  }

  readAfter(cursor: string | undefined): Promise<{ entries: NearEntry[]; cursor?: string }> {
    return this.redis.attempt(async () => {
      const read = await this.redis.client.xRange(
        this.#stream,
        cursor ? `(${cursor}` : "-",
        "+",
        { COUNT: READ_BATCH },
      );
      const entries = (read ?? []).map(({ message }) => ({
        id: String(message.id),
        phash: String(message.phash),
        dhash: String(message.dhash),
      }));
      return { entries, cursor: read?.at(-1)?.id ?? cursor };
    }, () => ({ entries: [], cursor }));
  }
}
