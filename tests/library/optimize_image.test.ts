/**
 * `optimizeImage` and `optimize` are the server's dry run: on corpus files the decision equals
 * what `/v1/optimize` answers for the same image and question, and the bytes are the picture the
 * server would send (or the page's text). Bad input is a `SquintError`, a bad setting a
 * `ConfigError`; a closed squint refuses.
 */
import assert from "node:assert/strict";
import { ConfigError, createSquint, SquintError } from "../../src/mod.ts";
import { imageRequest } from "../../src/library/image.ts";
import { probeImage } from "../../workers/image/probe.ts";
import { corpusDir, startSquint } from "../support/squint.ts";

const CASES = [
  { file: "photo_coffee_cup_600x400.png", model: "gpt-4o", question: "What is in this image?" },
  {
    file: "web_debian_reference_gui_1920x1080.png",
    model: "claude-sonnet-4-6",
    question: "Which menu is open?",
  },
  {
    file: "doc_r_intro_prose_p15_200dpi.png",
    model: "claude-sonnet-4-6",
    question: "Summarize this.",
  },
  {
    file: "art_truchet_4096x4096.webp",
    model: "gemini-2.5-flash",
    question: "Describe the pattern.",
  },
];

Deno.test("optimizeImage decides as /v1/optimize does on corpus files, and hands back what would be sent", async () => {
  const server = startSquint();
  const squint = createSquint({ workers: 1, ocr_budget_ms: 600_000 });
  const actions = new Set<string>();
  try {
    for (const { file, model, question } of CASES) {
      const bytes = Deno.readFileSync(`${corpusDir()}/images/${file}`);
      const answer = await fetch(`${server.origin}/v1/optimize`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(imageRequest(bytes, { model, question })),
      });
      const plan = await answer.json();
      const optimized = await squint.optimizeImage(bytes, { model, question });
      assert.deepEqual(optimized.decision, plan.images[0], file);
      actions.add(optimized.decision.action);
      assert.deepEqual(optimized.tokens, {
        before: plan.images[0].before.tokens,
        after: plan.images[0].after.tokens,
        estimated: plan.images[0].estimated,
      });
      if (optimized.decision.action === "ocr") {
        assert.match(optimized.text!, /Text read by OCR/, file);
        assert.equal(optimized.bytes, undefined);
      } else {
        const sent = probeImage(optimized.bytes!)!;
        assert.equal(sent.width, optimized.decision.after.width, file);
        assert.equal(sent.height, optimized.decision.after.height, file);
        assert.equal(optimized.bytes!.byteLength, optimized.decision.after.bytes, file);
        assert.equal(optimized.mediaType, `image/${optimized.decision.after.format}`);
      }
    }
    assert.ok(actions.has("ocr") && actions.has("resize"), [...actions].join());
  } finally {
    await squint.close();
    await server.close();
  }
});

Deno.test("the fidelity option of optimizeImage is the request's: lossless keeps every pixel the model uses", async () => {
  const squint = createSquint({ workers: 1 });
  try {
    const bytes = Deno.readFileSync(`${corpusDir()}/images/photo_coffee_cup_600x400.png`);
    const glance = await squint.optimizeImage(bytes, {
      model: "gpt-4o",
      question: "What is in this image?",
    });
    const lossless = await squint.optimizeImage(bytes, {
      model: "gpt-4o",
      question: "What is in this image?",
      fidelity: "lossless",
    });
    assert.equal(glance.detail, "low");
    assert.ok(glance.tokens.after < lossless.tokens.after);
    assert.equal(lossless.tokens.after, lossless.tokens.before);
  } finally {
    await squint.close();
  }
});

Deno.test("bad input is a SquintError with the server's status and code; a bad setting a ConfigError", async () => {
  assert.throws(() => createSquint({ fidelity: "extreme" as "balanced" }), ConfigError);
  assert.throws(() => createSquint({ workers: 0 }), /workers/);
  const squint = createSquint({ workers: 1 });
  try {
    await assert.rejects(
      squint.optimizeImage(new TextEncoder().encode("not an image"), { model: "gpt-4o" }),
      (e: unknown) => e instanceof SquintError && e.status === 400 && e.code === "invalid_image",
    );
    await assert.rejects(
      squint.optimize({ model: "gpt-4o", messages: "nope" }),
      (e: unknown) => e instanceof SquintError && e.status === 400,
    );
    await assert.rejects(
      squint.optimize({ model: "gpt-4o", messages: [] }, { door: "teleport" as "messages" }),
      (e: unknown) => e instanceof SquintError && e.code === "unknown_door",
    );
  } finally {
    await squint.close();
  }
  await assert.rejects(
    squint.optimize({ model: "gpt-4o", messages: [] }),
    (e: unknown) => e instanceof SquintError && e.code === "closed",
  );
});
