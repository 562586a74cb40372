import assert from "node:assert/strict";
import { buildStats, type OpenAIUsage } from "../../src/accounting/stats.ts";
import { relayChatStream, type StreamOutcome } from "../../src/relay/chat_stream.ts";
import { byteStream } from "../support/byte_stream.ts";

const usage = {
  prompt_tokens: 11,
  completion_tokens: 2,
  total_tokens: 13,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
};
const head =
  '"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp_1"';
/** A real include_usage transcript: every chunk carries usage null, the last one the usage. */
const TRANSCRIPT = [
  `data: {${head},"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}\n\n`,
  `data: {${head},"choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n`,
  `data: {${head},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n`,
  `data: {${head},"choices":[],"usage":${JSON.stringify(usage)}}\n\n`,
  "data: [DONE]\n\n",
];

function source(parts: string[], failAfter?: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAfter !== undefined && i === failAfter) {
        return controller.error(new Error("connection reset"));
      }
      if (i === parts.length) return controller.close();
      controller.enqueue(encoder.encode(parts[i++]));
    },
  });
}

function relay(parts: string[], clientWantsUsage: boolean, failAfter?: number) {
  const ended: { usage?: OpenAIUsage; outcome?: StreamOutcome } = {};
  const stream = relayChatStream(source(parts, failAfter), {
    clientWantsUsage,
    stats: (u) =>
      buildStats({
        tokens: { before: 20, after: 10 },
        estimated: true,
        optimizations: ["resize"],
        calledName: "gpt-4o",
        usage: u,
        cache: "bypass",
      }),
    onEnd: (u, outcome) => Object.assign(ended, { usage: u, outcome }),
  });
  return { stream, ended };
}

async function events(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const text = await new Response(stream).text();
  return text.split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
}

Deno.test("without include_usage the client gets no usage chunk and stats ride on the finish chunk", async () => {
  const { stream, ended } = relay(TRANSCRIPT, false);
  const out = await events(stream);
  assert.equal(out.length, 4);
  assert.equal(out[3], "[DONE]");
  for (const e of out.slice(0, 3)) {
    assert.equal(
      JSON.parse(e).usage,
      undefined,
      "no usage key, as OpenAI sends without include_usage",
    );
  }
  const finish = JSON.parse(out[2]);
  assert.equal(finish.choices[0].finish_reason, "stop");
  assert.equal(finish.squint.upstream_input_tokens, 11);
  assert.equal(finish.squint.tokens_saved, 10);
  assert.deepEqual(ended, { usage, outcome: "complete" });
});

Deno.test("with include_usage the usage chunk arrives before [DONE] and carries the stats", async () => {
  const { stream } = relay(TRANSCRIPT, true);
  const out = await events(stream);
  assert.equal(out.length, 5);
  assert.equal(
    out[0],
    TRANSCRIPT[0].slice(6, -2),
    "chunks without usage or finish pass byte for byte",
  );
  const finish = JSON.parse(out[2]);
  assert.equal(finish.squint, undefined);
  assert.equal(finish.usage, null);
  const last = JSON.parse(out[3]);
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, usage);
  assert.equal(last.squint.upstream_input_tokens, 11);
});

Deno.test("events split across network reads are reassembled and relayed whole", async () => {
  const joined = TRANSCRIPT.join("");
  const pieces = [];
  for (let i = 0; i < joined.length; i += 7) pieces.push(joined.slice(i, i + 7));
  const out = await events(relay(pieces, true).stream);
  assert.equal(out.length, 5);
  assert.equal(JSON.parse(out[1]).choices[0].delta.content, "Hi");
});

Deno.test("chunks read into the reused buffer reach the client intact, unmarked byte for byte", async () => {
  const delta = (content: string, usageNull = ',"usage":null') =>
    `data: {${head},"choices":[{"index":0,"delta":{"content":${
      JSON.stringify(content)
    }},"logprobs":null,"finish_reason":null}]${usageNull}}\n\n`;
  const parts = [
    delta("Hello"),
    delta("plain", ""), // nothing to cut: the bytes are copied out of the read buffer
    delta("Grüße, 世界 🙂"), // not ASCII: the cut falls back to text
    delta(" again", ', "usage": null'), // spaced: not the injected form, read as an event
    delta(',"usage":null'), // the marker's text inside the content is the client's
    TRANSCRIPT[2],
    TRANSCRIPT[3],
    TRANSCRIPT[4],
  ];
  const stream = relayChatStream(byteStream(parts), {
    clientWantsUsage: false,
    stats: () => ({}) as never,
    onEnd: () => {},
  });
  const chunks: BlobPart[] = [];
  for await (const chunk of stream) chunks.push(chunk as BlobPart); // all kept until the end
  const text = new TextDecoder().decode(await new Blob(chunks).bytes());
  const out = text.split("\n\n").slice(0, 5).map((e) => JSON.parse(e.slice(6)));
  assert.deepEqual(
    out.map((c) => c.choices[0].delta.content),
    ["Hello", "plain", "Grüße, 世界 🙂", " again", ',"usage":null'],
  );
  for (const chunk of out) assert.equal("usage" in chunk, false);
  assert.equal(text.split("\n\n")[0], delta("Hello", "").slice(0, -2), "only the marker is cut");
});

Deno.test("a character cut in two right after an event reaches the client once", async () => {
  const encoder = new TextEncoder();
  const [first, second] = [encoder.encode(TRANSCRIPT[1]), encoder.encode("é: a note\n\n")];
  const next = encoder.encode(TRANSCRIPT.slice(2).join(""));
  // The first read ends one byte into the next line (é is C3 A9); the second holds the rest of
  // it and ends inside the event after.
  const parts = [
    new Uint8Array([...first, second[0]]),
    new Uint8Array([...second.slice(1), ...next.slice(0, 10)]),
    next.slice(10),
  ];
  const stream = relayChatStream(byteStream(parts), {
    clientWantsUsage: true,
    stats: () => ({}) as never,
    onEnd: () => {},
  });
  const text = await new Response(stream).text();
  assert.equal(text.slice(0, TRANSCRIPT[1].length + 11), TRANSCRIPT[1] + "é: a note\n\n");
});

Deno.test("a stream that ends without a usage chunk still delivers the held finish chunk with stats", async () => {
  const out = await events(relay([TRANSCRIPT[0], TRANSCRIPT[2], TRANSCRIPT[4]], false).stream);
  assert.equal(out.length, 3);
  assert.equal(JSON.parse(out[1]).squint.upstream_input_tokens, null);
  assert.equal(out[2], "[DONE]");
});

Deno.test("an upstream reset mid-stream ends with an OpenAI error event", async () => {
  const { stream, ended } = relay(TRANSCRIPT, false, 2);
  const out = await events(stream);
  assert.equal(out.length, 3);
  assert.equal(JSON.parse(out[2]).error.code, "upstream_stream_error");
  assert.equal(ended.outcome, "upstream_error");
});

Deno.test("the client going away cancels the upstream body", async () => {
  let cancelled = false;
  const upstream = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode(TRANSCRIPT[1]));
    },
    cancel() {
      cancelled = true;
    },
  });
  let outcome: StreamOutcome | undefined;
  const stream = relayChatStream(upstream, {
    clientWantsUsage: false,
    stats: () => ({}) as never,
    onEnd: (_, o) => (outcome = o),
  });
  const reader = stream.getReader();
  await reader.read();
  await reader.cancel();
  assert.equal(cancelled, true);
  assert.equal(outcome, "client_closed");
});
