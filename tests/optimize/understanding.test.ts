import assert from "node:assert/strict";
import { type ImageFacts, planImage } from "../../src/optimize/plan_image.ts";
import { balanced, family, jpeg } from "./_plan.ts";
import { namedRegion } from "../../src/optimize/region.ts";
import type { IntentDecision } from "../../src/optimize/intent/classify.ts";

const controls = balanced;
const photo = (width: number, height: number) => jpeg(width, height, { bytes: 2_000_000 });

const intent = (label: IntentDecision["label"], confidence = 0.9): IntentDecision => ({
  label,
  confidence,
  reasons: [`${label} ${confidence}`],
});

function facts(extra: Partial<ImageFacts>, info = photo(4000, 3000)): ImageFacts {
  return { info, bytes: 2_000_000, number: 1, ...extra };
}

const page = "Lorem ipsum dolor sit amet ".repeat(40).trim();
const textPage = {
  content: { label: "text" as const, confidence: 0.95, reasons: [] },
  ocr: { text: page, words: 200, meanConfidence: 93 },
};

Deno.test("a glance on gpt-4o goes at detail low: 85 tokens instead of 765", () => {
  const d = planImage(
    facts({ intent: intent("glance"), question: "What is in this image?" }),
    family("gpt-4o"),
    controls,
  );
  assert.equal(d.before.tokens, 765);
  assert.equal(d.after.tokens, 85);
  assert.equal(d.detail, "low");
  assert.deepEqual(d.optimizations, ["detail_low", "resize"]);
  assert.deepEqual(d.intent, { label: "glance", confidence: 0.9 });
  assert.deepEqual([d.render?.width, d.render?.height], [512, 384]);
});

Deno.test("a glance on claude-sonnet-4-6 goes as a 512-px thumbnail", () => {
  const d = planImage(facts({ intent: intent("glance") }), family("claude-sonnet-4-6"), controls);
  assert.equal(d.action, "resize");
  assert.deepEqual([d.after.width, d.after.height], [512, 384]);
  assert.ok(d.after.tokens * 4 < d.before.tokens, `${d.after.tokens} vs ${d.before.tokens}`);
  assert.equal(d.detail, undefined);
});

Deno.test("no glance when the client asked for detail high or for lossless", () => {
  for (
    const c of [{ ...controls, detail: "high" as const }, {
      ...controls,
      fidelity: "lossless" as const,
    }]
  ) {
    const d = planImage(facts({ intent: intent("glance") }), family("gpt-4o"), c);
    assert.equal(d.after.tokens, 765, JSON.stringify(c));
  }
});

Deno.test("fine detail keeps every pixel the model would use, whatever the fidelity", () => {
  const d = planImage(
    facts({ intent: intent("fine_detail") }),
    family("claude-sonnet-4-6"),
    { ...controls, fidelity: "aggressive" },
  );
  const lossless = planImage(facts({}), family("claude-sonnet-4-6"), {
    ...controls,
    fidelity: "lossless",
  });
  assert.deepEqual(d.after, lossless.after);
  assert.ok(d.reasons.some((r) => r.includes("fine detail")));
});

Deno.test("a region question crops the named corner with a margin, never upscaled", () => {
  const d = planImage(
    facts({ intent: intent("region"), question: "what is in the top left corner?" }),
    family("claude-sonnet-4-6"),
    controls,
  );
  assert.equal(d.action, "crop");
  assert.deepEqual(d.render?.crop, { x: 0, y: 0, width: 2400, height: 1800 });
  assert.ok(d.render!.width <= 2400 && d.render!.height <= 1800);
  assert.ok(d.after.tokens < d.before.tokens);
  assert.deepEqual(d.optimizations, ["crop"]);
});

Deno.test("an ambiguous region sends the whole picture", () => {
  const d = planImage(
    facts({ intent: intent("region"), question: "compare the left and the right side" }),
    family("claude-sonnet-4-6"),
    controls,
  );
  assert.notEqual(d.action, "crop");
  assert.ok(d.reasons.some((r) => r.includes("several parts named")));
});

Deno.test("regions named in words and in other languages", () => {
  const box = (q: string) => {
    const r = namedRegion(q);
    return "box" in r ? r.name : r.none;
  };
  assert.equal(box("zoom into the bottom-right"), "bottom right");
  assert.equal(box("describe the left half"), "left half");
  assert.equal(box("what is in the upper part of the picture"), "top half");
  assert.equal(box("¿qué hay en la esquina superior izquierda?"), "top left");
  assert.equal(box("Was steht oben rechts?"), "top right");
  assert.equal(box("right now, what is this?"), "no part of the picture named");
  assert.equal(box("左上には何がありますか？"), "top left");
  assert.equal(box("画像の左半分を説明してください。"), "left half");
  assert.equal(box("오른쪽 위에 뭐가 있어요?"), "top right");
  assert.equal(box("真ん中の人は何を持っていますか？"), "centre");
  // 上 alone is "on" as often as "top": not a part.
  assert.equal(box("这张图片上有什么？"), "no part of the picture named");
});

Deno.test("a text page goes as its OCR text when that is cheaper, wrapped as untrusted", () => {
  const d = planImage(
    facts({ intent: intent("read_text"), question: "Summarize this.", ...textPage }),
    family("claude-sonnet-4-6"),
    controls,
  );
  assert.equal(d.action, "ocr");
  assert.equal(d.after.format, "text");
  assert.equal(d.render, undefined);
  assert.ok(d.ocr!.text.includes("untrusted"));
  assert.ok(d.ocr!.text.includes(page));
  assert.equal(d.ocr!.thumbnail, false);
  assert.ok(d.after.tokens < d.before.tokens);
  assert.deepEqual(d.optimizations, ["ocr"]);
  assert.equal(d.estimated, true);
});

Deno.test("OCR is barred by the question, the content, the reading and the price", () => {
  const claude = family("claude-sonnet-4-6");
  const cases: [Partial<ImageFacts>, string][] = [
    [{ intent: intent("general"), question: "Is this document signed?" }, "signed"],
    [{ intent: intent("general"), question: "What colour is the header?" }, "colour"],
    [{ intent: intent("fine_detail"), question: "Check the small print" }, "intent fine_detail"],
    [{ content: { label: "chart", confidence: 0.9, reasons: [] } }, "content is chart"],
    [{ ocr: { text: page, words: 200, meanConfidence: 60 } }, "confidence 60"],
  ];
  for (const [extra, why] of cases) {
    const d = planImage(
      facts({ intent: intent("read_text"), question: "Summarize this.", ...textPage, ...extra }),
      claude,
      controls,
    );
    assert.notEqual(d.action, "ocr", why);
    assert.ok(d.reasons.some((r) => r.includes(why)), `${why}: ${d.reasons.join(" | ")}`);
  }
  // gpt-4o bills this page at 765 tokens, less than its ~280 words of text? No: text is cheaper
  // here, so a denser page is needed to show the price bar.
  const dense = { ...textPage, ocr: { ...textPage.ocr, text: page.repeat(4) } };
  const d = planImage(facts({ intent: intent("read_text"), ...dense }), family("gpt-4o"), controls);
  assert.notEqual(d.action, "ocr");
  assert.ok(d.reasons.some((r) => r.includes("not clearly cheaper")), d.reasons.join(" | "));
});

Deno.test("squint.ocr off keeps the pixels; text+thumbnail sends both", () => {
  const asked = facts({ intent: intent("read_text"), question: "Summarize this.", ...textPage });
  const off = planImage(asked, family("claude-sonnet-4-6"), { ...controls, ocr: "off" });
  assert.notEqual(off.action, "ocr");
  const both = planImage(asked, family("claude-sonnet-4-6"), {
    ...controls,
    ocr: "text+thumbnail",
  });
  assert.equal(both.action, "ocr");
  assert.equal(both.ocr!.thumbnail, true);
  assert.deepEqual([both.render?.width, both.render?.height], [512, 384]);
  assert.ok(both.after.tokens < both.before.tokens);
});
