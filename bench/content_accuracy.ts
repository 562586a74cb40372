/**
 * How well `classifyContent` labels the corpus: a 4×4 confusion matrix (expected × predicted),
 * precision and recall of `text` (the label that lets squint swap an image for its OCR text),
 * one row per image with the signals that decided, and how many images needed OCR.
 *
 * Run: `deno run -A bench/content_accuracy.ts [corpusDir]`. OCR is squint's own OCR step
 * (workers/image/ocr.ts), cached in `/tmp/content_ocr_cache.json`; only OCR candidates are
 * recognised.
 *
 * @module
 */

import { Image } from "@napi-rs/canvas";
import { closeOcr, recognize } from "../workers/image/ocr.ts";
import {
  classifyContent,
  type ContentLabel,
  contentSample,
  type ContentSignals,
  contentSignals,
  type OcrEvidence,
  textLineScore,
} from "../workers/image/content.ts";

/** The class each corpus category should get; video categories are left out. */
export const EXPECTED: Record<string, ContentLabel> = {
  document: "text",
  invoice: "text",
  receipt: "text",
  letter: "text",
  slide: "text",
  code: "text",
  terminal: "text",
  screenshot: "text",
  photo: "photo",
  art: "photo",
  photo_with_text: "photo",
  chart: "chart",
  diagram: "chart",
  sheet_music: "chart",
  screenshot_ui: "ui",
  screenshot_graphical: "ui",
};

/** The labels in matrix order. */
export const LABELS: readonly ContentLabel[] = ["text", "photo", "chart", "ui"];

/** One image's outcome. */
export interface ContentRow {
  file: string;
  expected: ContentLabel;
  predicted: ContentLabel;
  confidence: number;
  candidate: boolean;
  signals: ContentSignals;
  /** OCR stats, for candidates only. */
  ocr?: OcrEvidence;
}

/** Counts by expected (outer key) and predicted (inner key) label. */
export type Confusion = Record<ContentLabel, Record<ContentLabel, number>>;

/** The corpus run: matrix and rows. */
export interface ContentMeasurement {
  confusion: Confusion;
  perItem: ContentRow[];
}

/** Decodes a file and measures its content signals. */
export async function signalsOf(bytes: Uint8Array): Promise<ContentSignals> {
  const image = new Image();
  image.src = bytes;
  await image.decode();
  const sample = contentSample(image);
  return contentSignals(sample.data, sample.width, sample.height);
}

/**
 * Classifies every still image of the corpus; `ocrFor` (given the manifest path) runs only for
 * the images the cheap stage marks as OCR candidates.
 */
export async function measureContent(
  corpusDir: string,
  ocrFor: (file: string) => Promise<OcrEvidence>,
): Promise<ContentMeasurement> {
  const manifest = JSON.parse(Deno.readTextFileSync(`${corpusDir}/manifest.json`)) as {
    file: string;
    category: string;
  }[];
  const confusion = Object.fromEntries(
    LABELS.map((e) => [e, Object.fromEntries(LABELS.map((p) => [p, 0]))]),
  ) as Confusion;
  const perItem: ContentRow[] = [];
  for (const { file, category } of manifest) {
    const expected = EXPECTED[category];
    if (!expected) continue;
    const signals = await signalsOf(Deno.readFileSync(`${corpusDir}/${file}`));
    const cheap = classifyContent(signals);
    const ocr = cheap.candidate ? await ocrFor(file) : undefined;
    const verdict = ocr ? classifyContent(signals, ocr) : cheap;
    confusion[expected][verdict.label]++;
    perItem.push({
      file,
      expected,
      predicted: verdict.label,
      confidence: verdict.confidence,
      candidate: cheap.candidate,
      signals,
      ocr,
    });
  }
  return { confusion, perItem };
}

/** Precision and recall of one label. */
export function precisionRecall(confusion: Confusion, label: ContentLabel) {
  const truePositive = confusion[label][label];
  const predicted = LABELS.reduce((sum, e) => sum + confusion[e][label], 0);
  const actual = LABELS.reduce((sum, p) => sum + confusion[label][p], 0);
  return {
    precision: predicted ? truePositive / predicted : 1,
    recall: actual ? truePositive / actual : 1,
  };
}

/** The confusion matrix as a text table, with precision and recall of `text` under it. */
export function formatConfusion(confusion: Confusion): string {
  const cell = (s: string | number) => String(s).padStart(7);
  const lines = [`${"expected \\ predicted".padEnd(22)}${LABELS.map(cell).join("")}`];
  for (const e of LABELS) {
    lines.push(`${e.padEnd(22)}${LABELS.map((p) => cell(confusion[e][p])).join("")}`);
  }
  const { precision, recall } = precisionRecall(confusion, "text");
  lines.push(`text precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
  return lines.join("\n");
}

/** One row per image: outcome, the signals that decide, and OCR stats when OCR ran. */
export function formatRows(rows: ContentRow[]): string {
  const head = "file".padEnd(44) +
    "expect  got    conf cand  lineRow short  score col90 lines  ink  ocr words/conf/area";
  return [
    head,
    ...rows.map((r) => {
      const s = r.signals;
      const ocr = r.ocr
        ? `${r.ocr.words}/${r.ocr.meanConfidence.toFixed(0)}/${r.ocr.areaShare.toFixed(3)}`
        : "-";
      const mark = r.expected === r.predicted ? " " : "x";
      return `${mark}${r.file.replace("images/", "").slice(0, 42).padEnd(43)} ` +
        `${r.expected.padEnd(7)} ${r.predicted.padEnd(6)} ${r.confidence.toFixed(2)} ` +
        `${r.candidate ? "yes " : "no  "} ${s.lineRows.toFixed(3)}  ${s.shortStrokes.toFixed(3)} ` +
        `${textLineScore(s).toFixed(3)} ${String(s.colours90).padStart(5)} ` +
        `${s.lines.toFixed(1).padStart(5)} ${s.ink.toFixed(3)} ${ocr}`;
    }),
  ].join("\n");
}

/** OCR evidence of an encoded picture, read by squint's own OCR step (workers/image/ocr.ts). */
export async function ocrEvidence(bytes: Uint8Array): Promise<OcrEvidence> {
  const read = await recognize(bytes);
  return {
    words: read.words.length,
    meanConfidence: read.meanConfidence,
    areaShare: Math.min(1, read.areaShare),
  };
}

/** A cached `ocrFor` over a corpus folder; `close` ends the tesseract worker if one started. */
export function cachedOcr(corpusDir: string, cachePath: string) {
  let cache: Record<string, OcrEvidence> = {};
  try {
    cache = JSON.parse(Deno.readTextFileSync(cachePath));
  } catch {
    // No cache yet: every file is recognised once.
  }
  return {
    async ocrFor(file: string): Promise<OcrEvidence> {
      if (cache[file]) return cache[file];
      cache[file] = await ocrEvidence(Deno.readFileSync(`${corpusDir}/${file}`));
      Deno.writeTextFileSync(cachePath, JSON.stringify(cache, null, 1));
      return cache[file];
    },
    close: closeOcr,
  };
}

if (import.meta.main) {
  const corpusDir = Deno.args[0] ?? new URL("../../shared/corpus", import.meta.url).pathname;
  const ocr = cachedOcr(corpusDir, "/tmp/content_ocr_cache.json");
  if (Deno.env.get("CONTENT_OCR_ALL")) {
    // Tuning: OCR stats for every image, not only candidates.
    const manifest = JSON.parse(Deno.readTextFileSync(`${corpusDir}/manifest.json`));
    for (const { file } of manifest) if (file.startsWith("images/")) await ocr.ocrFor(file);
  }
  const { confusion, perItem } = await measureContent(corpusDir, ocr.ocrFor);
  await ocr.close();
  console.log(formatConfusion(confusion));
  const candidates = perItem.filter((r) => r.candidate).length;
  console.log(`OCR candidates: ${candidates} of ${perItem.length} images\n`);
  console.log(formatRows(perItem));
}
