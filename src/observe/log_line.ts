/**
 * One line per request on stdout (`SQUINT_LOG_FORMAT=text|json`, `SQUINT_LOG_LEVEL`): when,
 * which request and door, the model asked and called, the provider, status, total and upstream
 * ms, tokens before and after, USD saved, the cache outcome, and why it passed through or what
 * went wrong. Built from the log row, which holds neither a key (only its id, left out here too)
 * nor content (only as `SQUINT_LOG_CONTENT` allows, and never printed).
 *
 * Lines are written in batches off the response path: a request never waits on the terminal.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { RequestLogRow } from "../storage/types.ts";

/** Levels, least severe first. */
const LEVELS = ["debug", "info", "warn", "error", "off"] as const;
export type LogLevel = (typeof LEVELS)[number];

/** A request's level: answered → info; refused (4xx) → warn; failed (5xx, broken stream) → error. */
export function levelOf(row: RequestLogRow): Exclude<LogLevel, "debug" | "off"> {
  if (row.status >= 500 || row.outcome === "upstream_error" || row.outcome === "incomplete") {
    return "error";
  }
  return row.status >= 400 ? "warn" : "info";
}

/** What went wrong, as a code: squint's error code, else the outcome when it is not a success. */
function problem(row: RequestLogRow): string | undefined {
  if (row.errorCode) return row.errorCode;
  return row.outcome === "complete" || row.outcome === "passthrough" ? undefined : row.outcome;
}

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/** The line's fields, in order (json keys; text writes them as `key=value` after the first few). */
export function logFields(row: RequestLogRow): Record<string, string | number | null> {
  return {
    time: new Date(row.ts).toISOString(),
    level: levelOf(row),
    id: row.id,
    door: row.door,
    model: row.modelRequested,
    model_called: row.modelCalled,
    provider: row.provider,
    status: row.status,
    ms: round(row.latencyMs, 1),
    upstream_ms: row.upstreamMs == null ? null : round(row.upstreamMs, 1),
    tokens_before: row.tokensBefore,
    tokens_after: row.tokensAfter,
    saved_usd: row.costSavedUsd == null ? null : round(row.costSavedUsd, 6),
    cache: row.cache,
    passthrough: row.passthroughReason ?? null,
    error: problem(row) ?? null,
  };
}

/** The line in `format`, without its newline. */
export function formatLogLine(row: RequestLogRow, format: Config["log_format"]): string {
  const f = logFields(row);
  if (format === "json") {
    return JSON.stringify(
      Object.fromEntries(Object.entries(f).filter(([, v]) => v !== null)),
    );
  }
  const models = f.model_called && f.model_called !== f.model
    ? `${f.model ?? "-"}->${f.model_called}`
    : `${f.model ?? "-"}`;
  const parts = [
    f.time,
    String(f.level).toUpperCase().padEnd(5),
    f.id,
    f.door,
    models,
    f.provider,
    f.status,
    `${f.ms}ms`,
    `upstream=${f.upstream_ms === null ? "-" : `${f.upstream_ms}ms`}`,
    `tokens=${f.tokens_before}->${f.tokens_after}`,
    `saved=${f.saved_usd === null ? "unknown" : `$${f.saved_usd}`}`,
    `cache=${f.cache}`,
  ];
  if (f.passthrough) parts.push(`passthrough=${f.passthrough}`);
  if (f.error) parts.push(`error=${f.error}`);
  return parts.join(" ");
}

/** Whether `level` lines are printed at the configured level. */
export function printed(level: LogLevel, configured: LogLevel): boolean {
  return configured !== "off" && LEVELS.indexOf(level) >= LEVELS.indexOf(configured);
}

/** Writes request lines to a stream in batches (every `intervalMs`, or at once past 64 KB). */
export class LogLines {
  #pending: string[] = [];
  #bytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #encoder = new TextEncoder();

  constructor(
    readonly config: Pick<Config, "log_format" | "log_level">,
    readonly out: { write(p: Uint8Array): Promise<number> } = Deno.stdout,
    readonly intervalMs = 50,
  ) {}

  /** Queues the row's line, if its level is printed. */
  write(row: RequestLogRow): void {
    if (!printed(levelOf(row), this.config.log_level)) return;
    const line = formatLogLine(row, this.config.log_format) + "\n";
    this.#pending.push(line);
    this.#bytes += line.length;
    if (this.#bytes >= 65_536) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.intervalMs);
      Deno.unrefTimer(this.#timer);
    }
  }

  /** Writes what is queued; resolves once written. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length) {
      const bytes = this.#encoder.encode(this.#pending.join(""));
      this.#pending = [];
      this.#bytes = 0;
      this.#writing = this.#writing.then(() => writeAll(this.out, bytes)).catch(() => {});
    }
    return this.#writing;
  }
}

async function writeAll(out: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array) {
  for (let at = 0; at < bytes.length;) at += await out.write(bytes.subarray(at));
}
