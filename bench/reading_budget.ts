/**
 * Section (e), the reading budget (issue 17 item 1): the time squint adds to a request that sends
 * a corpus text page, on first sight and on repeat, and how many pages go as text against an
 * oracle that waits for every text.
 *
 * Method: squint in-process (`createApp(loadConfig(...))` behind `Deno.serve` on 127.0.0.1:0),
 * default settings (SQUINT_OCR_BUDGET_MS 1000; the default pool: 1 picture worker and 1 reading
 * worker on 2 cores), SQUINT_DATA_DIR ":memory:", in front of mock OpenAI and Anthropic upstreams
 * that answer at once. Pages are the manifest images whose `expect_route` is `ocr` (the set
 * bench/understanding.ts scores the OCR route on), sent one request at a time to
 * `/v1/chat/completions` with "Summarize this.". Added time is the request's time through squint
 * minus the same request's time sent straight to the mock. Per model, a fresh squint sees each
 * page first; once its background reading has settled, the same page is sent again in a new
 * conversation with another question wording (repeat). The oracle is a fresh squint per model
 * with `squint.ocr_budget_ms: 600000` (it waits for every text). Background readings settle
 * before the next page, so each request is measured on an idle machine.
 *
 * Run alone: `deno run -A bench/reading_budget.ts` (`--pages=N` for the first N pages only).
 *
 * @module
 */
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { startMockAnthropic } from "../tests/support/mock_anthropic.ts";
import { startMockOpenAI } from "../tests/support/mock_openai.ts";
import { type RunningSquint, serveApp } from "../tests/support/squint.ts";
import { corpusRoot, mimeOf } from "./corpus.ts";
import { quantile } from "./latency.ts";
import { fixed, table } from "./table.ts";

const MODELS = ["gpt-4o", "claude-sonnet-4-6"] as const;
const SUMMARY = "Summarize this.";
const SUMMARY_AGAIN = "Give me a short summary of this page.";
const DESCRIBE = "Describe this image in detail.";
const WAIT_FOR_TEXT = { ocr_budget_ms: 600_000 };

/** Targets of issue 17 item 1. */
export const TARGETS = {
  firstP50Ms: 1000,
  firstP95Ms: 2000,
  /** claude-sonnet-4-6: share of the pages whose text pays that go as text on first sight. */
  firstTextShare: 0.5,
  repeatP95Ms: 300,
  cannotPayP95Ms: 400,
} as const;

/** One page sent once. */
interface Sample {
  file: string;
  addedMs: number;
  asText: boolean;
  tokensBefore: number;
  tokensAfter: number;
}

/** One model and case, summarised. */
export interface CaseResult {
  model: string;
  case: "first sight" | "repeat" | "oracle" | "cannot pay";
  pages: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  asText: number;
  tokensSaved: number;
  samples: Sample[];
}

interface Upstreams {
  openai: string;
  anthropic: string;
}

function startInstance(upstreams: Upstreams): RunningSquint {
  return serveApp(createApp(loadConfig({
    SQUINT_DATA_DIR: ":memory:",
    SQUINT_LOG_LEVEL: "off",
    SQUINT_OPENAI_BASE_URL: upstreams.openai,
    SQUINT_ANTHROPIC_BASE_URL: upstreams.anthropic,
  })));
}

async function timed(url: string, headers: Record<string, string>, body: unknown) {
  const started = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  const ms = performance.now() - started;
  if (response.status !== 200) {
    throw new Error(`${url}: ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
  }
  return { ms, json };
}

/** The same request straight to the mock, in the provider's own shape. */
function direct(upstreams: Upstreams, model: string, question: string, mime: string, b64: string) {
  if (model.startsWith("claude")) {
    return timed(`${upstreams.anthropic}/v1/messages`, {
      "x-api-key": "sk-client",
      "anthropic-version": "2023-06-01",
    }, {
      model,
      max_tokens: 1024,
      messages: [{
        role: "user",
        content: [
          { type: "text", text: question },
          { type: "image", source: { type: "base64", media_type: mime, data: b64 } },
        ],
      }],
    });
  }
  return timed(`${upstreams.openai}/chat/completions`, { authorization: "Bearer sk-client" }, {
    model,
    messages: [{
      role: "user",
      content: [
        { type: "text", text: question },
        { type: "image_url", image_url: { url: `data:${mime};base64,${b64}` } },
      ],
    }],
  });
}

interface Page {
  file: string;
  mime: string;
  b64: string;
}

/** Sends `page` through `squint` and straight to the mock; squint's added time and stats. */
async function send(
  squint: RunningSquint,
  upstreams: Upstreams,
  options: { model: string; question: string; page: Page; controls?: Record<string, unknown> },
): Promise<Sample> {
  const { model, question, page } = options;
  const straight = await direct(upstreams, model, question, page.mime, page.b64);
  const through = await timed(`${squint.baseUrl}/chat/completions`, {
    authorization: "Bearer sk-client",
  }, {
    model,
    messages: [{
      role: "user",
      content: [
        { type: "text", text: question },
        { type: "image_url", image_url: { url: `data:${page.mime};base64,${page.b64}` } },
      ],
    }],
    ...(options.controls ? { squint: options.controls } : {}),
  });
  const stats = (through.json as {
    squint: { optimizations: string[]; tokens_before: number; tokens_after: number };
  }).squint;
  await squint.app.parts.reading.reads.settled();
  return {
    file: page.file,
    addedMs: through.ms - straight.ms,
    asText: stats.optimizations.includes("ocr"),
    tokensBefore: stats.tokens_before,
    tokensAfter: stats.tokens_after,
  };
}

function summarise(model: string, name: CaseResult["case"], samples: Sample[]): CaseResult {
  const sorted = samples.map((s) => s.addedMs).sort((a, b) => a - b);
  return {
    model,
    case: name,
    pages: samples.length,
    p50Ms: quantile(sorted, 0.5),
    p95Ms: quantile(sorted, 0.95),
    maxMs: sorted[sorted.length - 1],
    asText: samples.filter((s) => s.asText).length,
    tokensSaved: samples.reduce((sum, s) => sum + s.tokensBefore - s.tokensAfter, 0),
    samples,
  };
}

/** The corpus text pages: the manifest images whose expected route is OCR. */
function textPages(corpusDir: string, limit?: number): Page[] {
  const manifest = JSON.parse(Deno.readTextFileSync(`${corpusDir}/manifest.json`)) as {
    file: string;
    expect_route: string;
  }[];
  return manifest.filter((e) => e.file.startsWith("images/") && e.expect_route === "ocr")
    .slice(0, limit)
    .map((e) => ({
      file: e.file.replace(/^images\//, ""),
      mime: mimeOf(e.file),
      b64: Deno.readFileSync(`${corpusDir}/${e.file}`).toBase64(),
    }));
}

const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");

/** Runs the reading-budget bench; `pages` limits it to the first N text pages. */
export async function runReadingBudget(
  corpusDir: string,
  options: { pages?: number } = {},
): Promise<{ text: string; headline: string[]; results: Record<string, unknown> }> {
  const pages = textPages(corpusDir, options.pages);
  await using openai = startMockOpenAI({ record: false });
  await using anthropic = startMockAnthropic({ record: false });
  const upstreams = { openai: openai.baseUrl, anthropic: anthropic.baseUrl };
  const cases: CaseResult[] = [];
  const pool = { pictureWorkers: 0, readingWorkers: 0, cores: navigator.hardwareConcurrency };
  const run = async (each: (squint: RunningSquint, page: Page) => Promise<void>) => {
    const squint = startInstance(upstreams);
    pool.pictureWorkers = squint.app.parts.config.workers;
    pool.readingWorkers = squint.app.parts.config.reading_workers;
    try {
      for (const page of pages) await each(squint, page);
    } finally {
      await squint.close();
    }
  };

  for (const model of MODELS) {
    const first: Sample[] = [];
    const repeat: Sample[] = [];
    await run(async (squint, page) => {
      first.push(await send(squint, upstreams, { model, question: SUMMARY, page }));
      repeat.push(await send(squint, upstreams, { model, question: SUMMARY_AGAIN, page }));
    });
    const oracle: Sample[] = [];
    await run(async (squint, page) => {
      oracle.push(
        await send(squint, upstreams, { model, question: SUMMARY, page, controls: WAIT_FOR_TEXT }),
      );
    });
    cases.push(
      summarise(model, "first sight", first),
      summarise(model, "repeat", repeat),
      summarise(model, "oracle", oracle),
    );
  }
  // The pages whose text cannot pay: those the oracle, which waits for every text, sends as
  // pixels for this question.
  const payable = new Set<string>();
  await run(async (squint, page) => {
    const sample = await send(squint, upstreams, {
      model: "gpt-4o",
      question: DESCRIBE,
      page,
      controls: WAIT_FOR_TEXT,
    });
    if (sample.asText) payable.add(sample.file);
  });
  const cannotPay: Sample[] = [];
  await run(async (squint, page) => {
    const sample = await send(squint, upstreams, { model: "gpt-4o", question: DESCRIBE, page });
    if (!payable.has(sample.file)) cannotPay.push(sample);
  });
  cases.push(summarise("gpt-4o", "cannot pay", cannotPay));

  const oracleOf = (model: string) => cases.find((c) => c.model === model && c.case === "oracle")!;
  const targets = (c: CaseResult): string[] => {
    const oracle = oracleOf(c.model);
    const out: string[] = [];
    if (c.case === "first sight") {
      out.push(
        `p50 ≤ ${TARGETS.firstP50Ms} ${verdict(c.p50Ms <= TARGETS.firstP50Ms)}`,
        `p95 ≤ ${TARGETS.firstP95Ms} ${verdict(c.p95Ms <= TARGETS.firstP95Ms)}`,
      );
      if (c.model === "claude-sonnet-4-6") {
        out.push(
          `as text ≥ ${TARGETS.firstTextShare} of oracle ${
            verdict(c.asText >= TARGETS.firstTextShare * oracle.asText)
          }`,
        );
      }
    } else if (c.case === "repeat") {
      out.push(
        `p95 ≤ ${TARGETS.repeatP95Ms} ${verdict(c.p95Ms <= TARGETS.repeatP95Ms)}`,
        `as text ≥ oracle ${verdict(c.asText >= oracle.asText)}`,
      );
    } else if (c.case === "cannot pay") {
      out.push(`p95 ≤ ${TARGETS.cannotPayP95Ms} ${verdict(c.p95Ms <= TARGETS.cannotPayP95Ms)}`);
    }
    return out;
  };
  const rows = cases.map((c) => {
    const oracle = c.case === "cannot pay" ? undefined : oracleOf(c.model);
    return [
      c.model,
      c.case,
      c.pages,
      fixed(c.p50Ms, 0),
      fixed(c.p95Ms, 0),
      fixed(c.maxMs, 0),
      oracle ? `${c.asText} / ${oracle.asText}` : `${c.asText} / -`,
      oracle ? `${c.tokensSaved} / ${oracle.tokensSaved}` : `${c.tokensSaved} / -`,
      targets(c).join("; ") || "-",
    ];
  });
  const lines = [
    `Reading budget: ${pages.length} corpus text pages (manifest expect_route "ocr"), one ` +
    `request at a time, "${SUMMARY}" (repeat: "${SUMMARY_AGAIN}", a new conversation after the ` +
    `background reading settled; cannot pay: "${DESCRIBE}" on the pages an oracle run of it ` +
    `sends as pixels). squint in-process, default ` +
    `settings: SQUINT_OCR_BUDGET_MS 1000, pool of ${pool.pictureWorkers} picture worker(s) + ` +
    `${pool.readingWorkers} reading worker(s) on ${pool.cores} cores, in-memory store; mock upstreams answer at once; ` +
    `added ms = through squint minus straight to the mock. Oracle: a fresh squint with ` +
    `ocr_budget_ms 600000 (waits for every text).`,
    table(
      [
        "model",
        "case",
        "pages",
        "p50 ms",
        "p95 ms",
        "max ms",
        "as text / oracle",
        "tokens saved / oracle",
        "targets",
      ],
      rows,
    ),
  ];
  const headline = cases.filter((c) => c.case !== "oracle").map((c) => {
    const t = targets(c);
    return `(e) reading budget, ${c.model} ${c.case}: p50 ${fixed(c.p50Ms, 0)} ms, p95 ${
      fixed(c.p95Ms, 0)
    } ms, as text ${c.asText}${t.length ? ` (${t.join("; ")})` : ""}`;
  });
  return {
    text: lines.join("\n"),
    headline,
    results: {
      pool,
      budgetMs: 1000,
      cases,
    },
  };
}

if (import.meta.main) {
  const limit = Deno.args.find((a) => a.startsWith("--pages="))?.slice("--pages=".length);
  const { text, headline } = await runReadingBudget(corpusRoot(), {
    pages: limit ? Number(limit) : undefined,
  });
  console.log(text);
  console.log(`\n${headline.join("\n")}`);
}
