/**
 * The model registry: which family a model name belongs to, how that family bills images, and
 * what its tokens cost.
 *
 * ```ts
 * import { createRegistry, imageTokens, inputCostUsd } from "./mod.ts";
 * const registry = createRegistry({ rulesVersion: "2026-11" });
 * const model = registry.resolve("gpt-4o-2024-08-06")!;
 * const cost = imageTokens(model.family.image, 4000, 3000, "auto"); // 765 tokens, seen at 1024×768
 * const usd = inputCostUsd(model.prices!, cost.tokens);
 * ```
 *
 * @module
 */

export { imageTokens, mediaResolutionTokens } from "./image_tokens.ts";
export { FAMILIES, LOCAL_FAMILY } from "./families.ts";
export { MODEL_ALIASES, type ModelAlias } from "./aliases.ts";
export { isUnknownModelReason, unknownModelReason } from "./unknown_model.ts";
export {
  DEFAULT_RULES_VERSION,
  familyForVersion,
  isRulesVersion,
  RULES_VERSIONS,
  type RulesVersion,
} from "./rules_versions.ts";
export { CATALOGUE_SOURCE, inputCostUsd, type PriceOverride } from "./prices.ts";
export { createRegistry, type Registry, type RegistryOptions } from "./registry.ts";
export type * from "./types.ts";
