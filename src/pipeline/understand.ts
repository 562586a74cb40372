/**
 * Runs the understanding step in the worker pool for the images that need it, and remembers
 * each answer by the image's content hash (an agent re-sending a page is examined once). The
 * bytes travel to the worker and back without a copy.
 */
import type { IntakeImage } from "../intake/intake.ts";
import { mapLimited } from "../pool/map_limited.ts";
import { TaskError, type WorkerPool } from "../pool/pool.ts";
import { PromiseCache } from "./promise_cache.ts";
import type { UnderstandResult } from "../../workers/image/protocol.ts";
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
          look: () => examine(image, false, undefined, deps, true),
        },
      );
    }
    return await examine(image, reads, textBudget, deps);
  });
}

/**
 * One image examined in the picture lane (read too, with `reads`), remembered by its hash: its
 * bytes go to the worker and come back, or with `copy` a copy goes and the image keeps its own.
 */
async function examine(
  image: IntakeImage,
  reads: boolean,
  textBudget: number | undefined,
  deps: UnderstandDeps,
  copy = false,
): Promise<Understanding> {
  const inspected = image.inspected!;
  try {
    return await deps.cache.get(understandKey(inspected.hash, reads, textBudget), async () => {
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
        },
        [bytes.buffer as ArrayBuffer],
        deps.timeoutMs,
      );
      if (!copy) inspected.bytes = result.bytes;
      const { bytes: _, ...found } = result;
      return found;
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
