/**
 * Reading a JSON answer for its figures without holding it whole (`src/relay/answer_edges.ts`):
 * small answers are parsed, large ones read at their edges, and the edges never mistake a field
 * inside the answer's text for the answer's own.
 */
import assert from "node:assert/strict";
import {
  figuresAtEdges,
  readAnswerFigures,
  readStreamFigures,
} from "../../src/relay/answer_edges.ts";
import { embeddingList } from "../support/openai_wire.ts";

/** `text` as a byte stream in pieces of `size` bytes (cutting multi-byte characters). */
function pieces(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at += size));
    },
  });
}

const vectors = Array.from(
  { length: 40 },
  (_, i) => Array.from({ length: 512 }, (_, j) => (i * j) / 1e4),
);

Deno.test("an answer within the limit is parsed whole; past it, its usage and model are read from its end", async () => {
  const answer = embeddingList("text-embedding-3-small", vectors, 321);
  const text = JSON.stringify(answer);
  assert.deepEqual(await readAnswerFigures(pieces(text, 1000), text.length), answer);
  const figures = await readAnswerFigures(pieces(text, 1000), 10_000);
  assert.deepEqual(figures, { usage: answer.usage, model: "text-embedding-3-small" });
});

Deno.test("a model named only at the start, Gemini's figures, and characters cut between pieces", async () => {
  const completion = {
    id: "cmpl-1",
    model: "gpt-3.5-turbo-instruct",
    choices: [{ text: "é…".repeat(50_000), index: 0, finish_reason: "stop" }],
    usage: { prompt_tokens: 5, completion_tokens: 100_000, total_tokens: 100_005 },
  };
  const figures = await readAnswerFigures(pieces(JSON.stringify(completion), 777), 4096);
  assert.deepEqual(figures, { usage: completion.usage, model: "gpt-3.5-turbo-instruct" });

  const gemini = {
    candidates: [{ content: { parts: [{ text: "x".repeat(200_000) }] } }],
    usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 4000, totalTokenCount: 4009 },
    modelVersion: "gemini-2.5-flash",
  };
  assert.deepEqual(await readAnswerFigures(pieces(JSON.stringify(gemini), 4096), 4096), {
    usageMetadata: gemini.usageMetadata,
    modelVersion: "gemini-2.5-flash",
  });
});

Deno.test("at the edges, a field written inside the answer's text is not taken for its own", () => {
  const inText = JSON.stringify({
    data: [{ text: 'quoted: {"usage": {"prompt_tokens": 999}, "model": "fake"}' }],
    model: "real-model",
    usage: { prompt_tokens: 7 },
  });
  assert.deepEqual(figuresAtEdges(inText, inText), {
    usage: { prompt_tokens: 7 },
    model: "real-model",
  });
  // A tail that starts inside the usage object: nothing is made up.
  const cut = inText.slice(inText.lastIndexOf('"prompt_tokens"'));
  assert.equal(cut, '"prompt_tokens":7}}');
  assert.deepEqual(figuresAtEdges("{", cut), {});
  // A key at the very start of the tail whose value is cut short: nothing, and the search ends.
  assert.deepEqual(figuresAtEdges("{", '"usage": {"prompt_tok'), {});
  // Not an object: no figures.
  assert.equal(figuresAtEdges("[1,2,3]", "[1,2,3]"), undefined);
});

Deno.test("an event stream's figures are those of its last event with a usage; null usages are passed over", async () => {
  const events = [
    { model: "m", choices: [{ text: "a" }], usage: null },
    { model: "m", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } },
    { model: "m", choices: [{ text: "", finish_reason: "stop" }], usage: null },
  ];
  const sse = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + "data: [DONE]\n\n";
  assert.deepEqual(await readStreamFigures(pieces(sse, 7)), events[1]);
  const gemini = { usageMetadata: { promptTokenCount: 4 }, modelVersion: "gemini-2.5-flash" };
  // The last event cut short (no blank line after it) is still read.
  assert.deepEqual(await readStreamFigures(pieces(`data: ${JSON.stringify(gemini)}`, 5)), gemini);
  assert.equal(await readStreamFigures(pieces("data: [DONE]\n\n", 3)), undefined);
});
