/**
 * The reading budget on a real corpus page: with a budget of 0 ms the page's pixels go at once
 * and its text is read in the background; the next request that sends the same bytes (another
 * conversation) gets the text with no wait — on another instance too, through the shared store.
 * The budget is set per request and the background reading awaited by its event, so nothing here
 * depends on how fast this machine reads.
 */
import assert from "node:assert/strict";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { startProductionSquint } from "../support/production_squint.ts";
import { freshDatabase, productionServices, redisPrefix } from "../support/services.ts";
import type { RunningSquint } from "../support/squint.ts";
import { corpusDataUrl, imageMessage } from "./_images.ts";
import { startStack } from "./_stack.ts";
import { notReadWithin } from "../../src/pipeline/reading.ts";

/** A book paragraph: its text costs fewer tokens than its pixels on gpt-4o. */
const PAGE = "doc_crop_book_paragraph_556x257.png";
const NO_WAIT = { ocr_budget_ms: 0 };

function summarize(question = "Summarize this.") {
  return {
    model: "gpt-4o",
    messages: [imageMessage(question, [corpusDataUrl(PAGE)])],
    squint: NO_WAIT,
  };
}

async function chat(squint: RunningSquint, body: unknown) {
  const response = await fetch(`${squint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  return await response.json() as { squint: { optimizations: string[] } };
}

Deno.test("budget 0: the page's pixels go now; once read in the background, another conversation with the same page gets its text at once", async () => {
  await using stack = startStack();
  const renders: string[] = [];
  stack.squint.app.parts.pool.addEventListener("task-start", (event) => {
    if ((event as CustomEvent).detail === "render") renders.push("render");
  });
  const first = await chat(stack.squint, summarize());
  assert.ok(!first.squint.optimizations.includes("ocr"));
  // Its pixels were rendered ahead of the budget's end (at once, with a budget of 0) and the
  // request joined that render: the plan for "not read in time" is the one it was sent with.
  assert.deepEqual(renders, ["render"]);
  const sentFirst = stack.mock.requests[0].body as { messages: { content: { type: string }[] }[] };
  assert.equal(sentFirst.messages[0].content[1].type, "image_url");
  await stack.squint.app.parts.reading.reads.settled();
  // The lane started with this page and is idle again: nothing left reading in the background.
  const metrics = await (await fetch(`${stack.squint.origin}/metrics`)).text();
  assert.match(metrics, /^squint_reading_pool\{state="workers"\} 1$/m);
  assert.match(metrics, /^squint_reading_pool\{state="background"\} 0$/m);

  const again = await chat(stack.squint, summarize("What does this paragraph say?"));
  assert.ok(again.squint.optimizations.includes("ocr"), again.squint.optimizations.join());
  const sent = stack.mock.requests[1].body as {
    messages: { content: { type: string; text?: string }[] }[];
  };
  assert.deepEqual(sent.messages[0].content.map((p) => p.type), ["text", "text"]);
  assert.match(sent.messages[0].content[1].text!, /small implementation projects/);
});

Deno.test("/v1/optimize shows a page's plan with its text not known and known: pixels now, text once read", async () => {
  await using stack = startStack();
  type Figures = { images: { action: string; reasons: string[] }[]; tokens: { after: number } };
  type Plan = Figures & {
    reading?: {
      budget_ms: number;
      pages: string[];
      sent: string;
      text_not_known: Figures;
      text_known?: Figures;
    };
  };
  const plan = async (query = "") => {
    const response = await stack.post(`/optimize${query}`, summarize());
    assert.equal(response.status, 200);
    return await response.json() as Plan;
  };
  // Without waiting: the plan sent now, and the known case left out (the reading goes on).
  const now = await plan("?wait=false");
  assert.notEqual(now.images[0].action, "ocr");
  assert.match(now.images[0].reasons.join(" | "), /not read within the 0 ms budget/);
  assert.equal(now.reading?.sent, "text_not_known");
  assert.deepEqual(now.reading?.pages, ["/messages/0/content/1"]);
  assert.equal(now.reading?.text_known, undefined);
  assert.deepEqual(now.reading?.text_not_known.images, now.images);
  // Waiting: both cases; the text-known one is what the next request with these bytes sends.
  const both = await plan();
  assert.equal(both.reading?.sent, "text_not_known");
  assert.equal(both.reading?.budget_ms, 0);
  assert.notEqual(both.reading?.text_not_known.images[0].action, "ocr");
  assert.equal(both.reading?.text_known?.images[0].action, "ocr");
  assert.ok(both.reading!.text_known!.tokens.after < both.reading!.text_not_known.tokens.after);
  // The text is known now: the plan sent is the text, and the other case is still shown.
  const known = await plan();
  assert.equal(known.images[0].action, "ocr");
  assert.equal(known.reading?.sent, "text_known");
  assert.deepEqual(known.reading?.text_known?.images[0].action, "ocr");
  assert.match(
    known.reading!.text_not_known.images[0].reasons.join(" | "),
    /not read within the 0 ms budget/,
  );
  assert.equal(known.tokens.after, known.reading?.text_known?.tokens.after);
});

Deno.test("/v1/optimize shows both reading cases for a Messages body too, its pages named by their place in it", async () => {
  await using stack = startStack();
  // A screenshot of a reference page: its text costs far fewer tokens than its pixels on Claude.
  const data = corpusDataUrl("web_debian_reference_data_1600x900.png")
    .replace(/^data:image\/png;base64,/, "");
  const response = await stack.post("/optimize", {
    door: "messages",
    model: "claude-sonnet-4-6",
    max_tokens: 100,
    messages: [{
      role: "user",
      content: [
        { type: "text", text: "Summarize this." },
        { type: "image", source: { type: "base64", media_type: "image/png", data } },
      ],
    }],
    squint: NO_WAIT,
  });
  assert.equal(response.status, 200);
  const { images, reading } = await response.json();
  assert.deepEqual(reading.pages, ["/messages/0/content/1"]);
  assert.equal(reading.sent, "text_not_known");
  assert.deepEqual(reading.text_not_known.images, images);
  assert.equal(reading.text_known.images[0].action, "ocr");
});

Deno.test("/v1/optimize shows no reading cases when no page is read", async () => {
  await using stack = startStack();
  const response = await stack.post("/optimize", {
    model: "gpt-4o",
    messages: [
      imageMessage("What boats are these?", [corpusDataUrl("photo_boats_sunset_2560x1600.jpg")]),
    ],
  });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).reading, undefined);
});

const services = await productionServices();

Deno.test({
  name: "production: a page read in the background by one instance goes as text from the other",
  ignore: services.ignore,
  async fn() {
    const db = await freshDatabase(services.postgresUrl);
    const redis = await redisPrefix(services.redisUrl);
    await using upstream = startMockOpenAI();
    const shared = { databaseUrl: db.url, redisUrl: services.redisUrl, redisPrefix: redis.prefix };
    const env = { SQUINT_OPENAI_BASE_URL: upstream.baseUrl };
    const a = await startProductionSquint(shared, env);
    const b = await startProductionSquint(shared, env);
    try {
      const first = await chat(a, summarize());
      assert.ok(!first.squint.optimizations.includes("ocr"));
      await a.app.parts.reading.reads.settled();
      const other = await chat(b, summarize("And this one?"));
      assert.ok(other.squint.optimizations.includes("ocr"), other.squint.optimizations.join());
      // b never read it: its reading lane was never started.
      assert.equal(b.app.parts.reading.reads.size, 0);
    } finally {
      await a.close();
      await b.close();
      await redis.clear();
      await db.drop();
    }
  },
});

Deno.test("history keeps its first form: a page first sent as pixels stays pixels in later turns though its text is known now, and one first sent as text stays text", async () => {
  await using stack = startStack();
  type Sent = { messages: { content: string | { type: string }[] }[] };
  const sentParts = (i: number) =>
    ((stack.mock.requests[i].body as Sent).messages[0].content as { type: string }[]).map((p) =>
      p.type
    );
  const turn = (question: string, more: unknown[] = []) => ({
    model: "gpt-4o",
    messages: [imageMessage(question, [corpusDataUrl(PAGE)]), ...more],
    squint: NO_WAIT,
  });
  const next = [
    { role: "assistant", content: "It is about small projects." },
    { role: "user", content: "And who wrote it?" },
  ];
  // Conversation A: its first turn goes before the text is known.
  await chat(stack.squint, turn("Summarize this."));
  assert.deepEqual(sentParts(0), ["text", "image_url"]);
  await stack.squint.app.parts.reading.reads.settled();
  await chat(stack.squint, turn("Summarize this.", next));
  assert.deepEqual(sentParts(1), ["text", "image_url"], "flipped to text in A's history");
  // Conversation B starts with the text known: text, and text again in its next turn.
  await chat(stack.squint, turn("What does this paragraph say?"));
  assert.deepEqual(sentParts(2), ["text", "text"]);
  await chat(stack.squint, turn("What does this paragraph say?", next));
  assert.deepEqual(sentParts(3), ["text", "text"], "flipped to pixels in B's history");
});

Deno.test("a photo's picture work runs while a page is being read: the reading lane is its own", async () => {
  await using stack = startStack();
  const { pool, reading } = stack.squint.app.parts;
  const order: string[] = [];
  const note = (lane: string) => (event: Event) =>
    order.push(`${lane} ${event.type} ${(event as CustomEvent).detail}`);
  const readingStarted = new Promise<void>((resolve) =>
    reading.pool.addEventListener("task-start", (event) => {
      if ((event as CustomEvent).detail === "understand") resolve();
    })
  );
  reading.pool.addEventListener("task-start", note("reading"));
  reading.pool.addEventListener("task-end", note("reading"));
  pool.addEventListener("task-start", note("pictures"));
  // A full two-column page at 300 dpi, read with no budget: its request waits for the text.
  const page = chat(stack.squint, {
    model: "gpt-4o",
    messages: [imageMessage("Summarize this.", [
      corpusDataUrl("doc_acm_sigconf_title_twocol_p1_300dpi.png"),
    ])],
    squint: { ocr_budget_ms: 600_000 },
  });
  await readingStarted;
  order.length = 0;
  const photo = await chat(stack.squint, {
    model: "gpt-4o",
    messages: [imageMessage("Is it raining?", [corpusDataUrl("photo_storm_road_1920x1280.jpg")])],
  });
  assert.ok(photo.squint.optimizations.length > 0);
  await page;
  // The photo's picture tasks started (and its answer came) before the page's reading ended.
  const readingEnd = order.indexOf("reading task-end understand");
  const firstPicture = order.findIndex((e) => e.startsWith("pictures task-start"));
  assert.ok(firstPicture >= 0 && readingEnd > firstPicture, order.join(", "));
});

Deno.test("with the reading lane idle, a page's look takes its line measure there meanwhile, and its reading follows there", async () => {
  await using stack = startStack();
  const { pool, reading } = stack.squint.app.parts;
  await reading.pool.whenReady();
  const lanes: Record<string, string[]> = { pictures: [], reading: [] };
  const note = (lane: string) => (event: Event) => lanes[lane].push((event as CustomEvent).detail);
  pool.addEventListener("task-start", note("pictures"));
  reading.pool.addEventListener("task-start", note("reading"));
  const read = await chat(stack.squint, {
    model: "gpt-4o",
    messages: [imageMessage("Summarize this.", [corpusDataUrl(PAGE)])],
    squint: { ocr_budget_ms: 600_000 },
  });
  assert.ok(read.squint.optimizations.includes("ocr"), read.squint.optimizations.join());
  assert.deepEqual(lanes, {
    pictures: ["inspect", "understand"],
    reading: ["lines", "understand"],
  });
});

Deno.test("a page not read within the budget goes with its look's lines: claude's balanced size is held at the legibility floor, rendered once", async () => {
  await using stack = startStack();
  const screenshot = corpusDataUrl("web_debian_reference_data_1600x900.png");
  const ask = (question: string, squint: Record<string, unknown> = {}) =>
    stack.post("/optimize?wait=false", {
      model: "claude-sonnet-4-6",
      messages: [imageMessage(question, [screenshot])],
      squint,
    });
  const tasks: string[] = [];
  stack.squint.app.parts.pool.addEventListener("task-start", (event) => {
    tasks.push(String((event as CustomEvent).detail));
  });
  // A glance at the dense screenshot has the picture lane look at it (its text lines) and
  // render it at the floor: its full 1456×819 view.
  assert.equal((await ask("What is in this image?")).status, 200);
  // Then a question that reads it, with a budget its pixels alone surely pass (no reading of
  // 1600×900 at twice its size can end within 300 ms at the first pace): late, by the rule.
  const response = await ask("Summarize this.", { ocr_budget_ms: 300 });
  assert.equal(response.status, 200);
  const plan = await response.json() as {
    images: { after: { width: number; height: number }; reasons: string[] }[];
    reading: { sent: string };
  };
  assert.equal(plan.reading.sent, "text_not_known");
  const [image] = plan.images;
  // Without the lines the balanced level would send 1394×784, its body text under the floor.
  assert.deepEqual([image.after.width, image.after.height], [1456, 819]);
  assert.ok(image.reasons.some((r) => r.includes("so it stays legible")), image.reasons.join("\n"));
  assert.ok(image.reasons.some((r) => r.includes(notReadWithin(300))), image.reasons.join("\n"));
  // The pixels rendered ahead of the budget's end were planned on the same lines: the glance's
  // render serves both (a plan without them, 1394×784, would have been a render of its own).
  assert.equal(tasks.filter((task) => task === "render").length, 1, tasks.join());
  await stack.squint.app.parts.reading.reads.settled();
});
