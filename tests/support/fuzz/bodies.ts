/**
 * Seeded malformed requests for squint's doors: each door's valid body (often with a small
 * image, `./doors.ts`), then one to three mutations drawn from a weighted table
 * (`./mutations.ts`) — wrong types, missing and unknown fields, deep nesting, huge arrays, broken
 * JSON and UTF-8, broken images, bad `squint` controls, bad headers, content types and paths —
 * then written as bytes (`./encode.ts`). Case `i` of a seed is the same on every run, whatever
 * the other cases are, so one failing case can be rerun alone.
 *
 * @example
 * ```ts
 * const request = fuzzCase({ seed: 1, images }, 17);
 * await fetch(`${squint.origin}${request.path}`, requestInit(request));
 * ```
 *
 * @module
 */

import { prng } from "../prng.ts";
import { type ErrorShape, validRequest } from "./doors.ts";
import type { Draft } from "./draft.ts";
import { encode } from "./encode.ts";
import type { FuzzImages } from "./images.ts";
import { breakDraft } from "./mutations.ts";

/** Options of {@linkcode fuzzCase}. */
export interface FuzzOptions {
  seed: number;
  images: FuzzImages;
}

/** One malformed request. */
export interface FuzzCase {
  index: number;
  /** The door's name in reports, e.g. `/v1/chat/completions` or `passthrough`. */
  door: string;
  /** Path and query the request goes to. */
  path: string;
  shape: ErrorShape;
  /** What was done to the valid body, in words, e.g. `wrong type at model: array`. */
  mutations: string[];
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | FormData;
}

/** The fetch options of a case (its body is sent exactly as built). */
export function requestInit(request: FuzzCase, signal?: AbortSignal): RequestInit {
  return { method: "POST", headers: request.headers, body: request.body, signal };
}

/** Case `index` of `seed`: which door is drawn from the index, everything else from the seed. */
export function fuzzCase(options: FuzzOptions, index: number): FuzzCase {
  const rng = prng((options.seed * 1_000_003 + index * 7_919) | 0);
  const { spec, body } = validRequest(rng, index, options.images);
  const draft: Draft = {
    rng,
    spec,
    images: options.images,
    path: spec.path,
    headers: { ...spec.headers },
    body,
    after: [],
  };
  const mutations = breakDraft(rng, draft);
  let bytes = draft.form ? new Uint8Array(0) : encode(draft.body);
  for (const step of draft.after) bytes = step(bytes);
  return {
    index,
    door: spec.door,
    path: draft.path,
    shape: spec.shape,
    mutations,
    headers: draft.headers,
    body: draft.form ?? bytes,
  };
}
