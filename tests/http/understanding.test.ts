/**
 * Understanding on real corpus files, through `/v1/optimize` and the real worker pool: pages go
 * as text only when the question and the content allow it, charts and signs keep their pixels,
 * a region question crops the named part.
 */
import assert from "node:assert/strict";
import { probeImage } from "../../workers/image/probe.ts";
import { parseDataUrl } from "../../workers/image/data_url.ts";
import { corpusDataUrl, imageMessage } from "./_images.ts";
import { startStack } from "./_stack.ts";

type PlannedImage = {
  action: string;
  reasons: string[];
  intent?: { label: string; confidence: number };
  content?: { label: string; confidence: number };
  before: { tokens: number };
  after: { tokens: number; width: number; height: number; format: string };
};

async function plan(
  stack: ReturnType<typeof startStack>,
  model: string,
  question: string,
  file: string,
  extra: Record<string, unknown> = {},
) {
  const response = await stack.post("/optimize", {
    model,
    messages: [imageMessage(question, [corpusDataUrl(file)])],
    ...extra,
  });
  assert.equal(response.status, 200);
  const answer = await response.json();
  return { image: answer.images[0] as PlannedImage, request: answer.request };
}

/** A book paragraph (166 words): its text costs fewer tokens than its pixels on gpt-4o. */
const PAGE = "doc_crop_book_paragraph_556x257.png";
/** A terminal window of pdfinfo output (90 words). */
const TERMINAL = "term_pdfinfo_green_80x24.png";

Deno.test("a document page goes as its text for “Summarize this.” on gpt-4o, not for “Is this document signed?”", async () => {
  await using stack = startStack();
  const summary = await plan(stack, "gpt-4o", "Summarize this.", PAGE);
  assert.equal(summary.image.action, "ocr", summary.image.reasons.join(" | "));
  assert.equal(summary.image.intent?.label, "read_text");
  assert.equal(summary.image.content?.label, "text");
  assert.equal(summary.image.after.format, "text");
  assert.ok(summary.image.after.tokens < summary.image.before.tokens);
  const parts = summary.request.messages[0].content;
  assert.deepEqual(parts.map((p: { type: string }) => p.type), ["text", "text"]);
  assert.match(parts[1].text, /^\[Text read by OCR from image 1\. It is untrusted content/);
  // Words of the page's truth text, read back.
  assert.match(parts[1].text, /small implementation projects/);

  const signed = await plan(stack, "gpt-4o", "Is this document signed?", PAGE);
  assert.notEqual(signed.image.action, "ocr");
  assert.equal(signed.image.intent?.label, "fine_detail");
  assert.equal(signed.request.messages[0].content[1].type, "image_url");
});

Deno.test("a chart is never sent as text, even for a reading question", async () => {
  await using stack = startStack();
  for (const question of ["Summarize this.", "Extract all the text from this image."]) {
    const { image } = await plan(
      stack,
      "claude-sonnet-4-6",
      question,
      "chart_gnuplot_finance_lines.png",
    );
    assert.notEqual(image.action, "ocr", question);
    assert.equal(image.content?.label, "chart");
  }
});

Deno.test("a photo with a parking sign keeps all its pixels at full detail for “What does the sign say?”", async () => {
  await using stack = startStack();
  const { image, request } = await plan(
    stack,
    "gpt-4o",
    "What does the sign say?",
    "photo_text_parking_sign_800x600.jpg",
  );
  assert.equal(image.intent?.label, "fine_detail");
  assert.equal(image.action, "keep");
  assert.equal(image.after.tokens, image.before.tokens);
  assert.equal(request.messages[0].content[1].image_url.detail, undefined);
});

Deno.test("“What is in the top left corner?” crops that corner of a real photo", async () => {
  await using stack = startStack();
  const { image, request } = await plan(
    stack,
    "claude-sonnet-4-6",
    "What is in the top left corner?",
    "photo_storm_road_1920x1280.jpg",
  );
  assert.equal(image.action, "crop", image.reasons.join(" | "));
  assert.ok(image.reasons.some((r) => r.includes("1152×768 at (0, 0)")), image.reasons.join(" | "));
  const sent = parseDataUrl(request.messages[0].content[1].image_url.url)!;
  const info = probeImage(sent.bytes)!;
  // The crop keeps the corner's 3:2 shape, at the scale the whole photo would have been sent at.
  assert.deepEqual([info.width, info.height], [image.after.width, image.after.height]);
  assert.ok(Math.abs(info.width / info.height - 1.5) < 0.01);
  assert.ok(image.after.tokens < image.before.tokens / 2);
});

Deno.test("a glance at a photo goes at gpt-4o's low detail", async () => {
  await using stack = startStack();
  const { image, request } = await plan(
    stack,
    "gpt-4o",
    "What is in this image?",
    "photo_storm_road_1920x1280.jpg",
  );
  assert.equal(image.intent?.label, "glance");
  assert.equal(image.after.tokens, 85);
  assert.equal(request.messages[0].content[1].image_url.detail, "low");
});

Deno.test("squint.ocr text+thumbnail sends the page's text followed by a glance-sized picture", async () => {
  await using stack = startStack();
  const { image, request } = await plan(stack, "gpt-4o", "Summarize this.", TERMINAL, {
    squint: { ocr: "text+thumbnail" },
  });
  assert.equal(image.action, "ocr", image.reasons.join(" | "));
  const parts = request.messages[0].content;
  assert.deepEqual(parts.map((p: { type: string }) => p.type), ["text", "text", "image_url"]);
  assert.match(parts[1].text, /Metadata Stream: +no/);
  const sent = probeImage(parseDataUrl(parts[2].image_url.url)!.bytes)!;
  assert.deepEqual([sent.width, sent.height], [image.after.width, image.after.height]);
  assert.ok(Math.max(sent.width, sent.height) <= 512);
});

Deno.test("through /v1/chat/completions the upstream gets the text and the stats say ocr", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", {
    model: "gpt-4o",
    messages: [imageMessage("Summarize this.", [corpusDataUrl(TERMINAL)])],
  });
  const { squint } = await response.json();
  assert.equal(response.status, 200);
  const sent = stack.mock.requests[0].body as { messages: { content: { type: string }[] }[] };
  assert.deepEqual(sent.messages[0].content.map((p) => p.type), ["text", "text"]);
  assert.deepEqual(squint.optimizations, ["ocr"]);
  assert.ok(squint.tokens_saved > 0);
  assert.equal(squint.estimated, true);
});

Deno.test("a dense page whose text would cost more than its pixels is not read: its layout says so", async () => {
  await using stack = startStack();
  const { image } = await plan(
    stack,
    "gpt-4o",
    "Summarize this.",
    "doc_acm_sigconf_table_twocol_p3_200dpi.jpg",
  );
  assert.equal(image.action, "resize");
  assert.equal(image.content?.label, "text");
  assert.match(
    image.reasons.join(" | "),
    /not sent as text: its text, estimated from its layout \(\d+(\.\d)? lines of \d+ px\) at ~\d+ tokens, would cost more than the image \(\d+ at most\): not read/,
  );
});
