/**
 * The doors that speak an upstream's own API: Anthropic Messages (and its token counting) and
 * OpenAI Responses. The client's bytes go upstream with only image data spliced; the answer comes
 * back as the upstream gave it, squint's figures in headers (and, asked, an event).
 */
import { pathSegment } from "../path_segment.ts";
import { decideNativeCache, rawAnswers } from "../cache/native_cache.ts";
import { lookUp } from "../cache/chat_cache.ts";
import type { Config } from "../config.ts";
import type { ErrorShape } from "../errors.ts";
import type { AppParts } from "../lifecycle/context.ts";
import type { Door, DoorRequest } from "../lifecycle/door.ts";
import type { Caller } from "../keys/identity.ts";
import type { UnderstoodChat } from "../pipeline/prepare_chat.ts";
import {
  GEMINI_REQUEST,
  MESSAGES_REQUEST,
  type NativeRead,
  type NativeRequest,
  prepareNative,
  readNative,
  RESPONSES_REQUEST,
  unoptimized,
} from "../pipeline/prepare_native.ts";
import { type HeaderPairs, relayedHeaders, upstreamHeaders } from "../providers/openai.ts";
import { placeBreakpoints, sortTools } from "../providers/prompt_cache.ts";
import { type Route, routeModel, routeTo } from "../providers/route.ts";
import type { ProviderId } from "../models/types.ts";
import {
  ANTHROPIC_DIALECT,
  type Dialect,
  GEMINI_DIALECT,
  relayNativeResponse,
  RESPONSES_DIALECT,
} from "../relay/native_response.ts";

type Json = Record<string, unknown>;

/** A native request read for one model. */
export interface NativeDoorRequest extends DoorRequest {
  read: NativeRead;
}

/** What distinguishes one native door from another. */
interface NativeApi {
  name: string;
  errors: ErrorShape;
  provider: ProviderId;
  /** The upstream path for a request to `model` at `url` (the client's query string is kept). */
  path(url: URL, model: string): string;
  /** The model a request's URL names (an API that names it in the path). */
  modelOf?(url: URL): string | undefined;
  /** Whether the answer is an event stream, when the body's `stream` does not say. */
  streams?(url: URL): boolean;
  request: NativeRequest<{ ref: number; path: string }, unknown>;
  dialect: Dialect;
  /** A finished stream holds this (what the cache keeps). */
  terminal: RegExp;
  /** The credential headers for the upstream. */
  credentials(headers: Headers, caller: Caller): HeaderPairs;
  /** Edits the deployment asks for on the parsed body; true when something changed. */
  rewrite?(json: Json, config: Config): Rewrite;
  /** Why an answer depends on state the provider keeps (never cached then). */
  providerState?(json: Json): string | undefined;
  spends: boolean;
  cached: boolean;
}

/**
 * Anthropic's credential: the client's own in the header it came in (`x-api-key`, or an OAuth
 * token as `Authorization: Bearer`), squint's key as `x-api-key`.
 */
function anthropicCredentials(headers: Headers, caller: Caller): HeaderPairs {
  if (!caller.providerKey) return [];
  const asBearer = caller.own && headers.get("x-api-key") === null &&
    headers.get("authorization") !== null;
  return asBearer
    ? [["authorization", `Bearer ${caller.providerKey}`]]
    : [["x-api-key", caller.providerKey]];
}

/** What a deployment's edit changed: anything at all, and prompt-cache breakpoints in particular. */
interface Rewrite {
  changed: boolean;
  placed: boolean;
}

function anthropicRewrite(json: Json, config: Config): Rewrite {
  const sorted = config.canonical_tools === "on" && sortTools(json);
  const placed = config.prompt_cache === "auto" && placeBreakpoints(json) > 0;
  return { changed: sorted || placed, placed };
}

const MESSAGES_API: NativeApi = {
  name: "messages",
  errors: "anthropic",
  provider: "anthropic",
  path: (url) =>
    url.pathname.endsWith("/count_tokens") ? "/v1/messages/count_tokens" : "/v1/messages",
  request: MESSAGES_REQUEST as NativeRequest<{ ref: number; path: string }, unknown>,
  dialect: ANTHROPIC_DIALECT,
  terminal: /event:\s*message_stop/,
  credentials: anthropicCredentials,
  rewrite: anthropicRewrite,
  spends: true,
  cached: true,
};

const RESPONSES_API: NativeApi = {
  name: "responses",
  errors: "openai",
  provider: "openai",
  path: () => "/responses",
  request: RESPONSES_REQUEST as NativeRequest<{ ref: number; path: string }, unknown>,
  dialect: RESPONSES_DIALECT,
  terminal: /"type"\s*:\s*"response\.(completed|incomplete)"/,
  credentials: (_headers, caller) =>
    caller.providerKey ? [["authorization", `Bearer ${caller.providerKey}`]] : [],
  providerState(json) {
    if (json.previous_response_id) return "continues a stored response (previous_response_id)";
    if (json.conversation) return "part of a stored conversation";
    if (json.background === true) return "a background response";
    if (json.store !== false) return "stored by the provider (store is not false)";
    return undefined;
  },
  spends: true,
  cached: true,
};

/** Gemini's paths: `/{v1beta|v1alpha|v1}/models/{model}:{method}`. */
export const GEMINI_PATH =
  /^\/(v1beta|v1alpha|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;

const GEMINI_API: NativeApi = {
  name: "gemini",
  errors: "google",
  provider: "google",
  path: (url, model) => {
    const [, version, , method] = GEMINI_PATH.exec(url.pathname) ?? [];
    return `/${version ?? "v1beta"}/models/${encodeURIComponent(model)}:${method}`;
  },
  modelOf: (url) => {
    const named = GEMINI_PATH.exec(url.pathname)?.[2];
    if (named === undefined) return undefined;
    return pathSegment(named, "model", "model");
  },
  streams: (url) =>
    url.pathname.endsWith(":streamGenerateContent") && url.searchParams.get("alt") === "sse",
  request: GEMINI_REQUEST as NativeRequest<{ ref: number; path: string }, unknown>,
  dialect: GEMINI_DIALECT,
  terminal: /"finishReason"\s*:\s*"/,
  credentials: (_headers, caller) =>
    caller.providerKey ? [["x-goog-api-key", caller.providerKey]] : [],
  spends: true,
  cached: true,
};

/** The door for one native API. */
function nativeDoor(api: NativeApi): Door<NativeDoorRequest> {
  const route = (model: string, config: Config): Route => routeTo(config, api.provider, model);
  const answers = rawAnswers(api.terminal);
  const plan = async (request: NativeDoorRequest, app: AppParts, understood?: UnderstoodChat) => {
    const { config } = app;
    let placed = false;
    const prepared = await prepareNative(request.read, app, (json) => {
      const rewrite = api.rewrite?.(json, config);
      placed = rewrite?.placed ?? false;
      return rewrite?.changed ?? false;
    }, understood);
    const plan = { ...prepared.plan, resolved: request.resolved, promptCacheBySquint: placed };
    return { body: prepared.body, prepared: plan };
  };
  return {
    name: api.name,
    errors: api.errors,
    spends: api.spends,
    async read(bytes, headers, app, model, url) {
      // A model in the URL; a dry run of such an API names it in `model` instead.
      const named = (url && api.modelOf?.(url)) || model;
      const read = await readNative(bytes, headers, app, api.request, model, named) as NativeRead;
      if (url && api.streams) read.stream = api.streams(url);
      const to = route(read.model, app.config);
      return {
        model: read.model,
        route: to,
        resolved: read.admitted?.facts.resolved ?? app.registry.resolve(to.registryName),
        stream: read.stream,
        admitted: read.admitted,
        messages: read.admitted?.json.messages ?? read.json.messages ?? read.json.input ??
          read.json.contents,
        bytes,
        read,
      };
    },
    // A fallback must speak the same API (and so reach the same provider).
    serves: (model, config) => {
      const to = routeModel(model, config);
      return to.provider === api.provider && to.custom === undefined;
    },
    plan,
    imagePaths: (request) => request.read.images.map((image) => image.path),
    async prepare(request, to, caller, { headers, url, app }) {
      const { body, prepared } = await plan(request, app);
      return {
        prepared,
        call: {
          url: `${to.baseUrl}${api.path(url, to.model)}${url.search}`,
          headers: [
            ...upstreamHeaders(headers, undefined, [["content-type", "application/json"]]),
            ...api.credentials(headers, caller),
          ],
          body,
        },
        route: to,
      };
    },
    answer: (response) => Promise.resolve(response),
    relay: (response, prepared, context) =>
      relayNativeResponse(response, prepared, api.dialect, {
        statsEvent: false,
        ...context,
      }),
    served: (request, tokens, labels) => ({
      ...unoptimized(request.read, undefined, tokens, labels),
      resolved: request.resolved,
    }),
    cache: api.cached
      ? {
        decide: (request, scope, config) =>
          decideNativeCache(
            {
              door: api.name,
              json: request.read.json,
              admitted: request.admitted,
              images: request.read.images.map((image) => ({
                ref: image.ref,
                holder: api.request.holder(image),
              })),
              model: request.model,
              stream: request.stream,
              providerState: api.providerState?.(request.read.json),
            },
            scope,
            config,
          ),
        lookUp: async (_request, decision, _scope, app) => {
          const { policy, key } = decision;
          const stored = policy.read && key ? await lookUp(app.storage.kv, key) : undefined;
          return { stored, byLook: false, near: [] };
        },
        answers: { toStore: answers.toStore, response: answers.response },
      }
      : undefined,
  };
}

/** Anthropic Messages. */
export const MESSAGES: Door<NativeDoorRequest> = nativeDoor(MESSAGES_API);

/** OpenAI Responses. */
export const RESPONSES: Door<NativeDoorRequest> = nativeDoor(RESPONSES_API);

/** Gemini's `generateContent` and `streamGenerateContent`. */
export const GEMINI: Door<NativeDoorRequest> = nativeDoor(GEMINI_API);

/**
 * A token-counting door of `api`: the count of the body squint would send, relayed as it came
 * (no figures, no log row); it spends nothing.
 */
function countingDoor(api: NativeApi, name: string): Door<NativeDoorRequest> {
  return {
    ...nativeDoor({ ...api, name, spends: false, cached: false }),
    relay: (response, _prepared, context) =>
      Promise.resolve(
        new Response(response.body, {
          status: response.status,
          headers: relayedHeaders(response.headers, context.requestId),
        }),
      ),
  };
}

/** Gemini's `countTokens`. */
export const GEMINI_COUNT_TOKENS: Door<NativeDoorRequest> = countingDoor(
  GEMINI_API,
  "gemini_count_tokens",
);

/** Anthropic's `messages/count_tokens`. */
export const COUNT_TOKENS: Door<NativeDoorRequest> = countingDoor(MESSAGES_API, "count_tokens");
