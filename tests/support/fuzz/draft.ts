/**
 * A case while it is being broken: the body as a value, the request around it, and the byte
 * transforms still to run on the body once it is encoded. Mutations read and change a draft.
 *
 * @module
 */

import { getAt, isPlainObject } from "./body_paths.ts";
import type { DoorSpec } from "./doors.ts";
import type { Rng } from "./draw.ts";
import type { FuzzImages } from "./images.ts";

/** A case before it is encoded. */
export interface Draft {
  rng: Rng;
  spec: DoorSpec;
  images: FuzzImages;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** Transforms of the encoded bytes, in order. */
  after: ((bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>)[];
  /** A multipart body sent instead of the encoded one. */
  form?: FormData;
}

/** The content parts of the draft's image turn, while they are still an array. */
export function contentParts(d: Draft): unknown[] | undefined {
  if (!isPlainObject(d.body) || !d.spec.parts) return undefined;
  const parts = getAt(d.body, d.spec.parts);
  return Array.isArray(parts) ? parts : undefined;
}

/** Whether the draft names its model in the path (Gemini's door), not in the body. */
export function namesModelInPath(d: Draft): boolean {
  return d.spec.shape === "google" && d.path.startsWith("/v1beta/");
}
