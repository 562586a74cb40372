/**
 * `squint.middleware` under the AI SDK's `wrapLanguageModel`: the prompt's image goes out as the
 * chat door would send it for the wrapped model (generate and stream), the figures come back in
 * the provider metadata, and a prompt without images is handed on untouched.
 */
import assert from "node:assert/strict";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText, wrapLanguageModel } from "ai";
import { createSquint } from "../../src/mod.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { corpusDataUrl, corpusDir } from "../support/squint.ts";

const PHOTO = "photo_coffee_cup_600x400.png";
const QUESTION = "What is in this image?";

Deno.test("the AI SDK with squint's middleware sends the chat door's picture and reports the figures", async () => {
  await using mock = startMockOpenAI();
  const squint = createSquint({ workers: 1, ocr_budget_ms: 600_000 });
  let tasks = 0;
  squint.tasks.addEventListener("task-start", () => tasks++);
  try {
    const openai = createOpenAI({ baseURL: mock.baseUrl, apiKey: "sk-client" });
    const model = wrapLanguageModel({
      model: openai.chat("gpt-4o"),
      middleware: squint.middleware,
    });
    const image = Deno.readFileSync(`${corpusDir()}/images/${PHOTO}`);
    const messages = [{
      role: "user" as const,
      content: [{ type: "text" as const, text: QUESTION }, {
        type: "file" as const,
        data: image,
        mediaType: "image",
      }],
    }];
    // What the chat door would send for the same request.
    const plan = await squint.optimize({
      model: "gpt-4o",
      messages: [{
        role: "user",
        content: [
          { type: "text", text: QUESTION },
          { type: "image_url", image_url: { url: corpusDataUrl(PHOTO) } },
        ],
      }],
    });
    const expected = (plan.request.messages as { content: unknown[] }[])[0].content[1];

    const generated = await generateText({ model, messages });
    assert.ok(generated.text.length > 0);
    const sentPart = (mock.requests.at(-1)!.body as { messages: { content: unknown[] }[] })
      .messages[0].content[1];
    assert.deepEqual(sentPart, expected);
    const stats = generated.providerMetadata?.squint as Record<string, unknown>;
    assert.equal(stats.tokens_before, plan.tokens.before);
    assert.equal(stats.tokens_after, plan.tokens.after);
    assert.ok((stats.tokens_after as number) < (stats.tokens_before as number));
    assert.deepEqual(
      (stats.images as { action: string }[]).map((i) => i.action),
      plan.images.map((i) => i.action),
    );

    const streamed = streamText({ model, messages });
    let text = "";
    for await (const piece of streamed.textStream) text += piece;
    assert.ok(text.length > 0);
    const streamedStats = (await streamed.providerMetadata)?.squint as Record<string, unknown>;
    assert.equal(streamedStats.tokens_after, plan.tokens.after);
    const streamedPart = (mock.requests.at(-1)!.body as { messages: { content: unknown[] }[] })
      .messages[0].content[1];
    assert.deepEqual(streamedPart, expected);

    const before = tasks;
    const plain = await generateText({ model, prompt: "Say hello" });
    assert.equal(plain.providerMetadata?.squint, undefined);
    assert.equal(tasks, before, "a prompt without images costs no worker task");
  } finally {
    await squint.close();
  }
});
