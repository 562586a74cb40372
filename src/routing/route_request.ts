/**
 * Whether squint picks the model of a Chat Completions request, and which: `model: "auto"`
 * always (by the request's `squint.strategy`), a named model only when cascading is on (per
 * deployment or request). The request is then read again for the chosen model, so its images are
 * planned with the rule of the model that bills them.
 */
import type { Config } from "../config.ts";
import { GatewayError } from "../errors.ts";
import type { Identity } from "../keys/identity.ts";
import type { ProviderId, ResolvedModel } from "../models/types.ts";
import { tenantOf } from "../keys/identity.ts";
import {
  admitChat,
  type AdmittedChat,
  imageFacts,
  type PipelineDeps,
  type PreparedChat,
} from "../pipeline/prepare_chat.ts";
import { routeModel } from "../providers/route.ts";
import type { Storage } from "../storage/types.ts";
import {
  chooseAuto,
  chooseCascade,
  type RoutingDecision,
  type RoutingInput,
  weigh,
  withSentFigures,
} from "./choose.ts";
import { CASCADES } from "./capabilities.ts";
import { classifyTask, taskInput } from "./task/classify.ts";

/**
 * Output tokens assumed when the request sets no limit and its tenant has no answered request of
 * its task in the log: about a long paragraph.
 */
export const DEFAULT_OUTPUT_TOKENS = 500;

/**
 * The figures a choice is made from. Output: the request's `max_completion_tokens` /
 * `max_tokens`, else the median output of the tenant's recent requests of that task in the log
 * (`history`), else `DEFAULT_OUTPUT_TOKENS`.
 */
export async function routingInput(
  admitted: AdmittedChat,
  deps?: PipelineDeps,
  history?: (task: string) => Promise<number | undefined>,
): Promise<RoutingInput> {
  const { json, facts } = admitted;
  const messages = (json.messages ?? []) as Parameters<typeof taskInput>[0];
  const limit = json.max_completion_tokens ?? json.max_tokens;
  const images = await imageFacts(admitted, deps);
  const input: RoutingInput = {
    task: classifyTask(taskInput(messages)).label,
    textTokens: facts.textTokens,
    images,
    controls: facts.controls,
    outputTokens: DEFAULT_OUTPUT_TOKENS,
    outputFrom: "default",
    tools: Array.isArray(json.tools) && json.tools.length > 0,
    intents: images.flatMap((image) => image.intent ? [image.intent.label] : []),
  };
  if (typeof limit === "number") return { ...input, outputTokens: limit, outputFrom: "max_tokens" };
  const median = await history?.(input.task);
  return median === undefined ? input : { ...input, outputTokens: median, outputFrom: "history" };
}

/**
 * Providers `auto` may use: the caller's own key is for the default provider; with a squint key,
 * every provider squint holds a key for.
 */
function available(identity: Identity, config: Config): (model: string) => boolean {
  const keys: [ProviderId, string | undefined][] = [
    ["openai", config.openai_api_key],
    ["anthropic", config.anthropic_api_key],
    ["google", config.gemini_api_key],
  ];
  const providers = new Set<ProviderId>(
    identity.clientKey ? [] : keys.filter(([, key]) => key).map(([p]) => p),
  );
  if (providers.size === 0) providers.add(config.default_provider);
  return (model) => providers.has(routeModel(model, config).provider);
}

/** The request as it goes on, how its model was chosen (when squint chose), and the baseline. */
export interface Routed {
  admitted: AdmittedChat;
  routing?: RoutingDecision;
  /** The request as asked: its input tokens on the named (or, for auto, reference) model. */
  before?: { tokens: number; model?: ResolvedModel };
}

/** The baseline a routed request's saving is measured against. */
function baseline(
  named: string,
  input: RoutingInput,
  deps: PipelineDeps,
): Routed["before"] {
  const option = weigh(named, 0, input, deps.registry, true);
  if (option.imageTokens === undefined) return undefined;
  return {
    tokens: input.textTokens + option.imageTokens,
    model: deps.registry.resolve(named),
  };
}

/** The model of a Chat Completions request squint chooses, when it does (auto, cascade). */
export async function routeChat(
  admitted: AdmittedChat,
  identity: Identity,
  headers: Headers,
  deps: PipelineDeps & { storage: Pick<Storage, "medianOutputTokens"> },
): Promise<Routed> {
  const { facts } = admitted;
  const auto = facts.model === "auto";
  if (!auto && !facts.controls.cascade) return { admitted };
  const tenant = await tenantOf(identity);
  const input = await routingInput(
    admitted,
    deps,
    (task) => deps.storage.medianOutputTokens(tenant, task),
  );
  const routing = auto
    ? chooseAuto(input, facts.controls.strategy, available(identity, deps.config), deps.registry)
    : chooseCascade(facts.model, input, deps.registry, {
      ...CASCADES,
      ...deps.config.cascades,
    });
  if (!routing) {
    if (!auto) return { admitted };
    throw new GatewayError(
      400,
      'model "auto": no model squint can use takes this request (keys, vision, tools, context)',
      "invalid_request_error",
      "no_model_available",
      "model",
    );
  }
  if (routing.model === facts.model) return { admitted, routing };
  const before = baseline(auto ? deps.config.auto_reference_model : facts.model, input, deps);
  return {
    admitted: await admitChat(admitted.body, headers, deps, routing.model),
    routing: { ...routing, from: facts.model },
    before,
  };
}

/** `routing` with the chosen model's figures those of `prepared`, the request as sent. */
export function routingAsSent(
  routing: RoutingDecision | undefined,
  prepared: PreparedChat,
): RoutingDecision | undefined {
  if (!routing) return undefined;
  const { images, tokens } = prepared.plan;
  const imageTokens = images.reduce((sum, image) => sum + image.after.tokens, 0);
  return withSentFigures(routing, {
    textTokens: tokens.after - imageTokens,
    imageTokens,
    prices: prepared.resolved?.prices,
  });
}
