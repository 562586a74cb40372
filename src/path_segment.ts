/**
 * A part of a request's path as the client meant it: percent-decoded, or a 400 naming it when it
 * is not valid percent-encoded UTF-8 (`decodeURIComponent` throws, which was a 500).
 *
 * @module
 */
import { GatewayError } from "./errors.ts";

/** `segment` decoded; `what` names it in the refusal (`"model"`, `"the request id"`). */
export function pathSegment(segment: string, what: string, param: string | null = null): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GatewayError(
      400,
      `${what}: ${segment} in the path is not valid percent-encoded UTF-8`,
      "invalid_request_error",
      null,
      param,
    );
  }
}
