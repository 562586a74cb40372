/** Data types of the model registry: what a model family is and how it bills images. */

/** How a provider bills one image; every rule is data, interpreted by `image_tokens.ts`. */
export type ImageRule =
  | TileRule
  | PatchRule
  | AnthropicRule
  | AnthropicLegacyRule
  | GeminiTileRule
  | GeminiMediaResolutionRule
  | LocalRule;

/** OpenAI tile models (gpt-4o, gpt-4.1, gpt-4o-mini, o1/o3, gpt-5, gpt-5.1). */
export interface TileRule {
  /** Discriminant. */
  kind: "tile";
  /** Tokens every image costs; all of a `low` image's cost. */
  base: number;
  /** Tokens per tile after the resize. */
  perTile: number;
  /** Fit within this square first (2048). */
  maxSide: number;
  /** Then scale the short side down to this (768). */
  shortSide: number;
  /** Tile edge in pixels (512). */
  tileSize: number;
  /** What `detail: "low"` shows the model: fit within this square (512). */
  lowSide: number;
}

/** One `detail` level of an OpenAI patch model. */
export interface PatchLevel {
  /** Fit within maxSide x maxSide, never enlarge. */
  maxSide: number;
  /** Patch budget; undefined = no budget. */
  budget?: number;
}

/** OpenAI patch models (gpt-4.1-mini/nano, o4-mini, gpt-5-mini/nano, gpt-5.2+). */
export interface PatchRule {
  /** Discriminant. */
  kind: "patch";
  /** Patch edge in pixels (32). */
  patchSize: number;
  /** Billed tokens = ceil(patches × multiplier). */
  multiplier: number;
  /** Sizing for `detail: "low"`. */
  low: PatchLevel;
  /** Sizing for `detail: "high"` (and `original` on models without it). */
  high: PatchLevel;
  /** Sizing for `detail: "original"`, on models that have it (gpt-5.4 and later). */
  original?: PatchLevel;
  /** Which level `detail: "auto"` (or absent) means for this model. */
  auto: "high" | "original";
}

/** Anthropic: ceil(w/28)·ceil(h/28) after an aspect-keeping resize within an edge and token cap. */
export interface AnthropicRule {
  /** Discriminant. */
  kind: "anthropic";
  /** Patch edge in pixels (28); one visual token per patch. */
  patchSize: number;
  /** Neither side, padded to whole patches, may exceed this (1568 or 2576). */
  maxEdge: number;
  /** Visual-token budget per image (1568 or 4784). */
  maxTokens: number;
}

/**
 * Anthropic legacy doc (up to early 2026) [A3]: ≈ w·h/750 tokens. An image whose long edge exceeds
 * `maxEdge` or that costs more than ~`maxTokens` is scaled down; the doc only recommends ≤1.15 MP,
 * so the resize target `targetPixels` is an estimate (§8 uses it).
 */
export interface AnthropicLegacyRule {
  /** Discriminant. */
  kind: "anthropic_legacy";
  /** tokens ≈ w·h / this (750). */
  pixelsPerToken: number;
  /** A longer edge triggers a resize (1568). */
  maxEdge: number;
  /** More tokens than this trigger a resize (~1,600). */
  maxTokens: number;
  /** Area a resized image is scaled to (1.15 MP, the recommended maximum). */
  targetPixels: number;
}

/** Gemini 2.x: 258 if both sides ≤ 384, else 258 per tile of crop unit floor(min/1.5). */
export interface GeminiTileRule {
  /** Discriminant. */
  kind: "gemini_tiles";
  /** Tokens per tile (258). */
  perTile: number;
  /** An image with both sides ≤ this is one tile (384). */
  smallSide: number;
}

/** Gemini 3: a fixed maximum per `media_resolution`, independent of the pixel size. */
export interface GeminiMediaResolutionRule {
  /** Discriminant. */
  kind: "gemini_media_resolution";
  /** Tokens per image at each level. */
  tokens: Record<MediaResolution, number>;
  /** The level `MEDIA_RESOLUTION_UNSPECIFIED` (and `detail: "auto"`) means. */
  default: MediaResolution;
  /** True when the table itself is approximate (Gemini 2.5: "256 + Pan & Scan"). */
  estimated?: boolean;
}

/** Local models (Ollama): model-specific encoders, no documented rule. */
export interface LocalRule {
  /** Discriminant. */
  kind: "local";
}

/** Gemini `media_resolution` levels (`MEDIA_RESOLUTION_*`); UNSPECIFIED is the rule's `default`. */
export type MediaResolution = "low" | "medium" | "high" | "ultra_high";

/** `detail` as the client or squint sets it. */
export type Detail = "auto" | "low" | "high" | "original";

/** Upstream API family a model is served by. */
export type ProviderId = "openai" | "anthropic" | "google" | "ollama";

/** Prices in USD per million tokens. */
export interface Prices {
  /** Uncached input tokens. */
  inputPerMTok: number;
  /** Cache-read input tokens, when the provider has a separate rate. */
  cachedInputPerMTok?: number;
  /** Cache-write input tokens (Anthropic's 5-minute writes), when the provider charges them apart. */
  cacheWritePerMTok?: number;
  /** Anthropic's one-hour cache writes (twice the input rate), when the catalogue lists them. */
  cacheWrite1hPerMTok?: number;
  /** Audio input tokens (Gemini bills them apart), when the catalogue lists them. */
  inputAudioPerMTok?: number;
  /** USD per thousand server-side web searches (Anthropic's tool, OpenAI's), when listed. */
  webSearchPerK?: number;
  /** USD per thousand hosted file searches (OpenAI's `file_search`), when listed. */
  fileSearchPerK?: number;
  /** Output tokens. */
  outputPerMTok: number;
  /**
   * The catalogue's long-context rates, when it lists them (the figures above are the base
   * tier): a request whose input, cached tokens included, is above `aboveTokens` pays these on
   * all its tokens, input and output (`pricesAt`).
   */
  longContext?: LongContextRates;
  /** Where the figures come from (`@pydantic/genai-prices 0.1.8`, `override`, `local`). */
  source: string;
}

/** Rates in USD per million tokens above a long-context threshold. */
export interface LongContextRates {
  /** Input tokens (cached included) above which these rates apply. */
  aboveTokens: number;
  inputPerMTok: number;
  cachedInputPerMTok?: number;
  cacheWritePerMTok?: number;
  cacheWrite1hPerMTok?: number;
  outputPerMTok: number;
}

/** A model family as the registry holds it. */
export interface ModelFamily {
  /** Canonical family id, e.g. `gpt-4o`, `claude-sonnet-4-6`. */
  id: string;
  /** Which upstream API serves it. */
  provider: ProviderId;
  /**
   * Exact model names (besides `id`) that are this family, e.g. dated snapshots. Any id or alias
   * followed by `-YYYY-MM-DD` or `-YYYYMMDD` is accepted as well.
   */
  aliases: string[];
  /** Whether the model accepts images. */
  vision: boolean;
  /** How it bills images, under the registry's rules version. */
  image: ImageRule;
  /** Longest side the model accepts at all (before its own resize); larger is rejected upstream. */
  maxInputSide?: number;
  /** Tokens; 0 when unknown (local models: it depends on the model and `num_ctx`). */
  contextWindow: number;
  /** Id in the price catalogue, when it differs from `id`. */
  priceId?: string;
  /** For a model of the alias table (`aliases.ts`): the family whose image rule it takes. */
  imageRuleOf?: string;
  /** Documentation source tags from providers.md (e.g. `S1`, `A1`). */
  sources: string[];
}

/** The answer of `Registry.resolve`. */
export interface ResolvedModel {
  /** The name as the client sent it. */
  requested: string;
  /** The family the name resolved to. */
  family: ModelFamily;
  /** Absent when squint has no trustworthy price (fine-tunes, families missing from the catalogue). */
  prices?: Prices;
  /** True for `ft:` ids: the base family's image rule applies, but fine-tune prices differ. */
  fineTuned?: boolean;
}

/** What a provider does to one image and what it bills. */
export interface ImageCost {
  /** Image tokens billed. */
  tokens: number;
  /** Width the model actually sees after the provider's own resize. */
  width: number;
  /** Height the model actually sees after the provider's own resize. */
  height: number;
  /** Tiles or patches counted, for explanation. */
  units?: number;
  /** True when the rule itself is an approximation (Gemini 2.x, legacy Claude, local models). */
  estimated: boolean;
}
