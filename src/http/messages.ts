/**
 * `POST /v1/messages` and `POST /v1/messages/count_tokens`: the Anthropic door. The request is
 * forwarded to Anthropic as the client wrote it, but for its optimized image data; the answer
 * comes back as Anthropic gave it, with squint's figures in headers (CONTRACT.md).
 */
import { contentForLog } from "../accounting/log_content.ts";
import { keepSent } from "../accounting/sent_record.ts";
import { readBody } from "../intake/body.ts";
import { MESSAGES_REQUEST, prepareNative } from "../pipeline/prepare_native.ts";
import { placeBreakpoints, sortTools } from "../providers/prompt_cache.ts";
import {
  callUpstream,
  type HeaderPairs,
  relayedHeaders,
  upstreamHeaders,
} from "../providers/openai.ts";
import { ANTHROPIC_DIALECT, relayNativeResponse } from "../relay/native_response.ts";
import { admitCaller } from "../keys/enforce.ts";
import { callerFor, identify, tenantOf } from "./auth.ts";
import { requireJson } from "./content_type.ts";
import type { Handler, RequestContext } from "./context.ts";

/**
 * The credential headers for Anthropic: the client's own credential in the header it came in
 * (`x-api-key`, or an OAuth token as `Authorization: Bearer`), squint's key as `x-api-key`.
 */
function credentials(request: Request, providerKey: string | undefined, own: boolean): HeaderPairs {
  if (!providerKey) return [];
  const asBearer = own && request.headers.get("x-api-key") === null &&
    request.headers.get("authorization") !== null;
  return asBearer ? [["authorization", `Bearer ${providerKey}`]] : [["x-api-key", providerKey]];
}

async function forward(request: Request, ctx: RequestContext, path: string): Promise<Response> {
  const { config, storage } = ctx.app;
  requireJson(request);
  const identity = await identify(request.headers, config, storage.keys);
  const caller = callerFor(identity, config.anthropic_api_key, "anthropic");
  const bytes = await readBody(request, config.max_body_mb * 2 ** 20);
  // Asked for by the deployment: the body is written out whole only when these change it.
  let placed = false;
  const rewrite = (json: Record<string, unknown>) => {
    const sorted = config.canonical_tools === "on" && sortTools(json);
    placed = config.prompt_cache === "auto" && placeBreakpoints(json) > 0;
    return sorted || placed;
  };
  const prepared = await prepareNative(bytes, request.headers, ctx.app, MESSAGES_REQUEST, rewrite);
  prepared.plan.promptCacheBySquint = placed;
  if (!path.endsWith("/count_tokens")) await admitCaller(identity, prepared.plan.model, storage);
  const upstream = await callUpstream({
    url: `${config.anthropic_base_url}${path}`,
    method: "POST",
    headers: [
      ...upstreamHeaders(request.headers, undefined, [["content-type", "application/json"]]),
      ...credentials(request, caller.providerKey, identity.clientKey !== undefined),
    ],
    body: prepared.body as BodyInit,
    clientSignal: request.signal,
    timeoutMs: config.upstream_timeout_s * 1000,
  });
  if (path.endsWith("/count_tokens")) {
    return new Response(upstream.body, {
      status: upstream.status,
      headers: relayedHeaders(upstream.headers, ctx.id),
    });
  }
  keepSent(
    storage.media,
    ctx.id,
    path,
    prepared.plan.model,
    bytes,
    prepared.body,
    prepared.plan.plan,
  );
  return await relayNativeResponse(upstream, prepared.plan, ANTHROPIC_DIALECT, {
    requestId: ctx.id,
    keyId: await tenantOf(identity),
    started: ctx.started,
    storage,
    content: contentForLog(prepared.plan.messages, config.log_content),
    statsEvent: request.headers.get("x-squint-stats")?.trim().toLowerCase() === "event",
  });
}

/** The Messages door. */
export const messages: Handler = (request, ctx) => forward(request, ctx, "/v1/messages");

/** The token-counting door: the count of the body squint would send. */
export const countTokens: Handler = (request, ctx) =>
  forward(request, ctx, "/v1/messages/count_tokens");
