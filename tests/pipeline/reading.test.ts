/**
 * Reading within a budget, with a reading lane whose answers the test releases by hand: the
 * request's answer depends on whether the text is known, never on a clock racing the planner.
 */
import assert from "node:assert/strict";
import type { IntakeImage } from "../../src/intake/intake.ts";
import {
  BackgroundReads,
  lookKey,
  notReadWithin,
  type ReadingDeps,
  readWithinBudget,
  takenLook,
} from "../../src/pipeline/reading.ts";
import {
  FIRST_MS_PER_UNIT,
  ReadingPace,
  tallEnoughForBands,
  UNITS_PER_MEGAPIXEL,
} from "../../src/pipeline/reading_pace.ts";
import { UnderstandCache } from "../../src/pipeline/understand.ts";
import { TaskError, type WorkerPool } from "../../src/pool/pool.ts";
import { MemoryKeyValue } from "../../src/storage/memory_kv.ts";
import type { Understanding } from "../../workers/image/understand.ts";

/** A reading lane whose tasks wait until the test answers them. */
function lane() {
  const waiting: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  let started = 0;
  const bands: (number | undefined)[] = [];
  const looks: (Understanding | undefined)[] = [];
  let wake: (() => void) | undefined;
  const pool = {
    run(message: { ocrBands?: number; seen?: Understanding }, transfer: Transferable[]) {
      started++;
      bands.push(message.ocrBands);
      looks.push(message.seen);
      // The lane gets a copy: the request keeps its own bytes.
      assert.equal(transfer.length, 1);
      const task = new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      wake?.();
      return task;
    },
  } as unknown as WorkerPool;
  /** The oldest task, once one is waiting. */
  const next = async () => {
    if (!waiting.length) await new Promise<void>((resolve) => wake = resolve);
    return waiting.shift()!;
  };
  return {
    pool,
    started: () => started,
    /** The bands each task was allowed, in order. */
    bands,
    /** The look each task was handed (not to take it again), in order. */
    looks,
    answer: async (text: string) =>
      (await next()).resolve({ bytes: new Uint8Array(0), ocr: { text }, content: undefined }),
    fail: async () => (await next()).reject(new TaskError("timeout", "task timed out")),
  };
}

function page(): IntakeImage {
  return {
    site: { message: 0, part: 1, imageUrl: { url: "marker" } },
    inspected: {
      info: {
        format: "png",
        width: 800,
        height: 1000,
        orientation: 1,
        displayWidth: 800,
        displayHeight: 1000,
        mayHaveAlpha: false,
        animated: false,
        bytes: 4,
      },
      bytes: new Uint8Array([1, 2, 3, 4]),
      hash: "page-hash",
    },
  } as unknown as IntakeImage;
}

function deps(pool: WorkerPool, budgetMs: number, kv = new MemoryKeyValue(2 ** 20)): ReadingDeps {
  return {
    pool,
    cache: new UnderstandCache(),
    kv,
    reads: new BackgroundReads(),
    budgetMs,
    maxPixels: 1e8,
    timeoutMs: 60_000,
  };
}

Deno.test("past the budget the request goes on with a reason; the reading finishes in the background and the next request gets the text at once", async () => {
  const reading = lane();
  const d = deps(reading.pool, 0);
  const image = page();
  const first = await readWithinBudget(image, "page-hash|true|500", 500, d);
  assert.deepEqual(first, { ocrSkipped: notReadWithin(0) });
  assert.equal(d.reads.size, 1);
  // The request's own bytes are whole: it can still be rendered.
  assert.equal(image.inspected!.bytes!.byteLength, 4);
  await reading.answer("Chapter 1. It was a bright cold day in April.");
  await d.reads.settled();
  const again = await readWithinBudget(page(), "page-hash|true|500", 500, d);
  assert.equal(again.ocr?.text, "Chapter 1. It was a bright cold day in April.");
  assert.equal(reading.started(), 1);
});

Deno.test("the text is kept in the storage interface: another instance (same store, its own memory) gets it without reading", async () => {
  const kv = new MemoryKeyValue(2 ** 20);
  const one = lane();
  const first = deps(one.pool, 0, kv);
  await readWithinBudget(page(), "page-hash|true|500", 500, first);
  await one.answer("the page's text");
  await first.reads.settled();
  const other = lane();
  const second = deps(other.pool, 0, kv);
  const found = await readWithinBudget(page(), "page-hash|true|500", 500, second);
  assert.equal(found.ocr?.text, "the page's text");
  assert.equal(other.started(), 0);
});

Deno.test("within the budget the request waits for the text; a reading that fails says why and is not remembered", async () => {
  const reading = lane();
  const d = deps(reading.pool, 60_000);
  const waiting = readWithinBudget(page(), "page-hash|true|500", 500, d);
  await reading.answer("read in time");
  assert.equal((await waiting).ocr?.text, "read in time");

  const failing = lane();
  const f = deps(failing.pool, 60_000);
  const failed = readWithinBudget(page(), "other|true|500", 500, f);
  await failing.fail();
  assert.deepEqual(await failed, { ocrSkipped: "could not be read (timeout): its pixels go" });
  const retried = readWithinBudget(page(), "other|true|500", 500, f);
  await failing.answer("second try");
  assert.equal((await retried).ocr?.text, "second try");
});

/** Lines of a dense page: 40 lines of 20 px, 1,400 px of ink each (~5,600 characters). */
const DENSE = { lineHeight: 20, lines: 40, length: 40 * 1400 };
/** A short note: 3 lines of 20 px, 600 px of ink each (~180 characters). */
const NOTE = { lineHeight: 20, lines: 3, length: 3 * 600 };

Deno.test("a look at the page that shows its reading cannot end within the wait sends the pixels at once, with the look's lines; the reading goes on", async () => {
  const reading = lane();
  const d = { ...deps(reading.pool, 60_000), pace: new ReadingPace() };
  let looked = 0;
  // ~5,600 characters at the first pace cannot be read in a 1 s wait.
  const found = await readWithinBudget(page(), "page-hash|true|500", 500, {
    ...d,
    waitMs: 1000,
    look: () => (looked++, Promise.resolve({ textLines: DENSE })),
  });
  // The lines go with the reason: the planner keeps a glance at the page legible by them.
  assert.deepEqual(found, { textLines: DENSE, ocrSkipped: notReadWithin(60_000) });
  assert.equal(looked, 1);
  assert.equal(d.reads.size, 1);
  await reading.answer("the dense page");
  await d.reads.settled();
});

Deno.test("a camera photo of paper, or a page whose layout puts its text above the budget, is waited for only when its reading surely ends in time", async () => {
  for (
    const [look, budget] of [
      // ~45 tokens of text by its layout against a budget of 500: quick to read, but a photo.
      [{ textLines: NOTE, cameraPhoto: true }, 500],
      // The same note against a budget of 40: its text probably costs more than its pixels
      // (past 1.35× the budget it would not be read at all).
      [{ textLines: NOTE }, 40],
    ] as const
  ) {
    // ~400 units of work: ~360 ms at the first pace, possibly in a 1 s wait but not surely (3×).
    const reading = lane();
    const d = { ...deps(reading.pool, 60_000), pace: new ReadingPace() };
    const key = `page-hash|true|${budget}`;
    const found = await readWithinBudget(page(), key, budget, {
      ...d,
      waitMs: 1000,
      look: () => Promise.resolve(look),
    });
    assert.deepEqual(found, { ...look, ocrSkipped: notReadWithin(60_000) });
    assert.equal(d.reads.size, 1);
    await reading.answer("a short note");
    await d.reads.settled();
    // Given a wait of a minute, the request waits for it.
    const patient = lane();
    const waiting = readWithinBudget(page(), key, budget, {
      ...deps(patient.pool, 60_000),
      pace: new ReadingPace(),
      look: () => Promise.resolve(look),
    });
    await patient.answer("a short note");
    assert.equal((await waiting).ocr?.text, "a short note");
  }
});

Deno.test("a reading no request waits for starts once its request's pictures are rendered, or past the budget at the latest", async () => {
  // A camera photo of paper, ~400 units of work against a 1 s wait: read in the background.
  const look = { textLines: NOTE, cameraPhoto: true };
  for (const budgetMs of [60_000, 1]) {
    const reading = lane();
    const rendered = Promise.withResolvers<void>();
    const d = { ...deps(reading.pool, budgetMs), pace: new ReadingPace() };
    const found = await readWithinBudget(page(), "page-hash|true|500", 500, {
      ...d,
      waitMs: 1000,
      look: () => Promise.resolve(look),
      startAfter: rendered.promise,
    });
    assert.deepEqual(found, { ...look, ocrSkipped: notReadWithin(budgetMs) });
    assert.equal(reading.started(), 0, "not before the pictures");
    assert.equal(d.reads.size, 1);
    // Rendered; or, with a budget of 1 ms, never said: the reading starts all the same.
    if (budgetMs > 1) rendered.resolve();
    await reading.answer("a short note");
    await d.reads.settled();
    assert.equal(reading.started(), 1);
  }
});

Deno.test("a page its look shows can be read in time, or with no lines to tell, is waited for", async () => {
  for (const textLines of [NOTE, undefined]) {
    const reading = lane();
    const d = { ...deps(reading.pool, 60_000), pace: new ReadingPace() };
    const waiting = readWithinBudget(page(), "page-hash|true|500", 500, {
      ...d,
      waitMs: 1000,
      look: () => Promise.resolve({ textLines }),
    });
    await reading.answer("a short note");
    assert.equal((await waiting).ocr?.text, "a short note");
  }
});

Deno.test("a reading is handed the look its request took at the page, to take none of its own", async () => {
  const reading = lane();
  const d = { ...deps(reading.pool, 60_000), pace: new ReadingPace() };
  const signals = {
    width: 543,
    height: 768,
    ink: 0.02,
    colours90: 1,
    lineRows: 0.95,
    lines: 12.5,
    shortStrokes: 0.97,
  };
  const look = { textLines: NOTE, measures: { signals, topInk: 0.4 } };
  const waiting = readWithinBudget(page(), "page-hash|true|500", 500, {
    ...d,
    waitMs: 1000,
    look: () => Promise.resolve(look),
  });
  await reading.answer("a short note");
  assert.equal((await waiting).ocr?.text, "a short note");
  assert.deepEqual(reading.looks, [look]);
});

Deno.test("a reading another request started is waited for, whatever its look says: it may be nearly done", async () => {
  const reading = lane();
  const d = { ...deps(reading.pool, 60_000), pace: new ReadingPace() };
  const first = readWithinBudget(page(), "page-hash|true|500", 500, d);
  const second = readWithinBudget(page(), "page-hash|true|500", 500, {
    ...d,
    waitMs: 1000,
    look: () => Promise.resolve({ textLines: DENSE }),
  });
  await reading.answer("read once");
  assert.equal((await first).ocr?.text, "read once");
  assert.equal((await second).ocr?.text, "read once");
  assert.equal(reading.started(), 1);
});

Deno.test("a picture whose pixels alone take longer than the wait is not looked at: its pixels go at once", async () => {
  const reading = lane();
  const d = { ...deps(reading.pool, 60_000), pace: new ReadingPace() };
  let looked = 0;
  const scan = page();
  // A 300 dpi A4 scan: 8.7 megapixels read as they are, ~940 ms of work at the first pace.
  Object.assign(scan.inspected!.info!, { displayWidth: 2480, displayHeight: 3508 });
  const found = await readWithinBudget(scan, "scan|true|500", 500, {
    ...d,
    waitMs: 900,
    look: () => (looked++, Promise.resolve({ textLines: NOTE })),
  });
  assert.deepEqual(found, { ocrSkipped: notReadWithin(60_000) });
  assert.equal(looked, 0);
  assert.equal(d.reads.size, 1);
  // No look was taken: the reading takes its own.
  assert.deepEqual(reading.looks, [undefined]);
  await reading.answer("the scan");
  await d.reads.settled();
});

Deno.test("a reading takes the bands it may only while the picture lane is idle", async () => {
  const reading = lane();
  let idle = true;
  const d = { ...deps(reading.pool, 0), bands: 2, picturesIdle: () => idle };
  await readWithinBudget(page(), "page-a|true|500", 500, d);
  idle = false;
  await readWithinBudget(page(), "page-b|true|500", 500, d);
  assert.deepEqual(reading.bands, [2, 1]);
  await reading.answer("a");
  await reading.answer("b");
  await d.reads.settled();
});

Deno.test("pages read in bands have a pace of their own: the first divided among the bands, and never given to a picture read whole", () => {
  const size = { width: 800, height: 1000 };
  const pace = new ReadingPace(2);
  const whole = new ReadingPace().leastMs(DENSE, size);
  assert.equal(pace.leastMs(DENSE, size), whole);
  assert.equal(pace.leastMs(DENSE, size, true), whole / 2);
  // A banded reading at a fifth of the first pace speeds up banded pages only.
  pace.observe(DENSE, size, whole / 5, 2);
  assert.equal(pace.leastMs(DENSE, size), whole);
  assert.equal(pace.leastMs(DENSE, size, true), whole / 5);
  // A whole reading faster still is a bound for both.
  pace.observe(DENSE, size, whole / 10);
  assert.deepEqual([pace.leastMs(DENSE, size), pace.leastMs(DENSE, size, true)], [
    whole / 10,
    whole / 10,
  ]);
});

Deno.test("a page that may be read in bands is judged by its bands' pace", async () => {
  const reading = lane();
  const d = { ...deps(reading.pool, 60_000), pace: new ReadingPace(2), bands: 2 };
  // ~5,600 characters (~600 tokens by its layout, under the budget of 700): over 5 s at the
  // first pace, half that in two bands. A 4 s wait holds for the page.
  const waiting = readWithinBudget(page(), "page|true|700", 700, {
    ...d,
    waitMs: 4000,
    look: () => Promise.resolve({ textLines: DENSE }),
  });
  await reading.answer("the page");
  assert.equal((await waiting).ocr?.text, "the page");
  await d.reads.settled();
});

Deno.test("the pace is the fastest seen per unit of work (characters and megapixels read at OCR's scale), never slower than the first", () => {
  const pace = new ReadingPace();
  // An 800×1000 page with lines of 20 px is read at 1.5× (its lines brought to 30 px): 1.8
  // megapixels; with lines of 15 px, upscaled 2×: 3.2.
  const size = { width: 800, height: 1000 };
  const pixelWork = 1.8 * UNITS_PER_MEGAPIXEL;
  const denseWork = 5600 + pixelWork;
  const noteWork = 180 + pixelWork;
  assert.equal(pace.leastMs(DENSE, size), denseWork * FIRST_MS_PER_UNIT);
  assert.equal(
    pace.leastMs({ lineHeight: 15, lines: 40 }, size),
    3.2 * UNITS_PER_MEGAPIXEL * FIRST_MS_PER_UNIT,
  );
  // A 3000×4000 scan is read as it is: 12 megapixels.
  assert.equal(
    pace.leastMs(DENSE, { width: 3000, height: 4000 }),
    (5600 + 12 * UNITS_PER_MEGAPIXEL) * FIRST_MS_PER_UNIT,
  );
  // Without lines, the pixels alone at the least scale OCR may read them at (as they are: 0.8
  // megapixels); without the lines' length, the pixels at their scale: the text can only add.
  assert.equal(pace.leastMs(undefined, size), 0.8 * UNITS_PER_MEGAPIXEL * FIRST_MS_PER_UNIT);
  assert.equal(pace.leastMs({ lineHeight: 20, lines: 40 }, size), pixelWork * FIRST_MS_PER_UNIT);
  pace.observe(DENSE, size, denseWork * 3);
  assert.equal(pace.leastMs(DENSE, size), denseWork * FIRST_MS_PER_UNIT);
  pace.observe(DENSE, size, denseWork * 0.5);
  assert.equal(pace.leastMs(NOTE, size), noteWork * 0.5);
  // A tiny crop says little (start-up dominates its time), nor does a picture without lines.
  pace.observe(NOTE, { width: 100, height: 50 }, 1);
  pace.observe(undefined, size, 1);
  assert.equal(pace.leastMs(NOTE, size), noteWork * 0.5);
});

Deno.test("a page may be read in bands when it holds two bands' least rows, whatever the scale its lines give", () => {
  assert.equal(tallEnoughForBands({ width: 800, height: 700 }), true);
  assert.equal(tallEnoughForBands({ width: 800, height: 699 }), false);
  // A 300 dpi page, read as it is, and a 150 dpi page, upscaled 2×, alike.
  assert.equal(tallEnoughForBands({ width: 2550, height: 3300 }), true);
  assert.equal(tallEnoughForBands({ width: 1241, height: 1754 }), true);
});

Deno.test("a text page whose look shows its text cannot pay is not read at all: no reading starts", async () => {
  const reading = lane();
  const d = { ...deps(reading.pool, 60_000), pace: new ReadingPace() };
  const content = { label: "text" as const, confidence: 0.9, reasons: ["lines"] };
  // 40 lines across a page 800 px wide: ~600 tokens, which cannot beat a 400-token picture.
  const found = await readWithinBudget(page(), "page-hash|true|400", 400, {
    ...d,
    waitMs: 1000,
    look: () => Promise.resolve({ content, textLines: DENSE }),
  });
  assert.equal(found.content, content);
  assert.match(
    found.ocrSkipped!,
    /estimated from its layout \(40 lines of 20 px\) at ~600 tokens.*not read$/,
  );
  assert.equal(reading.started(), 0);
  assert.equal(d.reads.size, 0);
  // The same lines on a picture the look does not take for text: read, as the worker decides.
  const photo = { ...content, label: "photo" as const };
  const waiting = readWithinBudget(page(), "page-hash|true|2000", 2000, {
    ...d,
    waitMs: 60_000,
    look: () => Promise.resolve({ content: photo, textLines: NOTE }),
  });
  await reading.answer("a caption");
  assert.equal((await waiting).ocr?.text, "a caption");
});

Deno.test("a look another request is taking is awaited by the render ahead, never by a request past its budget", async () => {
  const cache = new UnderstandCache();
  assert.equal(await takenLook(cache, "page-hash"), undefined);
  let finish!: (seen: { textLines: typeof NOTE }) => void;
  cache.get(lookKey("page-hash"), () => new Promise((resolve) => finish = resolve));
  assert.equal(await takenLook(cache, "page-hash", false), undefined);
  const awaited = takenLook(cache, "page-hash");
  finish({ textLines: NOTE });
  assert.deepEqual(await awaited, { textLines: NOTE });
  assert.deepEqual(await takenLook(cache, "page-hash", false), { textLines: NOTE });
});
