/**
 * Section (a): image tokens a client pays sending the corpus as it is, against what squint
 * sends after its plan, per corpus category, model and fidelity level. Tokens come from the
 * pure planner (`planImage`); bytes after come from squint's real pipeline (`POST /v1/optimize`
 * on an in-process squint: intake, plan, render in the worker pool, keep-the-original rule).
 */
import { createRegistry, imageTokens, type ModelFamily } from "../src/models/mod.ts";
import { planImage } from "../src/optimize/plan_image.ts";
import type { Fidelity } from "../src/optimize/fidelity.ts";
import { startSquint } from "../tests/support/squint.ts";
import { type CorpusImage, mimeOf } from "./corpus.ts";
import { bytes, type Cell, percent, table } from "./table.ts";

/** The models section (a) reports, one per provider rule family in the brief. */
export const TOKEN_MODELS = ["gpt-4o", "gpt-4.1-mini", "claude-sonnet-4-6", "gemini-2.5-flash"];
/** Every fidelity level, most faithful first. */
export const LEVELS: readonly Fidelity[] = ["lossless", "balanced", "aggressive"];

/** One level's figures for a group of images. */
export interface LevelFigures {
  tokens: number;
  /** Mean and least share of the provider's own pixel count (its resize of the original) kept. */
  pixelShareMean: number;
  pixelShareMin: number;
  /** Bytes squint sends (rendered through its pipeline); absent when that level was not rendered. */
  bytesAfter?: number;
}

/** A group of images (one category, or all) on one model. */
export interface TokenGroup {
  model: string;
  category: string;
  images: number;
  tokensDirect: number;
  bytesBefore: number;
  levels: Record<Fidelity, LevelFigures>;
}

/** What the render pass through `/v1/optimize` found. */
export interface RenderCheck {
  levels: Fidelity[];
  requests: number;
  /** Requests whose `after.tokens` differs from the pure planner's (should be 0). */
  tokenMismatches: string[];
  /** Requests squint answered unoptimized (`passthrough_reason`) or with an error. */
  failures: string[];
  /** Images where squint kept the original because the render was not smaller. */
  keptOriginal: number;
  elapsedMs: number;
}

/** The section's result. */
export interface ImageTokensResult {
  models: string[];
  groups: TokenGroup[];
  renderCheck: RenderCheck;
  elapsedMs: number;
}

/** Options of {@linkcode runImageTokens}. */
export interface ImageTokensOptions {
  images: CorpusImage[];
  /** Levels rendered for bytes after (tokens are planned for every level). */
  renderLevels: Fidelity[];
  /** Image workers of the in-process squint used for rendering. */
  workers: number;
  /** Bound on the whole render pass. */
  renderBudgetMs: number;
}

interface PlannedFigures {
  tokensDirect: number;
  after: Record<Fidelity, { tokens: number; share: number }>;
}

function planFor(image: CorpusImage, family: ModelFamily): PlannedFigures {
  const { displayWidth: w, displayHeight: h } = image.info;
  const view = imageTokens(family.image, w, h, "auto");
  const after = {} as PlannedFigures["after"];
  for (const fidelity of LEVELS) {
    const decision = planImage(
      { info: image.info, bytes: image.bytes.byteLength },
      family,
      { optimize: true, fidelity, detail: "auto", ocr: "off" },
    );
    const share = (decision.after.width * decision.after.height) / (view.width * view.height);
    after[fidelity] = { tokens: decision.after.tokens, share };
  }
  return { tokensDirect: view.tokens, after };
}

interface OptimizeAnswer {
  images?: { action: string; reasons: string[]; after: { bytes: number; tokens: number } }[];
  passthrough_reason?: string;
  error?: { message: string };
}

/** Runs `tasks` with at most `limit` in flight. */
async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

/** Measures section (a). */
export async function runImageTokens(options: ImageTokensOptions): Promise<ImageTokensResult> {
  const started = performance.now();
  const registry = createRegistry();
  const families = TOKEN_MODELS.map((m) => {
    const family = registry.resolve(m)?.family;
    if (!family) throw new Error(`squint's registry does not know ${m}`);
    return family;
  });
  const plans = options.images.map((image) => families.map((f) => planFor(image, f)));

  // Bytes after: the real pipeline, one /v1/optimize request per image, model and level.
  const renderStarted = performance.now();
  const deadline = renderStarted + options.renderBudgetMs;
  const bytesAfter = new Map<string, number>();
  const check: RenderCheck = {
    levels: options.renderLevels,
    requests: 0,
    tokenMismatches: [],
    failures: [],
    keptOriginal: 0,
    elapsedMs: 0,
  };
  const squint = startSquint({ SQUINT_WORKERS: String(options.workers) });
  try {
    const dataUrls = options.images.map((i) =>
      `data:${mimeOf(i.file)};base64,${i.bytes.toBase64()}`
    );
    const tasks: (() => Promise<void>)[] = [];
    options.images.forEach((image, i) =>
      TOKEN_MODELS.forEach((model, m) =>
        options.renderLevels.forEach((fidelity) =>
          tasks.push(async () => {
            const key = `${image.file}|${model}|${fidelity}`;
            if (performance.now() > deadline) {
              check.failures.push(`${key}: render budget of ${options.renderBudgetMs} ms spent`);
              return;
            }
            const body = `{"model":${JSON.stringify(model)},"squint":{"fidelity":"${fidelity}"},` +
              `"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"${
                dataUrls[i]
              }"}}]}]}`;
            check.requests++;
            const response = await fetch(`${squint.baseUrl}/optimize`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body,
              signal: AbortSignal.timeout(60_000),
            });
            const answer = await response.json() as OptimizeAnswer;
            const planned = answer.images?.[0];
            if (!response.ok || !planned || answer.passthrough_reason) {
              check.failures.push(
                `${key}: ${
                  answer.passthrough_reason ?? answer.error?.message ?? `status ${response.status}`
                }`,
              );
              return;
            }
            bytesAfter.set(key, planned.after.bytes);
            if (planned.reasons.some((r) => r.includes("original sent"))) check.keptOriginal++;
            const expected = plans[i][m].after[fidelity].tokens;
            if (planned.after.tokens !== expected) {
              check.tokenMismatches.push(
                `${key}: planner ${expected}, /v1/optimize ${planned.after.tokens}`,
              );
            }
          })
        )
      )
    );
    await inParallel(tasks, options.workers);
  } finally {
    await squint.close();
  }
  check.elapsedMs = performance.now() - renderStarted;

  const categories = [...new Set(options.images.map((i) => i.category))].sort();
  const groups: TokenGroup[] = [];
  TOKEN_MODELS.forEach((model, m) => {
    for (const category of [...categories, "all"]) {
      const members = options.images
        .map((image, i) => ({ image, plan: plans[i][m] }))
        .filter(({ image }) => category === "all" || image.category === category);
      const levels = {} as Record<Fidelity, LevelFigures>;
      for (const fidelity of LEVELS) {
        const shares = members.map(({ plan }) => plan.after[fidelity].share);
        const rendered = members.map(({ image }) =>
          bytesAfter.get(`${image.file}|${model}|${fidelity}`)
        );
        levels[fidelity] = {
          tokens: members.reduce((s, { plan }) => s + plan.after[fidelity].tokens, 0),
          pixelShareMean: shares.reduce((s, x) => s + x, 0) / shares.length,
          pixelShareMin: Math.min(...shares),
          bytesAfter: rendered.every((b) => b !== undefined)
            ? rendered.reduce((s, b) => s! + b!, 0)
            : undefined,
        };
      }
      groups.push({
        model,
        category,
        images: members.length,
        tokensDirect: members.reduce((s, { plan }) => s + plan.tokensDirect, 0),
        bytesBefore: members.reduce((s, { image }) => s + image.bytes.byteLength, 0),
        levels,
      });
    }
  });
  return {
    models: TOKEN_MODELS,
    groups,
    renderCheck: check,
    elapsedMs: performance.now() - started,
  };
}

const saved = (direct: number, after: number) => direct > 0 ? 1 - after / direct : 0;

/** The section as plain tables. */
export function formatImageTokens(result: ImageTokensResult): string {
  const out: string[] = [];
  out.push(
    "Tokens direct = imageTokens(model rule, original size, detail auto): what the client pays " +
      "sending the file as it is.\nTokens squint = planImage(optimize on, detail auto) at each " +
      "fidelity; 'px kept' = pixels squint sends / pixels the provider itself would use (its own " +
      "resize of the original), mean and minimum over the images.\nBytes after = bytes squint " +
      "sends, from squint's pipeline (POST /v1/optimize, real worker renders; originals kept " +
      "when a re-encode is not smaller).",
  );
  for (const model of result.models) {
    const rows: Cell[][] = result.groups.filter((g) => g.model === model).map((g) => {
      const b = g.levels.balanced;
      return [
        g.category,
        g.images,
        g.tokensDirect,
        b.tokens,
        percent(saved(g.tokensDirect, b.tokens)),
        `${percent(b.pixelShareMean, 0)} / ${percent(b.pixelShareMin, 0)}`,
        percent(saved(g.tokensDirect, g.levels.lossless.tokens)),
        percent(saved(g.tokensDirect, g.levels.aggressive.tokens)),
        bytes(g.bytesBefore),
        bytes(b.bytesAfter),
      ];
    });
    out.push(
      `\n${model}: tokens per category (balanced is the default)\n` +
        table([
          "category",
          "images",
          "tokens direct",
          "tokens squint",
          "saved",
          "px kept mean/min",
          "saved lossless",
          "saved aggressive",
          "bytes before",
          "bytes after",
        ], rows),
    );
  }
  const levelRows: Cell[][] = [];
  for (const model of result.models) {
    const all = result.groups.find((g) => g.model === model && g.category === "all")!;
    for (const fidelity of LEVELS) {
      const l = all.levels[fidelity];
      levelRows.push([
        model,
        fidelity,
        all.tokensDirect,
        l.tokens,
        percent(saved(all.tokensDirect, l.tokens)),
        percent(l.pixelShareMean, 1),
        percent(l.pixelShareMin, 1),
        bytes(all.bytesBefore),
        bytes(l.bytesAfter),
      ]);
    }
  }
  out.push(
    `\nFidelity levels over all ${
      result.groups.find((g) => g.category === "all")!.images
    } corpus images\n` +
      table([
        "model",
        "fidelity",
        "tokens direct",
        "tokens squint",
        "saved",
        "px kept mean",
        "px kept min",
        "bytes before",
        "bytes after",
      ], levelRows),
  );
  const c = result.renderCheck;
  out.push(
    `\nRender pass (${c.levels.join(", ")}): ${c.requests} /v1/optimize requests in ${
      (c.elapsedMs / 1000).toFixed(1)
    } s; token mismatches planner vs pipeline: ${c.tokenMismatches.length}; failures: ${c.failures.length}; originals kept (re-encode not smaller): ${c.keptOriginal}`,
  );
  for (const line of [...c.tokenMismatches, ...c.failures].slice(0, 10)) out.push(`  ${line}`);
  return out.join("\n");
}
