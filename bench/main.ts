/**
 * `deno task bench`: squint's "core" benchmark in one run.
 *
 * (a) image tokens direct vs through squint, per corpus category, model and fidelity level;
 * (b) the image pipeline (worker pool) vs sharp doing the same work;
 * (c) text-only overhead: CPU per request of squint vs bench/relay.ts under wrk, interleaved
 * (method in bench/text_overhead.ts);
 * (d) text-only latency while image requests saturate the worker pool.
 *
 * Prints plain tables and writes the same figures to bench/results.json. Flags:
 * (e) understanding: intent, content classes, the OCR route, OCR accuracy and the savings of each
 * lever (bench/understanding.ts); the reading budget (bench/reading_budget.ts); the legibility
 * floor: text images read from what each provider sees of squint's picture, per model and intent,
 * and the glance's savings before and after the floor (bench/legibility.ts).
 * (f) perceptual matching: near-duplicate index latency vs a linear scan, hits and false hits on
 * corpus copies with the safety policy, and the cost of hashing (bench/perceptual.ts).
 *
 * (g) video: frame extraction time against ffmpeg alone, frames and tokens kept against the naive
 * request per corpus video (bench/video.ts).
 *
 * (h) production storage: request-log write throughput into PostgreSQL vs SQLite, and the latency
 * production mode adds to a request vs embedded mode and vs the upstream alone (bench/production.ts).
 *
 * (i) dashboard reads: the Overview from the hourly aggregate over 24 h, 7 d and 30 d, and the
 * Requests page with and without filters, on a SQLite log of 1,000,000 rows
 * (bench/dashboard_overview.ts).
 *
 * (j) squint in-process: the time `createSquint().fetch` adds to a text-only request against plain
 * `fetch` to the mock, and per corpus image against the server path (bench/library.ts).
 *
 * `--sections=a,b,c,d,e,f,g,h,i,j` runs a subset; `--render-levels=balanced` renders fewer fidelity levels
 * for bytes after in (a) (each level costs ~15 s on 2 cores); `--c-rounds=1 --c-window=3 --c-warmup=1`
 * shortens section (c) for a quick look (its figures are from 3 rounds of 5 s after 15 s of
 * warm-up per server and mode).
 *
 * @module
 */
import { corpusRoot, loadCorpusImages } from "./corpus.ts";
import { CONTENTION_TARGET, formatContention, runContention } from "./image_contention.ts";
import {
  formatImagePipeline,
  runImagePipeline,
  SCALING_TARGET,
  SHARP_RATIO_TARGET,
} from "./image_pipeline.ts";
import { formatImageTokens, LEVELS, runImageTokens } from "./image_tokens.ts";
import { Processes, SERVE_V8_FLAGS } from "./processes.ts";
import { ratioLine } from "./table.ts";
import { runUnderstanding } from "./understanding.ts";
import { runPerceptual } from "./perceptual.ts";
import { runReadingBudget } from "./reading_budget.ts";
import { runLegibility } from "./legibility.ts";
import { runVideo } from "./video.ts";
import { runProduction } from "./production.ts";
import { runDashboardOverview } from "./dashboard_overview.ts";
import { runLibrary } from "./library.ts";
import { formatAccuracy, measureOcr, nativeTesseractReader, squintReader } from "./ocr_accuracy.ts";
import { formatTextOverhead, runTextOverhead, verdictLine } from "./text_overhead.ts";
import { runObservingCost } from "./observing_cost.ts";
import { hasWrk, WRK_INSTALL } from "./wrk.ts";
import type { Fidelity } from "../src/optimize/fidelity.ts";

const RESULTS_PATH = new URL("./results.json", import.meta.url).pathname;
const CONTENTION_IMAGE = "images/photo_bridge_beach_4352x2448.jpg";

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return Deno.args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const sections = new Set((flag("sections") ?? "a,b,c,d,e,f,g,h,i,j").split(","));
const renderLevels = (flag("render-levels") ?? LEVELS.join(",")).split(",") as Fidelity[];
for (const level of renderLevels) {
  if (!LEVELS.includes(level)) throw new Error(`--render-levels: unknown level ${level}`);
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

function heading(title: string): void {
  console.log(
    `\n${"=".repeat(100)}\n${title}\n(load average ${loadAverage()})\n${"=".repeat(100)}`,
  );
}

const processes = new Processes();
let dataDir: string | undefined;
async function cleanUp(): Promise<void> {
  await processes.stopAll();
  if (dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  dataDir = undefined;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    console.error(`\nbench: ${signal}; stopping children`);
    await cleanUp();
    Deno.exit(130);
  });
}

const started = performance.now();
/** One line per measured target, repeated at the end. */
const summary: string[] = [];
const results: Record<string, unknown> = {
  meta: {
    started: new Date().toISOString(),
    deno: Deno.version.deno,
    cores: navigator.hardwareConcurrency,
    loadAverageAtStart: loadAverage(),
  },
};
console.log(
  `squint bench (issue "core"): Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ` +
    `load average ${loadAverage()}. Other processes on this machine share the cores; a high load ` +
    `average makes every figure below noisier.`,
);

try {
  const images = loadCorpusImages();

  if (sections.has("a")) {
    heading("(a) Image tokens: the corpus sent directly vs through squint's plan");
    const tokens = await runImageTokens({
      images,
      renderLevels,
      workers: 2,
      renderBudgetMs: 40_000 * renderLevels.length,
    });
    results.imageTokens = tokens;
    console.log(formatImageTokens(tokens));
  }

  if (sections.has("b")) {
    heading("(b) Image pipeline: squint's worker pool vs sharp, same work");
    const pipeline = await runImagePipeline({ images, rounds: 3 });
    results.imagePipeline = pipeline;
    console.log(formatImagePipeline(pipeline));
    summary.push(
      `(b) squint 1 worker / sharp concurrency(1) fastShrinkOnLoad:false, time: ${
        ratioLine(pipeline.headlineRatio, SHARP_RATIO_TARGET)
      }`,
      `(b) squint 2 workers / 1 worker, images/s: ${ratioLine(pipeline.scaling, SCALING_TARGET)}`,
    );
  }

  if (sections.has("c") || sections.has("d")) {
    dataDir = await Deno.makeTempDir({ prefix: "squint-bench-" });
    const listening = /^listening (http:\/\/127\.0\.0\.1:\d+)/;
    const mock = await processes.startServer({
      name: "mock",
      args: ["run", "-A", "bench/serve_mock.ts"],
      listening,
    });
    const anthropicMock = await processes.startServer({
      name: "mock anthropic",
      args: ["run", "-A", "bench/serve_mock_anthropic.ts"],
      listening,
    });
    const squintEnv = {
      SQUINT_HOST: "127.0.0.1",
      SQUINT_PORT: "0",
      SQUINT_OPENAI_BASE_URL: `${mock.origin}/v1`,
      SQUINT_ANTHROPIC_BASE_URL: anthropicMock.origin,
      SQUINT_WORKERS: "1",
      SQUINT_DATA_DIR: dataDir,
      SQUINT_SHUTDOWN_GRACE_S: "2",
    };
    const squint = await processes.startServer({
      name: "squint",
      args: ["run", "-A", ...SERVE_V8_FLAGS, "src/main.ts"],
      env: squintEnv,
      listening: /^squint listening on (http:\/\/[^ ]+)/,
    });
    const squintProcess =
      `squint (deno run -A ${
        SERVE_V8_FLAGS.join(" ")
      } src/main.ts, SQUINT_WORKERS=1, SQUINT_PORT=0 read ` +
      `from its listening line, SQLite request log in the temp folder ${dataDir}, pid ${squint.pid})`;

    if (sections.has("c")) {
      heading("(c) Text-only requests: CPU per request, squint vs bench/relay.ts, under wrk");
      if (!(await hasWrk())) {
        console.log(`skipped: no \`wrk\` command on this machine (Debian: ${WRK_INSTALL})`);
        summary.push(`(c) skipped: no \`wrk\` command (Debian: ${WRK_INSTALL})`);
      } else {
        /**
         * bench/serve_relay.ts in front of each mock (`flags`: `--pump` for the pump, `--reader`
         * for the reader).
         */
        const startRelays = async (name: string, flags: string[] = []) => ({
          openai: await processes.startServer({
            name,
            args: [
              "run",
              "-A",
              ...SERVE_V8_FLAGS,
              "bench/serve_relay.ts",
              `${mock.origin}/v1`,
              ...flags,
            ],
            listening,
          }),
          anthropic: await processes.startServer({
            name: `${name} anthropic`,
            args: [
              "run",
              "-A",
              ...SERVE_V8_FLAGS,
              "bench/serve_relay.ts",
              anthropicMock.origin,
              ...flags,
            ],
            listening,
          }),
        });
        const relay = await startRelays("relay");
        const pump = await startRelays("pump", ["--pump"]);
        const reader = await startRelays("reader", ["--reader"]);
        const method = `Processes, each its own Deno process on 127.0.0.1: mock upstreams ` +
          `(bench/serve_mock.ts pid ${mock.pid}, bench/serve_mock_anthropic.ts pid ` +
          `${anthropicMock.pid}), relays (bench/serve_relay.ts pids ${relay.openai.pid}, ` +
          `${relay.anthropic.pid}; with --pump ${pump.openai.pid}, ${pump.anthropic.pid}; ` +
          `with --reader ${reader.openai.pid}, ${reader.anthropic.pid}), ` +
          `${squintProcess}; load from wrk. They share the ` +
          `${navigator.hardwareConcurrency} cores with whatever else runs here.`;
        results.processes = method;
        console.log(method);
        const quiet = await processes.startServer({
          name: "squint quiet",
          args: ["run", "-A", ...SERVE_V8_FLAGS, "src/main.ts"],
          env: {
            ...squintEnv,
            SQUINT_DATA_DIR: await Deno.makeTempDir({ prefix: "squint-bench-quiet-" }),
            SQUINT_LOG_LEVEL: "off",
            SQUINT_METRICS: "off",
          },
          listening: /^squint listening on (http:\/\/[^ ]+)/,
        });
        const text = await runTextOverhead(
          {
            squint,
            quiet,
            relay,
            pump,
            reader,
            mock: { openai: mock, anthropic: anthropicMock },
          },
          {
            threads: 1,
            connections: 32,
            windowS: Number(flag("c-window") ?? 5),
            rounds: Number(flag("c-rounds") ?? 3),
            warmupS: Number(flag("c-warmup") ?? 15),
            settleMs: 250,
          },
          (line) => console.log(line),
        );
        results.textOverhead = text;
        console.log(`\n${formatTextOverhead(text)}`);
        for (const c of text.comparisons) {
          summary.push(
            `(c) ${c.mode}: CPU/request squint/relay ${verdictLine(c.cpuRatio, c.target)}; ` +
              `req/s squint/relay ${c.throughputRatio.toFixed(2)}; log line + metrics ` +
              `${(c.squint.cpuUsPerRequest - c.quiet.cpuUsPerRequest).toFixed(1)} µs/req ` +
              `(squint/quiet ${c.observingRatio.toFixed(2)}); reader/relay ` +
              `${c.reader.overRelay.toFixed(2)} (reading, parsing and logging, nothing else), ` +
              `squint/reader ${c.reader.squintOver.toFixed(2)}` +
              (c.pump
                ? `; pump/relay ${c.pump.overRelay.toFixed(2)} (reading the stream in ` +
                  `JavaScript, nothing else), squint/pump ${c.pump.squintOver.toFixed(2)}`
                : ""),
          );
        }
        // The same cost read in-process, one part at a time: the difference of two servers
        // under load is within their spread.
        const observing = await runObservingCost();
        results.observingCost = observing;
        const squintUs = (request: string) =>
          text.comparisons.find((c) => c.mode === request)?.squint.cpuUsPerRequest;
        const parts = observing.map((c) => {
          const of = squintUs(c.request);
          const share = of
            ? ` (${(100 * (c.logLineUs + c.metricsUs) / of).toFixed(1)}% of ` +
              `squint's ${of.toFixed(0)} µs)`
            : "";
          return `${c.request}: log line ${c.logLineUs.toFixed(1)} µs + metrics ` +
            `${c.metricsUs.toFixed(1)} µs${share}`;
        });
        console.log(`\nThe log line and metrics per request, in-process: ${parts.join("; ")}`);
        summary.push(`(c) log line and metrics per request, in-process: ${parts.join("; ")}`);
      }
    }

    if (sections.has("d")) {
      heading("(d) Text-only latency while image requests saturate the worker pool");
      const client = await processes.startLoadClient("load client");
      const imageClient = await processes.startLoadClient("image load client");
      const image = images.find((i) => i.file === CONTENTION_IMAGE);
      if (!image) throw new Error(`${CONTENTION_IMAGE} is not in the corpus manifest`);
      console.log(
        `${squintProcess} (SQUINT_WORKERS=1, the default on ${navigator.hardwareConcurrency} ` +
          `cores), mock upstream pid ${mock.pid}; probe and image load each from their own ` +
          `load-generator process (bench/load_client.ts, pids ${client.pid}, ${imageClient.pid}).`,
      );
      const contention = await runContention({ squint, mock }, client, imageClient, {
        image,
        model: "gpt-4o",
        imageClients: 4,
        imageLeadMs: 2_000,
        probe: { intervalMs: 5, inFlightCap: 32, warmupMs: 500, durationMs: 4_000 },
      });
      results.contention = contention;
      console.log(formatContention(contention));
      summary.push(
        `(d) text p99 via squint, images loading the pool / unloaded: ${
          ratioLine(contention.squint.ratio, CONTENTION_TARGET)
        } (control direct to mock: ${contention.direct.ratio.toFixed(2)})`,
      );
    }
  }
  if (sections.has("e")) {
    heading("(e) Understanding: intent, content, the OCR route and what each lever saves");
    const understanding = await runUnderstanding(images, corpusRoot());
    console.log(understanding.text);
    heading("(e) OCR accuracy against the truth texts (document, invoice, receipt, letter pages)");
    const ocr = await measureOcr(corpusRoot(), await squintReader());
    console.log(formatAccuracy(ocr));
    heading(
      "(e) Reading budget: time added to text pages on first sight and repeat, vs the oracle",
    );
    const readingBudget = await runReadingBudget(corpusRoot());
    console.log(readingBudget.text);
    results.readingBudget = readingBudget.results;
    summary.push(...readingBudget.headline);
    heading(
      "(e) Legibility floor: text images read from what each provider sees of squint's picture",
    );
    const legibility = await runLegibility(corpusRoot());
    console.log(legibility.text);
    results.legibility = {
      reader: legibility.reader,
      failures: legibility.failures,
      savings: legibility.savings,
      rows: legibility.rows,
    };
    summary.push(...legibility.headline);
    const nativeReader = await nativeTesseractReader();
    const native = nativeReader && await measureOcr(corpusRoot(), nativeReader);
    heading("(e) Reference: native tesseract on the same pages (psm 3, one thread)");
    console.log(
      native
        ? formatAccuracy(native)
        : "skipped: no `tesseract` command on this machine (Debian: apt-get install tesseract-ocr)",
    );
    results.understanding = {
      intentAccuracy: understanding.intent.accuracy,
      saved: understanding.saved,
    };
    results.ocr = ocr;
    results.ocrNative = native;
    summary.push(
      ...understanding.headline,
      `(e) intent accuracy ${understanding.intent.accuracy.toFixed(3)} (target ≥ 0.9), ` +
        `OCR CER ${(100 * ocr.cer).toFixed(2)}% (≤ 2%), word recall ${
          (100 * ocr.wordRecall).toFixed(1)
        }% (≥ 98%)`,
      native
        ? `(e) native tesseract on the same pages: CER ${(100 * native.cer).toFixed(2)}%, ` +
          `word recall ${(100 * native.wordRecall).toFixed(1)}%; squint's OCR takes ${
            (ocr.ms / native.ms).toFixed(1)
          }× its time`
        : "(e) native tesseract reference: skipped (no `tesseract` command)",
    );
  }
  if (sections.has("f")) {
    heading("(f) Perceptual matching: near-duplicate index, corpus copies and the safety policy");
    const perceptual = await runPerceptual(corpusRoot());
    console.log(perceptual.text);
    results.perceptual = perceptual.results;
    summary.push(...perceptual.headline);
  }
  if (sections.has("g")) {
    heading("(g) Video: frame extraction and selection, frames and tokens vs the naive request");
    const video = await runVideo(corpusRoot());
    console.log(video.text);
    results.video = video.results;
    summary.push(...video.headline);
  }

  if (sections.has("h")) {
    heading("(h) Production storage: log write throughput, latency added vs embedded");
    const production = await runProduction();
    if (production) {
      console.log(production.text);
      results.production = production.results;
      summary.push(...production.headline);
    }
  }

  if (sections.has("i")) {
    heading("(i) Dashboard reads: Overview from the hourly aggregate, Requests pages, 1M-row log");
    const dashboard = await runDashboardOverview();
    console.log(dashboard.text);
    results.dashboardOverview = dashboard.results;
    summary.push(...dashboard.headline);
  }

  if (sections.has("j")) {
    heading("(j) squint in-process: added time per text-only request and per corpus image");
    const library = await runLibrary();
    console.log(library.text);
    results.library = library.results;
  }
} finally {
  await cleanUp();
}

if (summary.length) {
  heading("Targets at a glance");
  console.log(summary.join("\n"));
}
(results.meta as Record<string, unknown>).elapsedMs = performance.now() - started;
(results.meta as Record<string, unknown>).loadAverageAtEnd = loadAverage();
await Deno.writeTextFile(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
console.log(
  `\nDone in ${
    ((performance.now() - started) / 1000).toFixed(0)
  } s (load average ${loadAverage()}); ` +
    `figures written to bench/results.json.`,
);
