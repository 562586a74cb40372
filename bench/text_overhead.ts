/**
 * Section (c): what squint's own work costs on a text-only request, as CPU per request against
 * bench/relay.ts (`Deno.serve` + `fetch`, the floor for any Deno gateway).
 *
 * Method:
 * - Load: `wrk -t1 -c32 -d5s` (an external C load generator, keep-alive HTTP/1.1, closed loop of
 *   32 connections), its POST body and headers in a Lua script written to a temp file.
 * - Servers: the relay and squint (src/main.ts, its SQLite request log on in a real
 *   SQUINT_DATA_DIR temp folder) each in their own process, both in front of the same mock
 *   upstream process (bench/serve_mock.ts for OpenAI, bench/serve_mock_anthropic.ts for the
 *   Messages API, with a relay process of its own since the relay forwards paths unchanged to one
 *   origin).
 * - Modes: Chat Completions non-stream, Chat Completions stream, Messages stream; small text-only
 *   bodies like one chat turn.
 * - Order: in one run, interleaved relay, squint, squint, relay (5 s windows) per mode, modes in
 *   turn within a round, 3 rounds. Other work on the machine then falls on both servers alike,
 *   which keeps the ratios usable when the absolute figures are not.
 * - V8 flags: every server (relay, pump, reader, squint) runs with those deno.json's `serve` task
 *   gives squint (README, Memory after a burst). With V8's defaults, its memory reducer shrank each
 *   server's heap while the server waited for its next window, and the window after paid V8's
 *   warm-up again: squint, with far more code and heap than the relay, the most (in one run of this
 *   section, quiet's first window of a round cost 1.1-1.5× its second, right after it).
 * - Warm-up: 15 s unmeasured per server and mode first (`--c-warmup=S`). A gateway serves for
 *   hours, so its figure is the one after V8 has compiled its hot code, and the servers differ in
 *   how long that takes. Measured from a fresh start (chat json, 2-s windows), the relay settles
 *   after its first window (194, then ~100 µs/req); squint, in windows alternating with the
 *   relay's, costs 362 µs/req over its first five and 231-272 from the sixth to the fortieth
 *   (squint/relay 2.39, then 1.97-2.32). With the 1-s warm-up this section had before, squint's
 *   early windows were in that descent.
 * - CPU: /proc/<pid>/stat utime + stime (all threads: workers, GC, I/O) of the server process,
 *   read before wrk starts and after it ends plus a short settle (so batched log writes of the
 *   window are counted), divided by the requests wrk reports for the window: µs of CPU per
 *   request. Requests per second are wrk's. Each server's windows are pooled per mode; the
 *   ratios squint/relay are of the pooled figures, with the per-round ratios beside them. The
 *   mock's CPU per request is shown as a control: it should not depend on who calls it.
 * - The floor of a gateway that sees a stream (streamed modes): the relay hands the upstream's body
 *   to the response, which Deno then pipes in Rust without JavaScript seeing a byte. squint must see
 *   each event (usage, the terminal event, an upstream breaking off), so a third server runs beside
 *   them, the pump (bench/relay.ts with `pump: true`): the same relay reading each chunk into
 *   JavaScript and enqueueing it, nothing else. pump/relay is what reading the stream in
 *   JavaScript costs by itself; squint/pump is squint's own work on top. Order per streamed mode:
 *   relay, pump, squint, quiet, quiet, squint, pump, relay.
 * - The floor of a gateway that reads and logs what it relays (every mode): the reader
 *   (bench/reader.ts) parses the request, forwards it, parses a JSON answer and writes it out again
 *   with a stats object (or reads each stream chunk and looks for the usage), answers with
 *   squint's headers and logs a row per request to SQLite from a worker in batches, and does
 *   nothing else. reader/relay is what reading and logging cost by themselves; squint/reader is
 *   squint's own work on top (keys, plans, routing, retries, cache rules, its log line and
 *   metrics, …). Order per mode: relay, (pump,) reader, squint, quiet, mirrored.
 * - Operators' cost: a second squint process with its log line and `/metrics` off
 *   (SQUINT_LOG_LEVEL=off, SQUINT_METRICS=off), interleaved the same way (relay, squint, quiet,
 *   quiet, squint, relay): squint over quiet is what the line and the series cost per request.
 * - Targets: squint's CPU per request at most 1.4× the relay's non-stream, 1.8× streamed.
 *   Throughput is reported without a target: wrk, the mock and the server share the cores, so it
 *   follows CPU per request only loosely.
 *
 * @module
 */
import { CLOCK_TICKS, cpuTicks, threadTicks } from "./process_cpu.ts";
import type { ServerChild } from "./processes.ts";
import { type Cell, fixed, ratioLine, table, type Target } from "./table.ts";
import { runWrk, type WrkResult } from "./wrk.ts";

/** squint's CPU per request over the relay's, non-stream. */
export const CPU_TARGET_JSON: Target = { kind: "max", value: 1.4 };
/** squint's CPU per request over the relay's, streamed. */
export const CPU_TARGET_STREAM: Target = { kind: "max", value: 1.8 };

/**
 * The servers compared: the relay, the pump (the relay reading each chunk in JavaScript), the
 * reader (a gateway that reads, parses and logs, nothing else), squint, and squint with its log
 * line and metrics off.
 */
export type Server = "relay" | "pump" | "reader" | "squint" | "quiet";
/** The upstream APIs the mocks speak. */
export type Upstream = "openai" | "anthropic";

/** One kind of request. */
export interface Mode {
  name: string;
  upstream: Upstream;
  path: string;
  stream: boolean;
  headers: Record<string, string>;
  body: string;
}

const SYSTEM = "You are a terse assistant.";
const USER = "Say hello to the benchmark in a few words, please.";

/** The text request of the Chat Completions modes. */
export function textBody(stream: boolean): string {
  return JSON.stringify({
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: SYSTEM }, { role: "user", content: USER }],
    ...(stream ? { stream: true } : {}),
  });
}

/** Headers of every Chat Completions bench request. */
export const REQUEST_HEADERS = {
  "content-type": "application/json",
  authorization: "Bearer sk-bench",
};

/** The modes of the section, in the order a round runs them. */
export const MODES: readonly Mode[] = [
  {
    name: "chat json",
    upstream: "openai",
    path: "/v1/chat/completions",
    stream: false,
    headers: REQUEST_HEADERS,
    body: textBody(false),
  },
  {
    name: "chat stream",
    upstream: "openai",
    path: "/v1/chat/completions",
    stream: true,
    headers: REQUEST_HEADERS,
    body: textBody(true),
  },
  {
    name: "messages stream",
    upstream: "anthropic",
    path: "/v1/messages",
    stream: true,
    headers: {
      "content-type": "application/json",
      "x-api-key": "sk-ant-bench",
      "anthropic-version": "2023-06-01",
    },
    body: JSON.stringify({
      model: "claude-haiku-4-5",
      max_tokens: 256,
      system: SYSTEM,
      messages: [{ role: "user", content: USER }],
      stream: true,
    }),
  },
];

/** The processes of the section. */
export interface TextServers {
  squint: ServerChild;
  /** squint with SQUINT_LOG_LEVEL=off and SQUINT_METRICS=off. */
  quiet: ServerChild;
  relay: Record<Upstream, ServerChild>;
  /** bench/relay.ts with `pump: true`, for the streamed modes. */
  pump: Record<Upstream, ServerChild>;
  /** bench/reader.ts. */
  reader: Record<Upstream, ServerChild>;
  mock: Record<Upstream, ServerChild>;
}

/** Load shape and order of the section. */
export interface TextLoadOptions {
  threads: number;
  connections: number;
  windowS: number;
  rounds: number;
  warmupS: number;
  /** Wait after wrk ends before reading the CPU counters. */
  settleMs: number;
}

/** One measured window. */
export interface TextWindow {
  mode: string;
  round: number;
  server: Server;
  wrk: WrkResult;
  /** CPU seconds of the server and of the mock during the window. */
  cpuS: number;
  mockCpuS: number;
  /** Of `cpuS`: the server's main thread and V8's helper threads (the rest is its other threads). */
  mainCpuS: number;
  v8CpuS: number;
}

/** One server's pooled figures in one mode. */
export interface ServerFigures {
  requests: number;
  requestsPerSecond: number;
  cpuUsPerRequest: number;
  /** Of `cpuUsPerRequest`, by thread: main, V8's helpers (GC, compiles), the others (workers). */
  threadsUsPerRequest: { main: number; v8: number; other: number };
  mockCpuUsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** The comparison for one mode. */
export interface TextComparison {
  mode: string;
  stream: boolean;
  relay: ServerFigures;
  squint: ServerFigures;
  quiet: ServerFigures;
  /** Streamed modes: the pump's figures, and its CPU per request over the relay's and squint's over it. */
  pump?: ServerFigures & { overRelay: number; squintOver: number };
  /** The reader's figures, its CPU per request over the relay's and squint's over it. */
  reader: ServerFigures & { overRelay: number; squintOver: number };
  cpuRatio: number;
  /** squint's CPU per request over the quiet squint's: what the log line and metrics cost. */
  observingRatio: number;
  throughputRatio: number;
  cpuRatioPerRound: number[];
  target: Target;
  pass: boolean;
}

/** The section's result. */
export interface TextResult {
  options: TextLoadOptions;
  clockTicks: number;
  windows: TextWindow[];
  comparisons: TextComparison[];
  elapsedMs: number;
}

/** Whether `ratio` meets `target`. */
export function meets(ratio: number, target: Target): boolean {
  return target.kind === "max" ? ratio <= target.value : ratio >= target.value;
}

/** `ratio 1.07 (target ≤1.4) PASS`. */
export function verdictLine(ratio: number, target: Target): string {
  return `${ratioLine(ratio, target)} ${meets(ratio, target) ? "PASS" : "FAIL"}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorCount(w: WrkResult): number {
  const e = w.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}

function pool(windows: readonly TextWindow[]): ServerFigures {
  const sum = (f: (w: TextWindow) => number) => windows.reduce((s, w) => s + f(w), 0);
  const requests = sum((w) => w.wrk.requests);
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  const perRequest = (f: (w: TextWindow) => number) => (1e6 * sum(f)) / requests;
  return {
    requests,
    requestsPerSecond: requests / sum((w) => w.wrk.seconds),
    cpuUsPerRequest: perRequest((w) => w.cpuS),
    threadsUsPerRequest: {
      main: perRequest((w) => w.mainCpuS),
      v8: perRequest((w) => w.v8CpuS),
      // The process's and its threads' counters are read a moment apart: a tick either way.
      other: Math.max(0, perRequest((w) => w.cpuS - w.mainCpuS - w.v8CpuS)),
    },
    mockCpuUsPerRequest: perRequest((w) => w.mockCpuS),
    p50Ms: median(windows.map((w) => w.wrk.p50Ms)),
    p99Ms: median(windows.map((w) => w.wrk.p99Ms)),
    errors: sum((w) => errorCount(w.wrk)),
  };
}

/** The servers of a mode, in the order of one round: each pair mirrored, so drift falls on all. */
function roundOrder(mode: Mode): readonly Server[] {
  const servers: Server[] = mode.stream
    ? ["relay", "pump", "reader", "squint", "quiet"]
    : ["relay", "reader", "squint", "quiet"];
  return [...servers, ...servers.toReversed()];
}

/** A floor's figures (the pump, the reader) with what it costs over the relay, and squint over it. */
function floorFigures(floor: ServerFigures, relay: ServerFigures, squint: ServerFigures) {
  return {
    ...floor,
    overRelay: floor.cpuUsPerRequest / relay.cpuUsPerRequest,
    squintOver: squint.cpuUsPerRequest / floor.cpuUsPerRequest,
  };
}

function compare(mode: Mode, windows: readonly TextWindow[], rounds: number): TextComparison {
  const of = (server: Server, round?: number) =>
    pool(
      windows.filter((w) =>
        w.mode === mode.name && w.server === server && (round === undefined || w.round === round)
      ),
    );
  const relay = of("relay");
  const squint = of("squint");
  const quiet = of("quiet");
  const cpuRatio = squint.cpuUsPerRequest / relay.cpuUsPerRequest;
  const target = mode.stream ? CPU_TARGET_STREAM : CPU_TARGET_JSON;
  return {
    mode: mode.name,
    stream: mode.stream,
    relay,
    squint,
    quiet,
    ...(mode.stream ? { pump: floorFigures(of("pump"), relay, squint) } : {}),
    reader: floorFigures(of("reader"), relay, squint),
    cpuRatio,
    observingRatio: squint.cpuUsPerRequest / quiet.cpuUsPerRequest,
    throughputRatio: squint.requestsPerSecond / relay.requestsPerSecond,
    cpuRatioPerRound: Array.from(
      { length: rounds },
      (_, r) => of("squint", r + 1).cpuUsPerRequest / of("relay", r + 1).cpuUsPerRequest,
    ),
    target,
    pass: meets(cpuRatio, target),
  };
}

/** Measures section (c); `log` hears of each window as it ends. */
export async function runTextOverhead(
  servers: TextServers,
  options: TextLoadOptions,
  log: (line: string) => void = () => {},
): Promise<TextResult> {
  const started = performance.now();
  const serverOf = (server: Server, mode: Mode) =>
    server === "squint" || server === "quiet" ? servers[server] : servers[server][mode.upstream];
  const load = (server: Server, mode: Mode, durationS: number) =>
    runWrk({
      url: serverOf(server, mode).origin + mode.path,
      headers: mode.headers,
      body: mode.body,
      threads: options.threads,
      connections: options.connections,
      durationS,
    });

  for (const mode of MODES) {
    for (const server of new Set(roundOrder(mode))) {
      const warm = await load(server, mode, options.warmupS);
      if (warm.requests === 0 || warm.errors.status > 0) {
        throw new Error(
          `(c) warm-up of ${server}, ${mode.name}: ${warm.requests} requests, ` +
            `${warm.errors.status} not 2xx\n${serverOf(server, mode).stderrTail()}`,
        );
      }
    }
  }

  const windows: TextWindow[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const mode of MODES) {
      for (const server of roundOrder(mode)) {
        const pid = serverOf(server, mode).pid;
        const mockPid = servers.mock[mode.upstream].pid;
        const before = cpuTicks(pid);
        const threadsBefore = threadTicks(pid);
        const mockBefore = cpuTicks(mockPid);
        const wrk = await load(server, mode, options.windowS);
        await sleep(options.settleMs);
        const threads = threadTicks(pid);
        const window: TextWindow = {
          mode: mode.name,
          round,
          server,
          wrk,
          cpuS: (cpuTicks(pid) - before) / CLOCK_TICKS,
          mockCpuS: (cpuTicks(mockPid) - mockBefore) / CLOCK_TICKS,
          mainCpuS: (threads.main - threadsBefore.main) / CLOCK_TICKS,
          v8CpuS: (threads.v8 - threadsBefore.v8) / CLOCK_TICKS,
        };
        windows.push(window);
        log(
          `  round ${round} ${mode.name.padEnd(15)} ${server.padEnd(6)} ` +
            `${fixed(wrk.requestsPerSecond, 0).padStart(6)} req/s ` +
            `${fixed((1e6 * window.cpuS) / wrk.requests, 0).padStart(5)} µs CPU/req` +
            (errorCount(wrk) ? `  ${errorCount(wrk)} errors` : ""),
        );
      }
    }
  }
  return {
    options,
    clockTicks: CLOCK_TICKS,
    windows,
    comparisons: MODES.map((mode) => compare(mode, windows, options.rounds)),
    elapsedMs: performance.now() - started,
  };
}

/** The section as a plain table and one target line per mode. */
export function formatTextOverhead(result: TextResult): string {
  const o = result.options;
  const rows: Cell[][] = result.comparisons.flatMap((c) =>
    (["relay", "pump", "reader", "squint", "quiet"] as const).flatMap((server) => {
      const f = c[server];
      if (!f) return [];
      return [[
        c.mode,
        server,
        f.requests,
        fixed(f.requestsPerSecond, 0),
        fixed(f.cpuUsPerRequest, 1),
        fixed(f.threadsUsPerRequest.main, 1),
        fixed(f.threadsUsPerRequest.v8, 1),
        fixed(f.threadsUsPerRequest.other, 1),
        fixed(f.mockCpuUsPerRequest, 1),
        fixed(f.p50Ms, 2),
        fixed(f.p99Ms, 2),
        f.errors,
      ]];
    })
  );
  const lines = [
    `wrk -t${o.threads} -c${o.connections} -d${o.windowS}s; per mode relay, reader, squint, quiet, ` +
    `then mirrored, × ${o.rounds} rounds, interleaved (streamed modes: relay, pump, reader, ` +
    `squint, quiet, mirrored; pump: the relay reading each chunk into JavaScript and ` +
    `enqueueing it, nothing else; reader: a gateway that parses, reads and logs what it relays, ` +
    `nothing else; quiet: squint with its log line and /metrics off); ` +
    `CPU = /proc utime+stime of the server process ` +
    `(CLK_TCK ${result.clockTicks}) over the window ÷ wrk's requests, then by thread ` +
    `(/proc/<pid>/task): main (the isolate and the I/O its event loop drives), V8 (V8's helper ` +
    `threads: concurrent GC, background compiles), other (Web Workers: squint's log worker, the ` +
    `reader's). p50/p99: median over the windows of wrk's latency percentiles.`,
    "",
    table([
      "mode",
      "server",
      "requests",
      "req/s",
      "CPU µs/req",
      "main",
      "V8",
      "other",
      "mock µs/req",
      "p50 ms",
      "p99 ms",
      "errors",
    ], rows),
    "",
  ];
  for (const c of result.comparisons) {
    lines.push(
      `${c.mode}: CPU/request squint/relay ${verdictLine(c.cpuRatio, c.target)} ` +
        `(per round ${c.cpuRatioPerRound.map((r) => fixed(r, 2)).join(", ")}); ` +
        `req/s squint/relay ${fixed(c.throughputRatio, 2)}`,
    );
    if (c.pump) {
      lines.push(
        `${c.mode}: reading the stream in JavaScript alone (the pump) costs ${
          fixed(c.pump.overRelay, 2)
        }× the relay's CPU/request; squint/pump ${
          fixed(c.pump.squintOver, 2)
        } (squint's own work on a stream it must see)`,
      );
    }
    lines.push(
      `${c.mode}: reading, parsing and logging alone (the reader) cost ${
        fixed(c.reader.overRelay, 2)
      }× the relay's CPU/request; squint/reader ${
        fixed(c.reader.squintOver, 2)
      } (squint's own work beyond them)`,
    );
    const beyond = (thread: keyof ServerFigures["threadsUsPerRequest"]) =>
      fixed(c.squint.threadsUsPerRequest[thread] - c.relay.threadsUsPerRequest[thread], 1);
    lines.push(
      `${c.mode}: squint's CPU/request beyond the relay's, by thread: main ${beyond("main")} µs, ` +
        `V8 helpers ${beyond("v8")} µs, other threads ${beyond("other")} µs`,
    );
    lines.push(
      `${c.mode}: log line + metrics cost ${
        fixed(c.squint.cpuUsPerRequest - c.quiet.cpuUsPerRequest, 1)
      } µs CPU/request (squint/quiet ${fixed(c.observingRatio, 2)}; quiet/relay ${
        fixed(c.quiet.cpuUsPerRequest / c.relay.cpuUsPerRequest, 2)
      })`,
    );
  }
  return lines.join("\n");
}
