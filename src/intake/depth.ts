/**
 * A nesting limit for request bodies: squint walks bodies (images, cache keys, views), and a body
 * nested thousands deep must be refused as the client's mistake, never overflow a stack.
 */
import { GatewayError } from "../errors.ts";

/** Arrays and objects may nest this deep; deeper is 400 `nesting_too_deep`. */
export const MAX_NESTING = 128;

/**
 * Whether `json` nests arrays and objects deeper than `limit`. The walk recurses at most `limit`
 * calls deep, whatever the body, and allocates nothing (it runs on every request).
 */
export function nestsDeeperThan(json: unknown, limit = MAX_NESTING): boolean {
  if (json === null || typeof json !== "object") return false;
  if (limit === 0) return true;
  if (Array.isArray(json)) {
    for (let i = 0; i < json.length; i++) if (nestsDeeperThan(json[i], limit - 1)) return true;
  } else {
    const object = json as Record<string, unknown>;
    for (const key in object) if (nestsDeeperThan(object[key], limit - 1)) return true;
  }
  return false;
}

/** The error for a body nested too deep. */
export function nestingTooDeep(): GatewayError {
  return new GatewayError(
    400,
    `request body nests arrays and objects more than ${MAX_NESTING} deep`,
    "invalid_request_error",
    "nesting_too_deep",
  );
}

/** Throws 400 `nesting_too_deep` when `json` nests deeper than the limit; returns it otherwise. */
export function checkNesting<T>(json: T): T {
  if (nestsDeeperThan(json)) throw nestingTooDeep();
  return json;
}
