/**
 * `squint optimize` on a corpus photo and a document page, run as a child process: the table
 * holds the library's own figures for the same input (tokens and cost, to the digit), `--json`
 * gives the report's documented shape, and `--out` writes what goes in place of the image.
 */
import assert from "node:assert/strict";
import { sentImage } from "../../src/library/image.ts";
import { probeImage } from "../../workers/image/probe.ts";
import { assertFigures, corpusImage, libraryPlan, squint, tableRow } from "./_cli.ts";

const PHOTO = corpusImage("photo_coffee_cup_600x400.png");
const PAGE = corpusImage("doc_r_intro_prose_p15_200dpi.png");

Deno.test("the table of a corpus photo holds the library's tokens and cost for gpt-4o and claude-sonnet-4-6", async () => {
  const question = "What is in the cup?";
  for (const model of ["gpt-4o", "claude-sonnet-4-6"]) {
    const run = await squint(["optimize", PHOTO, "--model", model, "--question", question]);
    assert.equal(run.code, 0, run.stderr);
    const plan = await libraryPlan(PHOTO, model, question);
    const [image] = plan.images;
    assert.ok(
      run.stdout.startsWith(`${PHOTO} for ${model}: ${image.action}`),
      run.stdout.split("\n")[0],
    );
    assert.deepEqual(
      tableRow(run.stdout, "picture"),
      [
        "picture",
        "600×400 png",
        `${image.after.width}×${image.after.height} ${image.after.format}`,
      ],
    );
    assertFigures(run.stdout, {
      "bytes": [image.before.bytes, image.after.bytes],
      "image tokens": [image.before.tokens, image.after.tokens],
      "request tokens": [plan.tokens.before, plan.tokens.after],
    }, plan.cost);
    for (const reason of image.reasons) assert.ok(run.stdout.includes(`  - ${reason}\n`), reason);
    assert.match(run.stdout, /\nsent: image\/jpeg picture, [\d,]+ bytes\n/);
    assert.equal(run.stderr, "");
  }
});

Deno.test("--out writes the photo squint sends: the library's bytes, at the size the table says", async () => {
  const out = await Deno.makeTempFile({ suffix: ".jpg" });
  try {
    const run = await squint(["optimize", PHOTO, "--model", "claude-sonnet-4-6", "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`\nwritten: ${out}$`, "m"));
    const written = await Deno.readFile(out);
    const plan = await libraryPlan(PHOTO, "claude-sonnet-4-6");
    assert.deepEqual(written, sentImage(plan).bytes);
    const info = probeImage(written)!;
    assert.deepEqual(
      [info.format, info.width, info.height],
      [plan.images[0].after.format, plan.images[0].after.width, plan.images[0].after.height],
    );
  } finally {
    await Deno.remove(out);
  }
});

Deno.test("a document page for gpt-4o goes as a smaller picture: the table holds the library's figures", async () => {
  const question = "What does this page say about vectors?";
  const run = await squint(["optimize", PAGE, "--model", "gpt-4o", "--question", question]);
  assert.equal(run.code, 0, run.stderr);
  const plan = await libraryPlan(PAGE, "gpt-4o", question);
  const [image] = plan.images;
  assert.equal(image.action, "resize");
  assertFigures(run.stdout, {
    "image tokens": [image.before.tokens, image.after.tokens],
    "request tokens": [plan.tokens.before, plan.tokens.after],
  }, plan.cost);
  assert.match(run.stdout, /not sent as text: its ~\d+ text tokens are not clearly cheaper/);
});

Deno.test("--json of a document page for claude-sonnet-4-6: the report's shape, the text sent, and --out writes that text", async () => {
  const question = "What does this page say about vectors?";
  const out = await Deno.makeTempFile({ suffix: ".txt" });
  try {
    const run = await squint([
      "optimize",
      PAGE,
      "--model",
      "claude-sonnet-4-6",
      "--question",
      question,
      "--json",
      "--out",
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    const plan = await libraryPlan(PAGE, "claude-sonnet-4-6", question);
    const saved = Math.round((plan.cost.before_usd! - plan.cost.after_usd!) * 1e10) / 1e10;
    const { text, ...sent } = report.sent;
    assert.deepEqual({ ...report, sent }, {
      input: PAGE,
      kind: "image",
      model: "claude-sonnet-4-6",
      question,
      tokens: {
        before: plan.tokens.before,
        after: plan.tokens.after,
        saved: plan.tokens.before - plan.tokens.after,
      },
      cost: { before_usd: plan.cost.before_usd, after_usd: plan.cost.after_usd, saved_usd: saved },
      estimated: plan.estimated,
      model_known: true,
      image: plan.images[0],
      sent: { as: "text" },
      reading: plan.reading,
      out,
      warnings: [],
    });
    assert.equal(report.image.action, "ocr");
    assert.equal(report.reading.sent, "text_known");
    assert.notEqual(report.reading.text_not_known.images[0].action, "ocr");
    assert.match(text, /Vector arithmetic/);
    assert.equal(text, sentImage(plan).text);
    assert.equal(await Deno.readTextFile(out), text);
  } finally {
    await Deno.remove(out);
  }
});

Deno.test("with a budget of 0 the table says the page's pixels go now and what the next request with these bytes gets once its text is read", async () => {
  const paragraph = corpusImage("doc_crop_book_paragraph_556x257.png");
  const run = await squint(
    ["optimize", paragraph, "--model", "gpt-4o", "--question", "Summarize this.", "--json"],
    { SQUINT_OCR_BUDGET_MS: "0" },
  );
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.notEqual(report.image.action, "ocr");
  assert.equal(report.reading.sent, "text_not_known");
  const known = report.reading.text_known;
  assert.equal(known.images[0].action, "ocr");
  const table = await squint(
    ["optimize", paragraph, "--model", "gpt-4o", "--question", "Summarize this."],
    { SQUINT_OCR_BUDGET_MS: "0" },
  );
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /not read within the 0 ms budget/);
  assert.ok(
    table.stdout.includes(
      `once its text is read (the next request with these bytes): ocr, ` +
        `${known.tokens.after.toLocaleString("en-US")} request tokens`,
    ),
    table.stdout,
  );
});
