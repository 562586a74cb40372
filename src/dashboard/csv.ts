/**
 * The Requests page's CSV export: one line per request, the columns below (a table, so the page,
 * the export and its test agree on them), RFC 4180 quoting, and text cells that a spreadsheet
 * would run as a formula (`=`, `+`, `-`, `@` first: model names and errors come from clients)
 * prefixed with `'`.
 */
import { spent } from "../storage/types.ts";
import type { RequestView } from "./request_view.ts";

type Cell = string | number | boolean | null | undefined;

/** The export's columns: header → the cell of a request. */
export const CSV_COLUMNS: readonly [string, (row: RequestView) => Cell][] = [
  ["id", (r) => r.id],
  ["time", (r) => new Date(r.ts).toISOString()],
  ["door", (r) => r.door],
  ["key_id", (r) => r.keyId],
  ["model_requested", (r) => r.modelRequested],
  ["model_called", (r) => r.modelCalled],
  ["provider", (r) => r.provider],
  ["status", (r) => r.status],
  ["outcome", (r) => r.outcome],
  ["stream", (r) => r.stream],
  ["cache", (r) => r.cache],
  ["optimizations", (r) => r.optimizations.join(" ")],
  ["images", (r) => r.images?.length ?? 0],
  ["tokens_before", (r) => r.tokensBefore],
  ["tokens_after", (r) => r.tokensAfter],
  ["upstream_input_tokens", (r) => r.upstreamInputTokens],
  ["upstream_output_tokens", (r) => r.upstreamOutputTokens],
  ["cost_before_usd", (r) => r.costBeforeUsd],
  ["cost_after_usd", (r) => r.costAfterUsd],
  ["cost_saved_usd", (r) => r.costSavedUsd],
  ["spent_usd", spent],
  ["latency_ms", (r) => r.latencyMs],
  ["upstream_ms", (r) => r.upstreamMs],
  ["error", (r) => r.error],
];

/** One cell as CSV text. */
function cell(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header line, CRLF-terminated. */
export function csvHeader(): string {
  return CSV_COLUMNS.map(([name]) => name).join(",") + "\r\n";
}

/** One request's line, CRLF-terminated. */
export function csvLine(row: RequestView): string {
  return CSV_COLUMNS.map(([, of]) => cell(of(row))).join(",") + "\r\n";
}
