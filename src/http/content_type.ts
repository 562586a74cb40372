/** JSON doors refuse other media types and compressed bodies with 415. */
import { GatewayError } from "../errors.ts";

/**
 * Throws 415 unless the request says its body is JSON (or says nothing) and sends it as it is:
 * squint reads the body, so a `Content-Encoding` (gzip, br, zstd…) would reach the parser as
 * bytes of no JSON, and the upstream with the header but a body squint wrote.
 */
export function requireJson(request: Request): void {
  const type = request.headers.get("content-type");
  if (type !== null && !/^application\/([\w.+-]*\+)?json\b/i.test(type.trim())) {
    throw new GatewayError(
      415,
      `content-type must be application/json, got ${type}`,
      "invalid_request_error",
      "unsupported_media_type",
    );
  }
  const encoding = request.headers.get("content-encoding")?.trim().toLowerCase();
  if (encoding && encoding !== "identity") {
    throw new GatewayError(
      415,
      `content-encoding ${encoding}: squint reads request bodies uncompressed; send this one without it`,
      "invalid_request_error",
      "unsupported_content_encoding",
    );
  }
}
