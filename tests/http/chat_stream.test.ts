/**
 * Streamed Chat Completions through squint: events relayed in order as the upstream sent them,
 * usage only when the client asked, the squint object on the right chunk, failures and
 * disconnects handled.
 */
import assert from "node:assert/strict";
import { APIError } from "openai";
import { startMockOpenAI } from "../support/mock_openai.ts";
import { WEATHER_TOOL } from "../support/openai_wire.ts";
import { startSquint } from "../support/squint.ts";
import { PYTHON_STYLE_PROMPT_TOKENS, startPythonStyleUpstream } from "./_python_style_upstream.ts";
import {
  collect,
  FIXED_CLOCK,
  SQUINT_FIELDS,
  SQUINT_REQUEST_ID,
  sseChunks,
  sseData,
  startStack,
  without,
} from "./_stack.ts";

const QUESTION = "Stream me a short answer about fjords";
/** The mock bills ceil(chars / 4) prompt tokens. */
const QUESTION_TOKENS = Math.ceil(QUESTION.length / 4);

function streamRequest(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "gpt-4o-mini",
    stream: true,
    messages: [{ role: "user", content: QUESTION }],
    ...extra,
  };
}

/** The `data:` payloads a fresh mock streams for `request`, asked directly. */
async function directData(request: unknown): Promise<string[]> {
  await using direct = startMockOpenAI({ clock: FIXED_CLOCK });
  const response = await fetch(`${direct.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
    body: JSON.stringify(request),
  });
  return await sseData(response);
}

Deno.test("a stream without include_usage is relayed event by event, with no usage chunk and squint on the finish_reason chunk", async () => {
  const request = streamRequest();
  const expected = await directData(request);
  await using stack = startStack({ mock: { clock: FIXED_CLOCK } });
  const response = await stack.post("/chat/completions", request);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^text\/event-stream/);
  const relayed = await sseData(response);

  assert.equal(relayed.length, expected.length);
  const finish = relayed.length - 2;
  // Every event but the finish chunk is the upstream's, byte for byte (usage: null stripped).
  assert.deepEqual(relayed.slice(0, finish), expected.slice(0, finish));
  assert.equal(relayed.at(-1), "[DONE]");
  const finishChunk = JSON.parse(relayed[finish]);
  assert.deepEqual(without(finishChunk, "squint"), JSON.parse(expected[finish]));
  assert.equal(finishChunk.choices[0].finish_reason, "stop");
  assert.deepEqual(Object.keys(finishChunk.squint).sort(), SQUINT_FIELDS);
  assert.equal(finishChunk.squint.upstream_input_tokens, QUESTION_TOKENS);
  assert.equal(finishChunk.squint.model, "gpt-4o-mini");
  assert.ok(relayed.every((data) => !data.includes('"usage"')), "no chunk mentions usage");
});

Deno.test("a stream with include_usage ends with the usage chunk, carrying squint, right before [DONE]", async () => {
  const request = streamRequest({ stream_options: { include_usage: true } });
  const expected = await directData(request);
  await using stack = startStack({ mock: { clock: FIXED_CLOCK } });
  const relayed = await sseData(await stack.post("/chat/completions", request));

  assert.equal(relayed.length, expected.length);
  const usageAt = relayed.length - 2;
  assert.deepEqual(relayed.slice(0, usageAt), expected.slice(0, usageAt));
  assert.equal(relayed.at(-1), "[DONE]");
  const usageChunk = JSON.parse(relayed[usageAt]);
  assert.deepEqual(without(usageChunk, "squint"), JSON.parse(expected[usageAt]));
  assert.deepEqual(usageChunk.choices, []);
  assert.equal(usageChunk.usage.prompt_tokens, QUESTION_TOKENS);
  assert.deepEqual(Object.keys(usageChunk.squint).sort(), SQUINT_FIELDS);
  assert.equal(usageChunk.squint.upstream_input_tokens, usageChunk.usage.prompt_tokens);
  const finishChunk = JSON.parse(relayed[usageAt - 1]);
  assert.equal(finishChunk.choices[0].finish_reason, "stop");
  assert.equal(finishChunk.squint, undefined, "squint rides on the usage chunk only");
});

Deno.test("the SDK reads a relayed stream: the text, no usage, squint on the last chunk", async () => {
  await using stack = startStack();
  const stream = await stack.client.chat.completions.create({
    model: "gpt-4o-mini",
    stream: true,
    messages: [{ role: "user", content: QUESTION }],
  });
  const chunks = await collect(stream);

  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  assert.equal(text, `Echo: ${QUESTION}`);
  assert.ok(chunks.every((c) => c.usage === undefined));
  const last = chunks.at(-1)! as typeof chunks[number] & { squint?: Record<string, unknown> };
  assert.equal(last.choices[0].finish_reason, "stop");
  assert.equal(last.squint?.upstream_input_tokens, QUESTION_TOKENS);
  assert.ok(chunks.slice(0, -1).every((c) => !("squint" in c)));
});

Deno.test("a relayed stream's headers carry the X-Squint figures known before the first byte", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", streamRequest());
  const chunks = await sseChunks(response);
  const squint = chunks.at(-1)!.squint as Record<string, number | string>;

  const h = response.headers;
  assert.equal(h.get("x-squint-tokens-before"), String(squint.tokens_before));
  assert.equal(h.get("x-squint-tokens-after"), String(squint.tokens_after));
  assert.equal(h.get("x-squint-tokens-saved"), "0");
  assert.equal(h.get("x-squint-cache-status"), "bypass");
  assert.equal(h.get("x-squint-model"), "gpt-4o-mini");
  assert.match(h.get("x-request-id")!, SQUINT_REQUEST_ID);
  assert.match(h.get("x-upstream-request-id")!, /^req_[0-9a-f]{32}$/);
});

Deno.test("streamed tool-call deltas reassemble in the SDK into the call the upstream made", async () => {
  await using stack = startStack();
  const stream = stack.client.chat.completions.stream({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Weather in Tromsø?" }],
    tools: [WEATHER_TOOL],
    tool_choice: { type: "function", function: { name: "get_weather" } },
  });
  let deltas = 0;
  stream.on("chunk", (chunk) => {
    if (chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments) deltas++;
  });
  const completion = await stream.finalChatCompletion();

  const [choice] = completion.choices;
  assert.equal(choice.finish_reason, "tool_calls");
  assert.equal(choice.message.tool_calls?.length, 1);
  const call = choice.message.tool_calls![0];
  assert.match(call.id, /^call_/);
  assert.ok(call.type === "function");
  assert.equal(call.function.name, "get_weather");
  assert.equal(call.function.arguments, '{"city":"mock","unit":"c"}');
  // 26 characters of arguments arrive in 5-character fragments.
  assert.equal(deltas, 6);
});

Deno.test("an n=2 stream relays both choices, and squint rides on the last finish_reason chunk", async () => {
  const request = streamRequest({ n: 2 });
  const expected = await directData(request);
  await using stack = startStack({ mock: { clock: FIXED_CLOCK } });
  const relayed = await sseData(await stack.post("/chat/completions", request));

  assert.equal(relayed.length, expected.length);
  const lastFinish = relayed.length - 2;
  assert.deepEqual(relayed.slice(0, lastFinish), expected.slice(0, lastFinish));
  const firstFinishChunk = JSON.parse(relayed[lastFinish - 1]);
  const lastFinishChunk = JSON.parse(relayed[lastFinish]);
  assert.deepEqual(
    firstFinishChunk.choices.map((c: { index: number; finish_reason: string }) => [
      c.index,
      c.finish_reason,
    ]),
    [[0, "stop"]],
  );
  assert.deepEqual(without(lastFinishChunk, "squint"), JSON.parse(expected[lastFinish]));
  assert.equal(lastFinishChunk.choices[0].index, 1);
  assert.equal(lastFinishChunk.squint.upstream_input_tokens, QUESTION_TOKENS);

  const sdkStream = stack.client.chat.completions.stream({
    model: "gpt-4o-mini",
    n: 2,
    messages: [{ role: "user", content: QUESTION }],
  });
  const completion = await sdkStream.finalChatCompletion();
  assert.deepEqual(
    completion.choices.map((c) => [c.index, c.message.content, c.finish_reason]),
    [[0, `Echo: ${QUESTION}`, "stop"], [1, `Echo: ${QUESTION}`, "stop"]],
  );
});

Deno.test("an upstream reset mid-stream reaches the client as an SSE error event after what was sent", async () => {
  await using stack = startStack();
  const response = await stack.post("/chat/completions", streamRequest({ model: "mock-reset" }));
  assert.equal(response.status, 200);
  const data = await sseData(response);

  // The mock sends the role chunk and two content chunks, then destroys the connection.
  assert.equal(data.length, 4);
  const deltas = data.slice(0, 3).map((d) => JSON.parse(d).choices[0].delta);
  assert.deepEqual(deltas, [
    { role: "assistant", content: "", refusal: null },
    { content: "Echo:" },
    { content: " Stream" },
  ]);
  const error = JSON.parse(data[3]);
  assert.deepEqual(Object.keys(error), ["error"]);
  assert.equal(error.error.type, "api_error");
  assert.equal(error.error.code, "upstream_stream_error");
  assert.match(error.error.message, /^upstream stream failed/);
  assert.ok(!data.includes("[DONE]"), "a broken stream does not claim to be done");
});

Deno.test("the SDK raises an APIError on an upstream reset mid-stream, and squint serves the next request", async () => {
  await using stack = startStack();
  const stream = await stack.client.chat.completions.create({
    model: "mock-reset",
    stream: true,
    messages: [{ role: "user", content: QUESTION }],
  });
  const received: string[] = [];
  await assert.rejects(
    async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    },
    (e: unknown) => {
      assert.ok(e instanceof APIError);
      assert.match(e.message, /upstream stream failed/);
      return true;
    },
  );
  assert.deepEqual(received, ["", "Echo:", " Stream"]);

  const next = await stack.client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "still there?" }],
  });
  assert.equal(next.choices[0].message.content, "Echo: still there?");
});

Deno.test("a client leaving mid-stream makes squint abort its upstream call", async () => {
  await using stack = startStack({ mock: { slowChunkMs: 5 } });
  const controller = new AbortController();
  const response = await fetch(`${stack.squint.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
    body: JSON.stringify(streamRequest({ model: "mock-slow" })),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /^data: \{/);
  controller.abort();
  await assert.rejects(reader.read());

  await stack.mock.aborted.wait(1);
  assert.deepEqual(stack.mock.abortedRequests, [
    { path: "/v1/chat/completions", model: "mock-slow" },
  ]);
});

Deno.test("a stream from an upstream writing JSON with spaces (as Python servers do) gets no unasked usage chunk and squint on the finish chunk", async () => {
  await using upstream = startPythonStyleUpstream();
  const squint = startSquint({ SQUINT_OPENAI_BASE_URL: upstream.baseUrl });
  try {
    const response = await fetch(`${squint.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-client" },
      body: JSON.stringify(streamRequest({ model: "llama-3.1-8b-instruct" })),
    });
    const chunks = await sseChunks(response);

    assert.deepEqual(upstream.bodies[0].stream_options, { include_usage: true });
    assert.deepEqual(
      chunks.filter((c) => "usage" in c),
      [],
      "the client did not ask for usage",
    );
    const last = chunks.at(-1)!;
    assert.equal((last.choices as { finish_reason: string }[])[0]?.finish_reason, "stop");
    assert.equal(
      (last.squint as { upstream_input_tokens: number } | undefined)?.upstream_input_tokens,
      PYTHON_STYLE_PROMPT_TOKENS,
    );
  } finally {
    await squint.close();
  }
});
