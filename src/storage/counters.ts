/**
 * Counters that live for a window (rate-limit counts, spend in a budget period). The memory one
 * serves one instance (embedded mode, and production mode while Redis is away: local limits);
 * the Redis one is shared by every instance and falls back to a memory one of its own.
 */
import type { RedisLink } from "./redis.ts";
import type { Counters } from "./types.ts";

/** In-process counters; expired ones are swept when touched. */
export class MemoryCounters implements Counters {
  #values = new Map<string, { value: number; expires: number }>();

  constructor(readonly now: () => number = Date.now) {}

  #live(key: string) {
    const entry = this.#values.get(key);
    if (entry && entry.expires <= this.now()) {
      this.#values.delete(key);
      return undefined;
    }
    return entry;
  }

  add(key: string, by: number, ttlMs: number): Promise<number> {
    const entry = this.#live(key) ?? { value: 0, expires: this.now() + ttlMs };
    entry.value += by;
    this.#values.set(key, entry);
    if (this.#values.size > 100_000) this.#sweep();
    return Promise.resolve(entry.value);
  }

  get(key: string): Promise<number | undefined> {
    return Promise.resolve(this.#live(key)?.value ?? 0);
  }

  seed(key: string, value: number, ttlMs: number): Promise<void> {
    if (!this.#live(key)) this.#values.set(key, { value, expires: this.now() + ttlMs });
    return Promise.resolve();
  }

  #sweep(): void {
    for (const key of [...this.#values.keys()]) this.#live(key);
  }
}

/** Counters in Redis (INCRBYFLOAT with the window set on creation); local while Redis is away. */
export class RedisCounters implements Counters {
  #local = new MemoryCounters();

  constructor(readonly redis: RedisLink) {}

  add(key: string, by: number, ttlMs: number): Promise<number> {
    const k = this.redis.key(key);
    return this.redis.attempt(async () => {
      const [value] = await this.redis.client.multi()
        .incrByFloat(k, by)
        .pExpire(k, Math.max(1, Math.round(ttlMs)), "NX")
        .exec();
      return Number(value);
    }, () => this.#local.add(key, by, ttlMs));
  }

  get(key: string): Promise<number | undefined> {
    return this.redis.attempt(async () => {
      const value = await this.redis.client.get(this.redis.key(key));
      return value === null ? 0 : Number(value);
    }, () => undefined);
  }

  seed(key: string, value: number, ttlMs: number): Promise<void> {
    return this.redis.attempt(async () => {
      await this.redis.client.set(this.redis.key(key), String(value), {
        NX: true,
        PX: Math.max(1, Math.round(ttlMs)),
      });
    }, () => this.#local.seed(key, value, ttlMs));
  }
}
