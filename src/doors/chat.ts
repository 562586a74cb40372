/**
 * OpenAI Chat Completions: any provider behind it (translated), images planned and transformed,
 * pages as text, `model: "auto"` and cascades, the cache with near-duplicate pictures.
 */
import { answerToStore, storedResponse } from "../cache/answer.ts";
import { decideCache, lookUpChat } from "../cache/chat_cache.ts";
import type { AppParts } from "../lifecycle/context.ts";
import type { Door, DoorRequest } from "../lifecycle/door.ts";
import {
  admitChat,
  type AdmittedChat,
  optimizeChat,
  preparedFromStore,
  understandChat,
  type UnderstoodChat,
} from "../pipeline/prepare_chat.ts";
import { sortTools } from "../providers/prompt_cache.ts";
import { openAIAnswer, upstreamRequest } from "../providers/translate.ts";
import { UPSTREAMS } from "../providers/upstreams.ts";
import { relayChatResponse } from "../relay/chat_response.ts";
import { routeChat, routingAsSent } from "../routing/route_request.ts";

/** A Chat Completions request read for one model. */
export interface ChatRequest extends DoorRequest {
  admitted: AdmittedChat;
}

function chatRequest(admitted: AdmittedChat): ChatRequest {
  const { facts, json, body } = admitted;
  return {
    model: facts.model,
    route: facts.route,
    resolved: facts.resolved,
    stream: json.stream === true,
    messages: json.messages,
    admitted,
    bytes: body,
  };
}

async function planChat(request: ChatRequest, app: AppParts, understood?: UnderstoodChat) {
  const prepared = await optimizeChat(request.admitted, app, understood);
  return { body: prepared.body, prepared };
}

/** The Chat Completions door. */
export const CHAT: Door<ChatRequest> = {
  name: "chat_completions",
  errors: "openai",
  spends: true,
  async read(bytes, headers, app, model) {
    return chatRequest(await admitChat(bytes, headers, app, model));
  },
  serves: () => true,
  async choose(request, identity, headers, app) {
    const routed = await routeChat(request.admitted, identity, headers, app);
    return {
      request: chatRequest(routed.admitted),
      routing: routed.routing,
      before: routed.before,
    };
  },
  plan: planChat,
  imagePaths: (request) =>
    request.admitted.intake.images.map(({ site }) =>
      `/messages/${site.message}/content/${site.part}`
    ),
  async prepare(request, route, caller, { headers, url, app, understood, tenant, chosen }) {
    const { config } = app;
    const own = request.admitted;
    const promptCache = config.prompt_cache === "auto";
    if (config.canonical_tools === "on" && sortTools(own.json)) own.pristine = false;
    if (promptCache && route.provider === "openai" && !route.custom) {
      // One routing key per tenant, unless the client chose its own.
      own.json.prompt_cache_key ??= tenant ?? "squint";
      own.pristine = false;
    }
    const { prepared } = await planChat(request, app, understood);
    const call = await upstreamRequest(
      prepared.body,
      route,
      caller.providerKey,
      headers,
      prepared.stream,
      promptCache,
      app.pool,
    );
    return {
      prepared: {
        ...prepared,
        promptCacheBySquint: call.promptCachePlaced,
        ...chosen,
        routing: routingAsSent(chosen?.routing, prepared),
      },
      // The client's query is the OpenAI API's (Azure's `api-version`): kept where the call goes
      // to that API, not where it is translated to another.
      call: UPSTREAMS[route.provider].translator ? call : { ...call, url: call.url + url.search },
      route,
    };
  },
  answer: (response, { route, prepared }) => openAIAnswer(response, route, prepared.stream),
  relay: relayChatResponse,
  served: (request, tokens, labels) => preparedFromStore(request.admitted, tokens, labels),
  cache: {
    decide: (request, scope, config) => decideCache(request.admitted, scope, config),
    lookUp: (request, decision, scope, app) =>
      lookUpChat(request.admitted, decision, {
        kv: app.storage.kv,
        index: app.nearIndex,
        scope,
        understand: () => understandChat(request.admitted, app),
      }),
    answers: { toStore: answerToStore, response: storedResponse },
  },
};
