/**
 * Near-duplicate cache matches through squint, on real corpus files: a recompressed, resized
 * copy of a photo asked the same scene question shares the stored answer; an invoice with an
 * edited total, a different photo, a question that counts, or matching turned off never does.
 */
import assert from "node:assert/strict";
import { corpusDataUrl } from "../support/squint.ts";
import { variant } from "../support/variants.ts";
import { type Stack, startStack } from "./_stack.ts";

const PHOTO = "photo_boats_sunset_2560x1600.jpg";
const OTHER_PHOTO = "photo_forest_path_2560x1600.jpg";
const INVOICE = "invoice_simpleinvoice_english_p7_200dpi.jpg";

function ask(url: string, question: string) {
  return {
    model: "gpt-4o",
    temperature: 0,
    messages: [{
      role: "user",
      content: [{ type: "text", text: question }, { type: "image_url", image_url: { url } }],
    }],
  };
}

async function squintOf(stack: Stack, body: unknown) {
  const response = await stack.post("/chat/completions", body);
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return json.squint as { cache: string; optimizations: string[] };
}

Deno.test("a recompressed, half-size copy of a photo asked the same scene question is a hit by look", async () => {
  await using stack = startStack({ env: { SQUINT_CACHE: "on" } });
  const question = "What is in this image?";
  assert.equal((await squintOf(stack, ask(corpusDataUrl(PHOTO), question))).cache, "miss");
  const copy = await variant(PHOTO, { scale: 0.5, quality: 60 });
  const hit = await squintOf(stack, ask(copy, question));
  assert.equal(hit.cache, "hit");
  assert.ok(hit.optimizations.includes("perceptual_match"));
  assert.equal(stack.mock.requests.length, 1);
  // Another photo, the same question: its own call.
  assert.equal((await squintOf(stack, ask(corpusDataUrl(OTHER_PHOTO), question))).cache, "miss");
  assert.equal(stack.mock.requests.length, 2);
});

Deno.test("no match by look when the question counts or reads, or when matching is off", async () => {
  for (
    const [env, question] of [
      [{}, "How many boats are there?"],
      [{}, "What does the text on the boat say?"],
      [{ SQUINT_CACHE_PERCEPTUAL: "off" }, "What is in this image?"],
    ] as const
  ) {
    await using stack = startStack({ env: { SQUINT_CACHE: "on", ...env } });
    await squintOf(stack, ask(corpusDataUrl(PHOTO), question));
    const copy = await variant(PHOTO, { scale: 0.5, quality: 60 });
    assert.equal((await squintOf(stack, ask(copy, question))).cache, "miss", question);
    assert.equal(stack.mock.requests.length, 2);
  }
});

Deno.test("an invoice and its copy with an edited total never share an answer", async () => {
  await using stack = startStack({ env: { SQUINT_CACHE: "on" } });
  const question = "What is in this image?";
  await squintOf(stack, ask(corpusDataUrl(INVOICE), question));
  const edited = await variant(INVOICE, {
    quality: 90,
    edit: (ctx, w, h) => {
      // Over the lower right, where the totals are: a white box and another amount.
      ctx.fillStyle = "white";
      ctx.fillRect(w * 0.6, h * 0.55, w * 0.3, h * 0.05);
      ctx.fillStyle = "black";
      ctx.font = `${Math.round(h * 0.02)}px sans-serif`;
      ctx.fillText("Total: 9,999.00", w * 0.62, h * 0.59);
    },
  });
  assert.equal((await squintOf(stack, ask(edited, question))).cache, "miss");
  assert.equal(stack.mock.requests.length, 2);
});
