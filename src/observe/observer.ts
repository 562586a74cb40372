/**
 * Where every finished request is told once: the request log, the log line, the metrics and
 * telemetry all read the same row, so no door can be counted by one and missed by another.
 * Also keeps the requests in flight: from arrival until the answer is built, and for a stream
 * until its row is written at its last event.
 *
 * @module
 */
import type { Context } from "@opentelemetry/api";
import type { Config } from "../config.ts";
import type { RequestLogRow, Storage } from "../storage/types.ts";
import { LogLines } from "./log_line.ts";
import { type MetricSources, RequestMetrics } from "./request_metrics.ts";
import { Telemetry } from "./telemetry.ts";

/** The observers of one instance. */
export class Observer {
  /** Absent when `SQUINT_METRICS=off`. */
  readonly metrics?: RequestMetrics;
  readonly lines: LogLines;
  /** Absent unless `OTEL_DENO` is on. */
  readonly telemetry?: Telemetry;
  /** Requests under way, with the telemetry context each arrived in. */
  readonly #open = new Map<string, Context | undefined>();

  constructor(
    readonly storage: Storage,
    config: Config,
    sources: Omit<MetricSources, "inFlight">,
    telemetry?: Telemetry,
  ) {
    if (config.metrics === "on") {
      this.metrics = new RequestMetrics(config, { ...sources, inFlight: () => this.#open.size });
    }
    this.lines = new LogLines(config);
    this.telemetry = telemetry;
  }

  /** A request arrived. */
  begin(id: string): void {
    this.#open.set(id, this.telemetry?.current());
  }

  /** Its answer is built: done, unless it is a stream whose row comes at its end. */
  answered(id: string, response: Response): void {
    // Most answers were recorded already (their row went with them): no headers to look at.
    if (!this.#open.has(id)) return;
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      this.#open.delete(id);
    }
  }

  /** A request finished: its row goes to the log and to every observer. */
  readonly record = (row: RequestLogRow): void => {
    this.storage.log(row);
    const arrived = this.#open.get(row.id);
    this.#open.delete(row.id);
    try {
      this.lines.write(row);
      this.metrics?.observe(row);
      this.telemetry?.record(row, arrived);
    } catch (e) {
      console.error(`squint: observing request ${row.id} failed:`, e);
    }
  };

  /** Writes the lines still queued. */
  close(): Promise<void> {
    return this.lines.flush();
  }
}
