/**
 * The exact cache key: everything that can change an answer, hashed. Two requests share a key
 * only when the same tenant sends the same body (every message in order, tools, sampling and
 * output parameters; inline values by the hash of their bytes) to the same upstream and model,
 * at the same path with the same query string and answer-shaping headers (a beta feature, an API
 * version) and the same squint settings. Only the stream flags are left out: a stored answer serves a streaming
 * request and a plain one alike.
 */
import type { Inspected } from "../../workers/image/protocol.ts";
import { markerRef } from "../intake/inline_images.ts";
import type { Controls } from "../optimize/controls.ts";
import { sha256 } from "./sha256.ts";

/** Bumped when the stored answer's shape or squint's planners change what is sent. */
export const CACHE_FORMAT = 1;

/** Body fields that change how an answer is delivered, never what it says. */
const DELIVERY_FIELDS = new Set(["stream", "stream_options"]);

/** Request headers the upstream reads to decide what it answers (features, API versions). */
const ANSWER_HEADERS = ["anthropic-beta", "anthropic-version", "openai-beta"];

/**
 * What a request asks for outside its body: its path (Gemini's names the model and the method,
 * `generateContent` or `streamGenerateContent`, whose answers differ in shape), the answer-shaping
 * headers it sent (a list of betas as a set: order and spacing aside) and its query string
 * (parameters in order of name).
 */
export function askedOutsideBody(headers: Headers, url: URL): Record<string, string> {
  const asked: Record<string, string> = { path: url.pathname };
  for (const name of ANSWER_HEADERS) {
    const value = headers.get(name);
    if (value === null) continue;
    asked[name] = value.split(",").map((v) => v.trim()).filter(Boolean).sort().join(",");
  }
  const query = new URLSearchParams(url.search);
  query.sort();
  if (query.size > 0) asked["?"] = query.toString();
  return asked;
}

/** What a cached answer is keyed by. */
export interface CacheKey {
  /** Whose answer: the squint key's id, else the client's provider key's id, else "". */
  tenant: string;
  /** The upstream's base URL. */
  upstream: string;
  /** The model actually called. */
  model: string;
  /** The query string and answer-shaping headers (`askedOutsideBody`). */
  asked: Record<string, string>;
  /** The body without delivery fields, inline values as `sha256:` ids, object keys sorted. */
  request: unknown;
  /** squint's settings that shape what is sent. */
  settings: {
    optimize: boolean;
    fidelity: string;
    detail: string;
    ocr: string;
    rulesVersion: string;
    format: number;
  };
}

export { sha256 };

/** The content id of one lifted inline value: an image by its decoded bytes, else its text. */
async function inlineId(value: Inspected | string): Promise<string> {
  if (typeof value === "string") return `sha256:${await sha256(value)}`;
  if (value.hash) return `sha256:${value.hash}`;
  return `sha256:${await sha256(value.original ?? new Uint8Array())}`;
}

/** Lifted values' ids, by reference. */
export async function inlineIds(
  inline: readonly (Inspected | string)[],
): Promise<string[]> {
  return await Promise.all(inline.map(inlineId));
}

/**
 * `value` with sorted object keys and markers replaced by their ids; an object in `replaced`
 * (a native body's image source) stands as its replacement.
 */
function canonical(
  value: unknown,
  ids: readonly string[],
  replaced?: ReadonlyMap<object, unknown>,
): unknown {
  if (typeof value === "string") {
    const ref = markerRef(value);
    return ref === undefined ? value : ids[ref] ?? value;
  }
  if (value === null || typeof value !== "object") return value;
  if (replaced?.has(value)) return replaced.get(value);
  if (Array.isArray(value)) return value.map((v) => canonical(v, ids, replaced));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    out[key] = canonical((value as Record<string, unknown>)[key], ids, replaced);
  }
  return out;
}

/** Where a request goes and whose it is, for its key. */
export interface KeyScope {
  tenant: string | null;
  upstream: string;
  model: string;
  /** The request as it came: its headers and URL (`askedOutsideBody` reads them). */
  headers: Headers;
  url: URL;
  rulesVersion: string;
}

/** The key of a Chat Completions body (markers resolved through `ids`). */
export function chatCacheKey(
  body: Record<string, unknown>,
  ids: readonly string[],
  where: KeyScope,
  controls: Controls,
): CacheKey {
  const request: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    if (!DELIVERY_FIELDS.has(field)) request[field] = value;
  }
  return keyOf(canonical(request, ids), where, controls);
}

/**
 * The key of a native API's body (Anthropic Messages, OpenAI Responses), stream flag and door
 * included (its stored answer is replayed as it came); each object in `images` (an image's
 * source) stands as its content id.
 */
export function nativeCacheKey(
  door: string,
  body: Record<string, unknown>,
  images: ReadonlyMap<object, string>,
  where: KeyScope,
  controls: Controls,
): CacheKey {
  return keyOf({ door, body: canonical(body, [], images) }, where, controls);
}

function keyOf(request: unknown, where: KeyScope, controls: Controls): CacheKey {
  return {
    tenant: where.tenant ?? "",
    upstream: where.upstream,
    model: where.model,
    asked: askedOutsideBody(where.headers, where.url),
    request,
    settings: {
      optimize: controls.optimize,
      fidelity: controls.fidelity,
      detail: controls.detail,
      ocr: controls.ocr,
      rulesVersion: where.rulesVersion,
      format: CACHE_FORMAT,
    },
  };
}

/** The key's hash: what the store is addressed by. */
export async function hashKey(key: CacheKey): Promise<string> {
  return await sha256(JSON.stringify(key));
}
