/**
 * Any other `/v1/*` (or Gemini's `/v1beta/*`, `/v1alpha/*` and uploads) path (`models`,
 * `embeddings`, `completions`, `files`, `messages/batches`, …): relayed unchanged to the provider
 * whose API it is, with that provider's credential header, so a credential never reaches another
 * provider's host. Admitted like any door (a spent key that cannot swap its model gets 429) and
 * logged, with the usage the upstream reports counted toward the key's spend.
 */
import { passthroughDoor } from "../storage/door_group.ts";
import { chatLogRow } from "../accounting/request_log.ts";
import { buildStats, type OpenAIUsage } from "../accounting/stats.ts";
import type { Config } from "../config.ts";
import { checkDeclaredLength, readBody } from "../intake/body.ts";
import { admitCaller } from "../keys/enforce.ts";
import { type Caller, callerFor, identify, tenantOf } from "../keys/identity.ts";
import type { RequestContext } from "../lifecycle/context.ts";
import { catalogueModelPrices } from "../models/prices.ts";
import type { ProviderId, ResolvedModel } from "../models/types.ts";
import { unoptimized } from "../pipeline/prepare_native.ts";
import {
  callUpstream,
  type HeaderPairs,
  relayedHeaders,
  upstreamHeaders,
} from "../providers/openai.ts";
import { GatewayError } from "../errors.ts";
import { isWebSocketUpgrade } from "./responses_socket.ts";
import {
  ANTHROPIC_DIALECT,
  type Dialect,
  GEMINI_DIALECT,
  RESPONSES_DIALECT,
} from "../relay/native_response.ts";
import { readAnswerFigures, readStreamFigures } from "../relay/answer_edges.ts";
import { countOnce } from "../accounting/counted.ts";
import {
  anthropicBatchShares,
  anthropicResultsOf,
  batchPrices,
  type BatchShare,
  openAIBatchSpend,
} from "../accounting/batches.ts";
import type { KeyValueStore } from "../storage/types.ts";

/** A provider's API as passthrough reaches it. */
interface ProviderApi {
  baseUrl(config: Config): string | undefined;
  serverKey(config: Config): string | undefined;
  /** The upstream path for the client's (`/v1/...`). */
  path(path: string): string;
  credentials(caller: Caller, headers: Headers): HeaderPairs;
  /** The usage an answer reports, in OpenAI's terms. */
  usage(answer: Record<string, unknown>): OpenAIUsage | undefined;
}

const n = (v: unknown) => (typeof v === "number" ? v : undefined);

/** A provider's usage object in OpenAI's terms, read as its native door reads it. */
const usageBy = (dialect: Dialect, usage: unknown): OpenAIUsage | undefined =>
  usage && typeof usage === "object"
    ? dialect.openAIUsage(usage as Record<string, unknown>) as OpenAIUsage
    : undefined;

const PROVIDERS: Record<Exclude<ProviderId, "ollama">, ProviderApi> = {
  openai: {
    baseUrl: (c) => c.openai_base_url,
    serverKey: (c) => c.openai_api_key,
    path: (p) => p.slice("/v1".length),
    credentials: (caller) =>
      caller.providerKey ? [["authorization", `Bearer ${caller.providerKey}`]] : [],
    // Chat-style counts, or input and output tokens (image generation, transcription).
    usage(a) {
      const u = a.usage as Record<string, unknown> | undefined;
      return !u || typeof u !== "object" || n(u.prompt_tokens) !== undefined
        ? u as OpenAIUsage | undefined
        : usageBy(RESPONSES_DIALECT, u);
    },
  },
  anthropic: {
    baseUrl: (c) => c.anthropic_base_url,
    serverKey: (c) => c.anthropic_api_key,
    path: (p) => p,
    credentials: (caller, headers) =>
      !caller.providerKey
        ? []
        : caller.own && headers.get("x-api-key") === null
        ? [["authorization", `Bearer ${caller.providerKey}`]]
        : [["x-api-key", caller.providerKey]],
    usage: (a) => usageBy(ANTHROPIC_DIALECT, a.usage),
  },
  google: {
    baseUrl: (c) => c.gemini_base_url,
    serverKey: (c) => c.gemini_api_key,
    path: (p) => p,
    credentials: (caller) => caller.providerKey ? [["x-goog-api-key", caller.providerKey]] : [],
    usage: (a) => usageBy(GEMINI_DIALECT, a.usageMetadata),
  },
};

/** Gemini's upload paths (the Files API's resumable upload, `@google/genai`'s `files.upload`). */
export const GEMINI_UPLOAD_PREFIXES = ["/upload/v1/", "/upload/v1beta/", "/upload/v1alpha/"];

/** Paths relayed to the provider whose API they speak. */
export const PASSTHROUGH_PREFIXES = ["/v1/", "/v1beta/", "/v1alpha/", ...GEMINI_UPLOAD_PREFIXES];

/** Whose API a request speaks, by its credential headers and path. */
export function providerOf(path: string, headers: Headers, search: URLSearchParams): ProviderId {
  if (
    headers.has("x-goog-api-key") || search.has("key") || /^\/v1(beta|alpha)\//.test(path) ||
    GEMINI_UPLOAD_PREFIXES.some((p) => path.startsWith(p))
  ) {
    return "google";
  }
  if (
    headers.has("anthropic-version") || headers.has("anthropic-beta") ||
    (headers.has("x-api-key") && !headers.has("authorization")) ||
    path.startsWith("/v1/messages/")
  ) return "anthropic";
  return "openai";
}

/**
 * The request with Gemini's `key` query parameter (a credential) moved to `x-goog-api-key`, so
 * no URL that squint logs, relays or puts in a span carries it.
 */
export function keyOutOfUrl(request: Request): Request {
  const url = new URL(request.url);
  const key = url.searchParams.get("key");
  if (key === null) return request;
  url.searchParams.delete("key");
  const headers = new Headers(request.headers);
  if (!headers.has("x-goog-api-key")) headers.set("x-goog-api-key", key);
  return new Request(url, {
    method: request.method,
    headers,
    body: request.body,
    signal: request.signal,
  });
}

/** Answers bigger than this are read for their usage at their edges, not parsed whole. */
const WHOLE_READ_LIMIT = 4 * 2 ** 20;

/** A Responses object read back without a GET: its cancel. */
const RESPONSE_CANCEL = /^\/v1\/responses\/[^/]+\/cancel$/;

/**
 * The usage of an answer that reads back something made earlier (a GET, a response's cancel):
 * none — it was spent, and counted, when it was made — except for a background response, whose
 * usage was not known when it was made: counted the first time squint sees it, once finished.
 */
async function readBackUsage(
  answer: Record<string, unknown>,
  kv: KeyValueStore,
): Promise<OpenAIUsage | undefined> {
  const id = answer.object === "response" ? RESPONSES_DIALECT.readBackId?.(answer) : undefined;
  const usage = RESPONSES_DIALECT.answerUsage(answer);
  if (!id || !usage) return undefined;
  return await countOnce(kv, id) ? RESPONSES_DIALECT.openAIUsage(usage) : undefined;
}

/** What one log row of a passthrough answer counts. */
interface Spend {
  usage?: OpenAIUsage;
  model?: string;
  /** Work done in a batch: priced at the batch rates. */
  batch?: boolean;
}

/** A batch's shares, counted if this is the first time squint sees the batch's figures. */
async function batchSpend(
  id: string,
  shares: BatchShare[] | undefined,
  dialect: Dialect,
  kv: KeyValueStore,
): Promise<Spend[]> {
  // Read back again: the model it ran on, nothing spent.
  if (!shares?.length || !(await countOnce(kv, id))) return [{ model: shares?.[0]?.model }];
  return shares.map(({ model, usage }) => ({
    model,
    usage: dialect.openAIUsage(usage) as OpenAIUsage,
    batch: true,
  }));
}

/** Relays a request the doors do not optimize to its provider, admitted and logged. */
export async function passThrough(given: Request, ctx: RequestContext): Promise<Response> {
  const { config, storage, registry } = ctx.app;
  if (isWebSocketUpgrade(given)) {
    // Relayed as a plain GET, it would only get a puzzling answer from the upstream.
    throw new GatewayError(
      501,
      `squint relays no WebSocket on ${
        new URL(given.url).pathname
      }: the one it relays is GET /v1/responses (the Responses API's WebSocket mode); call the provider directly for this one`,
      "invalid_request_error",
      "websocket_not_relayed",
    );
  }
  const request = keyOutOfUrl(given);
  const url = new URL(request.url);
  const headers = request.headers;
  // A `key` parameter is now `x-goog-api-key`, which names Gemini as well.
  const provider = providerOf(url.pathname, headers, url.searchParams) as keyof typeof PROVIDERS;
  const api = PROVIDERS[provider];
  const identity = await identify(headers, config, storage.keys);
  const tenant = ctx.known.keyId = await tenantOf(identity);
  const caller = callerFor(identity, api.serverKey(config), provider);
  await admitCaller(identity, undefined, storage);
  const contentLength = headers.get("content-length");
  const hasBody = request.body !== null && request.method !== "GET" && request.method !== "HEAD";
  // A declared length is checked up front and the body streams through; a body without one is
  // read within the limit first, so the limit cannot be bypassed.
  const body = !hasBody
    ? undefined
    : contentLength === null
    ? await readBody(request, config.max_body_mb * 2 ** 20)
    : (checkDeclaredLength(request, config.max_body_mb), request.body);
  const timing = { upstreamSent: performance.now() };
  const upstream = await callUpstream({
    url: `${api.baseUrl(config)}${api.path(url.pathname)}${url.search}`,
    method: request.method,
    headers: [
      ...upstreamHeaders(
        headers,
        undefined,
        hasBody && contentLength ? [["content-length", contentLength]] : [],
      ),
      ...api.credentials(caller, headers),
    ],
    body,
    clientSignal: request.signal,
    timeoutMs: config.upstream_timeout_s * 1000,
    fetch: ctx.app.fetch,
  });
  const contentType = upstream.headers.get("content-type") ?? "";
  const stream = contentType.includes("text/event-stream");
  /** Logs one row for each model the answer spent on (the first with the request's id). */
  const log = (spends: Spend[] = [{}]) => spends.forEach((spend, i) => logOne(spend, i));
  const logOne = ({ usage, model, batch }: Spend, i: number) => {
    const resolved = model ? registry.resolve(model) : undefined;
    const prepared = { ...unoptimized({ json: {}, stream, model: model ?? "" }), resolved };
    // A model outside the registry (embeddings, say) is priced by its exact catalogue entry.
    const listed = resolved?.prices ?? (model && catalogueModelPrices(provider, model));
    const prices = listed && batch ? batchPrices(listed) : listed;
    const priced = prices ? { requested: model, prices } as ResolvedModel : undefined;
    const stats = buildStats({
      tokens: { before: 0, after: 0 },
      estimated: true,
      optimizations: [],
      requested: priced,
      called: priced,
      calledName: model ?? "",
      usage,
      cache: "bypass",
    });
    ctx.app.record({
      ...chatLogRow(i === 0 ? ctx.id : `${ctx.id}.${i + 1}`, tenant, ctx.started, prepared, {
        status: upstream.status,
        outcome: upstream.ok ? "passthrough" : "upstream_error",
        stats,
        usage,
        upstreamRequestId: upstream.headers.get("x-request-id") ??
          upstream.headers.get("request-id"),
        content: null,
        door: passthroughDoor(provider, url.pathname),
        timing,
        prices: priced?.prices,
      }),
      provider,
    });
  };
  const out = relayedHeaders(upstream.headers, ctx.id);
  // An Anthropic batch's results, JSON Lines whatever their content type says.
  const resultsOf = upstream.ok && provider === "anthropic"
    ? anthropicResultsOf(url.pathname)
    : undefined;
  if (!upstream.body || !(stream || resultsOf || contentType.includes("json"))) {
    log();
    return new Response(upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: out,
    });
  }
  // The client's copy streams on; the other is read for the usage the answer reports.
  const [toClient, toRead] = upstream.body.tee();
  const readsBack = request.method === "GET" || RESPONSE_CANCEL.test(url.pathname);
  const reported = async (): Promise<Spend[]> => {
    if (resultsOf) {
      const shares = await anthropicBatchShares(toRead);
      return await batchSpend(resultsOf, shares, ANTHROPIC_DIALECT, storage.kv);
    }
    const answer = stream
      ? await readStreamFigures(toRead)
      : await readAnswerFigures(toRead, WHOLE_READ_LIMIT);
    if (!answer) return [{}];
    const batch = readsBack && upstream.ok ? openAIBatchSpend(answer) : undefined;
    if (batch) return await batchSpend(batch.id, batch.shares, RESPONSES_DIALECT, storage.kv);
    const usage = readsBack ? await readBackUsage(answer, storage.kv) : api.usage(answer);
    return [{ usage, model: typeof answer.model === "string" ? answer.model : undefined }];
  };
  reported().then(log, () => log());
  return new Response(toClient, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: out,
  });
}
