/**
 * The load generator, run as its own Deno process so that its work does not share the event loop
 * of the server it measures. It reads one `LoadSpec` per stdin line, runs it with plain `fetch`,
 * and writes one `LoadResult` per stdout line; it exits when stdin closes.
 *
 * Two shapes of load: `closed` (N clients, each sending its next request when the previous answer
 * has been read to the end) for saturation, and `open` (one request every `intervalMs` whatever
 * the answers do, at most `concurrency` in flight) for latency probes that must not slow down
 * when the server stalls. Latency is measured to the last byte of the body, from the send time
 * (`closed`) or from the scheduled send time (`open`).
 *
 * @module
 */
import { type LatencySummary, summarize } from "./latency.ts";

/** A body sent as is, or one whose requests each get 16 random base64 characters inserted. */
export type LoadBody = string | { prefix: string; suffix: string };

/** One load to generate. */
export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: LoadBody;
  mode: "closed" | "open";
  /** Clients (`closed`) or the in-flight cap (`open`). */
  concurrency: number;
  /** `open` only: time between request starts. */
  intervalMs?: number;
  /** Answers completed before this are not counted. */
  warmupMs: number;
  /** The measured window, after the warm-up. */
  durationMs: number;
  /** Hard bound on requests sent, warm-up included. */
  maxRequests: number;
  /** Requests still running this long after the window are aborted. */
  graceMs: number;
  /** Answers whose body contains this text are counted (`bodyMatches`). */
  countBodyIncludes?: string;
}

/** What a load measured, over its window. */
export interface LoadResult {
  /** Answers completed in the window (any status). */
  requests: number;
  /** Answers that were not 200, or failed, in the window. */
  errors: number;
  statuses: Record<string, number>;
  firstError?: string;
  /** `open`: starts skipped because `concurrency` requests were still in flight. */
  skipped: number;
  windowMs: number;
  requestsPerSecond: number;
  /** Successful answers only. */
  latency: LatencySummary;
  /** Answers in the window whose body contained `countBodyIncludes`. */
  bodyMatches: number;
}

const RANDOM_BYTES = 12; // a multiple of 3: 16 base64 characters, no padding

function bodyMaker(body: LoadBody): () => string {
  if (typeof body === "string") return () => body;
  const random = new Uint8Array(RANDOM_BYTES);
  return () => {
    crypto.getRandomValues(random);
    return body.prefix + random.toBase64() + body.suffix;
  };
}

/** Runs one load. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const makeBody = bodyMaker(spec.body);
  const start = performance.now();
  const windowStart = start + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  const abort = new AbortController();
  const hardStop = setTimeout(
    () => abort.abort(new Error("grace period over")),
    spec.warmupMs + spec.durationMs + spec.graceMs,
  );
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  let bodyMatches = 0;
  let sent = 0;
  let skipped = 0;
  let inFlight = 0;

  const one = async (from: number) => {
    sent++;
    inFlight++;
    let status = "error";
    let matched = false;
    let error: string | undefined;
    try {
      const response = await fetch(spec.url, {
        method: "POST",
        headers: spec.headers,
        body: makeBody(),
        signal: abort.signal,
      });
      if (spec.countBodyIncludes) {
        matched = (await response.text()).includes(spec.countBodyIncludes);
      } else {
        await response.arrayBuffer();
      }
      status = String(response.status);
      if (response.status !== 200) error = `status ${response.status}`;
    } catch (e) {
      error = (e as Error).message ?? String(e);
    }
    inFlight--;
    const end = performance.now();
    if (end < windowStart || end > windowEnd) return;
    requests++;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (matched) bodyMatches++;
    if (error) {
      errors++;
      firstError ??= error;
    } else {
      latencies.push(end - from);
    }
  };

  if (spec.mode === "closed") {
    const client = async () => {
      while (performance.now() < windowEnd && sent < spec.maxRequests) {
        await one(performance.now());
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, client));
  } else {
    const interval = spec.intervalMs ?? 10;
    const running: Promise<void>[] = [];
    for (let i = 0; sent + skipped < spec.maxRequests; i++) {
      const at = start + i * interval;
      if (at >= windowEnd) break;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (inFlight >= spec.concurrency) {
        skipped++;
        continue;
      }
      running.push(one(at));
    }
    await Promise.all(running);
  }
  clearTimeout(hardStop);
  return {
    requests,
    errors,
    statuses,
    firstError,
    skipped,
    windowMs: spec.durationMs,
    requestsPerSecond: (1000 * requests) / spec.durationMs,
    latency: summarize(latencies),
    bodyMatches,
  };
}

async function serveCommands(): Promise<void> {
  const encoder = new TextEncoder();
  const write = (value: unknown) =>
    Deno.stdout.writeSync(encoder.encode(`${JSON.stringify(value)}\n`));
  write({ ready: true });
  let buffered = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (!line.trim()) continue;
      try {
        write({ result: await runLoad(JSON.parse(line) as LoadSpec) });
      } catch (e) {
        write({ error: (e as Error).message ?? String(e) });
      }
    }
  }
}

if (import.meta.main) await serveCommands();
