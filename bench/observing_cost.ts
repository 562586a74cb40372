/**
 * What the log line and `/metrics` cost a text-only request, measured in-process: the rows squint
 * logged for a chat completion and a stream (sent once through squint in front of the mock
 * upstream, then read back from its request log) are observed again and again by a fresh log
 * line writer (into a sink that drops the bytes after they are encoded) and a fresh metrics
 * registry, each timed alone. Section (c) measures the same cost as squint over squint with both
 * off, two whole processes under load; that difference is smaller than the spread between two
 * runs of one server, so it is read here, one part at a time.
 *
 * @module
 */
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { LogLines } from "../src/observe/log_line.ts";
import { RequestMetrics } from "../src/observe/request_metrics.ts";
import type { PoolStats } from "../src/pool/pool.ts";
import { Circuits } from "../src/providers/attempts.ts";
import type { RequestLogRow } from "../src/storage/types.ts";
import { startMockOpenAI } from "../tests/support/mock_openai.ts";
import { serveApp } from "../tests/support/squint.ts";
import { REQUEST_HEADERS, textBody } from "./text_overhead.ts";

/** Observations timed per part, after as many to warm up. */
const ROUNDS = 20_000;

/** µs per request of each part, for one kind of request. */
export interface ObservingCost {
  request: "chat json" | "chat stream";
  logLineUs: number;
  metricsUs: number;
}

/** The rows squint logs for one chat completion and one stream, as its request log holds them. */
async function loggedRows(): Promise<RequestLogRow[]> {
  await using mock = startMockOpenAI({ record: false });
  const squint = serveApp(createApp(loadConfig({
    SQUINT_DATA_DIR: ":memory:",
    SQUINT_LOG_LEVEL: "off",
    SQUINT_OPENAI_BASE_URL: mock.baseUrl,
  })));
  try {
    const rows: RequestLogRow[] = [];
    for (const stream of [false, true]) {
      const response = await fetch(`${squint.baseUrl}/chat/completions`, {
        method: "POST",
        headers: REQUEST_HEADERS,
        body: textBody(stream),
      });
      await response.arrayBuffer();
      await squint.app.parts.storage.flush();
      const row = await squint.app.parts.storage.request(response.headers.get("x-request-id")!);
      if (!row) throw new Error("the request log holds no row for the bench's request");
      rows.push(row);
    }
    return rows;
  } finally {
    await squint.close();
  }
}

/** µs per call of `observe` on copies of `row` (each its own id, as requests have). */
function timePerRow(row: RequestLogRow, observe: (row: RequestLogRow) => void): number {
  const copies = Array.from({ length: 2 * ROUNDS }, (_, i) => ({ ...row, id: `${row.id}-${i}` }));
  for (let i = 0; i < ROUNDS; i++) observe(copies[i]);
  const started = performance.now();
  for (let i = ROUNDS; i < 2 * ROUNDS; i++) observe(copies[i]);
  return ((performance.now() - started) * 1000) / ROUNDS;
}

/** Measures the log line and the metrics on a chat completion's row and a stream's. */
export async function runObservingCost(): Promise<ObservingCost[]> {
  const config = loadConfig({ SQUINT_LOG_LEVEL: "info", SQUINT_LOG_FORMAT: "text" });
  const sink = { write: (bytes: Uint8Array) => Promise.resolve(bytes.length) };
  const idle: PoolStats = { size: 1, busy: 0, queued: 0, completed: 0, failed: 0, replaced: 0 };
  const [json, stream] = await loggedRows();
  return [["chat json", json], ["chat stream", stream]].map(([request, row]) => {
    const lines = new LogLines(config, sink);
    const metrics = new RequestMetrics(config, {
      pool: { stats: () => idle },
      circuits: new Circuits(config.circuit_failures, config.circuit_cooldown_s * 1000),
      inFlight: () => 0,
    });
    return {
      request: request as ObservingCost["request"],
      logLineUs: timePerRow(row as RequestLogRow, (r) => lines.write(r)),
      metricsUs: timePerRow(row as RequestLogRow, (r) => metrics.observe(r)),
    };
  });
}

if (import.meta.main) {
  for (const c of await runObservingCost()) {
    console.log(
      `${c.request}: log line ${c.logLineUs.toFixed(2)} µs, metrics ${c.metricsUs.toFixed(2)} µs`,
    );
  }
}
