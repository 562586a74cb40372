/**
 * `POST /v1/optimize`: the plan for a body of any door (named by its `"door"` field, else known
 * by its shape), without calling any model. The answer embeds the exact body squint would send,
 * spliced in without re-parsing it; each image names its place in the body as a JSON pointer.
 */
import { routingAsSent } from "../routing/route_request.ts";
import { inputCostUsd } from "../models/prices.ts";
import { readBody } from "../intake/body.ts";
import { identify } from "../keys/identity.ts";
import { requireJson } from "./content_type.ts";
import type { Handler } from "../lifecycle/context.ts";
import { doorOfBody } from "../doors/table.ts";

const usd = (x: number) => Math.round(x * 1e10) / 1e10;

/** The dry-run door. */
export const optimize: Handler = async (request, ctx) => {
  const { config, storage } = ctx.app;
  requireJson(request);
  const identity = await identify(request.headers, config, storage.keys);
  const given = await readBody(request, config.max_body_mb * 2 ** 20);
  const { door, bytes, model } = await doorOfBody(given, ctx.app.pool);
  const read = await door.read(bytes, request.headers, ctx.app, model);
  const chosen = door.choose
    ? await door.choose(read, identity, request.headers, ctx.app)
    : { request: read, routing: undefined };
  const { body: sent, prepared } = await door.plan(chosen.request, ctx.app);
  const routing = routingAsSent(chosen.routing, prepared);
  const paths = door.imagePaths(chosen.request);
  const prices = prepared.resolved?.prices;
  const images = prepared.plan.images.map((i, at) => ({
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
    cost: prices
      ? {
        before_usd: usd(inputCostUsd(prices, tokens.before)),
        after_usd: usd(inputCostUsd(prices, tokens.after)),
      }
      : { before_usd: null, after_usd: null },
    estimated: prepared.plan.estimated,
    model_known: prepared.resolved !== undefined,
    ...(routing ? { routing } : {}),
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
