/**
 * A nesting limit for request bodies: squint walks bodies (images, cache keys, views), and a body
 * nested thousands deep must be refused as the client's mistake, never overflow a stack.
 */
import { GatewayError } from "../errors.ts";

/** Arrays and objects may nest this deep; deeper is 400 `nesting_too_deep`. */
export const MAX_NESTING = 128;

/** Whether `json` nests arrays and objects deeper than `limit` (walked without recursion). */
export function nestsDeeperThan(json: unknown, limit = MAX_NESTING): boolean {
  const stack: [unknown, number][] = [[json, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > limit) return true;
    for (const value of Array.isArray(node) ? node : Object.values(node)) {
      if (value !== null && typeof value === "object") stack.push([value, depth + 1]);
    }
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
