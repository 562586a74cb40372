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
import {
  admitChat,
  type AdmittedChat,
  intents,
  type PipelineDeps,
} from "../pipeline/prepare_chat.ts";
import { routeModel } from "../providers/route.ts";
import {
  chooseAuto,
  chooseCascade,
  type RoutingDecision,
  type RoutingInput,
  weigh,
} from "./choose.ts";
import { CASCADES } from "./capabilities.ts";
import { classifyTask, taskInput } from "./task/classify.ts";

/** Output tokens assumed when the request sets no limit. */
export const DEFAULT_OUTPUT_TOKENS = 500;

/** The figures a choice is made from. */
export function routingInput(admitted: AdmittedChat): RoutingInput {
  const { json, facts, intake } = admitted;
  const messages = (json.messages ?? []) as Parameters<typeof taskInput>[0];
  const limit = json.max_completion_tokens ?? json.max_tokens;
  return {
    task: classifyTask(taskInput(messages)).label,
    textTokens: facts.textTokens,
    images: intake.images.flatMap((image) => {
      const info = image.inspected?.info;
      return info
        ? [{
          width: info.displayWidth,
          height: info.displayHeight,
          detail: image.site.imageUrl.detail,
        }]
        : [];
    }),
    outputTokens: typeof limit === "number" ? limit : DEFAULT_OUTPUT_TOKENS,
    tools: Array.isArray(json.tools) && json.tools.length > 0,
    intents: intents(json, intake.images).map((asked) => asked.intent.label),
  };
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

export async function routeChat(
  admitted: AdmittedChat,
  identity: Identity,
  headers: Headers,
  deps: PipelineDeps,
): Promise<Routed> {
  const { facts } = admitted;
  const auto = facts.model === "auto";
  if (!auto && !facts.controls.cascade) return { admitted };
  const input = routingInput(admitted);
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
