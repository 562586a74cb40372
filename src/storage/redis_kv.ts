/**
 * The production key-value store: Redis, shared by every instance (response cache,
 * de-duplication leases). With Redis away, reads miss and writes are dropped (no cache), and a
 * lease is taken locally, so the instance still coalesces its own identical requests.
 */
import { MemoryKeyValue } from "./memory_kv.ts";
import type { RedisLink } from "./redis.ts";
import type { KeyValueStore } from "./types.ts";

/** Leases held locally while Redis is away: small values, few at a time. */
const LOCAL_LEASE_BYTES = 2 ** 20;

/** Redis-backed `KeyValueStore`. */
export class RedisKeyValue implements KeyValueStore {
  #localLeases = new MemoryKeyValue(LOCAL_LEASE_BYTES);

  constructor(readonly redis: RedisLink) {}

  get(key: string): Promise<Uint8Array | undefined> {
    return this.redis.attempt(async () => {
      const value = await this.redis.bytes.get(this.redis.key(key));
      return value ? new Uint8Array(value) : undefined;
    }, () => undefined);
  }

  set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    return this.redis.attempt(async () => {
      await this.redis.bytes.set(this.redis.key(key), Buffer.from(value), {
        PX: Math.max(1, Math.round(ttlMs)),
      });
    }, () => {});
  }

  setIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    return this.redis.attempt(async () => {
      const set = await this.redis.bytes.set(this.redis.key(key), Buffer.from(value), {
        NX: true,
        PX: Math.max(1, Math.round(ttlMs)),
      });
      return set !== null;
    }, () => this.#localLeases.setIfAbsent(key, value, ttlMs));
  }

  delete(key: string): Promise<void> {
    return this.redis.attempt(async () => {
      await this.redis.client.unlink(this.redis.key(key));
    }, () => this.#localLeases.delete(key));
  }
}
