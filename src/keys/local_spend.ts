/**
 * Budgets where the counters are the process's own (embedded mode, `MemoryCounters`): a restart
 * empties them, so a budget window's counter starts from the request log's sum the first time a
 * request asks for it (`enforce.ts` seeds a missing counter from `spentSince`), and carries the
 * window on from there: the log is read once per key and window, not per request.
 *
 * So that a counter is never started from part of the log, spend is counted into a budget window
 * only once the log has been read for it: a row logged before that read is in the log's sum (the
 * read writes the queued rows first), a row logged after it is counted. Without this a key's
 * spend before a restart would be lost once it gained a budget or changed its period. Tokens per
 * minute are always counted.
 */
import type { Counters, RequestLogRow } from "../storage/types.ts";
import { BUDGET_PERIODS } from "./key_store.ts";
import { budgetWindow, isKeyId, meterUse } from "./metering.ts";

/** USD of a key's answered requests in the log from `since` (ms), queued rows included. */
export type ReadSpend = (keyId: string, since: number) => Promise<number>;

/** A window read this long ago has ended (a month is at most 31 days): it is forgotten. */
const ENDED_MS = 32 * 86_400_000;

/** Spend of stored keys on in-memory counters, started from the request log. */
export class LocalSpend {
  /** The log's sum per budget window read (`<key id>:<window start>`). */
  #read = new Map<string, { since: number; usd: Promise<number> }>();
  /** Size of `#read` past which ended windows are swept out. */
  #sweepAt = 1024;

  constructor(
    readonly counters: Counters,
    readonly readLog: ReadSpend,
    readonly now: () => number = Date.now,
  ) {}

  /** What the log says key `id` spent from `since`, read once per window. */
  spentSince(id: string, since: number): Promise<number> {
    const window = `${id}:${since}`;
    const known = this.#read.get(window);
    if (known) return known.usd;
    if (this.#read.size >= this.#sweepAt) this.#sweep();
    const usd = this.readLog(id, since);
    this.#read.set(window, { since, usd });
    // A failed read is tried again by the next request that asks.
    usd.catch(() => this.#read.delete(window));
    return usd;
  }

  /** Counts one finished request against its key (`meterUse`), spend into windows read only. */
  meter(row: RequestLogRow): Promise<void> {
    if (!isKeyId(row.keyId)) return Promise.resolve();
    const unread = new Set(
      BUDGET_PERIODS.map((period) => budgetWindow(row.keyId!, period, row.ts))
        .filter((w) => !this.#read.has(`${row.keyId}:${w.start}`))
        .map((w) => w.counter),
    );
    const counters = this.counters;
    return meterUse({
      add: (key, by, ttlMs) => unread.has(key) ? Promise.resolve(0) : counters.add(key, by, ttlMs),
      get: (key) => counters.get(key),
      seed: (key, value, ttlMs) => counters.seed(key, value, ttlMs),
    }, row);
  }

  #sweep(): void {
    const ended = this.now() - ENDED_MS;
    for (const [window, { since }] of this.#read) if (since < ended) this.#read.delete(window);
    this.#sweepAt = Math.max(1024, this.#read.size * 2);
  }
}
