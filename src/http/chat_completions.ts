/**
 * `POST /v1/chat/completions`: read the request, answer it from the cache when allowed, else
 * optimize it and call the upstream (a call an identical request already has under way is
 * shared), and relay.
 */
import { contentForLog } from "../accounting/log_content.ts";
import { keepSent } from "../accounting/sent_record.ts";
import { storedResponse } from "../cache/answer.ts";
import type { Lease } from "../cache/shared_flights.ts";
import {
  type CacheScope,
  decideCache,
  lookUpChat,
  rememberNear,
  storeWhenFinished,
} from "../cache/chat_cache.ts";
import { readBody } from "../intake/body.ts";
import {
  admitChat,
  optimizeChat,
  preparedFromStore,
  understandChat,
} from "../pipeline/prepare_chat.ts";
import { type Attempt, callCandidates, type Candidate } from "../providers/attempts.ts";
import { callUpstream } from "../providers/openai.ts";
import { sortTools } from "../providers/prompt_cache.ts";
import { routeModel } from "../providers/route.ts";
import { routeChat } from "../routing/route_request.ts";
import {
  openAIAnswer,
  type Outgoing,
  retryPolicy,
  upstreamRequest,
} from "../providers/translate.ts";
import { relayChatResponse, type RelayContext } from "../relay/chat_response.ts";
import { admitCaller } from "../keys/enforce.ts";
import { callerFor, identify, tenantOf } from "./auth.ts";
import type { Handler } from "./context.ts";
import { requireJson } from "./content_type.ts";

/** The Chat Completions door. */
export const chatCompletions: Handler = async (request, ctx) => {
  const { config, storage, flights, nearIndex } = ctx.app;
  requireJson(request);
  const identity = await identify(request.headers, config, storage.keys);
  const bytes = await readBody(request, config.max_body_mb * 2 ** 20);
  const routed = await routeChat(
    await admitChat(bytes, request.headers, ctx.app),
    identity,
    request.headers,
    ctx.app,
  );
  const { routing, before } = routed;
  const admission = await admitCaller(identity, routed.admitted.facts.model, storage);
  // Past its budget, a key with a fallback model is served by that model.
  const admitted = admission.budgetFallback
    ? await admitChat(routed.admitted.body, request.headers, ctx.app, admission.model)
    : routed.admitted;
  const { route } = admitted.facts;
  const tenant = await tenantOf(identity);
  const relay: RelayContext = {
    requestId: ctx.id,
    keyId: tenant,
    started: ctx.started,
    storage,
    content: contentForLog(admitted.json.messages, config.log_content),
  };
  const scope: CacheScope = {
    tenant,
    upstream: `${route.provider}:${route.baseUrl}`,
    rulesVersion: config.rules_version,
  };
  const cache = await decideCache(admitted, scope, config);
  const { policy, key } = cache;
  const found = await lookUpChat(admitted, cache, {
    kv: storage.kv,
    index: nearIndex,
    scope,
    understand: () => understandChat(admitted, ctx.app),
  });
  if (found.stored) {
    const { tokensBefore, tokensAfter } = found.stored;
    const prepared = preparedFromStore(
      admitted,
      { before: tokensBefore, after: tokensAfter },
      found.byLook ? ["perceptual_match"] : [],
    );
    return await relayChatResponse(storedResponse(found.stored, prepared.stream), prepared, {
      ...relay,
      cache: "hit",
    });
  }
  const promptCache = config.prompt_cache === "auto";
  // The model asked for, then its fallbacks: each prepared for its own provider and image rule.
  const candidate = (model: string, first: boolean): Candidate<Outgoing> => {
    const to = first ? route : routeModel(model, config);
    return {
      model,
      provider: to.custom ?? to.provider,
      upstream: `${to.provider}:${to.baseUrl}`,
      async prepare() {
        const caller = callerFor(identity, to.serverKey, to.provider);
        const own = first
          ? admitted
          : await admitChat(admitted.body, request.headers, ctx.app, model);
        if (config.canonical_tools === "on") sortTools(own.json);
        if (promptCache && to.provider === "openai" && !to.custom) {
          // One routing key per tenant, unless the client chose its own.
          own.json.prompt_cache_key ??= tenant ?? "squint";
        }
        const prepared = await optimizeChat(own, ctx.app, first ? found.understood : undefined);
        if (first) Object.assign(prepared, { routing, before });
        const outgoing = await upstreamRequest(
          prepared.body,
          to,
          caller.providerKey,
          request.headers,
          prepared.stream,
          promptCache,
          ctx.app.pool,
        );
        prepared.promptCacheBySquint = outgoing.promptCachePlaced;
        return { prepared, outgoing, route: to };
      },
      async send({ prepared, outgoing, route }, signal) {
        const response = await callUpstream({
          ...outgoing,
          method: "POST",
          clientSignal: signal,
          timeoutMs: config.upstream_timeout_s * 1000,
        });
        return await openAIAnswer(response, route, prepared.stream);
      },
    };
  };
  const attempts: Attempt[] = [];
  relay.attempts = attempts;
  const callUpstreams = async (signal: AbortSignal) => {
    const chain = [admitted.facts.model, ...(config.fallbacks[admitted.facts.model] ?? [])];
    const { response, prepared } = await callCandidates(
      chain.map((model, i) => candidate(model, i === 0)),
      retryPolicy(config),
      ctx.app.circuits,
      signal,
      attempts,
    );
    keepSent(
      storage.media,
      ctx.id,
      "/v1/chat/completions",
      prepared.prepared.model,
      bytes,
      prepared.prepared.body,
      prepared.prepared.plan,
    );
    return { response, meta: prepared.prepared };
  };
  // Across instances the flight's leader takes a lease; an instance that finds it taken
  // answers with the leader's answer once it has arrived.
  const { sharedFlights } = ctx.app;
  let lease: Lease | undefined;
  let fromOtherInstance = false;
  const call = async (signal: AbortSignal) => {
    if (!sharedFlights || !policy.dedup || !cache.flightKey) return await callUpstreams(signal);
    const boarding = await sharedFlights.board(cache.flightKey, signal);
    if (boarding.answer) {
      fromOtherInstance = true;
      const { tokensBefore: before, tokensAfter: after } = boarding.answer;
      const meta = preparedFromStore(admitted, { before, after });
      return { response: storedResponse(boarding.answer, meta.stream), meta };
    }
    lease = boarding.lease;
    return await callUpstreams(signal).catch((e) => {
      lease?.fail();
      throw e;
    });
  };
  const missed = policy.read ? "miss" : "bypass";
  if (!key || !(policy.write || policy.dedup)) {
    const { response, meta } = await call(request.signal);
    return await relayChatResponse(response, meta, { ...relay, cache: missed });
  }
  const boarding = await flights.board(
    policy.dedup ? cache.flightKey : undefined,
    request.signal,
    call,
  );
  const { shared, meta: prepared } = boarding.flight;
  if (boarding.leader) lease?.settle(shared, prepared.plan.tokens);
  if (boarding.leader && policy.write && !fromOtherInstance) {
    storeWhenFinished(storage.kv, key, shared, prepared.plan.tokens, policy.ttlMs)
      .then((stored) => stored && nearIndex && rememberNear(nearIndex, found.near));
  }
  return await relayChatResponse(shared.reader(boarding.leave), prepared, {
    ...relay,
    cache: boarding.leader && !fromOtherInstance ? missed : "dedup",
  });
};
