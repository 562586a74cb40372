/**
 * Runs the understanding step in the worker pool for the images that need it, and remembers
 * each answer by the image's content hash (an agent re-sending a page is examined once). The
 * bytes travel to the worker and back without a copy.
 */
import type { IntakeImage } from "../intake/intake.ts";
import { mapLimited } from "../pool/map_limited.ts";
import { TaskError, type WorkerPool } from "../pool/pool.ts";
import { PromiseCache } from "./promise_cache.ts";
import type { LinesResult, UnderstandResult } from "../../workers/image/protocol.ts";
import type { TextLines } from "../../workers/image/line_height.ts";
import type { Understanding } from "../../workers/image/understand.ts";
import { type ReadingDeps, readWithinBudget, understandKey } from "./reading.ts";

/** Answers kept (each is a few KB of text at most). */
const MAX_REMEMBERED = 1024;

/** Understanding answers by `hash|ocr`, LRU by count. */
export class UnderstandCache extends PromiseCache<Understanding> {
  constructor(maxAnswers = MAX_REMEMBERED) {
    super(maxAnswers, () => 1);
  }
}

/** What the step needs. */
export interface UnderstandDeps {
  pool: WorkerPool;
  cache: UnderstandCache;
  maxPixels: number;
  /** OCR reads a page in seconds, not milliseconds: its own time limit. */
  timeoutMs: number;
  /** The reading lane and the budget: pages are read there, never waited on past the budget. */
  reading?: Omit<ReadingDeps, "cache" | "maxPixels" | "timeoutMs">;
}

/** Budgets are rounded to this many tokens in the cache key. */
const BUDGET_STEP = 50;

/**
 * For each image: what it shows and its text, when `budgets[i]` is set — the text tokens beyond
 * which its text cannot replace it (the worker then reads the top of a page first). With `look`
 * (for every image, or per image), images without a budget are looked at too (what they show,
 * their text lines and perceptual hashes, no reading): the cache matches photos by look, and the
 * planner keeps a glanced page's text legible.
 */
export function understandImages(
  images: readonly IntakeImage[],
  budgets: readonly (number | undefined)[],
  ocr: boolean,
  deps: UnderstandDeps,
  look: boolean | readonly boolean[] = false,
): Promise<(Understanding | undefined)[]> {
  return mapLimited(images, deps.pool.options.size, async (image, i) => {
    const inspected = image.inspected;
    const budget = budgets[i];
    if (budget === undefined && !(typeof look === "boolean" ? look : look[i])) return undefined;
    if (!inspected?.info || !inspected.bytes || !inspected.hash) return undefined;
    const textBudget = budget === undefined
      ? undefined
      : Math.ceil(budget / BUDGET_STEP) * BUDGET_STEP;
    const reads = ocr && textBudget !== undefined;
    if (reads && deps.reading) {
      return await readWithinBudget(
        image,
        understandKey(inspected.hash, true, textBudget),
        textBudget,
        {
          ...deps.reading,
          cache: deps.cache,
          maxPixels: deps.maxPixels,
          timeoutMs: deps.timeoutMs,
          // A copy of the bytes: the page's reading and render may be using them meanwhile.
          look: () => examine(image, deps, { copy: true, lines: linesLane(deps.reading!.pool) }),
        },
      );
    }
    return await examine(image, deps, { reads, textBudget });
  });
}

/**
 * The reading lane, when it is idle, for the line measure of the look at a page this request
 * may read: taken there at once, the look takes about the longer of its halves, and the reading
 * that follows finds the page decoded there. A busy lane is not waited for. Measured on the
 * corpus pages (2 vCPUs, one request at a time): a 150-200-dpi page's look 150-300 → 100-160 ms,
 * the receipt photo 290-320 → 220-260; a 300-dpi page stays ~300 (its two 8 MP decodes at once
 * contend).
 */
const linesLane = (lane: WorkerPool) => lane.idle() ? lane : undefined;

/**
 * One look from its two halves, taken at once in two workers: `rest` (a look taken with
 * `lines: false`) and the lines measured in the other. The look one worker takes alone: the
 * lines are kept where what it shows has text lines, and a camera photo is one only with them.
 */
export function joinLook(rest: Understanding, lines: TextLines | undefined): Understanding {
  const { linesShown, cameraPhoto, ...found } = rest;
  if (linesShown === undefined) return rest;
  const textLines = linesShown ? lines : undefined;
  return { ...found, textLines, ...(textLines && cameraPhoto && { cameraPhoto }) };
}

/** A look's line measure in `lane`, for `joinLook`; none when it failed. */
async function linesIn(lane: WorkerPool, image: IntakeImage, deps: UnderstandDeps) {
  const { bytes, info, hash } = image.inspected!;
  const copy = bytes!.slice();
  const task = { kind: "lines", bytes: copy, info, maxPixels: deps.maxPixels, hash };
  // Without its lines (a worker lost, the lane closing) the look is the picture lane's half.
  const found = await lane.run<LinesResult>(task, [copy.buffer], deps.timeoutMs)
    .catch(() => undefined);
  return found?.textLines;
}

/**
 * One image examined in the picture lane (read too, with `reads`), remembered by its hash: its
 * bytes go to the worker and come back, or with `copy` a copy goes and the image keeps its own.
 * A look (not `reads`) given `lines` takes its line measure there meanwhile.
 */
async function examine(
  image: IntakeImage,
  deps: UnderstandDeps,
  { reads = false, textBudget, copy = false, lines }: {
    reads?: boolean;
    textBudget?: number;
    copy?: boolean;
    lines?: WorkerPool;
  },
): Promise<Understanding> {
  const inspected = image.inspected!;
  try {
    return await deps.cache.get(understandKey(inspected.hash, reads, textBudget), async () => {
      const measured = lines && !reads ? linesIn(lines, image, deps) : undefined;
      const bytes = copy ? inspected.bytes!.slice() : inspected.bytes!;
      const result = await deps.pool.run<UnderstandResult>(
        {
          kind: "understand",
          bytes,
          info: inspected.info,
          ocr: reads,
          maxPixels: deps.maxPixels,
          hash: inspected.hash,
          textBudget,
          ...(measured && { lines: false }),
        },
        [bytes.buffer as ArrayBuffer],
        deps.timeoutMs,
      );
      if (!copy) inspected.bytes = result.bytes;
      const { bytes: _, ...found } = result;
      return measured ? joinLook(found, await measured) : found;
    });
  } catch (e) {
    // A worker that timed out or crashed took the bytes with it: the image goes as it was sent.
    if (!(e instanceof TaskError)) throw e;
    if (!copy && (inspected.bytes?.buffer as ArrayBuffer | undefined)?.detached) {
      inspected.bytes = undefined;
      image.unreadable = `could not be examined (${e.code}): sent as it is`;
    }
    return { error: e.message };
  }
}
