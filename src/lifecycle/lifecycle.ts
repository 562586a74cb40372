/**
 * One request through any door: read and identify → admit (key, models, rate, budget → the key's
 * fallback model or 429) → choose the model (chat) → cache and in-flight de-duplication where
 * the body allows → route (the model, then its fallbacks through the same API: retries, backoff,
 * circuit breaker), each candidate planned and transformed for its own model → relay → account.
 */
import { contentForLog } from "../accounting/log_content.ts";
import { countOnce } from "../accounting/counted.ts";
import { keepSent } from "../accounting/sent_record.ts";
import { rememberNear, storeWhenFinished } from "../cache/chat_cache.ts";
import type { Lease } from "../cache/shared_flights.ts";
import { readBody } from "../intake/body.ts";
import { callerOn, identify, tenantOf } from "../keys/identity.ts";
import { type Attempt, callCandidates, type Candidate } from "../providers/attempts.ts";
import { callUpstream } from "../providers/openai.ts";
import { keyless, routeModel } from "../providers/route.ts";
import { retryPolicy } from "../providers/translate.ts";
import type { RelayContext } from "../relay/chat_response.ts";
import { bodilessAnswer } from "../relay/upstream_faults.ts";
import { admitCaller } from "../keys/enforce.ts";
import type { RequestContext } from "./context.ts";
import type { Door, DoorRequest, Outgoing } from "./door.ts";
import { own } from "../own.ts";

/** Serves `request` through `door`. */
export async function serveDoor<R extends DoorRequest>(
  door: Door<R>,
  request: Request,
  ctx: RequestContext,
): Promise<Response> {
  const { app } = ctx;
  const { config, storage, flights, nearIndex } = app;
  const { url } = ctx;
  const identity = await identify(request.headers, config, storage.keys);
  const tenant = ctx.known.keyId = await tenantOf(identity);
  const bytes = await readBody(request, config.max_body_mb * 2 ** 20);
  let read = await door.read(bytes, request.headers, app, undefined, url);
  // Where the client's request was meant to go: its own key goes nowhere else.
  const home = read.route.baseUrl;
  ctx.known.model = read.model;
  const chosen = door.choose
    ? await door.choose(read, identity, request.headers, app)
    : { request: read };
  read = chosen.request;
  // Past its budget, a key with a fallback model is served by that model.
  const admission = door.spends ? await admitCaller(identity, read.model, storage) : undefined;
  if (admission?.budgetFallback) {
    read = await door.read(read.bytes, request.headers, app, admission.model, url);
  }
  const relay: RelayContext & { statsEvent: boolean } = {
    requestId: ctx.id,
    keyId: tenant,
    started: ctx.started,
    record: app.record,
    timing: {},
    imagePaths: () => door.imagePaths(read),
    content: contentForLog(read.messages, config.log_content),
    statsEvent: request.headers.get("x-squint-stats")?.trim().toLowerCase() === "event",
    idleTimeoutMs: config.stream_idle_timeout_s * 1000,
    counted: (id) => void countOnce(storage.kv, id).catch(() => {}),
  };
  const scope = {
    tenant,
    upstream: `${read.route.provider}:${read.route.baseUrl}`,
    headers: request.headers,
    url,
    rulesVersion: config.rules_version,
  };
  const cache = door.cache && await door.cache.decide(read, scope, config);
  const found = cache && door.cache
    ? await door.cache.lookUp(read, cache, scope, app)
    : { byLook: false, near: [] };
  if (found.stored) {
    const { tokensBefore: before, tokensAfter: after } = found.stored;
    const prepared = door.served(read, { before, after }, found.byLook ? ["perceptual_match"] : []);
    const answer = door.cache!.answers.response(found.stored, read.stream);
    return await door.relay(answer, prepared, { ...relay, cache: "hit" });
  }
  const first = read;
  // The model asked for, then its fallbacks: each read and planned for its own model and rule.
  const candidate = (model: string, isFirst: boolean): Candidate<Outgoing> => {
    const to = isFirst ? first.route : routeModel(model, config);
    return {
      model,
      provider: to.custom ?? to.provider,
      upstream: `${to.provider}:${to.baseUrl}`,
      async prepare() {
        const caller = callerOn(identity, to.serverKey, {
          provider: to.provider,
          baseUrl: to.baseUrl,
          home,
          keyless: keyless(to),
        });
        const own = isFirst
          ? first
          : await door.read(first.bytes, request.headers, app, model, url);
        const outgoing = await door.prepare(own, to, caller, {
          headers: request.headers,
          url,
          app,
          tenant,
          understood: isFirst ? found.understood : undefined,
          chosen: isFirst ? { routing: chosen.routing, before: chosen.before } : undefined,
        });
        // Built once, read by the relay, the cache and the log: never changed after this.
        Object.freeze(outgoing.prepared);
        return outgoing;
      },
      async send(outgoing, signal) {
        const response = await callUpstream({
          ...outgoing.call,
          body: outgoing.call.body as BodyInit,
          method: "POST",
          clientSignal: signal,
          timeoutMs: config.upstream_timeout_s * 1000,
          fetch: app.fetch,
        });
        const bodiless = bodilessAnswer(response.status);
        if (bodiless) throw bodiless;
        return await door.answer(response, outgoing);
      },
    };
  };
  const attempts: Attempt[] = [];
  relay.attempts = attempts;
  const fallbacks = (own(config.fallbacks, first.model) ?? []).filter((m) =>
    door.serves(m, config)
  );
  const callUpstreams = async (signal: AbortSignal) => {
    relay.timing!.upstreamSent = performance.now();
    const { response, prepared } = await callCandidates(
      [first.model, ...fallbacks].map((model, i) => candidate(model, i === 0)),
      retryPolicy(config),
      app.circuits,
      signal,
      attempts,
    );
    keepSent(
      storage.media,
      ctx.id,
      url.pathname,
      prepared.prepared.model,
      first.bytes,
      prepared.call.body,
      prepared.prepared.plan,
    );
    return { response, meta: prepared.prepared };
  };
  const policy = cache?.policy;
  const key = cache?.key;
  // Across instances the flight's leader takes a lease; an instance that finds it taken
  // answers with the leader's answer once it has arrived.
  const { sharedFlights } = app;
  let lease: Lease | undefined;
  let fromOtherInstance = false;
  const call = async (signal: AbortSignal) => {
    if (!sharedFlights || !policy?.dedup || !cache?.flightKey) return await callUpstreams(signal);
    const boarding = await sharedFlights.board(cache.flightKey, signal);
    if (boarding.answer) {
      fromOtherInstance = true;
      const { tokensBefore: before, tokensAfter: after } = boarding.answer;
      const meta = door.served(first, { before, after });
      return { response: door.cache!.answers.response(boarding.answer, first.stream), meta };
    }
    lease = boarding.lease;
    return await callUpstreams(signal).catch((e) => {
      lease?.fail();
      throw e;
    });
  };
  const missed = policy?.read ? "miss" : "bypass";
  if (!policy || !key || !(policy.write || policy.dedup)) {
    const { response, meta } = await call(request.signal);
    return await door.relay(response, meta, { ...relay, cache: missed });
  }
  const boarding = await flights.board(
    policy.dedup ? cache.flightKey : undefined,
    request.signal,
    call,
  );
  const { shared, meta: prepared } = boarding.flight;
  const answers = door.cache!.answers;
  if (boarding.leader) lease?.settle(shared, prepared.plan.tokens, answers.toStore);
  if (boarding.leader && policy.write && !fromOtherInstance) {
    storeWhenFinished(storage.kv, key, shared, prepared.plan.tokens, policy.ttlMs, answers.toStore)
      .then((stored) => stored && nearIndex && rememberNear(nearIndex, found.near));
  }
  return await door.relay(shared.reader(boarding.leave), prepared, {
    ...relay,
    cache: boarding.leader && !fromOtherInstance ? missed : "dedup",
  });
}
