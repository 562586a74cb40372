/**
 * The tier an answer says it was served at moves what squint counts, at every door that reads
 * one: OpenAI's flex processing (`service_tier: "flex"`) is billed at half the list price, so
 * its stats, spend and saving by channel are half those of the same call at the default tier;
 * Anthropic's and OpenAI's priority tier has a price the catalogue lacks, so its figures stay at
 * the list price, labelled estimated (`tests/accounting/service_tier.test.ts`).
 */
import assert from "node:assert/strict";
import type { RequestLogRow } from "../../src/storage/types.ts";
import { corpusDataUrl, imageMessage } from "./_images.ts";
import { sseChunks, startStack } from "./_stack.ts";
import { startMockGemini } from "../support/mock_gemini.ts";
import { startSquint } from "../support/squint.ts";

type Json = Record<string, unknown>;

/** The log row of the request that answered `response`. */
async function rowOf(
  stack: {
    squint: {
      app: { parts: { storage: { request(id: string): Promise<RequestLogRow | undefined> } } };
    };
  },
  response: Response,
) {
  const id = response.headers.get("x-request-id")!;
  let row: RequestLogRow | undefined;
  while (!(row = await stack.squint.app.parts.storage.request(id)));
  return row;
}

const PHOTO = corpusDataUrl("photo_fruits_512x480.jpg");

/** The figures of a call that must halve at flex. */
const money = (row: RequestLogRow) => ({
  costBeforeUsd: row.costBeforeUsd,
  costAfterUsd: row.costAfterUsd,
  costSavedUsd: row.costSavedUsd,
  spentUsd: row.spentUsd,
  savings: JSON.parse(row.savings ?? "{}"),
});
const halved = (figures: ReturnType<typeof money>) => ({
  costBeforeUsd: figures.costBeforeUsd! / 2,
  costAfterUsd: figures.costAfterUsd! / 2,
  costSavedUsd: figures.costSavedUsd! / 2,
  spentUsd: figures.spentUsd! / 2,
  savings: Object.fromEntries(
    Object.entries(figures.savings).map(([channel, usd]) => [channel, (usd as number) / 2]),
  ),
});

Deno.test("chat: a flex answer is counted at half the list price, plain and streamed", async () => {
  await using stack = startStack();
  for (const stream of [false, true]) {
    const ask = (tier: string) =>
      stack.post("/chat/completions", {
        model: "gpt-4o",
        messages: [imageMessage("What fruit is this? One word.", [PHOTO])],
        service_tier: tier,
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      });
    const answers: Record<string, { row: RequestLogRow; squint: Json; tier: unknown }> = {};
    for (const tier of ["default", "flex", "priority"]) {
      const response = await ask(tier);
      assert.equal(response.status, 200);
      const chunks = stream ? await sseChunks(response) : [await response.json()];
      const last = chunks.at(-1)!;
      answers[tier] = {
        row: await rowOf(stack, response),
        squint: last.squint as Json,
        tier: last.service_tier,
      };
    }
    const { default: listed, flex, priority } = answers;
    assert.equal(flex.tier, "flex", "the answer as the upstream said it");
    assert.ok(listed.row.costSavedUsd! > 0, "the photo was made cheaper");
    assert.ok(Object.keys(money(listed.row).savings).length > 0);
    assert.deepEqual(money(flex.row), halved(money(listed.row)), `stream: ${stream}`);
    assert.equal(flex.squint.cost_saved_usd, (listed.squint.cost_saved_usd as number) / 2);
    assert.equal(flex.row.estimated, listed.row.estimated);
    assert.deepEqual(money(priority.row), money(listed.row), "priority: at the list price");
  }
});

Deno.test("responses: the tier of the response is the tier counted", async () => {
  await using stack = startStack();
  const rows: Record<string, RequestLogRow> = {};
  for (const tier of ["default", "flex"]) {
    const response = await stack.post("/responses", {
      model: "gpt-4o",
      input: [{
        role: "user",
        content: [
          { type: "input_text", text: "What fruit is this? One word." },
          { type: "input_image", image_url: PHOTO },
        ],
      }],
      service_tier: tier,
    });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).service_tier, tier);
    rows[tier] = await rowOf(stack, response);
  }
  assert.ok(rows.default.spentUsd! > 0);
  assert.deepEqual(money(rows.flex), halved(money(rows.default)));
});

Deno.test("gemini: the tier Gemini's header says is the tier counted, plain and streamed", async () => {
  const gemini = startMockGemini();
  const squint = startSquint({ SQUINT_GEMINI_BASE_URL: gemini.origin });
  const base64 = PHOTO.slice(PHOTO.indexOf(",") + 1);
  for (const method of [":generateContent", ":streamGenerateContent?alt=sse"]) {
    const rows: Record<string, RequestLogRow> = {};
    for (const tier of ["standard", "flex", "priority"]) {
      const response = await fetch(`${squint.origin}/v1beta/models/gemini-2.5-flash${method}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-goog-api-key": "goog-own" },
        body: JSON.stringify({
          contents: [{
            role: "user",
            parts: [
              { text: "What fruit is this? One word." },
              { inlineData: { mimeType: "image/jpeg", data: base64 } },
            ],
          }],
          serviceTier: tier,
        }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-gemini-service-tier"), tier, "relayed as it came");
      await response.text();
      rows[tier] = await rowOf({ squint }, response);
    }
    assert.ok(rows.standard.spentUsd! > 0, method);
    assert.deepEqual(money(rows.flex), halved(money(rows.standard)), method);
    assert.deepEqual(money(rows.priority), money(rows.standard), method);
  }
  await squint.close();
  await gemini.close();
});

Deno.test("chat to Gemini: the tier asked goes as Gemini's serviceTier, and the tier served is counted", async () => {
  const gemini = startMockGemini();
  await using stack = startStack({ env: { SQUINT_GEMINI_BASE_URL: gemini.origin } });
  for (const stream of [false, true]) {
    const rows: Record<string, RequestLogRow> = {};
    for (const tier of ["default", "flex", "priority"]) {
      const response = await stack.post("/chat/completions", {
        model: "gemini-2.5-flash",
        messages: [imageMessage("What fruit is this? One word.", [PHOTO])],
        service_tier: tier,
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      });
      assert.equal(response.status, 200);
      const chunks = stream ? await sseChunks(response) : [await response.json()];
      assert.equal(chunks.at(-1)!.service_tier, tier, "the tier served, in OpenAI's words");
      rows[tier] = await rowOf(stack, response);
    }
    const asked = gemini.requests.slice(-3).map((r) => (r.body as Json).serviceTier);
    assert.deepEqual(asked, ["standard", "flex", "priority"]);
    assert.ok(rows.default.spentUsd! > 0);
    assert.deepEqual(money(rows.flex), halved(money(rows.default)), `stream: ${stream}`);
    assert.deepEqual(money(rows.priority), money(rows.default), `stream: ${stream}`);
  }
  await gemini.close();
});
