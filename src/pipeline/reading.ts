/**
 * Reading a page within a latency budget (`SQUINT_OCR_BUDGET_MS`, `squint.ocr_budget_ms`): a
 * request never waits longer than the budget for a page's text. Reading runs in the reading lane
 * (workers of its own, so a photo's picture work never queues behind a page), and when the budget
 * runs out the request goes on with the pixels while the reading finishes in the background. Its
 * text is then remembered by the image's content hash in the storage interface (the response
 * cache's key-value store: shared by every instance in production), so the next request where
 * those bytes are new gets the text with no wait.
 *
 * The planner never races a clock: what the step hands it is either the text (known) or the
 * reason it is not known yet, an explicit fact of the image.
 *
 * @module
 */
import type { IntakeImage } from "../intake/intake.ts";
import type { WorkerPool } from "../pool/pool.ts";
import { TaskError } from "../pool/pool.ts";
import type { KeyValueStore } from "../storage/types.ts";
import type { UnderstandResult } from "../../workers/image/protocol.ts";
import type { Understanding } from "../../workers/image/understand.ts";
import type { PromiseCache } from "./promise_cache.ts";
import { type PictureSize, type ReadingPace, tallEnoughForBands } from "./reading_pace.ts";
import type { ImageInfo } from "../../workers/image/types.ts";
import { textTokensOfLines, unreadForLayout } from "../../workers/image/text_amount.ts";
import { timerMs } from "../timers.ts";

/** How long a page's text is remembered in the storage interface. */
export const TEXT_TTL_MS = 7 * 86_400_000;

/** Readings under way that no request waits for any more. */
export class BackgroundReads {
  #running = new Set<Promise<unknown>>();
  #waiters: (() => void)[] = [];

  /** Tracks `reading` until it settles. */
  track(reading: Promise<unknown>): void {
    if (this.#running.has(reading)) return;
    this.#running.add(reading);
    const done = () => {
      this.#running.delete(reading);
      if (this.#running.size === 0) { for (const wake of this.#waiters.splice(0)) wake(); }
    };
    reading.then(done, done);
  }

  /** How many readings are under way. */
  get size(): number {
    return this.#running.size;
  }

  /** Resolves once no reading is under way (tests, shutdown). */
  settled(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** What reading needs. */
export interface ReadingDeps {
  /** The reading lane. */
  pool: WorkerPool;
  /** Readings by content hash and text budget, in flight or done (this process). */
  cache: PromiseCache<Understanding>;
  kv: KeyValueStore;
  reads: BackgroundReads;
  budgetMs: number;
  /** How long this request may still wait for the text (default: the whole budget). */
  waitMs?: number;
  maxPixels: number;
  /** The worker's own limit for one page. */
  timeoutMs: number;
  /**
   * At most how many bands a page is read in at once (`ocr_bands.ts`), by tesseract workers of
   * the reading worker; default 1.
   */
  bands?: number;
  /** Whether the picture lane is idle: only then does a reading take more than one core. */
  picturesIdle?: () => boolean;
  /** How fast this instance reads: a page that surely takes longer than the wait is not awaited. */
  pace?: ReadingPace;
  /**
   * A look at the page in the picture lane (what it shows, its text lines), taken before this
   * request starts a reading of it.
   */
  look?: () => Promise<Understanding>;
  /**
   * Settles once this request's pictures are rendered: a reading it does not wait for starts
   * then (or past the budget at the latest), not on the cores those pictures need.
   */
  startAfter?: Promise<unknown>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const uprightSize = (info: ImageInfo): PictureSize => ({
  width: info.displayWidth,
  height: info.displayHeight,
});

/** The key of a page's reading in the storage interface. */
const storedKey = (key: string) => `squint:text:${key}`;

/** The reason a page goes as pixels when its text was not ready within the budget. */
export function notReadWithin(ms: number): string {
  return `its text was not read within the ${ms} ms budget: its pixels go now, and the next ` +
    `request that sends these bytes gets the text (reading goes on)`;
}

/** The key of what the workers found of a picture in the understand cache: read or not, within what. */
export const understandKey = (
  hash: string | undefined,
  reads: boolean,
  textBudget: number | undefined,
) => `${hash}|${reads}|${textBudget}`;

/** The key of a picture's look (what it shows, its text lines; no reading) in the understand cache. */
export const lookKey = (hash: string) => understandKey(hash, false, undefined);

/**
 * The look taken of the picture `hash` in this process; undefined when none was taken (none is
 * started here) or it failed. One under way is awaited, or with `wait` false counts as none (a
 * request past its budget does not wait for it).
 */
export async function takenLook(
  cache: PromiseCache<Understanding>,
  hash: string | undefined,
  wait = true,
): Promise<Understanding | undefined> {
  if (hash === undefined || !cache.has(lookKey(hash))) return undefined;
  const look = cache.get(lookKey(hash), () => Promise.resolve({}));
  const seen = await (wait ? look : Promise.race([look, Promise.resolve(undefined)]))
    .catch(() => undefined);
  return seen?.error ? undefined : seen;
}

/**
 * A page whose text is not known within the budget (`ms`): what its look showed, if one was
 * taken (its lines keep a glance or a fidelity level legible), and the reason. The picture sent
 * now and the one rendered ahead of the budget's end are planned on this same fact.
 */
export function lateReading(seen: Understanding | undefined, ms: number): Understanding {
  const { content, textLines, cameraPhoto, perceptual } = seen ?? {};
  return {
    ...(content && { content }),
    ...(textLines && { textLines }),
    ...(cameraPhoto && { cameraPhoto }),
    ...(perceptual && { perceptual }),
    ocrSkipped: notReadWithin(ms),
  };
}

/**
 * How much longer than the fastest a page's reading may take: the slowest corpus page's pace
 * over the fastest's (0.35-0.95 ms per unit read whole, 0.23-0.87 in bands: 2.7×, 3.8×), rounded.
 */
const PACE_SPREAD = 3;

/**
 * Whether a page's text probably pays, by its look: not a camera photo of paper (read whole,
 * slowly, and its text seldom reaches the confidence text needs: the corpus receipt's never
 * does), nor a page whose layout estimates its text above the budget (once read, 3 of the 4 such
 * corpus cases went as pixels). A request waits for such a page's reading only when it surely
 * ends within the wait (its least time × PACE_SPREAD), else its pixels go at once and it is read
 * in the background for the next request that sends it. Measured on the corpus pages whose text
 * cannot pay ("Describe this image in detail." on gpt-4o, one at a time, 2 vCPUs): once reading
 * had become faster, the instance's pace let requests wait for these and miss (first sight p95
 * 375 → 1000 ms); with this rule, 494 ms, none of it recognition.
 */
function probablyPays(seen: Understanding, width: number, textBudget: number): boolean {
  if (seen.cameraPhoto) return false;
  return !seen.textLines || textTokensOfLines(seen.textLines, width) <= textBudget;
}

/** `promise`'s value, or "late" once `ms` have passed first (the timer is cleared either way). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(resolve, timerMs(ms), "late"));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The page's reading (`key`: its content hash and text budget): remembered, or read within the
 * budget, or — past it — a reason, with the reading left to finish in the background.
 */
export async function readWithinBudget(
  image: IntakeImage,
  key: string,
  textBudget: number,
  deps: ReadingDeps,
): Promise<Understanding> {
  const inspected = image.inspected!;
  const size = uprightSize(inspected.info!);
  // Known text is looked up before the clock starts: it never waits on a budget.
  const stored = await deps.kv.get(storedKey(key)).catch(() => undefined);
  if (stored) return JSON.parse(decoder.decode(stored)) as Understanding;
  let ours = false;
  // A reading takes more than one core only while the picture lane is idle.
  const bandsNow = () => deps.picturesIdle?.() === false ? 1 : deps.bands ?? 1;
  // Whether this page may be read in bands (a camera photo, read whole, is not waited for).
  const mayBand = () => bandsNow() > 1 && tallEnoughForBands(size);
  // The look this request took, if it took one (see below).
  let seen: Understanding | undefined;
  const start = async (): Promise<Understanding> => {
    ours = true;
    // A copy goes to the worker: the request may go on (and render) without waiting for it.
    const bytes = inspected.bytes!.slice();
    if (surelyLate && deps.startAfter) {
      await within(deps.startAfter.catch(() => {}), deps.budgetMs);
    }
    // A look taken here, or by another request and done, is not taken again by the reading.
    const look = seen ?? await takenLook(deps.cache, inspected.hash, false);
    const result = await deps.pool.run<UnderstandResult>(
      {
        kind: "understand",
        bytes,
        info: inspected.info,
        ocr: true,
        maxPixels: deps.maxPixels,
        hash: inspected.hash,
        textBudget,
        ocrBands: bandsNow(),
        ...(look?.measures && { seen: look }),
      },
      [bytes.buffer as ArrayBuffer],
      deps.timeoutMs,
    );
    const { bytes: _, ...found } = result;
    if (found.ocr) deps.pace?.observe(found.textLines, size, found.ocr.ms, found.ocr.bands);
    const value = encoder.encode(JSON.stringify(found));
    deps.kv.set(storedKey(key), value, TEXT_TTL_MS).catch(() => {});
    return found;
  };
  const waitMs = deps.waitMs ?? deps.budgetMs;
  const clock = performance.now();
  // A reading this request would start is decided first: by the picture's pixels, or else by a
  // look at its lines in the picture lane (a fraction of the reading's time, taken alone, not
  // beside a reading). A page whose layout shows its text cannot pay is never read; one that
  // surely cannot be read within the wait is read in the background and its pixels go now. A
  // reading another request started is awaited: it may be nearly done.
  let surelyLate = false;
  if (deps.pace && !deps.cache.has(key)) {
    surelyLate = deps.pace.leastMs(undefined, size, mayBand()) > waitMs;
    seen = surelyLate || !deps.look ? undefined : await deps.look().catch(() => undefined);
    const unread = seen?.content?.label === "text"
      ? unreadForLayout(seen.textLines, size.width, textBudget)
      : undefined;
    if (unread) return { ...seen, ocrSkipped: unread };
    const left = waitMs - (performance.now() - clock);
    if (seen) {
      const least = deps.pace.leastMs(seen.textLines, size, mayBand());
      surelyLate = least * (probablyPays(seen, size.width, textBudget) ? 1 : PACE_SPREAD) > left;
    }
  }
  const reading = deps.cache.get(key, start);
  deps.reads.track(reading);
  // Past the budget: with this request's own look, or one another request has taken.
  const late = async () =>
    lateReading(seen ?? await takenLook(deps.cache, inspected.hash, false), deps.budgetMs);
  if (ours && surelyLate) return await late();
  try {
    const first = await within(reading, waitMs - (performance.now() - clock));
    return first === "late" ? await late() : first;
  } catch (e) {
    if (!(e instanceof TaskError)) throw e;
    return { ocrSkipped: `could not be read (${e.code}): its pixels go` };
  }
}
