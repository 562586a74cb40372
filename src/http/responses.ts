/**
 * `POST /v1/responses`: OpenAI's Responses API. Inline `input_image` parts are optimized for the
 * model named; everything else goes to OpenAI as the client wrote it, and the answer (a stream
 * event by event) comes back as OpenAI gave it, squint's figures in headers (CONTRACT.md).
 */
import { contentForLog } from "../accounting/log_content.ts";
import { keepSent } from "../accounting/sent_record.ts";
import { readBody } from "../intake/body.ts";
import { prepareNative, RESPONSES_REQUEST } from "../pipeline/prepare_native.ts";
import { callUpstream, upstreamHeaders } from "../providers/openai.ts";
import { relayNativeResponse, RESPONSES_DIALECT } from "../relay/native_response.ts";
import { admitCaller } from "../keys/enforce.ts";
import { authenticate, tenantOf } from "./auth.ts";
import { requireJson } from "./content_type.ts";
import type { Handler } from "./context.ts";

/** The Responses door. */
export const responses: Handler = async (request, ctx) => {
  const { config, storage } = ctx.app;
  requireJson(request);
  const { identity, caller } = await authenticate(
    request.headers,
    config,
    config.openai_api_key,
    storage.keys,
    "openai",
  );
  const bytes = await readBody(request, config.max_body_mb * 2 ** 20);
  const prepared = await prepareNative(bytes, request.headers, ctx.app, RESPONSES_REQUEST);
  await admitCaller(identity, prepared.plan.model, storage);
  const upstream = await callUpstream({
    url: `${config.openai_base_url}/responses`,
    method: "POST",
    headers: upstreamHeaders(request.headers, caller.providerKey, [[
      "content-type",
      "application/json",
    ]]),
    body: prepared.body as BodyInit,
    clientSignal: request.signal,
    timeoutMs: config.upstream_timeout_s * 1000,
  });
  keepSent(
    storage.media,
    ctx.id,
    "/v1/responses",
    prepared.plan.model,
    bytes,
    prepared.body,
    prepared.plan.plan,
  );
  return await relayNativeResponse(upstream, prepared.plan, RESPONSES_DIALECT, {
    requestId: ctx.id,
    keyId: await tenantOf(identity),
    started: ctx.started,
    storage,
    content: contentForLog(prepared.plan.messages, config.log_content),
    statsEvent: false,
  });
};
