/**
 * The ways a body is broken, and how often each: a weighted table of mutations, of which a case
 * draws one to three and applies them in stage order — changes to values inside the body first
 * (they need it to be an object), then the whole body, then its encoded bytes, then the request
 * around it.
 *
 * @module
 */

import { badControls, badStream, badTools } from "./bad_options.ts";
import { contentType, garbageHeader, oddPath } from "./bad_headers_and_paths.ts";
import { badRole, deepContent, hugeArray, turnsShape, unknownPart } from "./broken_conversation.ts";
import { brokenImage, brokenImagePart } from "./broken_images.ts";
import {
  byteOrderMark,
  duplicateKeys,
  emptyBody,
  invalidUtf8Bytes,
  nonObject,
  truncated,
} from "./broken_json.ts";
import type { Draft } from "./draft.ts";
import { pickWeighted, type Rng } from "./draw.ts";
import {
  deepTopLevel,
  hugeNumber,
  longString,
  missingField,
  nulCharacters,
  unknownField,
  wrongModel,
  wrongType,
} from "./wrong_fields.ts";

/** When a mutation runs among those of its case: in this order, whatever order they were drawn. */
const Stage = { value: 0, wholeBody: 1, bytes: 2, request: 3 } as const;

/**
 * A mutation: its weight in the draw, its stage, and what it does. It returns its description,
 * or undefined when it does not apply to this draft.
 */
interface Mutation {
  weight: number;
  stage: number;
  apply(d: Draft): string | undefined;
}

const MUTATIONS: Mutation[] = [
  { weight: 8, stage: Stage.value, apply: wrongType },
  { weight: 5, stage: Stage.value, apply: wrongModel },
  { weight: 4, stage: Stage.value, apply: missingField },
  { weight: 3, stage: Stage.value, apply: unknownField },
  { weight: 2, stage: Stage.value, apply: deepContent },
  { weight: 2, stage: Stage.value, apply: deepTopLevel },
  { weight: 2, stage: Stage.value, apply: hugeArray },
  { weight: 3, stage: Stage.value, apply: turnsShape },
  { weight: 3, stage: Stage.value, apply: unknownPart },
  { weight: 5, stage: Stage.value, apply: brokenImage },
  { weight: 3, stage: Stage.value, apply: brokenImagePart },
  { weight: 4, stage: Stage.value, apply: badControls },
  { weight: 2, stage: Stage.value, apply: badStream },
  { weight: 2, stage: Stage.value, apply: hugeNumber },
  { weight: 2, stage: Stage.value, apply: longString },
  { weight: 1, stage: Stage.value, apply: nulCharacters },
  { weight: 2, stage: Stage.value, apply: badRole },
  { weight: 2, stage: Stage.value, apply: badTools },
  { weight: 2, stage: Stage.wholeBody, apply: nonObject },
  { weight: 1, stage: Stage.wholeBody, apply: emptyBody },
  { weight: 3, stage: Stage.bytes, apply: truncated },
  { weight: 2, stage: Stage.bytes, apply: invalidUtf8Bytes },
  { weight: 1, stage: Stage.bytes, apply: byteOrderMark },
  { weight: 2, stage: Stage.bytes, apply: duplicateKeys },
  { weight: 2, stage: Stage.request, apply: contentType },
  { weight: 4, stage: Stage.request, apply: garbageHeader },
  { weight: 2, stage: Stage.request, apply: oddPath },
];

/** Draws one to three mutations from `rng` and applies them to `d`; returns what they did. */
export function breakDraft(rng: Rng, d: Draft): string[] {
  const count = rng() < 0.6 ? 1 : rng() < 0.75 ? 2 : 3;
  const drawn = Array.from({ length: count }, () => pickWeighted(rng, MUTATIONS))
    .sort((a, b) => a.stage - b.stage);
  const done: string[] = [];
  for (const mutation of drawn) {
    // A mutation that does not fit (a value mutation on a body already not an object) is
    // replaced by a wrong type, or by a header when even that does not fit.
    const did = mutation.apply(d) ?? wrongType(d) ?? garbageHeader(d);
    if (did) done.push(did);
  }
  return done;
}
