/**
 * Upstreams that misbehave after their 200 (CONTRACT.md, Errors), over real HTTP: a mock upstream
 * that answers with an HTML page, nothing, plain text or a JSON array; JSON to a request for a
 * stream; a stream without its terminal event, one that stalls, one that breaks off. Every door
 * (Chat Completions to OpenAI, Anthropic and Gemini; Messages; Responses) answers a 502
 * `bad_upstream_response` in its own shape, or ends the stream with its own error event, and the
 * request log says what happened.
 */
import assert from "node:assert/strict";
import { type RunningSquint, startSquint } from "../support/squint.ts";

type Json = Record<string, unknown>;

/** A mock's way of misbehaving, named in the request's text as `fault:<name>`. */
type Fault =
  | "html"
  | "empty"
  | "text"
  | "array"
  | "number"
  | "json"
  | "no-terminal"
  | "stall"
  | "reset"
  | "upstream-error"
  | "whole";

const HTML = "<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>";

/** The 200 bodies that are not an API's answer, with their content types. */
const NOT_ANSWERS: Record<string, [string, string]> = {
  html: [HTML, "text/html"],
  empty: ["", "application/json"],
  text: ["upstream is warming up", "text/plain"],
  array: ['[{"id":"chatcmpl-1"}]', "application/json"],
  number: ["42", "application/json"],
};

const sse = (data: Json | string, event?: string) =>
  `${event ? `event: ${event}\n` : ""}data: ${
    typeof data === "string" ? data : JSON.stringify(data)
  }\n\n`;

const HEAD = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o" };
const USAGE = { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 };

/**
 * Each upstream API's streamed answer: the events before the terminal one, the rest, its error
 * event (which ends a stream too), and its JSON answer.
 */
const STREAMS: Record<
  string,
  { events: string[]; terminal: string[]; error: string; answer: Json }
> = {
  openai: {
    events: [
      sse({ ...HEAD, choices: [{ index: 0, delta: { role: "assistant", content: "" } }] }),
      sse({ ...HEAD, choices: [{ index: 0, delta: { content: "Hello" } }] }),
    ],
    terminal: [
      sse({ ...HEAD, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
      sse({ ...HEAD, choices: [], usage: USAGE }),
      sse("[DONE]"),
    ],
    error: sse({
      error: { message: "The server had an error", type: "server_error", param: null, code: null },
    }),
    answer: {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o",
      choices: [{
        index: 0,
        message: { role: "assistant", content: "Hello" },
        finish_reason: "stop",
      }],
      usage: USAGE,
    },
  },
  anthropic: {
    events: [
      sse({
        type: "message_start",
        message: {
          id: "msg_1",
          type: "message",
          role: "assistant",
          model: "claude-sonnet-4-6",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 12, output_tokens: 1 },
        },
      }, "message_start"),
      sse({
        type: "content_block_start",
        index: 0,
        content_block: { type: "text", text: "" },
      }, "content_block_start"),
      sse({
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text: "Hello" },
      }, "content_block_delta"),
    ],
    terminal: [
      sse({ type: "content_block_stop", index: 0 }, "content_block_stop"),
      sse({
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 2 },
      }, "message_delta"),
      sse({ type: "message_stop" }, "message_stop"),
    ],
    error: sse(
      { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
      "error",
    ),
    answer: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      content: [{ type: "text", text: "Hello" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 12, output_tokens: 2 },
    },
  },
  gemini: {
    events: [
      sse({
        candidates: [{ content: { parts: [{ text: "Hello" }], role: "model" }, index: 0 }],
        modelVersion: "gemini-2.5-flash",
        responseId: "r1",
      }),
    ],
    terminal: [
      sse({
        candidates: [{
          content: { parts: [{ text: "" }], role: "model" },
          finishReason: "STOP",
          index: 0,
        }],
        usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 2, totalTokenCount: 14 },
        modelVersion: "gemini-2.5-flash",
        responseId: "r1",
      }),
    ],
    error: sse({
      error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" },
    }),
    answer: {
      candidates: [{
        content: { parts: [{ text: "Hello" }], role: "model" },
        finishReason: "STOP",
        index: 0,
      }],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 2, totalTokenCount: 14 },
      modelVersion: "gemini-2.5-flash",
    },
  },
  responses: {
    events: [
      sse({
        type: "response.created",
        sequence_number: 0,
        response: { id: "resp_1", object: "response", status: "in_progress", model: "gpt-4o" },
      }, "response.created"),
      sse({
        type: "response.output_text.delta",
        sequence_number: 1,
        item_id: "msg_1",
        output_index: 0,
        content_index: 0,
        delta: "Hello",
      }, "response.output_text.delta"),
    ],
    terminal: [
      sse({
        type: "response.completed",
        sequence_number: 2,
        response: {
          id: "resp_1",
          object: "response",
          status: "completed",
          model: "gpt-4o",
          output: [],
          usage: { input_tokens: 12, output_tokens: 2, total_tokens: 14 },
        },
      }, "response.completed"),
    ],
    error: sse({
      type: "error",
      code: "server_error",
      message: "The server had an error",
      param: null,
      sequence_number: 2,
    }, "error"),
    answer: {
      id: "resp_1",
      object: "response",
      status: "completed",
      model: "gpt-4o",
      output: [],
      usage: { input_tokens: 12, output_tokens: 2, total_tokens: 14 },
    },
  },
};

/** Which API a mock path speaks. */
function apiOf(path: string): keyof typeof STREAMS {
  if (path.startsWith("/v1beta/")) return "gemini";
  if (path === "/v1/messages") return "anthropic";
  if (path === "/v1/responses") return "responses";
  return "openai";
}

/** One mock upstream for every API, misbehaving as each request's text says. */
function startMockUpstream() {
  const closing = new AbortController();
  /** How many times squint has hung up on a stream, and who waits for the next. */
  let hangUps = 0;
  const wake: (() => void)[] = [];
  const encoder = new TextEncoder();

  const streamed = (parts: string[], end: "close" | "stall" | "reset") => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < parts.length) return controller.enqueue(encoder.encode(parts[i++]));
        if (end === "close") return controller.close();
        if (end === "reset") return controller.error(new Error("mock upstream reset"));
        // Stalled: nothing more until squint hangs up (or the mock closes).
        return new Promise<void>((resolve) => {
          closing.signal.addEventListener("abort", () => resolve(), { once: true });
        });
      },
      cancel() {
        hangUps++;
        for (const w of wake.splice(0)) w();
      },
    }, { highWaterMark: 0 });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
    onError: () => new Response(null, { status: 500 }),
  }, async (request) => {
    const api = apiOf(new URL(request.url).pathname);
    const fault = /fault:([a-z-]+)/.exec(await request.text())?.[1] as Fault;
    const { events, terminal, error, answer } = STREAMS[api];
    if (fault in NOT_ANSWERS) {
      const [body, type] = NOT_ANSWERS[fault];
      return new Response(body, { headers: { "content-type": type } });
    }
    if (fault === "json") return Response.json(answer);
    if (fault === "no-terminal") return streamed(events, "close");
    if (fault === "stall") return streamed(events.slice(0, 1), "stall");
    if (fault === "reset") return streamed(events, "reset");
    if (fault === "upstream-error") return streamed([...events, error], "close");
    return streamed([...events, ...terminal], "close");
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    /** Resolves once squint has hung up on `n` streams. */
    async hungUp(n: number) {
      while (hangUps < n) await new Promise<void>((resolve) => wake.push(resolve));
    },
    async close() {
      closing.abort();
      await server.shutdown();
    },
  };
}

/** A way in: the door, the model, and the request body for a text. */
interface Way {
  name: string;
  path: string;
  shape: "openai" | "anthropic";
  /** The provider id of a translated upstream (undefined: its answer is relayed as it came). */
  translatedFrom?: string;
  /** What squint calls the answer it expected, in its 502. */
  answer: string;
  body(text: string, stream: boolean): Json;
}

const chatVia = (model: string, translatedFrom?: string): Way => ({
  name: `chat completions to ${model}`,
  path: "/v1/chat/completions",
  shape: "openai",
  translatedFrom,
  answer: translatedFrom ? "its answer" : "a chat completion",
  body: (text, stream) => ({ model, stream, messages: [{ role: "user", content: text }] }),
});

const WAYS: Way[] = [
  chatVia("gpt-4o"),
  chatVia("claude-sonnet-4-6", "anthropic"),
  chatVia("gemini-2.5-flash", "google"),
  {
    name: "messages",
    path: "/v1/messages",
    shape: "anthropic",
    answer: "the API's answer",
    body: (text, stream) => ({
      model: "claude-sonnet-4-6",
      max_tokens: 64,
      stream,
      messages: [{ role: "user", content: text }],
    }),
  },
  {
    name: "responses",
    path: "/v1/responses",
    shape: "openai",
    answer: "the API's answer",
    body: (text, stream) => ({ model: "gpt-4o", input: text, stream }),
  },
];

const [CHAT_OPENAI, CHAT_ANTHROPIC, CHAT_GEMINI, MESSAGES, RESPONSES] = WAYS;

/** The mock, squint in front of it, and a way to call squint. */
function startAll(env: Record<string, string> = {}) {
  const mock = startMockUpstream();
  const squint = startSquint({
    SQUINT_OPENAI_BASE_URL: `${mock.origin}/v1`,
    SQUINT_ANTHROPIC_BASE_URL: mock.origin,
    SQUINT_GEMINI_BASE_URL: mock.origin,
    SQUINT_RETRIES: "0",
    // Every call here is a failure on purpose; none should open an upstream's circuit.
    SQUINT_CIRCUIT_FAILURES: "1000",
    ...env,
  });
  return {
    mock,
    squint,
    call(way: Way, fault: Fault, stream: boolean, headers: Record<string, string> = {}) {
      return fetch(`${squint.origin}${way.path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: "Bearer sk-client",
          "x-api-key": "sk-client",
          "anthropic-version": "2023-06-01",
          ...headers,
        },
        body: JSON.stringify(way.body(`Say hello. fault:${fault}`, stream)),
      });
    },
    async [Symbol.asyncDispose]() {
      await squint.close();
      await mock.close();
    },
  };
}

/** The log row of the answer `response` (read to its end first). */
async function logRow(squint: RunningSquint, response: Response) {
  const storage = squint.app.parts.storage;
  await storage.flush();
  const row = await storage.request(response.headers.get("x-request-id")!);
  assert.ok(row, "a log row");
  return row;
}

/** The events of a stream's text, each without its blank line. */
const eventsOf = (text: string) => text.split("\n\n").filter((e) => e !== "");

/** Asserts the door's own 502 `bad_upstream_response` error body. */
async function assertBadUpstream(way: Way, response: Response): Promise<string> {
  assert.equal(response.status, 502, `${way.name}: status`);
  assert.equal(response.headers.get("content-type"), "application/json");
  const body = await response.json();
  if (way.shape === "anthropic") {
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "api_error");
    return body.error.message;
  }
  assert.equal(body.error.type, "api_error");
  assert.equal(body.error.code, "bad_upstream_response", `${way.name}: code`);
  assert.equal(body.error.param, null);
  return body.error.message;
}

/** Asserts the row of a 502 `bad_upstream_response`. */
function assertBadRow(way: Way, row: { status: number; outcome: string; error: string | null }) {
  assert.equal(row.status, 502, `${way.name}: logged status`);
  // A translated upstream's answer is refused in the call itself, before a relay sees it.
  assert.equal(row.outcome, way.translatedFrom ? "error" : "bad_upstream_response");
  assert.match(row.error ?? "", /answered 200 with something that is not/);
}

Deno.test("an upstream 200 that is not the API's JSON is a 502 bad_upstream_response at every door", async () => {
  await using all = startAll();
  for (const way of WAYS) {
    for (const fault of Object.keys(NOT_ANSWERS) as Fault[]) {
      const response = await all.call(way, fault, false);
      const message = await assertBadUpstream(way, response);
      const [text, type] = NOT_ANSWERS[fault];
      const who = way.translatedFrom ?? "the upstream";
      const said = text === "" ? "an empty body" : `${type}: ${text}`;
      assert.equal(
        message,
        `${who} answered 200 with something that is not ${way.answer} (a JSON object) (${said})`,
        `${way.name}, ${fault}`,
      );
      assertBadRow(way, await logRow(all.squint, response));
    }
  }
});

Deno.test("a JSON answer to a request for a stream is a 502 bad_upstream_response at every door", async () => {
  await using all = startAll();
  for (const way of WAYS) {
    const response = await all.call(way, "json", true);
    const message = await assertBadUpstream(way, response);
    assert.match(message, /is not a stream \((text\/event-stream)\) \(application\/json: \{/);
    assertBadRow(way, await logRow(all.squint, response));
  }
});

Deno.test("a whole stream still ends as the upstream ended it; native doors add the stats as a comment", async () => {
  await using all = startAll();
  for (const way of WAYS) {
    const response = await all.call(way, "whole", true);
    assert.equal(response.status, 200);
    const events = eventsOf(await response.text());
    const row = await logRow(all.squint, response);
    assert.equal(row.outcome, "complete", way.name);
    if (way.path === "/v1/chat/completions") {
      assert.equal(events.at(-1), "data: [DONE]", way.name);
      continue;
    }
    const terminal = STREAMS[way === MESSAGES ? "anthropic" : "responses"].terminal.at(-1)!;
    assert.equal(`${events.at(-2)}\n\n`, terminal, `${way.name}: the upstream's last event`);
    const [, json] = /^: squint (\{.*\})$/.exec(events.at(-1)!)!;
    assert.equal(JSON.parse(json).upstream_input_tokens, 12);
  }
});

Deno.test("with X-Squint-Stats: event the native doors end a stream with a named squint event", async () => {
  await using all = startAll();
  for (const way of [MESSAGES, RESPONSES]) {
    const response = await all.call(way, "whole", true, { "x-squint-stats": "event" });
    const last = eventsOf(await response.text()).at(-1)!;
    const [, json] = /^event: squint\ndata: (\{.*\})$/.exec(last)!;
    assert.equal(JSON.parse(json).tokens_before > 0, true, way.name);
  }
});

/** The error event each way ends a stream with, for an error `code` and `message`. */
function errorEvent(way: Way, code: string, message: string, sequence: number): string {
  if (way === MESSAGES) {
    return `event: error\ndata: ${
      JSON.stringify({ type: "error", error: { type: "api_error", message } })
    }`;
  }
  if (way === RESPONSES) {
    return `event: error\ndata: ${
      JSON.stringify({ type: "error", code, message, param: null, sequence_number: sequence })
    }`;
  }
  return `data: ${JSON.stringify({ error: { message, type: "api_error", param: null, code } })}`;
}

/** The terminal event each way's upstream did not send. */
const MISSING = new Map<Way, string>([
  [CHAT_OPENAI, "the upstream's stream ended without its terminal event (data: [DONE])"],
  [CHAT_ANTHROPIC, "anthropic's stream ended without its terminal event (message_stop)"],
  [
    CHAT_GEMINI,
    "google's stream ended without its terminal event (a candidate with its finishReason)",
  ],
  [MESSAGES, "the upstream's stream ended without its terminal event (message_stop)"],
  [
    RESPONSES,
    "the upstream's stream ended without its terminal event " +
    "(response.completed or response.incomplete or response.failed)",
  ],
]);

Deno.test("a stream that ends without its terminal event ends with the door's error event and is logged incomplete", async () => {
  await using all = startAll();
  for (const way of WAYS) {
    const response = await all.call(way, "no-terminal", true);
    assert.equal(response.status, 200, way.name);
    const text = await response.text();
    const events = eventsOf(text);
    assert.match(text, /Hello/, `${way.name}: what came is relayed`);
    assert.equal(
      events.at(-1),
      errorEvent(way, "incomplete_stream", MISSING.get(way)!, 2),
      way.name,
    );
    assert.ok(!events.includes("data: [DONE]"), `${way.name}: no [DONE]`);
    const row = await logRow(all.squint, response);
    assert.equal(row.outcome, "incomplete", way.name);
    assert.equal(row.status, 200);
  }
});

Deno.test("a stream silent past SQUINT_STREAM_IDLE_TIMEOUT_S ends with stream_idle_timeout, hangs up on the upstream, and is logged incomplete", async () => {
  await using all = startAll({ SQUINT_STREAM_IDLE_TIMEOUT_S: "0.2" });
  const message =
    "the upstream sent nothing for 0.2 s (SQUINT_STREAM_IDLE_TIMEOUT_S); squint ended the stream";
  for (const [i, way] of WAYS.entries()) {
    const response = await all.call(way, "stall", true);
    assert.equal(response.status, 200, way.name);
    const events = eventsOf(await response.text());
    assert.equal(events.at(-1), errorEvent(way, "stream_idle_timeout", message, 1), way.name);
    await all.mock.hungUp(i + 1);
    const row = await logRow(all.squint, response);
    assert.equal(row.outcome, "incomplete", way.name);
  }
});

Deno.test("an upstream that breaks off mid-stream ends with the door's error event and is logged upstream_error", async () => {
  await using all = startAll();
  for (const way of WAYS) {
    const response = await all.call(way, "reset", true);
    assert.equal(response.status, 200, way.name);
    const text = await response.text();
    assert.match(text, /Hello/, `${way.name}: what came before is relayed`);
    const events = eventsOf(text);
    const last = events.at(-1)!;
    const data = JSON.parse(last.slice(last.indexOf("data: ") + 6));
    if (way === MESSAGES) {
      assert.equal(data.error.type, "api_error");
      assert.match(data.error.message, /^upstream stream failed: /);
    } else if (way === RESPONSES) {
      assert.equal(data.code, "upstream_stream_error");
      assert.equal(data.type, "error");
    } else {
      assert.equal(data.error.code, "upstream_stream_error", way.name);
    }
    const row = await logRow(all.squint, response);
    assert.equal(row.outcome, "upstream_error", way.name);
  }
});

Deno.test("an error event of the upstream's own ends a stream: relayed once, no error of squint's, logged upstream_error", async () => {
  await using all = startAll();
  const said: [Way, RegExp][] = [
    [CHAT_OPENAI, /^data: \{"error":\{"message":"The server had an error"/],
    [CHAT_ANTHROPIC, /^data: \{"error":\{"message":"Overloaded"/],
    [CHAT_GEMINI, /^data: \{"error":\{"message":"The model is overloaded."/],
    [MESSAGES, /^event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error"/],
    [RESPONSES, /^event: error\ndata: \{"type":"error","code":"server_error"/],
  ];
  for (const [way, error] of said) {
    const response = await all.call(way, "upstream-error", true);
    const events = eventsOf(await response.text()).filter((e) =>
      e !== "data: [DONE]" && !e.startsWith(": squint ")
    );
    assert.match(events.at(-1)!, error, way.name);
    assert.equal(events.filter((e) => /"error"/.test(e)).length, 1, `${way.name}: one error`);
    const row = await logRow(all.squint, response);
    assert.equal(row.outcome, "upstream_error", way.name);
  }
});
