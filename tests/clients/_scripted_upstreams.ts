/**
 * Scripted upstreams for the real-client tests: an Anthropic Messages API and an OpenAI Responses
 * API on loopback whose answer to each request is whatever the test's script returns for its body
 * (final text, or one call of a tool the client offered), in the real wire format, streamed as
 * the clients ask. Every request is recorded with its path and query as received.
 *
 * The shared mocks of `tests/support/` answer with echo text; an agent loop needs an upstream that
 * calls the client's own tools, which is all this adds.
 *
 * @module
 */

import { readMockBody, serveMock } from "../support/mock_server.ts";

type Json = Record<string, unknown>;

/** What the upstream answers one request with. */
export type Turn =
  | { text: string }
  | { call: { name: string; input: Json } };

/** Chooses the answer to a request from its parsed body. */
export type Script = (body: Json) => Turn;

/** One request as the upstream received it. */
export interface UpstreamRequest {
  method: string;
  /** Path and query string, e.g. `/v1/messages?beta=true`. */
  path: string;
  /** Headers with lower-case names. */
  headers: Record<string, string>;
  /** The parsed JSON body (null when it was not JSON). */
  body: Json | null;
}

/** A running scripted upstream. */
export interface ScriptedUpstream {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Every request received, in order. */
  readonly requests: UpstreamRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Answers one exchange whose body is JSON; `null` when the path is none of this API's. */
type Answer = (request: Request, pathname: string, body: Json) => Response | null;

function startScripted(answer: Answer, notFound: () => Response): ScriptedUpstream {
  const requests: UpstreamRequest[] = [];
  const closing = new AbortController();
  const handle = async (request: Request): Promise<Response> => {
    const path = request.url.slice(request.url.indexOf("/", 8));
    const { parsed, isJson } = await readMockBody(request);
    const body = isJson && isObject(parsed) ? parsed : null;
    const headers = Object.fromEntries(request.headers);
    requests.push({ method: request.method, path, headers, body });
    if (request.method !== "POST" || body === null) return notFound();
    return answer(request, path.split("?", 1)[0], body) ?? notFound();
  };
  const { origin, close } = serveMock(
    handle,
    (error) => new Response(`scripted upstream failed: ${error}`, { status: 500 }),
    closing,
  );
  return { origin, requests, close, [Symbol.asyncDispose]: close };
}

function sse(event: string, data: Json): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

function eventStream(events: string[]): Response {
  return new Response(events.join(""), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    },
  });
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** The Messages API's `content` block for a turn. */
function anthropicBlock(turn: Turn, id: string): Json {
  if ("text" in turn) return { type: "text", text: turn.text };
  return { type: "tool_use", id: `toolu_01${id}`, name: turn.call.name, input: turn.call.input };
}

/** The named events of a streamed Messages answer holding one content block. */
function anthropicEvents(message: Json, block: Json): string[] {
  const opening = block.type === "text" ? { ...block, text: "" } : { ...block, input: {} };
  const delta = block.type === "text"
    ? { type: "text_delta", text: block.text }
    : { type: "input_json_delta", partial_json: JSON.stringify(block.input) };
  return [
    sse("message_start", { message: { ...message, content: [], stop_reason: null } }),
    sse("content_block_start", { index: 0, content_block: opening }),
    sse("ping", {}),
    sse("content_block_delta", { index: 0, delta }),
    sse("content_block_stop", { index: 0 }),
    sse("message_delta", {
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: { output_tokens: 12 },
    }),
    sse("message_stop", {}),
  ];
}

/**
 * An Anthropic upstream (`POST /v1/messages`, any query string) answering each request with
 * `script(body)`; like the API it refuses a request without a key (401) or `anthropic-version`
 * (400).
 */
export function startScriptedAnthropic(script: Script): ScriptedUpstream {
  let next = 0;
  const error = (status: number, type: string, message: string) =>
    json({ type: "error", error: { type, message } }, status);
  return startScripted((request, pathname, body) => {
    if (pathname !== "/v1/messages") return null;
    if (!request.headers.get("x-api-key") && !request.headers.get("authorization")) {
      return error(401, "authentication_error", "x-api-key header is required");
    }
    if (!request.headers.get("anthropic-version")) {
      return error(400, "invalid_request_error", "anthropic-version: header is required");
    }
    const id = String(next++).padStart(22, "0");
    const turn = script(body);
    const block = anthropicBlock(turn, id);
    const message = {
      id: `msg_01${id}`,
      type: "message",
      role: "assistant",
      model: body.model,
      content: [block],
      stop_reason: "text" in turn ? "end_turn" : "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 12 },
    };
    return body.stream === true ? eventStream(anthropicEvents(message, block)) : json(message);
  }, () => error(404, "not_found_error", "Not Found"));
}

/** The Responses API's output item for a turn. */
function responsesItem(turn: Turn, id: string): Json {
  if ("text" in turn) {
    return {
      type: "message",
      id: `msg_${id}`,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: turn.text, annotations: [] }],
    };
  }
  return {
    type: "function_call",
    id: `fc_${id}`,
    call_id: `call_${id}`,
    name: turn.call.name,
    arguments: JSON.stringify(turn.call.input),
    status: "completed",
  };
}

/** The named events of a streamed Responses answer holding one output item. */
function responsesEvents(response: Json, item: Json): string[] {
  let sequence = 0;
  const event = (type: string, data: Json) => sse(type, { sequence_number: sequence++, ...data });
  const at = { item_id: item.id, output_index: 0 };
  const parts = item.type === "message"
    ? [
      event("response.output_text.delta", {
        ...at,
        content_index: 0,
        delta: (item.content as Json[])[0].text,
      }),
    ]
    : [
      event("response.function_call_arguments.delta", { ...at, delta: item.arguments }),
      event("response.function_call_arguments.done", { ...at, arguments: item.arguments }),
    ];
  const opening = item.type === "message"
    ? { ...item, status: "in_progress", content: [] }
    : { ...item, status: "in_progress", arguments: "" };
  return [
    event("response.created", { response: { ...response, status: "in_progress", output: [] } }),
    event("response.output_item.added", { output_index: 0, item: opening }),
    ...parts,
    event("response.output_item.done", { output_index: 0, item }),
    event("response.completed", { response }),
  ];
}

/**
 * An OpenAI upstream (`POST /v1/responses`) answering each request with `script(body)`; like the
 * API it refuses a request without a bearer key (401).
 */
export function startScriptedResponses(script: Script): ScriptedUpstream {
  let next = 0;
  const error = (status: number, message: string) =>
    json({ error: { message, type: "invalid_request_error", param: null, code: null } }, status);
  return startScripted((request, pathname, body) => {
    if (pathname !== "/v1/responses") return null;
    if (!request.headers.get("authorization")?.startsWith("Bearer ")) {
      return error(401, "You didn't provide an API key.");
    }
    const id = String(next++).padStart(24, "0");
    const item = responsesItem(script(body), id);
    const response = {
      id: `resp_${id}`,
      object: "response",
      created_at: Math.floor(Date.now() / 1000),
      status: "completed",
      model: body.model,
      output: [item],
      usage: {
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 12,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 112,
      },
    };
    return body.stream === true ? eventStream(responsesEvents(response, item)) : json(response);
  }, () => error(404, "Not Found"));
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
