/**
 * A native door's body (Anthropic Messages, OpenAI Responses) read and written where it is
 * cheapest. A small body is parsed, spliced and serialized on the main thread (microseconds); a
 * large one, which carries images, in a worker, so the event loop never decodes, parses, scans
 * or writes out megabytes of base64: the parsed body comes back as a structured clone (its big
 * strings copied, not parsed), and the spliced body as bytes. A worker pool too busy to take the
 * task leaves the work to the main thread rather than refuse the request.
 */
import { GatewayError } from "../errors.ts";
import { PoolFullError, TaskError, type WorkerPool } from "../pool/pool.ts";
import { spliceImages } from "./anthropic_images.ts";
import { MAIN_THREAD_PARSE_LIMIT } from "./decode_body.ts";
import { spliceResponses } from "./responses_images.ts";
import { spliceGemini } from "./gemini_images.ts";
import { checkNesting, nestingTooDeep } from "./depth.ts";

/** The splicers by API: each writes its images' new data into the body's text. */
export const SPLICERS = {
  messages: spliceImages,
  responses: spliceResponses,
  gemini: spliceGemini,
} as const;

/** An API whose bodies squint splices. */
export type NativeApi = keyof typeof SPLICERS;

/** Parses a body's text; a `GatewayError` 400 when it is not JSON. */
export function parseJsonText(text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GatewayError(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
  return checkNesting(json);
}

/** Splices `changes` into the body's bytes: its new bytes, or undefined when it cannot. */
export function spliceBytes(
  api: NativeApi,
  bytes: Uint8Array,
  changes: readonly unknown[],
): Uint8Array | undefined {
  // deno-lint-ignore no-explicit-any
  const parts = SPLICERS[api](new TextDecoder().decode(bytes), changes as any);
  return parts && new TextEncoder().encode(parts.join(""));
}

/** Runs `inWorker()` when the body is large and the pool has room, else `here()`. */
async function whereCheapest<T>(
  size: number,
  inWorker: () => Promise<T>,
  here: () => T,
): Promise<T> {
  if (size <= MAIN_THREAD_PARSE_LIMIT) return here();
  try {
    return await inWorker();
  } catch (e) {
    if (e instanceof TaskError && e.code === "invalid_json") throw new GatewayError(400, e.message);
    if (e instanceof TaskError && e.code === "nesting_too_deep") throw nestingTooDeep();
    if (e instanceof PoolFullError) return here();
    throw e;
  }
}

/** The parsed body (not yet checked for shape). */
export function parseNativeBody(bytes: Uint8Array, pool: WorkerPool): Promise<unknown> {
  return whereCheapest(
    bytes.byteLength,
    () => pool.run<unknown>({ kind: "parse", body: bytes }),
    () => parseJsonText(new TextDecoder().decode(bytes)),
  );
}

/** The body with `changes` spliced in, every other byte as sent; undefined when it cannot be. */
export function spliceNativeBody(
  api: NativeApi,
  bytes: Uint8Array,
  changes: readonly unknown[],
  pool: WorkerPool,
): Promise<Uint8Array | undefined> {
  return whereCheapest(
    bytes.byteLength,
    async () => {
      const spliced = await pool.run<Uint8Array | null>({
        kind: "splice",
        api,
        body: bytes,
        changes,
      });
      return spliced ?? undefined;
    },
    () => spliceBytes(api, bytes, changes),
  );
}

/** `json` written out (a large one in a worker). */
export function serializeJson(json: unknown, size: number, pool: WorkerPool): Promise<Uint8Array> {
  return whereCheapest(
    size,
    () => pool.run<Uint8Array>({ kind: "stringify", json }),
    () => new TextEncoder().encode(JSON.stringify(json)),
  );
}
