/**
 * Whether one request may be answered from the cache, stored in it, or share an identical
 * request's upstream call. A sampled answer (temperature above 0, or unset: OpenAI's default is
 * 1) is one draw among many, so it is cached only when the deployment (`SQUINT_CACHE_SAMPLED`)
 * or the request itself (`squint.cache`) asks; de-duplication, which hands one draw to several
 * callers at once, is for `temperature: 0` only.
 */
import type { Config } from "../config.ts";
import type { Controls } from "../optimize/controls.ts";
import { liveSource } from "./live_sources.ts";

/** What the cache may do for one request. */
export interface CachePolicy {
  read: boolean;
  write: boolean;
  /** Share an identical in-flight request's upstream call. */
  dedup: boolean;
  ttlMs: number;
  /** Why reading and writing are off, when the mode asked for them. */
  reason?: string;
}

const MODES: Record<Controls["cache"], { read: boolean; write: boolean }> = {
  off: { read: false, write: false },
  read: { read: true, write: false },
  write: { read: false, write: true },
  on: { read: true, write: true },
};

/**
 * The sampling temperature in force: the body's (Gemini's in its `generationConfig`), else the
 * providers' default of 1.
 */
export function temperatureOf(body: Record<string, unknown>): number {
  const config = body.generationConfig as Record<string, unknown> | undefined;
  const temperature = body.temperature ??
    (config && typeof config === "object" ? config.temperature : undefined);
  return typeof temperature === "number" ? temperature : 1;
}

/**
 * The policy for a request. `unkeyed` names what makes its answer impossible to key by content
 * (a remote image not fetched), if anything.
 */
export function cachePolicy(
  body: Record<string, unknown>,
  controls: Controls,
  config: Config,
  unkeyed?: string,
): CachePolicy {
  const mode = MODES[controls.cache];
  const ttlMs = (controls.cacheTtlS ?? config.cache_ttl_s) * 1000;
  const deterministic = temperatureOf(body) === 0;
  // A request that itself says `cache: off` wants its own upstream call.
  const dedup = config.dedup === "on" && deterministic &&
    !(controls.cacheAsked && controls.cache === "off");
  const off = (reason: string): CachePolicy => ({
    read: false,
    write: false,
    dedup,
    ttlMs,
    reason,
  });
  if (!mode.read && !mode.write) return off("cache off");
  const unkept = unkeyed ?? liveSource(body);
  if (unkept) return off(unkept);
  if (!deterministic && config.cache_sampled !== "on" && !controls.cacheAsked) {
    return off("sampled answer (temperature above 0) not cached unless asked");
  }
  return { ...mode, dedup, ttlMs };
}
