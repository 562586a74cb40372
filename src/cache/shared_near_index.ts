/**
 * A picture index that follows a shared record (production: a Redis stream): pictures stored by
 * any instance become findable on every instance. Each instance keeps its own index for fast
 * lookups and, before a lookup, reads what was appended since its last read (one round trip
 * when nothing is new); a picture it stores itself is appended for the others.
 */
import type { NearEntry, NearFeed } from "../storage/types.ts";
import type { PerceptualHashes } from "../../workers/image/perceptual.ts";
import type { NearIndex, NearMatch, PictureIndex } from "./near_index.ts";

/** A `NearIndex` kept in step with a `NearFeed`. */
export class SharedNearIndex implements PictureIndex {
  #cursor?: string;
  #reading?: Promise<void>;

  constructor(readonly index: NearIndex, readonly feed: NearFeed) {}

  add(id: string, hashes: PerceptualHashes): void {
    this.index.add(id, hashes);
    const entry: NearEntry = { id, phash: hashes.phash, dhash: hashes.dhash };
    this.feed.append(entry).catch(() => {});
  }

  nearest(hashes: PerceptualHashes): NearMatch | undefined {
    return this.index.nearest(hashes);
  }

  /** Reads the record up to its end; concurrent callers share one read. */
  catchUp(): Promise<void> {
    this.#reading ??= this.#read().finally(() => this.#reading = undefined);
    return this.#reading;
  }

  async #read(): Promise<void> {
    for (;;) {
      const { entries, cursor } = await this.feed.readAfter(this.#cursor);
      this.#cursor = cursor;
      for (const entry of entries) this.index.add(entry.id, entry);
      if (entries.length === 0) return;
    }
  }
}
