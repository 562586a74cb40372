/** Reading a request body within the size limit, as bytes. */
import { GatewayError } from "../http/errors.ts";

function tooLarge(maxBytes: number): GatewayError {
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
  // A declared length within the limit lets the runtime read the body natively in one go.
  if (request.headers.has("content-length")) {
    try {
      return await request.bytes();
    } catch (e) {
      throw new GatewayError(400, `could not read the request body: ${(e as Error).message}`);
    }
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of request.body) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    throw new GatewayError(400, `could not read the request body: ${(e as Error).message}`);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array<ArrayBuffer>;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
