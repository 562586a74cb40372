/**
 * Turns request bytes into a JSON body whose inline data URLs are markers. Small bodies parse on
 * the main thread (microseconds); large ones, which carry images, parse in a worker so the event
 * loop never holds megabytes of base64.
 */
import { GatewayError } from "../errors.ts";
import type { WorkerPool } from "../pool/pool.ts";
import { TaskError } from "../pool/pool.ts";
import type { Ingested, Inspected } from "../../workers/image/protocol.ts";
import { extractInlineData } from "./inline_images.ts";
import { checkNesting, nestingTooDeep } from "./depth.ts";

/** Bodies up to this size are parsed on the main thread. */
export const MAIN_THREAD_PARSE_LIMIT = 256 * 1024;

/** A parsed body and what the workers found in its inline data. */
export interface DecodedBody {
  json: Record<string, unknown>;
  /** Inline data by reference number; strings when not yet inspected. */
  inline: (Inspected | string)[];
  /** The request body as received, for the pass-through path. */
  body: Uint8Array;
}

function asObject(json: unknown): Record<string, unknown> {
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    throw new GatewayError(400, "request body must be a JSON object");
  }
  return json as Record<string, unknown>;
}

/** Parses on the main thread; used for small bodies and when the pool is overloaded. */
export function parseOnMainThread(bytes: Uint8Array, extract: boolean): DecodedBody {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new GatewayError(400, `request body is not valid JSON: ${(e as Error).message}`);
  }
  const object = asObject(checkNesting(json));
  return { json: object, inline: extract ? extractInlineData(object) : [], body: bytes };
}

/**
 * Parses `bytes` where it is cheapest; the caller handles PoolFullError. A large body moves to
 * the worker and back without a copy on the event loop; if that worker dies or times out the
 * bytes are gone with it, and `bytes` is left empty (detached).
 */
export async function decodeBody(bytes: Uint8Array, pool: WorkerPool): Promise<DecodedBody> {
  if (bytes.byteLength <= MAIN_THREAD_PARSE_LIMIT) return parseOnMainThread(bytes, true);
  try {
    const ingested = await pool.run<Ingested>({ kind: "ingest", body: bytes }, [
      bytes.buffer as ArrayBuffer,
    ]);
    return { json: asObject(ingested.json), inline: ingested.inline, body: ingested.body };
  } catch (e) {
    if (e instanceof TaskError && e.code === "invalid_json") throw new GatewayError(400, e.message);
    if (e instanceof TaskError && e.code === "nesting_too_deep") throw nestingTooDeep();
    throw e;
  }
}
