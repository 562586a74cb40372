/**
 * Section (e), the legibility floor (issue 17 item 5): on every corpus text image, whether the
 * picture squint sends keeps its text as readable as the provider's own view of the original,
 * per model and per intent, and what the floor costs the glance in tokens.
 *
 * Method: the text images are the manifest entries whose information is text (`expect_route`
 * ocr) with a truth text: pages, invoices, the letter, the receipt, the slide, web and terminal
 * screenshots, code. Each is examined by the worker's own understanding step
 * in-process (content class and text lines; no reading) and planned by `planImage` for
 * gpt-4o, claude-sonnet-4-6 and gemini-2.5-flash, balanced fidelity, the client's detail `auto`,
 * OCR off (so that pixels are planned; the OCR route is measured in the OCR sections), for one
 * question per intent as the intent classifier labels it. What the provider would see of
 * squint's picture and of the original is read by the reader of bench/legibility_view.ts (at
 * three sub-pixel phases), and the character error rates against the truth text (a region:
 * against the reader's text of the same box of the original at full size) are compared: the
 * ratio must be ≤ 1.1 on every image; "as well" also accepts a difference within the reader's
 * own spread on the original's view, and both counts are printed.
 * "glance, no floor" is the same plan with the floor turned off (`legibleLinePx: 0`): what
 * squint did before it. Glance savings are summed over the text images and over every still
 * image of the corpus (photos are not touched by the floor).
 *
 * Run alone: `deno run -A --config deno.dev.json bench/legibility.ts` (~14 min on 2 cores with
 * native tesseract, two reads at a time); `--calibrate` prints how `LEGIBLE_LINE_PX` was found
 * (every text image rendered at body-text line heights of 6-24 px against each model's view of
 * the original, ~14 min).
 *
 * @module
 */
import { createRegistry } from "../src/models/registry.ts";
import type { ModelFamily } from "../src/models/types.ts";
import { classifyIntent } from "../src/optimize/intent/classify.ts";
import type { Intent } from "../src/optimize/intent/model.ts";
import { LEGIBLE_LINE_PX } from "../src/optimize/legibility.ts";
import { type ImageControls, type ImageFacts, planImage } from "../src/optimize/plan_image.ts";
import { understandImage, type Understanding } from "../workers/image/understand.ts";
import { renderImage } from "../workers/image/render.ts";
import { Image } from "@napi-rs/canvas";
import { type CorpusImage, loadCorpusImages } from "./corpus.ts";
import {
  cropSeen,
  type ErrorRate,
  errorRate,
  fullView,
  nativeReader,
  openOriginal,
  type Original,
  originalView,
  PHASES,
  type Reader,
  readsAsWell,
  type Seen,
  squintView,
  tesseractJsReader,
} from "./legibility_view.ts";
import { fixed, percent, table } from "./table.ts";
import { resizeUpright } from "../workers/image/downscale.ts";
import { imageTokens } from "../src/models/image_tokens.ts";

const MODELS = ["gpt-4o", "claude-sonnet-4-6", "gemini-2.5-flash"] as const;
/** The issue's bar: squint's view reads at most this many times worse than the original's. */
export const MAX_RATIO = 1.1;
/** squint's error rate over the original's (two perfect readings: 1). */
const ratioOf = (original: number, squint: number) =>
  original > 0 ? squint / original : squint > 0 ? Infinity : 1;
const CONTROLS: ImageControls = {
  optimize: true,
  fidelity: "balanced",
  detail: "auto",
  ocr: "off",
};
const MAX_PIXELS = 100_000_000;

/** One question per intent; `floor: false` plans without the floor (squint before it). */
interface Case {
  name: string;
  question: string;
  controls?: Partial<ImageControls>;
  floor?: boolean;
}

const CASES: readonly Case[] = [
  { name: "glance, no floor", question: "What is in this image?", floor: false },
  { name: "glance", question: "What is in this image?" },
  { name: "read_text", question: "Extract all the text from this image." },
  { name: "general", question: "Can you explain this?" },
  {
    name: "read_text, aggressive",
    question: "Extract all the text from this image.",
    controls: { fidelity: "aggressive" },
  },
  { name: "fine_detail", question: "How many small objects can you count?" },
  { name: "region", question: "What is in the top left corner?" },
];

interface Manifest {
  file: string;
  expect_route: "ocr" | "vision";
  truth_text: string | null;
}

/**
 * The corpus images whose text the floor must keep readable: those whose information is
 * essentially text (`expect_route` ocr) and that have a truth text.
 */
export function textImages(corpusDir: string, images: CorpusImage[]): CorpusImage[] {
  const manifest = JSON.parse(Deno.readTextFileSync(`${corpusDir}/manifest.json`)) as Manifest[];
  const text = new Set(
    manifest.filter((m) => m.truth_text && m.expect_route === "ocr").map((m) => m.file),
  );
  return images.filter((image) => text.has(image.file));
}

function truthOf(corpusDir: string, file: string): string {
  const manifest = JSON.parse(Deno.readTextFileSync(`${corpusDir}/manifest.json`)) as Manifest[];
  return Deno.readTextFileSync(`${corpusDir}/${manifest.find((m) => m.file === file)!.truth_text}`);
}

/** The planner's facts for an image, as the understanding step gives them (no reading). */
export function factsFor(
  image: CorpusImage,
  found: Understanding,
  question: string,
): ImageFacts {
  return {
    info: image.info,
    bytes: image.bytes.byteLength,
    number: 1,
    question,
    intent: classifyIntent({ text: question }),
    content: found.content,
    textLines: found.textLines,
    cameraPhoto: found.cameraPhoto,
  };
}

/** One image, model and case, measured. */
export interface Measured {
  file: string;
  model: string;
  case: string;
  intent: Intent;
  /** Character error rates of the original's view and squint's. */
  original: ErrorRate;
  squint: ErrorRate;
  /** squint's mean error rate over the original's. */
  ratio: number;
  /** Within `MAX_RATIO`, or within the reader's own spread on the original. */
  asWell: boolean;
  tokensBefore: number;
  tokensAfter: number;
}

/** Runs the reads of `tasks` two at a time (native tesseract takes one thread each). */
async function inPairs<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

/** The error rates of the original's view and squint's view for one plan. */
async function measurePlan(
  original: Original,
  family: ModelFamily,
  facts: ImageFacts,
  controls: ImageControls,
  floorPx: number,
  read: Reader,
  truth: string,
) {
  const decision = planImage(facts, family, controls, { legibleLinePx: floorPx });
  const rule = family.image;
  const whole = originalView(original, rule, "auto");
  const mine = await squintView(original, rule, decision, "auto");
  let reference = truth;
  let theirs: Seen = whole;
  const crop = decision.render?.crop;
  if (crop) {
    // A region: its own text, read from the original at full size, is the truth.
    reference = await read.read(cropSeen(fullView(original), crop, crop));
    // The provider's view of the original holds the box at the view's own scale, which squint's
    // crop need not share (it is drawn at squint's fitted size): the same box, in the view's
    // pixels. Cut at squint's scale instead, the view lost a strip of the box at its right and
    // bottom when squint's scale was the lower (the receipt's corner on claude-sonnet-4-6: 97%).
    const scale = whole.width / original.info.displayWidth;
    theirs = cropSeen(whole, crop, {
      width: Math.round(crop.width * scale),
      height: Math.round(crop.height * scale),
    });
  }
  return {
    decision,
    original: await errorRate(read, theirs, reference),
    squint: await errorRate(read, mine, reference),
  };
}

/** The result of the section. */
export interface LegibilityResult {
  reader: string;
  rows: Measured[];
  savings: Record<
    string,
    {
      direct: number;
      noFloor: number;
      floor: number;
      textDirect: number;
      textNoFloor: number;
      textFloor: number;
    }
  >;
  failures: number;
  text: string;
  headline: string[];
}

/** Runs section (e)'s legibility measurement. */
export async function runLegibility(corpusDir: string): Promise<LegibilityResult> {
  const registry = createRegistry();
  const read = (await nativeReader()) ?? tesseractJsReader();
  const all = loadCorpusImages();
  const texts = textImages(corpusDir, all);
  const rows: Measured[] = [];
  const found = new Map<string, Understanding>();
  for (const image of all) {
    found.set(
      image.file,
      await understandImage(image.bytes, image.info, {
        ocr: false,
        maxPixels: MAX_PIXELS,
      }),
    );
  }
  const tasks: (() => Promise<void>)[] = [];
  for (const image of texts) {
    const truth = truthOf(corpusDir, image.file);
    const original = await openOriginal(image.bytes, image.info);
    for (const model of MODELS) {
      const family = registry.resolve(model)!.family;
      for (const c of CASES) {
        tasks.push(async () => {
          const facts = factsFor(image, found.get(image.file)!, c.question);
          const controls = { ...CONTROLS, ...c.controls };
          const m = await measurePlan(
            original,
            family,
            facts,
            controls,
            c.floor === false ? 0 : LEGIBLE_LINE_PX,
            read,
            truth,
          );
          rows.push({
            file: image.file.replace(/^images\//, ""),
            model,
            case: c.name,
            intent: facts.intent!.label,
            original: m.original,
            squint: m.squint,
            ratio: ratioOf(m.original.mean, m.squint.mean),
            asWell: readsAsWell(m.original, m.squint, MAX_RATIO),
            tokensBefore: m.decision.before.tokens,
            tokensAfter: m.decision.after.tokens,
          });
        });
      }
    }
  }
  await inPairs(tasks, 2);
  await read.close();

  const savings: LegibilityResult["savings"] = {};
  const textFiles = new Set(texts.map((t) => t.file));
  for (const model of MODELS) {
    const family = registry.resolve(model)!.family;
    const s = { direct: 0, noFloor: 0, floor: 0, textDirect: 0, textNoFloor: 0, textFloor: 0 };
    for (const image of all) {
      const facts = factsFor(image, found.get(image.file)!, "What is in this image?");
      const off = planImage(facts, family, CONTROLS, { legibleLinePx: 0 });
      const on = planImage(facts, family, CONTROLS);
      s.direct += off.before.tokens;
      s.noFloor += off.after.tokens;
      s.floor += on.after.tokens;
      if (textFiles.has(image.file)) {
        s.textDirect += off.before.tokens;
        s.textNoFloor += off.after.tokens;
        s.textFloor += on.after.tokens;
      }
    }
    savings[model] = s;
  }
  return report(read.name, rows, savings, texts.length, all.length);
}

function report(
  reader: string,
  rows: Measured[],
  savings: LegibilityResult["savings"],
  textCount: number,
  allCount: number,
): LegibilityResult {
  const floored = rows.filter((r) => r.case !== "glance, no floor");
  const failures = floored.filter((r) => !r.asWell);
  const lines: string[] = [
    `Reader: ${reader}, each picture read at ${PHASES.length} sub-pixel phases (error rate: ` +
    `their mean; the reader's own noise: their spread on the original's view). ${textCount} ` +
    `text images; error rate = character error rate of the provider's view against the truth ` +
    `text (a region: against the same box of the original read at full size). ratio = squint's ` +
    `view / the original's. Target: ≤ ${MAX_RATIO}× on every image; "as well" also counts a ` +
    `difference within the reader's own noise. Balanced fidelity unless said, detail auto, OCR ` +
    `off (pixels planned).`,
    "",
  ];
  const tableRows = [];
  for (const model of MODELS) {
    for (const c of CASES) {
      const group = rows.filter((r) => r.model === model && r.case === c.name);
      if (group.length === 0) continue;
      const ratios = group.map((r) => r.ratio).sort((a, b) => a - b);
      const worst = group.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      const mean = (f: (r: Measured) => number) =>
        group.reduce((sum, r) => sum + f(r), 0) / group.length;
      tableRows.push([
        model,
        c.name,
        [...new Set(group.map((r) => r.intent))].join("/"),
        `${group.filter((r) => r.ratio <= MAX_RATIO).length}/${group.length}`,
        `${group.filter((r) => r.asWell).length}/${group.length}`,
        fixed(mean((r) => r.original.mean), 3),
        fixed(mean((r) => r.squint.mean), 3),
        fixed(ratios[Math.floor(ratios.length / 2)], 2),
        fixed(worst.ratio, 2),
        group.reduce((sum, r) => sum + r.tokensBefore, 0),
        group.reduce((sum, r) => sum + r.tokensAfter, 0),
      ]);
    }
  }
  lines.push(
    table(
      [
        "model",
        "case",
        "intent",
        "≤1.1×",
        "as well",
        "err orig",
        "err squint",
        "median ratio",
        "max ratio",
        "tokens direct",
        "tokens squint",
      ],
      tableRows,
    ),
    "",
    `Glance ("What is in this image?") image tokens, before the floor (no floor) and with it:`,
    table(
      [
        "model",
        `${textCount} text images direct`,
        "no floor",
        "saved",
        "floor",
        "saved",
        `${allCount} stills direct`,
        "no floor",
        "saved",
        "floor",
        "saved",
      ],
      MODELS.map((m) => {
        const s = savings[m];
        return [
          m,
          s.textDirect,
          s.textNoFloor,
          percent(1 - s.textNoFloor / s.textDirect),
          s.textFloor,
          percent(1 - s.textFloor / s.textDirect),
          s.direct,
          s.noFloor,
          percent(1 - s.noFloor / s.direct),
          s.floor,
          percent(1 - s.floor / s.direct),
        ];
      }),
    ),
  );
  const over = floored.filter((r) => r.ratio > MAX_RATIO);
  if (over.length) {
    lines.push("", `Over ${MAX_RATIO}× with the floor (reader's spread on the original's view):`);
    lines.push(
      table(
        ["model", "case", "file", "err orig", "spread", "err squint", "ratio", "as well"],
        over.map((r) => [
          r.model,
          r.case,
          r.file,
          fixed(r.original.mean, 4),
          fixed(r.original.spread, 4),
          fixed(r.squint.mean, 4),
          fixed(r.ratio, 2),
          r.asWell ? "yes" : "NO",
        ]),
      ),
    );
  }
  const noFloor = rows.filter((r) => r.case === "glance, no floor");
  const strict = floored.filter((r) => r.ratio <= MAX_RATIO).length;
  const headline = [
    `(e) legibility floor (${LEGIBLE_LINE_PX} px lines), text-image plans reading as well as the ` +
    `original's view, every model and intent: ${
      floored.length - failures.length
    }/${floored.length} ` +
    `(target all; strictly ≤ ${MAX_RATIO}×: ${strict}); glance without the floor: ${
      noFloor.filter((r) => r.asWell).length
    }/${noFloor.length}`,
    `(e) glance tokens saved, all ${allCount} stills, before → with the floor: ${
      MODELS.map((m) =>
        `${m} ${percent(1 - savings[m].noFloor / savings[m].direct)} → ${
          percent(1 - savings[m].floor / savings[m].direct)
        }`
      ).join(", ")
    }; text images: ${
      MODELS.map((m) =>
        `${m} ${percent(1 - savings[m].textNoFloor / savings[m].textDirect)} → ${
          percent(1 - savings[m].textFloor / savings[m].textDirect)
        }`
      ).join(", ")
    }`,
  ];
  return { reader, rows, savings, failures: failures.length, text: lines.join("\n"), headline };
}

/** Body-text line heights the calibration renders each text image at. */
const GRID = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 24];
/** Candidate floors the calibration scores. */
const CANDIDATES = [8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 24];

/** One text image's calibration: its error at each grid line height and each model's view. */
interface Calibrated {
  file: string;
  lineHeight: number;
  grid: { px: number; error: ErrorRate }[];
  views: { model: string; px: number; error: ErrorRate }[];
}

/**
 * How `LEGIBLE_LINE_PX` was found: each text image rendered by squint (its real renderer, as the
 * lossless PNG the planner asks for text) at the grid's body-text line heights, read, against
 * each model's view of the original. A floor F holds an image for a model when every grid size
 * from min(F, the view's line height) up to the view's reads as well as the view (within 1.1×,
 * or within the reader's noise). Prints the error rates and, per candidate floor, the pairs it
 * fails; the floor is the least candidate that fails none.
 */
export async function calibrate(corpusDir: string): Promise<string> {
  const registry = createRegistry();
  const read = (await nativeReader()) ?? tesseractJsReader();
  const texts = textImages(corpusDir, loadCorpusImages());
  const jobs = texts.map((image) => async (): Promise<Calibrated | string> => {
    const truth = truthOf(corpusDir, image.file);
    const found = await understandImage(image.bytes, image.info, {
      ocr: false,
      maxPixels: MAX_PIXELS,
    });
    const lineHeight = found.textLines?.lineHeight;
    if (!lineHeight) return `${image.file}: no text lines measured`;
    const original = await openOriginal(image.bytes, image.info);
    const { displayWidth: w, displayHeight: h } = image.info;
    const grid: Calibrated["grid"] = [];
    for (const px of GRID.filter((px) => px <= lineHeight)) {
      const scale = px / lineHeight;
      const width = Math.max(1, Math.round(w * scale));
      const height = Math.max(1, Math.round(h * scale));
      const spec = { width, height, format: "png" as const, quality: 85 };
      const rendered = await renderImage(image.bytes, image.info, spec);
      const decoded = new Image();
      decoded.src = rendered.bytes;
      await decoded.decode();
      const canvas = resizeUpright(decoded, { width, height, orientation: 1, alpha: false });
      grid.push({ px, error: await errorRate(read, { canvas, width, height }, truth) });
    }
    const views = [];
    for (const model of MODELS) {
      const rule = registry.resolve(model)!.family.image;
      const view = imageTokens(rule, w, h, "auto");
      const error = await errorRate(read, originalView(original, rule, "auto"), truth);
      views.push({ model, px: (lineHeight * view.width) / w, error });
    }
    return { file: image.file.replace(/^images\//, ""), lineHeight, grid, views };
  });
  const measured = await inPairs(jobs, 2);
  await read.close();
  const out: string[] = [`Reader: ${read.name}, ${PHASES.length} phases`];
  const pairs: {
    file: string;
    model: string;
    view: number;
    error: ErrorRate;
    grid: Calibrated["grid"];
  }[] = [];
  for (const m of measured) {
    if (typeof m === "string") {
      out.push(m);
      continue;
    }
    out.push(
      `${m.file} (lines ${m.lineHeight} px): ${
        m.views.map((v) => `${v.model} view ${fixed(v.px, 1)} px err ${fixed(v.error.mean, 3)}`)
          .join(", ")
      }`,
      `  grid: ${m.grid.map((g) => `${g.px}:${fixed(g.error.mean, 3)}`).join(" ")}`,
    );
    for (const v of m.views) {
      pairs.push({ file: m.file, model: v.model, view: v.px, error: v.error, grid: m.grid });
    }
  }
  out.push("", "floor (px): (image, model) pairs where a size the floor allows reads worse");
  for (const floor of CANDIDATES) {
    const failing = pairs.filter((p) =>
      p.grid.some((g) =>
        g.px >= Math.min(floor, p.view) - 0.01 && g.px < p.view - 0.01 &&
        !readsAsWell(p.error, g.error, MAX_RATIO)
      )
    );
    out.push(
      `${floor}: ${failing.length}${
        failing.length <= 8 ? ` ${failing.map((p) => `${p.file}@${p.model}`).join(", ")}` : ""
      }`,
    );
  }
  return out.join("\n");
}

if (import.meta.main) {
  const { corpusRoot } = await import("./corpus.ts");
  if (Deno.args.includes("--calibrate")) console.log(await calibrate(corpusRoot()));
  else {
    const result = await runLegibility(corpusRoot());
    console.log(result.text);
    console.log(result.headline.join("\n"));
  }
}
