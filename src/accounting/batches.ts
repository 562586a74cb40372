/**
 * Batches' spend, read where it is first known: a batch is made (`POST /v1/batches`,
 * `POST /v1/messages/batches`) long before it is billed, so squint counts it when its figures are
 * read back through squint, once per batch id (`countOnce`), at the providers' batch prices.
 * - OpenAI: the Batch object, once finished (`completed`, `expired`, `cancelled`), carries the
 *   batch's `model` and `usage` (batches created since September 2025).
 * - Anthropic: the results file (`/v1/messages/batches/{id}/results`, JSON Lines): each succeeded
 *   result is a whole Message with its model and usage; errored, canceled and expired ones are not
 *   billed. A batch may mix models: its spend is summed per model.
 *
 * @module
 */
import type { LongContextRates, Prices } from "../models/types.ts";

type Json = Record<string, unknown>;

/**
 * What batch processing costs against the same call made at once: half, on input (cache reads
 * and writes included: the multipliers stack) and output alike — OpenAI's `batchDiscount: 0.5`,
 * Anthropic's "Batch API 50% discount" (reference/providers.md, section 7).
 */
export const BATCH_PRICE_FACTOR = 0.5;

/** Per-million token rates scaled by `factor` (a long-context tier's too); fees per call stay. */
function scaled<T extends Omit<LongContextRates, "aboveTokens">>(rates: T, factor: number): T {
  const times = (v: number | undefined) => v === undefined ? undefined : v * factor;
  return {
    ...rates,
    inputPerMTok: rates.inputPerMTok * factor,
    cachedInputPerMTok: times(rates.cachedInputPerMTok),
    cacheWritePerMTok: times(rates.cacheWritePerMTok),
    cacheWrite1hPerMTok: times(rates.cacheWrite1hPerMTok),
    outputPerMTok: rates.outputPerMTok * factor,
  };
}

/** `prices` with every token rate times `factor`, its source saying why (`what ×factor`). */
export function scaledPrices(prices: Prices, factor: number, what: string): Prices {
  return {
    ...scaled(prices, factor),
    ...(prices.longContext ? { longContext: scaled(prices.longContext, factor) } : {}),
    source: `${prices.source}, ${what} ×${factor}`,
  };
}

/** `prices` for work done in a batch. */
export function batchPrices(prices: Prices): Prices {
  return scaledPrices(prices, BATCH_PRICE_FACTOR, "batch");
}

/** The usage of one model's share of a batch, in the provider's own terms. */
export interface BatchShare {
  model: string;
  /** The provider's usage object (OpenAI's `input_tokens`…, or Anthropic's). */
  usage: Json;
}

/** A batch's spend as read back: its id and one share per model. */
export interface BatchSpend {
  id: string;
  shares: BatchShare[];
}

/** Batch statuses after which no request of the batch runs. */
const FINISHED = new Set(["completed", "expired", "cancelled"]);

/** An OpenAI Batch object's spend, once the batch has finished and reports a usage. */
export function openAIBatchSpend(answer: Json): BatchSpend | undefined {
  const { object, id, status, model, usage } = answer;
  if (object !== "batch" || typeof id !== "string" || !FINISHED.has(status as string)) {
    return undefined;
  }
  if (typeof model !== "string" || !usage || typeof usage !== "object") return undefined;
  return { id, shares: [{ model, usage: usage as Json }] };
}

/** The results file of an Anthropic Message Batch: `/v1/messages/batches/{id}/results`. */
const ANTHROPIC_RESULTS = /^\/v1\/messages\/batches\/([^/]+)\/results$/;

/** The batch id whose results `path` downloads, if it does. */
export function anthropicResultsOf(path: string): string | undefined {
  return ANTHROPIC_RESULTS.exec(path)?.[1];
}

/** Anthropic's usage fields, summed over a model's results. */
const ANTHROPIC_COUNTS = [
  "input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_creation_input_tokens",
];

/**
 * The shares of an Anthropic results file, read line by line as it streams (a line is one
 * result, held only while it is parsed); undefined when a line is not a result (not that API's
 * file), so nothing is counted from a file squint cannot read.
 */
export async function anthropicBatchShares(
  body: ReadableStream<Uint8Array>,
): Promise<BatchShare[] | undefined> {
  const byModel = new Map<string, Json>();
  let readable = true;
  const add = (line: string) => {
    if (!readable || line.trim() === "") return;
    const result = resultOf(line);
    if (!result) return void (readable = false);
    if (result.type !== "succeeded") return;
    const message = result.message as Json | undefined;
    const usage = message?.usage as Json | undefined;
    if (typeof message?.model !== "string" || !usage || typeof usage !== "object") return;
    const sum = byModel.get(message.model) ?? {};
    for (const name of ANTHROPIC_COUNTS) {
      if (typeof usage[name] === "number") sum[name] = (sum[name] as number ?? 0) + usage[name];
    }
    byModel.set(message.model, sum);
  };
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body) {
    const lines = (pending + decoder.decode(chunk, { stream: true })).split("\n");
    pending = lines.pop()!;
    lines.forEach(add);
  }
  add(pending + decoder.decode());
  if (!readable) return undefined;
  return [...byModel].map(([model, usage]) => ({ model, usage }));
}

/** A results line's `result`, if the line is a result. */
function resultOf(line: string): Json | undefined {
  try {
    const value = JSON.parse(line);
    const result = value?.result;
    return typeof value?.custom_id === "string" && result && typeof result === "object"
      ? result
      : undefined;
  } catch {
    return undefined;
  }
}
