/** `POST /v1/chat/completions`: parse, prepare, call the upstream, relay. */
import { keyId } from "../accounting/key_id.ts";
import { contentForLog } from "../accounting/log_content.ts";
import { readBody } from "../intake/body.ts";
import { prepareChat } from "../pipeline/prepare_chat.ts";
import { callUpstream, upstreamHeaders } from "../providers/openai.ts";
import { relayChatResponse } from "../relay/chat_response.ts";
import { authenticate } from "./auth.ts";
import type { Handler } from "./context.ts";
import { requireJson } from "./content_type.ts";

/** The Chat Completions door. */
export const chatCompletions: Handler = async (request, ctx) => {
  const { config } = ctx.app;
  requireJson(request);
  const caller = authenticate(request.headers, config, config.openai_api_key);
  const bytes = await readBody(request, config.max_body_mb * 2 ** 20);
  const prepared = await prepareChat(bytes, request.headers, ctx.app);
  const headers = upstreamHeaders(request.headers, caller.providerKey, [[
    "content-type",
    "application/json",
  ]]);
  const upstream = await callUpstream({
    url: `${config.openai_base_url}/chat/completions`,
    method: "POST",
    headers,
    body: prepared.body,
    clientSignal: request.signal,
    timeoutMs: config.upstream_timeout_s * 1000,
  });
  return await relayChatResponse(upstream, prepared, {
    requestId: ctx.id,
    keyId: await keyId(caller.squintKey ?? caller.providerKey),
    started: ctx.started,
    storage: ctx.app.storage,
    content: contentForLog(prepared.messages, config.log_content),
  });
};
