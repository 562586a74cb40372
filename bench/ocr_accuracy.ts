/**
 * OCR accuracy on the corpus pages that have a truth text: documents, invoices, receipts and
 * letters. Truths are `pdftotext -layout` output (or hand transcriptions), so both sides are
 * compared with every whitespace run collapsed to one space.
 *
 * - CER: Levenshtein distance / truth length, reported for single-column pages only: pages
 *   whose manifest `layout` does not say "two-column"/"three-column". Multi-column truths keep
 *   columns side by side while OCR text reads column by column, so their CER measures reading
 *   order, not recognition.
 * - Word recall: share of the truth's words found in the OCR text, as multisets, case-sensitive,
 *   after stripping punctuation at both ends of each word; reported for every page.
 * - conf: mean word confidence (0-100), which routing thresholds read.
 * - ms: preprocessing and recognition time of one warm call.
 *
 * Run: `deno run -A bench/ocr_accuracy.ts [corpusDir]`.
 *
 * @module
 */

import { Image } from "@napi-rs/canvas";
import { textLinesOf } from "../workers/image/line_height.ts";
import { closeOcr, type OcrOptions, recognize } from "../workers/image/ocr.ts";

/** Categories measured. */
const CATEGORIES = new Set(["document", "invoice", "receipt", "letter"]);
/** Categories of the CER target (letters are measured but not targeted). */
const TARGET_CATEGORIES = new Set(["document", "invoice", "receipt"]);

/** One measured page. */
export interface OcrPageScore {
  file: string;
  category: string;
  /** Whether the manifest calls the page multi-column. */
  multiColumn: boolean;
  /** Columns found by the layout analysis. */
  detectedColumns: number;
  /** Character error rate (0-1), for single-column pages; undefined otherwise. */
  cer?: number;
  /** Share of truth words found (0-1). */
  wordRecall: number;
  truthChars: number;
  truthWords: number;
  /** Mean word confidence, 0-100, as routing sees it. */
  meanConfidence: number;
  ms: number;
}

/** All pages, and totals over them. */
export interface OcrAccuracy {
  pages: OcrPageScore[];
  /** Total edit distance / total truth length over single-column pages. */
  cer: number;
  /** The same over single-column pages of the target categories (no letters). */
  targetCer: number;
  /** Found truth words / all truth words, over all pages. */
  wordRecall: number;
  ms: number;
}

interface ManifestItem {
  file: string;
  category: string;
  truth_text: string | null;
  layout?: string;
}

/** Collapses every whitespace run to one space and trims. */
export function collapseSpace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Levenshtein distance with two rows, O(n·m) time, O(m) memory. */
export function levenshtein(a: string, b: string): number {
  const s = [...a], t = [...b];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  let current = new Array<number>(t.length + 1);
  for (let i = 1; i <= s.length; i++) {
    current[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const substitute = previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1);
      current[j] = Math.min(substitute, previous[j] + 1, current[j - 1] + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[t.length];
}

/** Words with punctuation stripped at both ends; empty results dropped. */
export function wordsOf(text: string): string[] {
  return text.split(/\s+/).map((w) => w.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ""))
    .filter((w) => w.length > 0);
}

/** How many of `truth`'s words `found` holds, counted as multisets. */
export function wordsFound(truth: string[], found: string[]): number {
  const available = new Map<string, number>();
  for (const w of found) available.set(w, (available.get(w) ?? 0) + 1);
  let hits = 0;
  for (const w of truth) {
    const n = available.get(w) ?? 0;
    if (n > 0) {
      hits++;
      available.set(w, n - 1);
    }
  }
  return hits;
}

/** What a page's OCR gave: its text, mean word confidence (NaN if unknown), columns and time. */
export interface PageReading {
  text: string;
  meanConfidence: number;
  columns: number;
  ms: number;
}

/** Reads one page image (its path) into text. */
export type PageReader = (path: string) => Promise<PageReading>;

/**
 * squint's own OCR (workers/image/ocr.ts), warmed first so that no page's time includes it, at
 * the scale the page's measured line height gives (as the look measures it, `line_height.ts`).
 */
export async function squintReader(options: OcrOptions = {}): Promise<PageReader> {
  await recognize({ rgba: new Uint8ClampedArray(4 * 32 * 32).fill(255), width: 32, height: 32 });
  return async (path) => {
    const bytes = await Deno.readFile(path);
    const image = new Image();
    image.src = bytes;
    await image.decode();
    return await recognize(bytes, { lineHeight: textLinesOf(image, 1)?.lineHeight, ...options });
  };
}

/**
 * The reference: native tesseract (the `tesseract` command, page segmentation 3, one thread, the
 * system's English model) on the same page files, timed from process start to exit; it reports
 * no confidence or columns here. Undefined when no `tesseract` command is installed.
 */
export async function nativeTesseractReader(): Promise<PageReader | undefined> {
  const version = await new Deno.Command("tesseract", { args: ["--version"] }).output()
    .catch(() => undefined);
  if (!version?.success) return undefined;
  return async (path) => {
    const started = performance.now();
    const out = await new Deno.Command("tesseract", {
      args: [path, "-", "--psm", "3"],
      env: { OMP_THREAD_LIMIT: "1" },
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    return { text, meanConfidence: NaN, columns: NaN, ms: performance.now() - started };
  };
}

/** Reads every measured corpus page with `read` and scores it against its truth. */
export async function measureOcr(corpusDir: string, read: PageReader): Promise<OcrAccuracy> {
  const manifest: ManifestItem[] = JSON.parse(
    await Deno.readTextFile(`${corpusDir}/manifest.json`),
  );
  const pages: OcrPageScore[] = [];
  let distance = 0, cerChars = 0, found = 0, truthWordCount = 0, ms = 0;
  let targetDistance = 0, targetChars = 0;
  for (const item of manifest) {
    if (!item.truth_text || !CATEGORIES.has(item.category)) continue;
    const truth = await Deno.readTextFile(`${corpusDir}/${item.truth_text}`);
    const result = await read(`${corpusDir}/${item.file}`);
    const multiColumn = /(two|three|multi)-column/.test(item.layout ?? "");
    const expected = collapseSpace(truth), actual = collapseSpace(result.text);
    const truthWords = wordsOf(truth);
    const hits = wordsFound(truthWords, wordsOf(result.text));
    let cer: number | undefined;
    if (!multiColumn) {
      const d = levenshtein(expected, actual);
      cer = d / expected.length;
      distance += d;
      cerChars += expected.length;
      if (TARGET_CATEGORIES.has(item.category)) {
        targetDistance += d;
        targetChars += expected.length;
      }
    }
    found += hits;
    truthWordCount += truthWords.length;
    ms += result.ms;
    pages.push({
      file: item.file.replace(/^images\//, ""),
      category: item.category,
      multiColumn,
      detectedColumns: result.columns,
      cer,
      wordRecall: hits / truthWords.length,
      truthChars: expected.length,
      truthWords: truthWords.length,
      meanConfidence: result.meanConfidence,
      ms: result.ms,
    });
  }
  return {
    pages,
    cer: distance / cerChars,
    targetCer: targetDistance / targetChars,
    wordRecall: found / truthWordCount,
    ms,
  };
}

function percent(value: number | undefined): string {
  return value === undefined ? "-" : `${(value * 100).toFixed(2)}%`;
}

/** The scores as an aligned text table. */
export function formatAccuracy(accuracy: OcrAccuracy): string {
  const header = ["page", "cols(manifest/found)", "CER", "word recall", "conf", "ms"];
  const rows = accuracy.pages.map((p) => [
    p.file,
    `${p.multiColumn ? "multi" : "1"}/${Number.isNaN(p.detectedColumns) ? "-" : p.detectedColumns}`,
    percent(p.cer),
    percent(p.wordRecall),
    Number.isNaN(p.meanConfidence) ? "-" : p.meanConfidence.toFixed(1),
    p.ms.toFixed(0),
  ]);
  rows.push([
    "TOTAL (CER: single-column pages)",
    "",
    percent(accuracy.cer),
    percent(accuracy.wordRecall),
    "",
    accuracy.ms.toFixed(0),
  ]);
  rows.push(["  CER of document, invoice, receipt", "", percent(accuracy.targetCer), "", "", ""]);
  const widths = header.map((_, c) => Math.max(header[c].length, ...rows.map((r) => r[c].length)));
  return [header, ...rows].map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  "))
    .join("\n");
}

if (import.meta.main) {
  const corpus = Deno.args[0] ?? new URL("../../shared/corpus", import.meta.url).pathname;
  const scale = Deno.env.get("OCR_SCALE");
  const psm = Deno.env.get("OCR_PSM");
  const bands = Deno.env.get("OCR_BANDS");
  try {
    const accuracy = await measureOcr(
      corpus,
      await squintReader({
        scale: scale ? Number(scale) : undefined,
        pageSegMode: psm as OcrOptions["pageSegMode"],
        bands: bands ? Number(bands) : undefined,
      }),
    );
    console.log(formatAccuracy(accuracy));
  } finally {
    await closeOcr();
  }
}
