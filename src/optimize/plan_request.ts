/** `planRequest`: the plan for every image of one request, with token totals. Pure. */
import type { ModelFamily } from "../models/types.ts";
import type { PlannedVideo } from "./plan_video.ts";
import {
  type ImageControls,
  type ImageDecision,
  type ImageFacts,
  planImage,
  type PlannedImage,
} from "./plan_image.ts";

export type { PlannedImage } from "./plan_image.ts";

/** The plan for a request. */
export interface RequestPlan {
  images: PlannedImage[];
  /** Its videos, each with its frames (not in `images`). */
  videos?: PlannedVideo[];
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

/** Token totals of a plan's images and videos plus the text (recomputed after rendering). */
export function totals(
  images: readonly ImageDecision[],
  textTokens: number,
  videos: readonly PlannedVideo[] = [],
): Omit<RequestPlan, "images" | "videos"> {
  let before = textTokens;
  let after = textTokens;
  for (
    const media of [
      ...images.map((i) => ({ tokens: { before: i.before.tokens, after: i.after.tokens } })),
      ...videos,
    ]
  ) {
    before += media.tokens.before;
    after += media.tokens.after;
  }
  return { tokens: { before, after }, estimated: true };
}
