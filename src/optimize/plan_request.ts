/** `planRequest`: the plan for every image of one request, with token totals. Pure. */
import type { ModelFamily } from "../models/types.ts";
import {
  type ImageControls,
  type ImageDecision,
  type ImageFacts,
  planImage,
} from "./plan_image.ts";

/** An image decision with its 0-based place in `messages[].content[]`. */
export interface PlannedImage extends ImageDecision {
  message: number;
  part: number;
}

/** The plan for a request. */
export interface RequestPlan {
  images: PlannedImage[];
  tokens: { before: number; after: number };
  /** True when any figure is an estimate (text tokens always are). */
  estimated: boolean;
}

/** One image's place and facts. */
export interface PlanInput {
  message: number;
  part: number;
  facts: ImageFacts;
}

/** Plans every image for `family` and sums the tokens with the (estimated) text tokens. */
export function planRequest(
  inputs: readonly PlanInput[],
  family: ModelFamily | undefined,
  controls: ImageControls,
  textTokens: number,
): RequestPlan {
  const images = inputs.map((input) => ({
    message: input.message,
    part: input.part,
    ...planImage(input.facts, family, controls),
  }));
  return { images, ...totals(images, textTokens) };
}

/** Token totals of a plan's images plus the text (recomputed after rendering). */
export function totals(
  images: readonly ImageDecision[],
  textTokens: number,
): Omit<RequestPlan, "images"> {
  let before = textTokens;
  let after = textTokens;
  for (const image of images) {
    before += image.before.tokens;
    after += image.after.tokens;
  }
  return { tokens: { before, after }, estimated: true };
}
