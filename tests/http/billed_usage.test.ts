/**
 * Every door counts a call from the usage its upstream billed, plain and streamed alike: the log
 * row's input and output tokens, and the prompt cache's reads and writes, are the answer's own
 * figures, never squint's estimates. One request per door, provider and form, against the mock
 * upstreams of all three providers.
 */
import assert from "node:assert/strict";
import type { RequestLogRow } from "../../src/storage/types.ts";
import { startDoors } from "./_doors.ts";

type Json = Record<string, unknown>;

const QUESTION = "Say hello to the ledger in a few words.";

/** A door's request, and where its answer says the billed input and output tokens. */
interface Case {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: Json;
  /** Where the answer's text carries its billed input and output token counts. */
  billed: { input: RegExp; output: RegExp };
}

const OPENAI_HEADERS = { authorization: "Bearer sk-client" };
const ANTHROPIC_HEADERS = { "x-api-key": "sk-ant-client", "anthropic-version": "2023-06-01" };
const GEMINI_HEADERS = { "x-goog-api-key": "goog-client" };

const CHAT_BILLED = { input: /"prompt_tokens": ?(\d+)/g, output: /"completion_tokens": ?(\d+)/g };
const NATIVE_BILLED = { input: /"input_tokens": ?(\d+)/g, output: /"output_tokens": ?(\d+)/g };
const GEMINI_BILLED = {
  input: /"promptTokenCount": ?(\d+)/g,
  output: /"candidatesTokenCount": ?(\d+)/g,
};

function cases(): Case[] {
  const out: Case[] = [];
  for (const stream of [false, true]) {
    const form = stream ? "streamed" : "plain";
    for (const model of ["gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash"]) {
      out.push({
        name: `chat ${model} ${form}`,
        path: "/v1/chat/completions",
        headers: OPENAI_HEADERS,
        body: {
          model,
          messages: [{ role: "user", content: QUESTION }],
          ...(stream ? { stream, stream_options: { include_usage: true } } : {}),
        },
        billed: CHAT_BILLED,
      });
    }
    out.push({
      name: `messages ${form}`,
      path: "/v1/messages",
      headers: ANTHROPIC_HEADERS,
      body: {
        model: "claude-haiku-4-5",
        max_tokens: 64,
        messages: [{ role: "user", content: QUESTION }],
        stream,
      },
      billed: NATIVE_BILLED,
    }, {
      name: `responses ${form}`,
      path: "/v1/responses",
      headers: OPENAI_HEADERS,
      body: { model: "gpt-4o-mini", input: QUESTION, stream },
      billed: NATIVE_BILLED,
    }, {
      name: `gemini ${form}`,
      path: `/v1beta/models/gemini-2.5-flash:${
        stream ? "streamGenerateContent?alt=sse" : "generateContent"
      }`,
      headers: GEMINI_HEADERS,
      body: { contents: [{ role: "user", parts: [{ text: QUESTION }] }] },
      billed: GEMINI_BILLED,
    });
  }
  out.push({
    name: "gemini streamed as one JSON array",
    path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
    headers: GEMINI_HEADERS,
    body: { contents: [{ role: "user", parts: [{ text: QUESTION }] }] },
    billed: GEMINI_BILLED,
  });
  return out;
}

/** The largest count `pattern` finds in `text`: streams repeat running totals (Gemini, Anthropic). */
function largestCount(text: string, pattern: RegExp): number | undefined {
  const found = [...text.matchAll(pattern)].map((m) => Number(m[1]));
  return found.length ? Math.max(...found) : undefined;
}

Deno.test("every door counts the usage its upstream billed, plain and streamed", async () => {
  await using doors = startDoors();
  const { squint } = doors;
  const storage = squint.app.parts.storage;
  for (const c of cases()) {
    const response = await fetch(`${squint.origin}${c.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...c.headers },
      body: JSON.stringify(c.body),
    });
    const text = await response.text();
    assert.equal(response.status, 200, `${c.name}: ${text.slice(0, 200)}`);
    const input = largestCount(text, c.billed.input);
    const output = largestCount(text, c.billed.output);
    assert.ok(input && output, `${c.name}: the answer says its usage`);
    const id = response.headers.get("x-request-id")!;
    let row: RequestLogRow | undefined;
    while (!(row = await storage.request(id)));
    assert.deepEqual(
      { input: row.upstreamInputTokens, output: row.upstreamOutputTokens },
      { input, output },
      c.name,
    );
  }
});

Deno.test("the prompt cache's reads and writes the upstream billed are the row's, plain and streamed", async () => {
  await using doors = startDoors();
  const storage = doors.squint.app.parts.storage;
  // A long instruction, cached: written the first time, read every time after.
  const system = "You answer questions about the ledger, tersely and exactly. ".repeat(120);
  for (const stream of [false, true]) {
    for (const turn of ["writes", "reads"]) {
      const response = await fetch(`${doors.squint.origin}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...ANTHROPIC_HEADERS },
        body: JSON.stringify({
          model: "claude-haiku-4-5",
          max_tokens: 64,
          system: [{
            type: "text",
            text: `${stream} ${system}`,
            cache_control: { type: "ephemeral" },
          }],
          messages: [{ role: "user", content: `${turn}: ${QUESTION}` }],
          stream,
        }),
      });
      const text = await response.text();
      assert.equal(response.status, 200, text.slice(0, 200));
      const read = largestCount(text, /"cache_read_input_tokens": ?(\d+)/g) ?? 0;
      const written = largestCount(text, /"cache_creation_input_tokens": ?(\d+)/g) ?? 0;
      assert.ok(turn === "writes" ? written > 0 && read === 0 : read > 0 && written === 0, turn);
      let row: RequestLogRow | undefined;
      while (!(row = await storage.request(response.headers.get("x-request-id")!)));
      assert.deepEqual(
        { read: row.cachedInputTokens, written: row.cacheWriteTokens },
        { read, written },
        `stream ${stream}, ${turn}`,
      );
    }
  }
});
