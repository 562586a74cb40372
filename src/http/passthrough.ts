/** Any other `/v1/*` door (`/v1/models`, `/v1/embeddings`, `/v1/completions`, ...): relayed unchanged. */
import { callUpstream, relayedHeaders, upstreamHeaders } from "../providers/openai.ts";
import { admitCaller } from "../keys/enforce.ts";
import { authenticate } from "./auth.ts";
import type { Handler } from "./context.ts";
import { checkDeclaredLength, readBody } from "../intake/body.ts";

/** Relays the request to the OpenAI-compatible upstream and its answer back, bytes untouched. */
export const passthrough: Handler = async (request, ctx) => {
  const { config, storage } = ctx.app;
  const { identity, caller } = await authenticate(
    request.headers,
    config,
    config.openai_api_key,
    storage.keys,
    "openai",
  );
  // The body is not read here: a stored key's request count and budget hold, its model list
  // is for the doors that read the model.
  await admitCaller(identity, undefined, storage);
  const url = new URL(request.url);
  const contentLength = request.headers.get("content-length");
  const hasBody = request.body !== null && request.method !== "GET" && request.method !== "HEAD";
  const headers = upstreamHeaders(
    request.headers,
    caller.providerKey,
    hasBody && contentLength ? [["content-length", contentLength]] : [],
  );
  // A declared length is checked up front and the body streams through; a body without one is
  // read within the limit first, so the limit cannot be bypassed.
  const body = !hasBody
    ? undefined
    : contentLength === null
    ? await readBody(request, config.max_body_mb * 2 ** 20)
    : (checkDeclaredLength(request, config.max_body_mb), request.body);
  const upstream = await callUpstream({
    url: `${config.openai_base_url}${url.pathname.slice("/v1".length)}${url.search}`,
    method: request.method,
    headers,
    body,
    clientSignal: request.signal,
    timeoutMs: config.upstream_timeout_s * 1000,
  });
  const out = relayedHeaders(upstream.headers, ctx.id);
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: out,
  });
};
