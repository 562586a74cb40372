/**
 * Section (b): squint's image pipeline against `sharp` doing the same work on the same images:
 * full decode, resize to the planner's target size for gpt-4o (balanced), JPEG q85. squint runs
 * through its `WorkerPool` and the real image worker, with the message squint's render step
 * posts; sharp runs in this process, with its thread settings named on every row.
 */
import sharp from "sharp";
import { createRegistry } from "../src/models/mod.ts";
import { planImage } from "../src/optimize/plan_image.ts";
import { WorkerPool } from "../src/pool/pool.ts";
import type { RenderResult, RenderTask } from "../workers/image/protocol.ts";
import { renderImage } from "../workers/image/render.ts";
import type { RenderSpec } from "../workers/image/types.ts";
import type { CorpusImage } from "./corpus.ts";
import { type LatencySummary, summarize } from "./latency.ts";
import { bytes, type Cell, fixed, ratioLine, table, type Target } from "./table.ts";

/** The fixed image set: six large photos (up to 5312 px) and two 300 dpi document pages. */
export const PIPELINE_FILES = [
  "images/photo_dandelions_5312x2988.jpg",
  "images/photo_beach_aerial_5120x2880.jpg",
  "images/photo_bridge_beach_4352x2448.jpg",
  "images/photo_lake_mountains_4000x2047.jpg",
  "images/photo_mountain_trail_3264x2448.jpg",
  "images/photo_wine_room_portrait_2560x3837.jpg",
  "images/doc_debian_policy_prose_p20_300dpi.jpg",
  "images/doc_acm_sigconf_title_twocol_p1_300dpi.png",
];

/** squint/sharp time for the same images, single thread each. */
export const SHARP_RATIO_TARGET: Target = { kind: "max", value: 1.2 };
/** squint throughput with 2 workers over 1. */
export const SCALING_TARGET: Target = { kind: "min", value: 1.8 };

const JPEG_QUALITY = 85;
const MAX_PIXELS = 100_000_000;
const WORKER_URL = new URL("../workers/image_worker.ts", import.meta.url);

/** One image with the size squint would render it to. */
interface Job {
  image: CorpusImage;
  spec: RenderSpec;
}

/** One measured configuration. */
export interface PipelineRun {
  id: string;
  engine: "sharp" | "squint";
  label: string;
  /** Images processed at once by the caller. */
  inFlight: number;
  images: number;
  wallMs: number;
  imagesPerSecond: number;
  latency: LatencySummary;
  /** Mean output size, to see both sides encode comparably. */
  meanOutputBytes: number;
}

/** The section's result. */
export interface PipelineResult {
  /** Each image, its target size, and its median time in the headline pair. */
  files: {
    file: string;
    width: number;
    height: number;
    target: string;
    sharpP50: number;
    squintP50: number;
  }[];
  rounds: number;
  sharpDefaultConcurrency: number;
  runs: PipelineRun[];
  /** squint 1 worker / sharp (fastShrinkOnLoad false, concurrency 1), total time, same images. */
  headlineRatio: number;
  /** squint 2 workers / 1 worker, images per second. */
  scaling: number;
  elapsedMs: number;
}

/** Options of {@linkcode runImagePipeline}. */
export interface PipelineOptions {
  images: CorpusImage[];
  /** Passes over the image set per configuration. */
  rounds: number;
}

type Work = (job: Job) => Promise<number>;

/** How to measure one configuration: its caller-side parallelism and its work. */
interface Configuration {
  id: string;
  label: string;
  inFlight: number;
  /** sharp's libvips threads per image while this runs. */
  sharpConcurrency?: number;
  /** The work, and what to release afterwards. */
  open: () => { work: Work; close?: () => void };
}

/** Runs `jobs` in order with `inFlight` at a time; per-image latency and wall time. */
async function measure(
  jobs: Job[],
  inFlight: number,
  work: Work,
): Promise<
  { latencies: number[]; perFile: Map<string, number[]>; wallMs: number; outBytes: number[] }
> {
  const latencies: number[] = [];
  const perFile = new Map<string, number[]>();
  const outBytes: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const t0 = performance.now();
      outBytes.push(await work(job));
      const ms = performance.now() - t0;
      latencies.push(ms);
      perFile.set(job.image.file, [...(perFile.get(job.image.file) ?? []), ms]);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { latencies, perFile, wallMs: performance.now() - started, outBytes };
}

function sharpWork(fastShrinkOnLoad: boolean | undefined): Work {
  return async ({ image, spec }) => {
    const out = await sharp(image.bytes)
      .rotate()
      .resize(spec.width, spec.height, { fit: "fill", fastShrinkOnLoad })
      .jpeg({ quality: JPEG_QUALITY })
      .toBuffer();
    return out.byteLength;
  };
}

/** The message squint's render step (src/pipeline/render.ts) posts: bytes copied, not moved. */
function openPool(size: number): { work: Work; close: () => void } {
  const pool = new WorkerPool({
    workerUrl: WORKER_URL,
    size,
    queueLimit: 64,
    taskTimeoutMs: 30_000,
  });
  const work: Work = async ({ image, spec }) => {
    const task: RenderTask = {
      kind: "render",
      bytes: image.bytes,
      info: image.info,
      spec,
      maxPixels: MAX_PIXELS,
    };
    return (await pool.run<RenderResult>(task)).byteLength;
  };
  return { work, close: () => pool.close() };
}

const inProcessWork: Work = async ({ image, spec }) =>
  (await renderImage(image.bytes, image.info, spec)).bytes.byteLength;

/** The configurations, in the order each pass runs them; the headline pair back to back. */
function configurations(sharpDefault: number): Configuration[] {
  return [
    {
      id: "sharp_nofsol_c1",
      label: "sharp fastShrinkOnLoad:false, concurrency(1)",
      inFlight: 1,
      sharpConcurrency: 1,
      open: () => ({ work: sharpWork(false) }),
    },
    {
      id: "squint_pool_1",
      label: "squint WorkerPool, SQUINT_WORKERS=1",
      inFlight: 1,
      open: () => openPool(1),
    },
    {
      id: "sharp_default",
      label: `sharp default (fastShrinkOnLoad on, concurrency ${sharpDefault})`,
      inFlight: 1,
      sharpConcurrency: sharpDefault,
      open: () => ({ work: sharpWork(undefined) }),
    },
    {
      id: "sharp_nofsol_c2",
      label: "sharp fastShrinkOnLoad:false, concurrency(2)",
      inFlight: 1,
      sharpConcurrency: 2,
      open: () => ({ work: sharpWork(false) }),
    },
    {
      id: "sharp_nofsol_c1_x2",
      label: "sharp fastShrinkOnLoad:false, concurrency(1), 2 images at once",
      inFlight: 2,
      sharpConcurrency: 1,
      open: () => ({ work: sharpWork(false) }),
    },
    {
      id: "squint_pool_2",
      label: "squint WorkerPool, SQUINT_WORKERS=2, 2 images at once",
      inFlight: 2,
      open: () => openPool(2),
    },
    {
      id: "squint_in_process",
      label: "squint renderImage in this thread (no pool, no data URL)",
      inFlight: 1,
      open: () => ({ work: inProcessWork }),
    },
  ];
}

function jobsFor(images: CorpusImage[]): Job[] {
  const family = createRegistry().resolve("gpt-4o")!.family;
  return PIPELINE_FILES.map((file) => {
    const image = images.find((i) => i.file === file);
    if (!image) throw new Error(`pipeline image ${file} is not in the corpus manifest`);
    const decision = planImage(
      { info: image.info, bytes: image.bytes.byteLength },
      family,
      { optimize: true, fidelity: "balanced", detail: "auto", ocr: "off" },
    );
    const { width, height } = decision.render ?? decision.after;
    return { image, spec: { width, height, format: "jpeg" as const, quality: JPEG_QUALITY } };
  });
}

/** Measures section (b). */
export async function runImagePipeline(options: PipelineOptions): Promise<PipelineResult> {
  const started = performance.now();
  const base = jobsFor(options.images);
  const warmup = [base[base.length - 1], base[0]];
  const sharpDefaultConcurrency = sharp.concurrency();
  const opened = configurations(sharpDefaultConcurrency).map((config) => ({
    config,
    ...config.open(),
    wallMs: 0,
    latencies: [] as number[],
    perFile: new Map<string, number[]>(),
    outBytes: [] as number[],
  }));
  try {
    // Passes interleave the configurations, so a change in the machine's background load
    // touches every configuration alike instead of the one that happened to be running.
    for (let pass = -1; pass < options.rounds; pass++) {
      for (const o of opened) {
        if (o.config.sharpConcurrency) sharp.concurrency(o.config.sharpConcurrency);
        const m = await measure(pass < 0 ? warmup : base, o.config.inFlight, o.work);
        if (pass < 0) continue;
        o.wallMs += m.wallMs;
        o.latencies.push(...m.latencies);
        o.outBytes.push(...m.outBytes);
        for (const [file, ms] of m.perFile) {
          o.perFile.set(file, [...(o.perFile.get(file) ?? []), ...ms]);
        }
      }
    }
  } finally {
    for (const o of opened) o.close?.();
    sharp.concurrency(sharpDefaultConcurrency);
  }
  const runs: PipelineRun[] = opened.map((o) => ({
    id: o.config.id,
    engine: o.config.id.startsWith("sharp") ? "sharp" : "squint",
    label: o.config.label,
    inFlight: o.config.inFlight,
    images: o.latencies.length,
    wallMs: o.wallMs,
    imagesPerSecond: (1000 * o.latencies.length) / o.wallMs,
    latency: summarize(o.latencies),
    meanOutputBytes: o.outBytes.reduce((s, b) => s + b, 0) / o.outBytes.length,
  }));
  const perFile = Object.fromEntries(
    opened.map((o) => [
      o.config.id,
      Object.fromEntries([...o.perFile].map(([file, ms]) => [file, summarize(ms).p50])),
    ]),
  );

  const byId = (id: string) => runs.find((r) => r.id === id)!;
  return {
    files: base.map(({ image, spec }) => ({
      file: image.file,
      width: image.info.displayWidth,
      height: image.info.displayHeight,
      target: `${spec.width}x${spec.height}`,
      sharpP50: perFile.sharp_nofsol_c1[image.file],
      squintP50: perFile.squint_pool_1[image.file],
    })),
    rounds: options.rounds,
    sharpDefaultConcurrency,
    runs,
    headlineRatio: byId("squint_pool_1").wallMs / byId("sharp_nofsol_c1").wallMs,
    scaling: byId("squint_pool_2").imagesPerSecond / byId("squint_pool_1").imagesPerSecond,
    elapsedMs: performance.now() - started,
  };
}

/** The section as plain tables. */
export function formatImagePipeline(result: PipelineResult): string {
  const reference = result.runs.find((r) => r.id === "sharp_nofsol_c1")!;
  const rows: Cell[][] = result.runs.map((r) => [
    r.label,
    r.inFlight,
    r.images,
    fixed(r.imagesPerSecond, 2),
    fixed(r.latency.p50, 0),
    fixed(r.latency.p99, 0),
    fixed(r.wallMs / reference.wallMs, 2),
    bytes(r.meanOutputBytes),
  ]);
  const files = table(
    ["image", "size", "target", "sharp c1 p50 ms", "squint 1 worker p50 ms", "squint/sharp"],
    result.files.map((f) => [
      f.file.replace("images/", ""),
      `${f.width}x${f.height}`,
      f.target,
      fixed(f.sharpP50, 0),
      fixed(f.squintP50, 0),
      fixed(f.squintP50 / f.sharpP50, 2),
    ]),
  );
  const maxShrink = Math.max(...result.files.map((f) => {
    const [w, h] = f.target.split("x").map(Number);
    return Math.min(f.width / w, f.height / h);
  }));
  const p1 = result.runs.find((r) => r.id === "squint_pool_1")!;
  const p2 = result.runs.find((r) => r.id === "squint_pool_2")!;
  const whole = result.runs.find((r) => r.id === "sharp_nofsol_c1_x2")!;
  return [
    `Work per image: full decode, resize to the planner's gpt-4o balanced size, JPEG q85 ` +
    `(squint: RenderSpec format "jpeg"; sharp: rotate().resize(fit fill).jpeg(85)).`,
    `${result.rounds} passes over ${result.files.length} images, each pass running every ` +
    `configuration in turn (after one warm-up pass of 2 images); p99 of ${reference.images} ` +
    `samples is close to the max. sharp's default concurrency here is ` +
    `${result.sharpDefaultConcurrency} (glibc without jemalloc: sharp's own default).`,
    `Largest shrink factor ${fixed(maxShrink, 2)}: below 4, where sharp with ` +
    `fastShrinkOnLoad:false starts to shrink JPEGs on load, so it decodes every pixel here.`,
    "",
    files,
    "",
    table([
      "configuration",
      "in flight",
      "images",
      "images/s",
      "p50 ms",
      "p99 ms",
      "time vs sharp c1",
      "mean out",
    ], rows),
    "",
    `Headline: squint (1 worker) / sharp (fastShrinkOnLoad:false, concurrency(1)), total time ` +
    `for the same ${reference.images} images: ${
      ratioLine(result.headlineRatio, SHARP_RATIO_TARGET)
    }.`,
    `  Why this pair: one squint worker is one thread doing decode+resize+encode; sharp with ` +
    `concurrency(1) is one libvips thread per image, and with fastShrinkOnLoad:false both decode ` +
    `every pixel.`,
    `Whole machine: squint 2 workers ${fixed(p2.imagesPerSecond, 2)} images/s vs sharp ` +
    `2 at once ${fixed(whole.imagesPerSecond, 2)} images/s: ` +
    `${ratioLine(whole.imagesPerSecond / p2.imagesPerSecond, SHARP_RATIO_TARGET)} (time ratio).`,
    `Scaling: squint 2 workers / 1 worker, images/s ${fixed(p2.imagesPerSecond, 2)} / ` +
    `${fixed(p1.imagesPerSecond, 2)}: ${ratioLine(result.scaling, SCALING_TARGET)}.`,
  ].join("\n");
}
