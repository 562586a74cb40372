/** Reading a request body within the size limit, as bytes. */
import { GatewayError } from "../errors.ts";
import { readLimited } from "./read_limited.ts";

/** 413: a body (or a socket event) over `maxBytes`, SQUINT_MAX_BODY_MB. */
export function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    413,
    `request body exceeds ${Math.round(maxBytes / 2 ** 20)} MB (SQUINT_MAX_BODY_MB)`,
    "invalid_request_error",
    "request_too_large",
  );
}

/** 413 when the declared Content-Length is over `maxMb` megabytes. */
export function checkDeclaredLength(request: Request, maxMb: number): void {
  if (Number(request.headers.get("content-length") ?? 0) > maxMb * 2 ** 20) {
    throw tooLarge(maxMb * 2 ** 20);
  }
}

/** Reads the whole body; 413 beyond `maxBytes` (checked on the declared length and while reading). */
export async function readBody(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  checkDeclaredLength(request, maxBytes / 2 ** 20);
  if (!request.body) return new Uint8Array(0);
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  try {
    // A declared length (already checked) lets the runtime read the body natively in one go.
    bytes = request.headers.has("content-length")
      ? await request.bytes()
      : await readLimited(request.body, maxBytes);
  } catch (e) {
    throw new GatewayError(400, `could not read the request body: ${(e as Error).message}`);
  }
  if (!bytes) throw tooLarge(maxBytes);
  return bytes;
}
