/**
 * List prices per family: the maintained catalogue `@pydantic/genai-prices` [P1], overridden by
 * configuration. The catalogue is asked once per family and the answer kept, because `calcPrice`
 * costs tens of microseconds and resolution sits on the hot path.
 */

import { calcPrice } from "@pydantic/genai-prices";
import type { LongContextRates, ModelFamily, Prices } from "./types.ts";

/** The `source` of catalogue prices. */
export const CATALOGUE_SOURCE = "@pydantic/genai-prices 0.1.8";

/** A configured price for one family, USD per million tokens (config file shape). */
export interface PriceOverride {
  /** Uncached input tokens. */
  input_per_mtok: number;
  /** Output tokens. */
  output_per_mtok: number;
  /** Cache-read input tokens; absent = no separate rate. */
  cached_input_per_mtok?: number;
}

/** Catalogue figures are plain numbers or `{ base, tiers }` with long-context rates above `start`. */
type CatalogueFigure =
  | number
  | { base: number; tiers: { start: number; price: number }[] }
  | undefined;

function base(figure: CatalogueFigure): number | undefined {
  return typeof figure === "object" ? figure.base : figure;
}

/** A figure's highest tier above `start` input tokens (the catalogue's one long-context step). */
function above(figure: CatalogueFigure, start: number): number | undefined {
  if (typeof figure !== "object") return figure;
  return figure.tiers.filter((t) => t.start <= start).at(-1)?.price ?? figure.base;
}

/**
 * The long-context rates of tiered figures: the catalogue prices every token of a request whose
 * input tokens exceed a tier's `start` at that tier (`calcPrice`), input and output alike.
 */
function longContextRates(
  figures: Record<string, CatalogueFigure>,
): LongContextRates | undefined {
  const tiered = [figures.input_mtok, figures.output_mtok, figures.cache_read_mtok]
    .find((f) => typeof f === "object" && f.tiers.length > 0);
  if (typeof tiered !== "object") return undefined;
  const start = Math.min(...tiered.tiers.map((t) => t.start));
  const rates: LongContextRates = {
    aboveTokens: start,
    inputPerMTok: above(figures.input_mtok, start)!,
    outputPerMTok: above(figures.output_mtok, start)!,
  };
  const cached = above(figures.cache_read_mtok, start);
  if (cached !== undefined) rates.cachedInputPerMTok = cached;
  const written = above(figures.cache_write_mtok, start);
  if (written !== undefined) rates.cacheWritePerMTok = written;
  const hour = above(figures.cache_write_1h_mtok, start);
  if (hour !== undefined) rates.cacheWrite1hPerMTok = hour;
  return rates;
}

/** The rates a request with `inputTokens` of input (cached included) pays at `prices`. */
export function pricesAt(prices: Prices, inputTokens: number | null | undefined): Prices {
  const long = prices.longContext;
  if (!long || !inputTokens || inputTokens <= long.aboveTokens) return prices;
  const { aboveTokens: _, ...rates } = long;
  const { longContext: _base, ...baseTier } = prices;
  return { ...baseTier, ...rates };
}

/** The catalogue's figures a model may list besides input and output, and where each goes. */
const OPTIONAL_FIGURES: [
  string,
  Exclude<keyof Prices, "source" | "longContext" | "inputPerMTok" | "outputPerMTok">,
][] = [
  ["cache_read_mtok", "cachedInputPerMTok"],
  ["cache_write_mtok", "cacheWritePerMTok"],
  ["cache_write_1h_mtok", "cacheWrite1hPerMTok"],
  ["input_audio_mtok", "inputAudioPerMTok"],
  ["web_searches_kcount", "webSearchPerK"],
  ["storage_searches_kcount", "fileSearchPerK"],
];

const catalogueCache = new Map<string, Prices | undefined>();

/**
 * The catalogue's current prices for `family` (its `priceId`, else its `id`), or undefined when the
 * catalogue has none. An answer for a different catalogue model (the catalogue matches some names
 * by prefix, e.g. `claude-sonnet-5-5` → `claude-sonnet-5`) is refused: never priced by guess.
 */
export function cataloguePrices(family: ModelFamily): Prices | undefined {
  const catalogueId = family.priceId ?? family.id;
  const key = `${family.provider}/${catalogueId}`;
  if (catalogueCache.has(key)) return catalogueCache.get(key);
  const result = calcPrice(
    { input_tokens: 1e6, output_tokens: 1e6, cache_read_tokens: 0 },
    catalogueId,
    { providerId: family.provider },
  );
  let prices: Prices | undefined;
  if (result && result.model.id === catalogueId) {
    const figures = result.model_price as Record<string, CatalogueFigure>;
    const input = base(figures.input_mtok);
    const output = base(figures.output_mtok);
    if (input !== undefined && output !== undefined) {
      prices = { inputPerMTok: input, outputPerMTok: output, source: CATALOGUE_SOURCE };
      for (const [figure, field] of OPTIONAL_FIGURES) {
        const value = base(figures[figure]);
        if (value !== undefined) prices[field] = value;
      }
      const long = longContextRates(figures);
      if (long) prices.longContext = long;
    }
  }
  catalogueCache.set(key, prices);
  return prices;
}

/**
 * The catalogue's prices of a model outside the registry's families (an embedding model on
 * passthrough), by its exact id: never by a prefix match.
 */
export function catalogueModelPrices(provider: string, model: string): Prices | undefined {
  const result = calcPrice(
    { input_tokens: 1e6, output_tokens: 0, cache_read_tokens: 0 },
    model,
    { providerId: provider },
  );
  if (!result || result.model.id !== model) return undefined;
  const figures = result.model_price as Record<string, CatalogueFigure>;
  const input = base(figures.input_mtok);
  // An embedding model bills no output: its catalogue entry has no output price.
  return input === undefined ? undefined : {
    inputPerMTok: input,
    outputPerMTok: base(figures.output_mtok) ?? 0,
    source: CATALOGUE_SOURCE,
  };
}

/** A configured override in the registry's `Prices` shape, with source `override`. */
export function overridePrices(override: PriceOverride): Prices {
  const prices: Prices = {
    inputPerMTok: override.input_per_mtok,
    outputPerMTok: override.output_per_mtok,
    source: "override",
  };
  if (override.cached_input_per_mtok !== undefined) {
    prices.cachedInputPerMTok = override.cached_input_per_mtok;
  }
  return prices;
}

/** Local models cost nothing per token. */
export const LOCAL_PRICES: Readonly<Prices> = Object.freeze({
  inputPerMTok: 0,
  cachedInputPerMTok: 0,
  outputPerMTok: 0,
  source: "local",
});

/** USD for `tokens` uncached input tokens at `prices`. */
export function inputCostUsd(prices: Prices, tokens: number): number {
  return (tokens * prices.inputPerMTok) / 1_000_000;
}
