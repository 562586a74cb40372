/** RFC 2397 data URLs with base64 payloads, decoded in the workers. */

/** A decoded data URL. */
export interface DataUrl {
  mime: string;
  bytes: Uint8Array;
}

/** Decodes a base64 `data:` URL; undefined for other encodings or broken base64. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma < 0) return undefined;
  const params = url.slice(5, comma).split(";").map((p) => p.trim());
  if (!params.slice(1).some((p) => p.toLowerCase() === "base64")) return undefined;
  const mime = params[0].toLowerCase() || "application/octet-stream";
  const payload = url.slice(comma + 1);
  for (const alphabet of ["base64", "base64url"] as const) {
    try {
      return { mime, bytes: Uint8Array.fromBase64(payload, { alphabet }) };
    } catch {
      // some clients send URL-safe base64; try that alphabet before giving up
    }
  }
  return undefined;
}
