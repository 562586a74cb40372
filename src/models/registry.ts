/**
 * Model-name resolution: which family a requested model belongs to, under which rules version,
 * at which price. Built once at startup (families priced then); `resolve` is a Map lookup after
 * the first call per name.
 */

import { MODEL_ALIASES, type ModelAlias } from "./aliases.ts";
import { FAMILIES, LOCAL_FAMILY } from "./families.ts";
import { cataloguePrices, LOCAL_PRICES, overridePrices, type PriceOverride } from "./prices.ts";
import { DEFAULT_RULES_VERSION, familyForVersion, type RulesVersion } from "./rules_versions.ts";
import type { ModelFamily, Prices, ResolvedModel } from "./types.ts";

/** How to build a registry. */
export interface RegistryOptions {
  /** Which dated reading of the provider docs the image rules follow; newest by default. */
  rulesVersion?: RulesVersion;
  /** Prices from configuration, keyed by family id; they win over the catalogue. */
  priceOverrides?: Record<string, PriceOverride>;
}

/** Resolves model names to families and prices. */
export interface Registry {
  /** The rules version in force. */
  readonly rulesVersion: RulesVersion;
  /** Every family, with the image rules of `rulesVersion`; the alias table's models last. */
  readonly families: readonly ModelFamily[];
  /** `priceOverrides` keys that are no family id (typos, aliases), for the config loader to report. */
  readonly unknownOverrides: readonly string[];
  /**
   * The family and price of `name` as a client sent it, or undefined for an unknown model (the
   * caller passes it through unpriced). Accepted: a family id or alias, or a model of the
   * alias table (`aliases.ts`); any of them followed by `-YYYY-MM-DD` or `-YYYYMMDD`;
   * `ft:<base>:…` (base family's image rule, no price); `ollama/<model>` (local family, $0).
   */
  resolve(name: string): ResolvedModel | undefined;
}

/** A dated snapshot suffix, as OpenAI (`-2024-07-18`) and Anthropic (`-20251001`) write them. */
const DATE_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8})$/;
const LOCAL_PREFIX = "ollama/";
const FINE_TUNE_PREFIX = "ft:";
/** Bound on cached names, so a client inventing model names cannot grow memory without limit. */
const MAX_CACHED_NAMES = 4096;

/**
 * The alias table's `alias` as a family of its own: `family`'s image rule (in the registry's
 * rules version), its own name, window and price entry — never `family`'s price.
 */
function aliasFamily(alias: ModelAlias, family: ModelFamily | undefined): ModelFamily {
  if (!family) throw new Error(`model alias ${alias.name} names no family ${alias.family}`);
  const { priceId: _, ...rule } = family;
  return {
    ...rule,
    id: alias.name,
    aliases: [],
    contextWindow: alias.contextWindow ?? family.contextWindow,
    ...(alias.priceId ? { priceId: alias.priceId } : {}),
    imageRuleOf: family.id,
    sources: [...new Set([...alias.sources, ...family.sources])],
  };
}

/** Build a registry over the built-in family and alias tables. */
export function createRegistry(options: RegistryOptions = {}): Registry {
  const rulesVersion = options.rulesVersion ?? DEFAULT_RULES_VERSION;
  const overrides = options.priceOverrides ?? {};
  const ruled = FAMILIES.map((f) => familyForVersion(f, rulesVersion));
  const byId = new Map(ruled.map((f) => [f.id, f]));
  const families = [
    ...ruled,
    ...MODEL_ALIASES.map((alias) => aliasFamily(alias, byId.get(alias.family))),
  ];

  const byName = new Map<string, ModelFamily>();
  for (const family of families) {
    for (const name of [family.id, ...family.aliases]) {
      if (byName.has(name)) {
        throw new Error(`model name ${name} is listed twice in the family and alias tables`);
      }
      byName.set(name, family);
    }
  }
  const familyIds = new Set(families.map((f) => f.id));
  const unknownOverrides = Object.keys(overrides).filter((id) => !familyIds.has(id));
  const localFamily = byName.get(LOCAL_FAMILY.id)!;

  // Priced up front: the catalogue lookup costs up to ~100 µs cold, too much for the request path.
  const priceOf = new Map<ModelFamily, Prices | undefined>();
  for (const family of families) {
    const override = overrides[family.id];
    priceOf.set(
      family,
      override
        ? overridePrices(override)
        : family === localFamily
        ? LOCAL_PRICES
        : cataloguePrices(family),
    );
  }

  /**
   * Exact id or alias first; otherwise the name minus a date suffix, exactly. Requiring the rest to
   * be a date makes this the longest-match rule without its hazard: `gpt-4o-mini-2024-07-18` can
   * only be gpt-4o-mini, and `o3-pro` never falls back to o3.
   */
  function familyOf(name: string): ModelFamily | undefined {
    const exact = byName.get(name);
    if (exact) return exact;
    const undated = name.replace(DATE_SUFFIX, "");
    return undated === name ? undefined : byName.get(undated);
  }

  function compute(name: string): ResolvedModel | undefined {
    if (name.startsWith(LOCAL_PREFIX) && name.length > LOCAL_PREFIX.length) {
      return { requested: name, family: localFamily, prices: priceOf.get(localFamily) };
    }
    if (name.startsWith(FINE_TUNE_PREFIX)) {
      const base = name.slice(FINE_TUNE_PREFIX.length).split(":")[0];
      const family = familyOf(base);
      // Fine-tunes bill at their own rates; the base price would be a guess.
      return family && { requested: name, family, fineTuned: true };
    }
    const family = familyOf(name);
    return family && { requested: name, family, prices: priceOf.get(family) };
  }

  const cache = new Map<string, ResolvedModel | undefined>();
  return {
    rulesVersion,
    families,
    unknownOverrides,
    resolve(name: string): ResolvedModel | undefined {
      const hit = cache.get(name);
      if (hit !== undefined || cache.has(name)) return hit;
      if (cache.size >= MAX_CACHED_NAMES) cache.clear();
      const resolved = compute(name);
      cache.set(name, resolved);
      return resolved;
    },
  };
}
