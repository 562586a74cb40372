/**
 * Section (c): text-only Chat Completions, streamed and not, sent straight to the mock upstream,
 * through bench/relay.ts (the floor for a Deno gateway) and through squint. Saturation throughput
 * comes from a closed loop of many clients; added latency from a closed loop of a few clients,
 * minus the latency straight to the mock. Every server and the load generator run in their own
 * process.
 */
import type { LoadClient, ServerChild } from "./processes.ts";
import type { LoadResult, LoadSpec } from "./load_client.ts";
import { type Cell, fixed, ratioLine, table, type Target } from "./table.ts";

/** squint's saturation throughput over the relay's. */
export const THROUGHPUT_TARGET: Target = { kind: "min", value: 0.85 };
/** squint's added latency over the relay's. */
export const ADDED_LATENCY_TARGET: Target = { kind: "max", value: 1.2 };

/** The three ways to reach the mock. */
export type Route = "direct" | "relay" | "squint";
const ROUTES: readonly Route[] = ["direct", "relay", "squint"];

/** Load shapes of the section. */
export interface TextLoadOptions {
  saturation: { concurrency: number; warmupMs: number; durationMs: number };
  moderate: { concurrency: number; warmupMs: number; durationMs: number };
}

/** One route, one mode. */
export interface TextRun {
  route: Route;
  stream: boolean;
  saturation: LoadResult;
  moderate: LoadResult;
}

/** The comparison for one mode. */
export interface TextComparison {
  stream: boolean;
  throughputRatio: number;
  added: Record<"relay" | "squint", { p50: number; p99: number }>;
  addedRatioP50: number;
  addedRatioP99: number;
}

/** The section's result. */
export interface TextResult {
  options: TextLoadOptions;
  runs: TextRun[];
  comparisons: TextComparison[];
  elapsedMs: number;
}

/** The text request every route gets. */
export function textBody(stream: boolean): string {
  return JSON.stringify({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "You are a terse assistant." },
      { role: "user", content: "Say hello to the benchmark in a few words, please." },
    ],
    ...(stream ? { stream: true } : {}),
  });
}

/** Headers of every bench request. */
export const REQUEST_HEADERS = {
  "content-type": "application/json",
  authorization: "Bearer sk-bench",
};

/** Measures section (c). */
export async function runTextOverhead(
  servers: Record<Route, ServerChild>,
  client: LoadClient,
  options: TextLoadOptions,
): Promise<TextResult> {
  const started = performance.now();
  const runs: TextRun[] = [];
  const spec = (
    route: Route,
    stream: boolean,
    shape: TextLoadOptions["saturation"],
  ): LoadSpec => ({
    url: `${servers[route].origin}/v1/chat/completions`,
    headers: REQUEST_HEADERS,
    body: textBody(stream),
    mode: "closed",
    concurrency: shape.concurrency,
    warmupMs: shape.warmupMs,
    durationMs: shape.durationMs,
    maxRequests: 2_000_000,
    graceMs: 5_000,
  });
  for (const stream of [false, true]) {
    for (const route of ROUTES) {
      const saturation = await client.run(spec(route, stream, options.saturation));
      const moderate = await client.run(spec(route, stream, options.moderate));
      runs.push({ route, stream, saturation, moderate });
    }
  }
  const comparisons = [false, true].map((stream): TextComparison => {
    const of = (route: Route) => runs.find((r) => r.route === route && r.stream === stream)!;
    const direct = of("direct").moderate.latency;
    const added = (route: "relay" | "squint") => ({
      p50: of(route).moderate.latency.p50 - direct.p50,
      p99: of(route).moderate.latency.p99 - direct.p99,
    });
    const relay = added("relay");
    const squint = added("squint");
    return {
      stream,
      throughputRatio: of("squint").saturation.requestsPerSecond /
        of("relay").saturation.requestsPerSecond,
      added: { relay, squint },
      addedRatioP50: squint.p50 / relay.p50,
      addedRatioP99: squint.p99 / relay.p99,
    };
  });
  return { options, runs, comparisons, elapsedMs: performance.now() - started };
}

/** The section as plain tables. */
export function formatTextOverhead(result: TextResult): string {
  const { saturation: sat, moderate: mod } = result.options;
  const rows: Cell[][] = result.runs.map((r) => [
    r.stream ? "stream" : "json",
    r.route,
    fixed(r.saturation.requestsPerSecond, 0),
    r.saturation.errors,
    fixed(r.saturation.latency.p50, 2),
    fixed(r.saturation.latency.p99, 2),
    fixed(r.moderate.requestsPerSecond, 0),
    fixed(r.moderate.latency.p50, 3),
    fixed(r.moderate.latency.p99, 3),
    r.moderate.errors,
  ]);
  const lines = [
    `Saturation: closed loop, ${sat.concurrency} clients, ${sat.warmupMs / 1000} s warm-up + ` +
    `${
      sat.durationMs / 1000
    } s measured. Moderate load: closed loop, ${mod.concurrency} clients, ` +
    `${mod.warmupMs / 1000} s + ${mod.durationMs / 1000} s. Latency = send to last body byte.`,
    "",
    table([
      "mode",
      "route",
      `req/s @${sat.concurrency}`,
      "errors",
      "p50 ms",
      "p99 ms",
      `req/s @${mod.concurrency}`,
      "p50 ms",
      "p99 ms",
      "errors",
    ], rows),
    "",
  ];
  for (const c of result.comparisons) {
    const mode = c.stream ? "stream" : "json";
    lines.push(
      `${mode}: throughput squint/relay ${ratioLine(c.throughputRatio, THROUGHPUT_TARGET)}`,
      `${mode}: added latency p50 relay ${fixed(c.added.relay.p50, 3)} ms, squint ` +
        `${fixed(c.added.squint.p50, 3)} ms: ${ratioLine(c.addedRatioP50, ADDED_LATENCY_TARGET)}`,
      `${mode}: added latency p99 relay ${fixed(c.added.relay.p99, 3)} ms, squint ` +
        `${fixed(c.added.squint.p99, 3)} ms: ${ratioLine(c.addedRatioP99, ADDED_LATENCY_TARGET)}`,
    );
  }
  const failed = result.runs.flatMap((r) =>
    [r.saturation, r.moderate].filter((l) => l.firstError).map((l) =>
      `  ${r.route} ${r.stream ? "stream" : "json"}: ${l.errors} errors, first: ${l.firstError}`
    )
  );
  if (failed.length) lines.push("Errors:", ...failed);
  return lines.join("\n");
}
