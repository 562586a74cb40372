/** JSON doors refuse other media types with 415. */
import { GatewayError } from "../errors.ts";

/** Throws 415 unless the request says its body is JSON (or says nothing). */
export function requireJson(request: Request): void {
  const type = request.headers.get("content-type");
  if (type === null || /^application\/([\w.+-]*\+)?json\b/i.test(type.trim())) return;
  throw new GatewayError(
    415,
    `content-type must be application/json, got ${type}`,
    "invalid_request_error",
    "unsupported_media_type",
  );
}
