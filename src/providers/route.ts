/**
 * Which upstream serves a model name, and the name it knows the model by. Rules, first match
 * wins, no substring guessing:
 *
 * 1. an explicit prefix: `openai/`, `anthropic/`, `google/` (or `gemini/`), `ollama/`, or a
 *    configured custom provider's name; the prefix is stripped before the upstream sees it;
 * 2. the configured model lists (`SQUINT_OPENAI_MODELS`, …, a custom provider's `models`);
 * 3. `claude-*` → Anthropic, `gemini-*` → Google;
 * 4. when Ollama is configured: a name with a `:tag` (`llava:7b`; OpenAI's `ft:` fine-tunes
 *    excepted) or a known local family (`LOCAL_FAMILIES`) → Ollama;
 * 5. the deployment's default provider.
 */
import type { Config } from "../config.ts";
import type { ProviderId } from "../models/types.ts";
import { own } from "../own.ts";

/** Where one request goes. */
export interface Route {
  provider: ProviderId;
  /** A configured OpenAI-compatible endpoint's name, when the route is one. */
  custom?: string;
  /** The model name as the upstream knows it (prefix stripped). */
  model: string;
  /** The name the model registry prices and rules it by. */
  registryName: string;
  /** The upstream's base URL; undefined when that upstream is not configured. */
  baseUrl?: string;
  /** squint's own key for that upstream, if it holds one. */
  serverKey?: string;
}

/** Model families Ollama serves that no hosted API names the same way (tags stripped). */
export const LOCAL_FAMILIES: ReadonlySet<string> = new Set([
  "llava",
  "bakllava",
  "llava-llama3",
  "llava-phi3",
  "llama3.2-vision",
  "llama4",
  "qwen2.5vl",
  "qwen2.5-vl",
  "qwen3-vl",
  "gemma3",
  "gemma3n",
  "mistral-small3.1",
  "mistral-small3.2",
  "minicpm-v",
  "moondream",
  "granite3.2-vision",
]);

const PREFIXES: Record<string, ProviderId> = {
  openai: "openai",
  anthropic: "anthropic",
  google: "google",
  gemini: "google",
  ollama: "ollama",
};

/** The upstream of each provider: base URL and server key from the configuration. */
function upstreamOf(config: Config, provider: ProviderId): Pick<Route, "baseUrl" | "serverKey"> {
  switch (provider) {
    case "openai":
      return { baseUrl: config.openai_base_url, serverKey: config.openai_api_key };
    case "anthropic":
      return { baseUrl: config.anthropic_base_url, serverKey: config.anthropic_api_key };
    case "google":
      return { baseUrl: config.gemini_base_url, serverKey: config.gemini_api_key };
    case "ollama":
      return { baseUrl: config.ollama_base_url };
  }
}

/** The route of `model` on `provider`'s own upstream (a door that speaks that provider's API). */
export function routeTo(config: Config, provider: ProviderId, model: string): Route {
  return {
    provider,
    model,
    // Ollama's names are the local family's (`ollama/<tag>`); the others are priced as named.
    registryName: provider === "ollama" ? `ollama/${model}` : model,
    ...upstreamOf(config, provider),
  };
}

function customRoute(config: Config, name: string, model: string): Route {
  const custom = config.providers[name];
  return {
    provider: "openai",
    custom: name,
    model,
    registryName: model,
    baseUrl: custom.base_url,
    serverKey: custom.api_key,
  };
}

const LISTS = [
  ["openai_models", "openai"],
  ["anthropic_models", "anthropic"],
  ["gemini_models", "google"],
  ["ollama_models", "ollama"],
] as const;

/** The route of `name` under `config`. */
export function routeModel(name: string, config: Config): Route {
  const slash = name.indexOf("/");
  if (slash > 0) {
    const prefix = name.slice(0, slash), rest = name.slice(slash + 1);
    if (rest && own(config.providers, prefix)) return customRoute(config, prefix, rest);
    const provider = own(PREFIXES, prefix);
    if (rest && provider) return routeTo(config, provider, rest);
  }
  for (const [list, provider] of LISTS) {
    if (config[list].includes(name)) return routeTo(config, provider, name);
  }
  for (const [custom, settings] of Object.entries(config.providers)) {
    if (settings.models.includes(name)) return customRoute(config, custom, name);
  }
  if (name.startsWith("claude-")) return routeTo(config, "anthropic", name);
  if (name.startsWith("gemini-")) return routeTo(config, "google", name);
  if (config.ollama_base_url && !name.startsWith("ft:")) {
    const [family, tag] = name.split(":");
    if (tag !== undefined || LOCAL_FAMILIES.has(family)) return routeTo(config, "ollama", name);
  }
  return routeTo(config, config.default_provider, name);
}

/** Whether the upstream takes no key: Ollama, and a custom provider configured without one. */
export function keyless(route: Route): boolean {
  return route.provider === "ollama" || (route.custom !== undefined && !route.serverKey);
}
