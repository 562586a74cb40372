/**
 * Section (d): text-only latency through squint while its worker pool is saturated by image
 * requests, against the same probe with no image load. The probe is an open loop (fixed rate), so
 * a stalled event loop shows as many slow answers rather than as fewer requests.
 *
 * The image clients send one large corpus photo as a data URL in a loop. Each request carries
 * 12 random bytes after the JPEG's end-of-image marker (decoders ignore them), so the content
 * hash differs and squint's render cache cannot answer: every request costs a real decode,
 * resize and encode, as distinct images from real clients would.
 */
import type { PoolStats } from "../src/pool/pool.ts";
import type { CorpusImage } from "./corpus.ts";
import type { LoadResult, LoadSpec } from "./load_client.ts";
import type { LoadClient, ServerChild } from "./processes.ts";
import { REQUEST_HEADERS, textBody } from "./text_overhead.ts";
import { fixed, ratioLine, table, type Target } from "./table.ts";

/** Loaded p99 over unloaded p99. */
export const CONTENTION_TARGET: Target = { kind: "max", value: 2 };

/** In squint's `squint.optimizations` of an answer whose image it resized. */
const RESIZED = '"resize"';

/** Options of {@linkcode runContention}. */
export interface ContentionOptions {
  image: CorpusImage;
  model: string;
  imageClients: number;
  /** Image load runs this long before the probe's window opens. */
  imageLeadMs: number;
  probe: { intervalMs: number; inFlightCap: number; warmupMs: number; durationMs: number };
}

/** What /health said about the pool while images were loading it. */
export interface PoolSampling {
  samples: number;
  /** Share of samples with every worker busy. */
  allBusyShare: number;
  maxQueued: number;
  /** Completed and failed tasks over the loaded phase. */
  completed: number;
  failed: number;
}

/** One probe target, probed with and without the image load. */
export interface ProbePair {
  /** `squint`, or `direct` (the mock, as a control for the machine's own CPU contention). */
  target: "squint" | "direct";
  unloaded: LoadResult;
  loaded: LoadResult;
  /** The image load that ran during `loaded`. */
  images: LoadResult;
  pool: PoolSampling;
  /** Loaded p99 over unloaded p99. */
  ratio: number;
}

/** The section's result. */
export interface ContentionResult {
  options: Omit<ContentionOptions, "image"> & { image: string; width: number; height: number };
  squint: ProbePair;
  direct: ProbePair;
  elapsedMs: number;
}

/** The JSON body around the image's base64, split where the random bytes go. */
function imageBody(image: CorpusImage, model: string): { prefix: string; suffix: string } {
  // Zero bytes up to a multiple of 3 keep base64(bytes + random) = base64(bytes) + base64(random).
  const padded = new Uint8Array(Math.ceil(image.bytes.byteLength / 3) * 3);
  padded.set(image.bytes);
  return {
    prefix: `{"model":${JSON.stringify(model)},"messages":[{"role":"user","content":[` +
      `{"type":"text","text":"What is in this photo?"},` +
      `{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,${padded.toBase64()}`,
    suffix: `"}}]}]}`,
  };
}

async function samplePool(origin: string, until: Promise<unknown>): Promise<PoolSampling> {
  let done = false;
  until.finally(() => done = true).catch(() => {});
  const stats: PoolStats[] = [];
  for (let i = 0; i < 400 && !done; i++) {
    try {
      const health = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2_000) });
      stats.push((await health.json()).pool as PoolStats);
    } catch {
      // a missed sample; the load results carry the errors
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const first = stats[0];
  const last = stats[stats.length - 1];
  return {
    samples: stats.length,
    allBusyShare: stats.filter((s) => s.busy >= s.size).length / Math.max(1, stats.length),
    maxQueued: Math.max(0, ...stats.map((s) => s.queued)),
    completed: first && last ? last.completed - first.completed : 0,
    failed: first && last ? last.failed - first.failed : 0,
  };
}

/** Measures section (d). */
export async function runContention(
  servers: { squint: ServerChild; mock: ServerChild },
  probeClient: LoadClient,
  imageClient: LoadClient,
  options: ContentionOptions,
): Promise<ContentionResult> {
  const started = performance.now();
  const { squint } = servers;
  const probe = (origin: string): LoadSpec => ({
    url: `${origin}/v1/chat/completions`,
    headers: REQUEST_HEADERS,
    body: textBody(false),
    mode: "open",
    concurrency: options.probe.inFlightCap,
    intervalMs: options.probe.intervalMs,
    warmupMs: options.probe.warmupMs,
    durationMs: options.probe.durationMs,
    maxRequests: 100_000,
    graceMs: 5_000,
  });
  const imageLoad: LoadSpec = {
    url: `${squint.origin}/v1/chat/completions`,
    headers: REQUEST_HEADERS,
    body: imageBody(options.image, options.model),
    mode: "closed",
    concurrency: options.imageClients,
    warmupMs: options.imageLeadMs,
    durationMs: options.probe.warmupMs + options.probe.durationMs + 500,
    maxRequests: 10_000,
    graceMs: 30_000,
    countBodyIncludes: RESIZED,
  };
  const measurePair = async (target: ProbePair["target"]): Promise<ProbePair> => {
    const spec = probe(target === "squint" ? squint.origin : servers.mock.origin);
    const unloaded = await probeClient.run(spec);
    const imageRun = imageClient.run(imageLoad);
    const pool = samplePool(squint.origin, imageRun);
    await new Promise((resolve) => setTimeout(resolve, options.imageLeadMs));
    const [loaded, images, sampling] = await Promise.all([probeClient.run(spec), imageRun, pool]);
    return {
      target,
      unloaded,
      loaded,
      images,
      pool: sampling,
      ratio: loaded.latency.p99 / unloaded.latency.p99,
    };
  };
  const squintPair = await measurePair("squint");
  const directPair = await measurePair("direct");
  const { image, ...rest } = options;
  return {
    options: { ...rest, image: image.file, width: image.info.width, height: image.info.height },
    squint: squintPair,
    direct: directPair,
    elapsedMs: performance.now() - started,
  };
}

/** The section as plain tables. */
export function formatContention(result: ContentionResult): string {
  const o = result.options;
  const row = (label: string, r: LoadResult) => [
    label,
    r.requests,
    r.errors,
    r.skipped,
    fixed(r.latency.p50, 2),
    fixed(r.latency.p90, 2),
    fixed(r.latency.p99, 2),
    fixed(r.latency.max, 1),
  ];
  const pairs = [result.squint, result.direct];
  const rows = pairs.flatMap((p) => {
    const name = p.target === "squint" ? "text via squint" : "text direct to mock (control)";
    return [
      row(`${name}, no image load`, p.unloaded),
      row(`${name}, images loading pool`, p.loaded),
    ];
  });
  const imageLines = pairs.map((p) => {
    const im = p.images;
    const pool = p.pool;
    return `  while probing ${p.target}: ${im.requests} image answers (${
      fixed(im.requestsPerSecond, 2)
    }/s), ${im.errors} errors, ${im.bodyMatches} resized by squint, latency p50 ${
      fixed(im.latency.p50, 0)
    } ms p99 ${fixed(im.latency.p99, 0)} ms; pool (/health every 250 ms, ${pool.samples} ` +
      `samples): all workers busy ${fixed(100 * pool.allBusyShare, 0)}%, max queued ` +
      `${pool.maxQueued}, ${pool.completed} tasks done, ${pool.failed} failed${
        im.firstError ? `; first error: ${im.firstError}` : ""
      }`;
  });
  const s = result.squint;
  const d = result.direct;
  return [
    `Probe: text-only JSON request, open loop every ${o.probe.intervalMs} ms ` +
    `(${1000 / o.probe.intervalMs} req/s, at most ${o.probe.inFlightCap} in flight), ` +
    `${o.probe.warmupMs / 1000} s warm-up + ${o.probe.durationMs / 1000} s measured. ` +
    `Image load: ${o.imageClients} closed-loop clients sending ${o.image} ` +
    `(${o.width}x${o.height}) as a data URL to ${o.model} through squint, cache-busted, started ` +
    `${o.imageLeadMs / 1000} s before the probe. The control probes the mock directly under the ` +
    `same image load: what the machine's CPU contention alone does to a Deno server's latency.`,
    "",
    table(["probe", "requests", "errors", "skipped", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows),
    "",
    "Image load:",
    ...imageLines,
    "",
    `Text via squint, p99 loaded/unloaded: ${fixed(s.loaded.latency.p99, 2)} / ` +
    `${fixed(s.unloaded.latency.p99, 2)} ms: ${ratioLine(s.ratio, CONTENTION_TARGET)}`,
    `Control, direct to mock: ${fixed(d.loaded.latency.p99, 2)} / ` +
    `${fixed(d.unloaded.latency.p99, 2)} ms: ratio ${fixed(d.ratio, 2)} (no target; context)`,
  ].join("\n");
}
