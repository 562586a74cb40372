/**
 * `squint.fetch` under the official SDKs: the upstream receives the very bytes the server would
 * have sent for the same request (streamed and not), squint's figures come back as the server
 * gives them, and a text-only request costs no worker task.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { createSquint, type Squint } from "../../src/mod.ts";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { startMockAnthropic } from "../support/mock_anthropic.ts";
import { corpusDataUrl, corpusDir, startSquint } from "../support/squint.ts";

const PHOTO = "photo_coffee_cup_600x400.png";
const SCREENSHOT = "web_debian_reference_gui_1920x1080.png";
const SETTINGS = { workers: 1, ocr_budget_ms: 600_000 } as const;

const chatBody = () => ({
  model: "gpt-4o",
  messages: [{
    role: "user" as const,
    content: [
      { type: "text" as const, text: "What is in this image?" },
      { type: "image_url" as const, image_url: { url: corpusDataUrl(PHOTO) } },
    ],
  }],
});

/** Counts the picture tasks a squint runs. */
function countTasks(squint: Squint): { count: number } {
  const seen = { count: 0 };
  squint.tasks.addEventListener("task-start", () => seen.count++);
  return seen;
}

Deno.test("the OpenAI SDK with squint.fetch sends upstream what the server sends, streamed and not", async () => {
  await using mock = startMockOpenAI();
  const server = startSquint({ SQUINT_OPENAI_BASE_URL: mock.baseUrl });
  const squint = createSquint(SETTINGS);
  try {
    const viaServer = new OpenAI({ baseURL: server.baseUrl, apiKey: "sk-client" });
    const inProcess = new OpenAI({
      baseURL: mock.baseUrl,
      apiKey: "sk-client",
      fetch: squint.fetch,
    });
    for (const stream of [false, true]) {
      const sent: string[] = [];
      for (const client of [viaServer, inProcess]) {
        if (stream) {
          const chunks = await client.chat.completions.create({ ...chatBody(), stream: true });
          let text = "";
          for await (const chunk of chunks) text += chunk.choices[0]?.delta?.content ?? "";
          assert.ok(text.length > 0);
        } else {
          const answer = await client.chat.completions.create(chatBody());
          const stats = (answer as unknown as { squint: Record<string, unknown> }).squint;
          assert.equal(stats.tokens_before, 425 + 12);
          assert.equal(stats.tokens_after, 85 + 12);
        }
        sent.push(mock.requests.at(-1)!.raw!);
      }
      assert.equal(sent[1], sent[0], `stream ${stream}: the same bytes upstream`);
      assert.match(sent[1], /"detail":"low"/);
    }
    assert.equal(mock.requests.at(-1)!.headers.authorization, "Bearer sk-client");
  } finally {
    await squint.close();
    await server.close();
  }
});

Deno.test("the Anthropic SDK with squint.fetch: the server's bytes upstream and its figures in headers", async () => {
  await using mock = startMockAnthropic();
  const server = startSquint({ SQUINT_ANTHROPIC_BASE_URL: mock.baseUrl });
  const squint = createSquint({ ...SETTINGS, ocr: "off" });
  try {
    const data = btoa(
      Array.from(
        Deno.readFileSync(`${corpusDir()}/images/${SCREENSHOT}`),
        (b) => String.fromCharCode(b),
      ).join(""),
    );
    const body = {
      model: "claude-sonnet-4-6",
      max_tokens: 16,
      messages: [{
        role: "user" as const,
        content: [
          {
            type: "image" as const,
            source: { type: "base64" as const, media_type: "image/png" as const, data },
          },
          { type: "text" as const, text: "Which menu is open?" },
        ],
      }],
    };
    const viaServer = new Anthropic({
      baseURL: server.origin,
      apiKey: "sk-ant-client",
      defaultHeaders: { "x-squint-ocr": "off" },
    });
    const inProcess = new Anthropic({
      baseURL: mock.baseUrl,
      apiKey: "sk-ant-client",
      fetch: squint.fetch,
    });
    const sent: string[] = [];
    const before: string[] = [];
    for (const client of [viaServer, inProcess]) {
      const { response } = await client.messages.create(body).withResponse();
      before.push(
        `${response.headers.get("x-squint-tokens-before")}→${
          response.headers.get("x-squint-tokens-after")
        }`,
      );
      sent.push(mock.requests.at(-1)!.raw!);
    }
    assert.equal(sent[1], sent[0]);
    assert.equal(before[1], before[0]);
    assert.notEqual(sent[1], JSON.stringify(body), "the screenshot was resized for the model");

    const streamed = inProcess.messages.stream(body);
    const final = await streamed.finalMessage();
    assert.equal(final.role, "assistant");
    const streamedBody = JSON.parse(mock.requests.at(-1)!.raw!);
    assert.equal(streamedBody.stream, true);
    assert.deepEqual(streamedBody.messages, JSON.parse(sent[0]).messages);
  } finally {
    await squint.close();
    await server.close();
  }
});

Deno.test("a text-only request through squint.fetch costs no worker task; other paths pass straight on", async () => {
  await using mock = startMockOpenAI();
  const squint = createSquint(SETTINGS);
  const tasks = countTasks(squint);
  try {
    const client = new OpenAI({ baseURL: mock.baseUrl, apiKey: "sk-client", fetch: squint.fetch });
    const answer = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Say hello" }],
    });
    assert.ok(answer.choices[0].message.content);
    const models = await client.models.list();
    assert.ok(models.data.some((m) => m.id === "gpt-4o"));
    assert.deepEqual(mock.requests.map((r) => r.path), ["/v1/chat/completions", "/v1/models"]);
    assert.equal(tasks.count, 0);

    await client.chat.completions.create(chatBody());
    assert.ok(tasks.count > 0, "an image costs picture work");

    // Accounted as the server accounts them: the two chat requests (the model list went
    // straight to the provider, past squint).
    const { totals } = await squint.usage();
    assert.equal(totals.requests, 2);
    assert.equal(totals.tokens_saved, 425 - 85);
    assert.ok(totals.cost_saved_usd > 0);
  } finally {
    await squint.close();
  }
});
