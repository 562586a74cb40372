/**
 * `POST /v1/optimize`: the plan for a body of any door (named by its `"door"` field, else known
 * by its shape), without calling any model. The answer embeds the exact body squint would send,
 * spliced in without re-parsing it; each image names its place in the body as a JSON pointer.
 */
import { routingAsSent } from "../routing/route_request.ts";
import { inputCostUsd } from "../models/prices.ts";
import { readBody } from "../intake/body.ts";
import { identify, tenantOf } from "../keys/identity.ts";
import { requireJson } from "./content_type.ts";
import type { Handler } from "../lifecycle/context.ts";
import { doorOfBody } from "../doors/table.ts";
import { type AdmittedChat, readingCases, understandChat } from "../pipeline/prepare_chat.ts";
import type { PlannedImage } from "../optimize/plan_image.ts";
import type { Prices } from "../models/types.ts";
import { usd } from "../usd.ts";

/** Each planned image as the answer shows it, named by its place in the body. */
function imageViews(images: readonly PlannedImage[], paths: readonly string[]) {
  return images.map((i, at) => ({
    message: i.message,
    part: i.part,
    ...(paths[at] !== undefined ? { path: paths[at] } : {}),
    action: i.action,
    reasons: i.reasons,
    ...(i.intent ? { intent: i.intent } : {}),
    ...(i.content ? { content: i.content } : {}),
    optimizations: i.optimizations,
    estimated: i.estimated,
    before: i.before,
    after: i.after,
    ...(i.detail ? { detail: i.detail } : {}),
  }));
}

/** Input cost of a plan's tokens before and after, when the model's prices are known. */
function costOf(prices: Prices | undefined, tokens: { before: number; after: number }) {
  return prices
    ? {
      before_usd: usd(inputCostUsd(prices, tokens.before)),
      after_usd: usd(inputCostUsd(prices, tokens.after)),
    }
    : { before_usd: null, after_usd: null };
}

/** The dry-run door. */
export const optimize: Handler = async (request, ctx) => {
  const { config, storage } = ctx.app;
  requireJson(request);
  const identity = await identify(request.headers, config, storage.keys);
  ctx.known.keyId = await tenantOf(identity);
  const given = await readBody(request, config.max_body_mb * 2 ** 20);
  const { door, bytes, model } = await doorOfBody(given, ctx.app.pool);
  const read = await door.read(bytes, request.headers, ctx.app, model);
  ctx.known.model = read.model;
  const chosen = door.choose
    ? await door.choose(read, identity, request.headers, ctx.app)
    : { request: read, routing: undefined };
  // What the pages' text is known to be is taken once: the plan sent and both reading cases
  // start from it.
  const admitted: AdmittedChat | undefined = chosen.request.admitted;
  const understood = admitted && await understandChat(admitted, ctx.app, false);
  const { body: sent, prepared } = await door.plan(chosen.request, ctx.app, understood);
  const routing = routingAsSent(chosen.routing, prepared);
  const paths = door.imagePaths(chosen.request);
  const prices = prepared.resolved?.prices;
  const images = imageViews(prepared.plan.images, paths);
  // `?wait=false`: the known case only when the text is known now (no wait for a reading).
  const wait = new URL(request.url).searchParams.get("wait") !== "false";
  const cases = understood && await readingCases(admitted, understood, ctx.app, wait);
  const caseView = (
    plan: { images: PlannedImage[]; tokens: { before: number; after: number } },
  ) => ({
    images: imageViews(plan.images, paths),
    tokens: plan.tokens,
    cost: costOf(prices, plan.tokens),
  });
  const reading = cases && {
    budget_ms: admitted.facts.controls.ocrBudgetMs,
    pages: cases.pages.map((i) => paths[i] ?? i),
    sent: cases.sentKnown ? "text_known" : "text_not_known",
    // The case sent is shown with the figures of its rendered pictures, the other as planned.
    text_not_known: caseView(cases.sentKnown ? cases.unknown : prepared.plan),
    text_known: cases.sentKnown ? caseView(prepared.plan) : cases.known && caseView(cases.known),
  };
  const videos = (prepared.plan.videos ?? []).map((v) => ({
    message: v.message,
    part: v.part,
    duration_s: v.duration_s,
    frames_sampled: v.frames_sampled,
    frames_kept: v.frames_kept,
    fps: v.fps,
    native: v.native,
    frames: v.frames.map((f) => ({
      t: f.t,
      action: f.action,
      kept_because: f.kept_because,
      reasons: f.reasons,
      before: f.before,
      after: f.after,
      ...(f.detail ? { detail: f.detail } : {}),
    })),
    dropped: v.dropped,
    tokens: v.tokens,
    baseline: v.baseline,
    estimated: v.estimated,
  }));
  const tokens = prepared.plan.tokens;
  const tail = {
    images,
    videos,
    tokens,
    cost: costOf(prices, tokens),
    estimated: prepared.plan.estimated,
    model_known: prepared.resolved !== undefined,
    ...(routing ? { routing } : {}),
    ...(reading ? { reading } : {}),
    ...(prepared.passthroughReason ? { passthrough_reason: prepared.passthroughReason } : {}),
  };
  const body = new Blob([
    `{"model":${JSON.stringify(prepared.model)},"door":${JSON.stringify(door.name)},"request":`,
    sent as BlobPart,
    `,${JSON.stringify(tail).slice(1)}`,
  ]);
  return new Response(body, {
    headers: { "content-type": "application/json", "x-request-id": ctx.id },
  });
};
