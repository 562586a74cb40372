/**
 * Choosing a model, by the numbers: `model: "auto"` picks among the capability table's models by
 * strategy, and cascading moves a named model to a cheaper sibling; both only to a model that can
 * do the task (level, vision, tools, context) and, for a cascade, only when the *total* expected
 * cost on the target is lower. Each option is priced on the plan its images would really get on
 * that model (glance, detail, resize: the image planner run for its family; what only a worker
 * can tell — a page's text, a named region — is not known yet), and on the output the request is
 * expected to produce. Pure; the decision keeps every option's figures, for `/v1/optimize` and
 * the stats.
 */
import { type ImageControls, type ImageFacts, planImage } from "../optimize/plan_image.ts";
import type { Registry } from "../models/registry.ts";
import type { Prices } from "../models/types.ts";
import { pricesAt } from "../models/prices.ts";
import {
  CAPABILITIES,
  type Capability,
  CASCADES,
  CHEAPEST_FLOOR,
  NEEDED_LEVEL,
} from "./capabilities.ts";
import type { TaskLabel } from "./task/classify.ts";

/** What the choice is made from. */
export interface RoutingInput {
  task: TaskLabel;
  /** squint's estimate of the request's text tokens. */
  textTokens: number;
  /** Each image as intake found it, with the question asked of it. */
  images: readonly ImageFacts[];
  /** The request's image controls (fidelity, detail, OCR), as the planner takes them. */
  controls: ImageControls;
  /** Output tokens expected. */
  outputTokens: number;
  /** Where that figure comes from (CONTRACT: the limit, else the tenant's history, else 500). */
  outputFrom?: "max_tokens" | "history" | "default";
  tools: boolean;
  /** Intents of the image questions (a cascade keeps the named model for detail or text). */
  intents: readonly string[];
}

/** One model weighed. */
export interface RoutingOption {
  model: string;
  level: number;
  /** Expected USD (input, images by the model's own rule, and output); undefined: ineligible. */
  costUsd?: number;
  imageTokens?: number;
  /** Why it cannot take the request, when it cannot. */
  excluded?: string;
}

/** A routing decision, with its numbers. */
export interface RoutingDecision {
  kind: "auto" | "cascade";
  /** The model chosen (the named one when a cascade finds nothing better). */
  model: string;
  /** The model the request named, when squint moved it to `model`. */
  from?: string;
  task: TaskLabel;
  strategy?: Strategy;
  reason: string;
  /** The output each option was priced on, and where that figure came from. */
  output?: { tokens: number; from: NonNullable<RoutingInput["outputFrom"]> };
  options: RoutingOption[];
}

const outputOf = (input: RoutingInput) => ({
  tokens: input.outputTokens,
  from: input.outputFrom ?? "default" as const,
});

/** `model: "auto"` strategies. */
export type Strategy = "cheapest" | "balanced" | "best";

const usd = (x: number) => Math.round(x * 1e8) / 1e8;

/** The option of `model` for `input` (cost, or why not). */
export function weigh(
  model: string,
  level: number,
  input: RoutingInput,
  registry: Registry,
  tools: boolean,
): RoutingOption {
  const resolved = registry.resolve(model);
  const option: RoutingOption = { model, level };
  if (!resolved?.prices) return { ...option, excluded: "no price" };
  const { family, prices } = resolved;
  if (input.images.length && !family.vision) return { ...option, excluded: "no vision" };
  if (input.tools && !tools) return { ...option, excluded: "no tools" };
  const images = input.images.reduce(
    (sum, facts) => sum + planImage(facts, family, input.controls).after.tokens,
    0,
  );
  const inputTokens = input.textTokens + images;
  if (family.contextWindow > 0 && inputTokens + input.outputTokens > family.contextWindow) {
    return { ...option, excluded: "context window too small" };
  }
  return {
    ...option,
    costUsd: callCost(prices, inputTokens, input.outputTokens),
    imageTokens: images,
  };
}

/** Expected USD of a call: input and output at the model's prices for a call of that size. */
export function callCost(listed: Prices, inputTokens: number, outputTokens: number): number {
  const prices = pricesAt(listed, inputTokens);
  return usd((inputTokens * prices.inputPerMTok + outputTokens * prices.outputPerMTok) / 1e6);
}

/**
 * The decision with the chosen option's figures replaced by those of the request as sent (its
 * final plan: OCR and crops included), so `/v1/optimize` and the stats show what was sent.
 */
export function withSentFigures(
  decision: RoutingDecision,
  sent: { textTokens: number; imageTokens: number; prices?: Prices },
): RoutingDecision {
  if (!sent.prices || !decision.output) return decision;
  const { prices, textTokens, imageTokens } = sent;
  const output = decision.output.tokens;
  return {
    ...decision,
    options: decision.options.map((o) =>
      o.model === decision.model && o.costUsd !== undefined
        ? { ...o, imageTokens, costUsd: callCost(prices, textTokens + imageTokens, output) }
        : o
    ),
  };
}

const cheapestOf = (options: RoutingOption[]) =>
  options.reduce<RoutingOption | undefined>(
    (best, o) =>
      !best || o.costUsd! < best.costUsd! ||
        (o.costUsd === best.costUsd && o.level > best.level)
        ? o
        : best,
    undefined,
  );

/** `model: "auto"`: the model `strategy` picks among those `available`. */
export function chooseAuto(
  input: RoutingInput,
  strategy: Strategy,
  available: (model: string) => boolean,
  registry: Registry,
): RoutingDecision | undefined {
  const options = CAPABILITIES.filter((c: Capability) => available(c.model)).map((c) =>
    weigh(c.model, c.levels[input.task], input, registry, c.tools)
  );
  const eligible = options.filter((o) => o.costUsd !== undefined);
  if (!eligible.length) return undefined;
  const needed = strategy === "cheapest" ? CHEAPEST_FLOOR : NEEDED_LEVEL[input.task];
  const top = Math.max(...eligible.map((o) => o.level));
  const pool = strategy === "best"
    ? eligible.filter((o) => o.level === top)
    : eligible.filter((o) => o.level >= Math.min(needed, top));
  const chosen = cheapestOf(pool)!;
  return {
    kind: "auto",
    model: chosen.model,
    task: input.task,
    strategy,
    output: outputOf(input),
    reason: strategy === "best"
      ? `${input.task}: the strongest level (${top}), cheapest of those at $${chosen.costUsd}`
      : `${input.task}: the cheapest at level ≥ ${Math.min(needed, top)}, $${chosen.costUsd}`,
    options,
  };
}

/** Intents for which the model the user named keeps the image (detail or text it must see). */
const KEEP_FOR = new Set(["fine_detail", "read_text", "region"]);

/**
 * A cascade of the named `model` (a registry family id or alias): the cheapest allowed target
 * that can do the task and costs less in total; the named model when none does.
 */
export function chooseCascade(
  model: string,
  input: RoutingInput,
  registry: Registry,
  /** The cascade policy: named family → cheaper targets (`CASCADES`, or the deployment's). */
  policy: Readonly<Record<string, readonly string[]>> = CASCADES,
): RoutingDecision | undefined {
  const family = registry.resolve(model)?.family.id;
  const targets = family ? policy[family] : undefined;
  if (!family || !targets) return undefined;
  const named = CAPABILITIES.find((c) => c.model === family);
  const self = weigh(model, named?.levels[input.task] ?? 5, input, registry, named?.tools ?? true);
  const decision = (chosen: string, reason: string, options: RoutingOption[]): RoutingDecision => ({
    kind: "cascade",
    model: chosen,
    task: input.task,
    reason,
    output: outputOf(input),
    options,
  });
  const kept = input.intents.find((i) => KEEP_FOR.has(i));
  if (kept) return decision(model, `kept: an image question needs ${kept}`, [self]);
  const options = [
    self,
    ...targets.map((t) => {
      const capability = CAPABILITIES.find((c) => c.model === t);
      const option = weigh(
        t,
        capability?.levels[input.task] ?? 0,
        input,
        registry,
        capability?.tools ?? false,
      );
      if (option.costUsd === undefined) return option;
      if (option.level < NEEDED_LEVEL[input.task]) {
        return {
          ...option,
          excluded: `level ${option.level} < ${NEEDED_LEVEL[input.task]} for ${input.task}`,
        };
      }
      if (self.costUsd !== undefined && option.costUsd >= self.costUsd) {
        return {
          ...option,
          excluded: `costs more in total ($${option.costUsd} ≥ $${self.costUsd})`,
        };
      }
      return option;
    }),
  ];
  const cheaper = cheapestOf(
    options.slice(1).filter((o) => o.costUsd !== undefined && !o.excluded),
  );
  return cheaper
    ? decision(
      cheaper.model,
      `${input.task} at level ${cheaper.level}: $${cheaper.costUsd} instead of $${self.costUsd}`,
      options,
    )
    : decision(model, "kept: no cheaper model can do it", options);
}
