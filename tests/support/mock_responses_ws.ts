/**
 * A mock upstream for the Responses API's WebSocket mode on loopback, written to OpenAI's
 * documented wire format (the WebSocket-mode guide, and the `ResponsesClientEvent` /
 * `ResponsesServerEvent` types of the openai SDK):
 *
 * - `GET /v1/responses` with `Upgrade: websocket` and `Authorization: Bearer <key>` upgrades; an
 *   upgrade without a key is answered 401 in OpenAI's error shape, and `refuseUpgrade` answers
 *   every upgrade with an HTTP error, as an upstream without WebSocket mode does.
 * - every `response.create` (the `POST /v1/responses` body plus `type`) is answered, in order per
 *   `stream_id` lane, with the events of the HTTP stream, one JSON text message each, numbered
 *   from 0: `response.created`, `response.in_progress`, `response.output_item.added`,
 *   `response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`,
 *   `response.content_part.done`, `response.output_item.done`, `response.completed`. Text, ids and
 *   usage are those of `mock_responses.ts`; input tokens add `imageTokens` per `input_image`, in
 *   messages and in `function_call_output` outputs alike.
 * - failures are an `error` event `{type, status, error: {type, code, message, param}}` that leaves
 *   the socket open: `stream` or `background` sent, no `model`, a message that is not a
 *   `response.create`, and the scripts `mock-error-NNN` and `mock-fail-N-NNN` of
 *   `mock_scripts.ts`; `mock-hang` never answers (its lane waits behind it).
 *
 * @example
 * ```ts
 * await using upstream = startMockResponsesWs();
 * const socket = new WebSocket(`${upstream.wsUrl}/responses`, {
 *   headers: { authorization: "Bearer sk-mock" },
 * });
 * ```
 *
 * @module
 */

import { probeImage } from "../../workers/image/probe.ts";
import { type EventCount, EventCounter } from "./event_count.ts";
import { answerResponses } from "./mock_responses.ts";
import { type Script, scriptFor } from "./mock_scripts.ts";
import { abortMarker, serveMock } from "./mock_server.ts";
import type { MockUpstream } from "./mock_upstream.ts";
import {
  errorBody,
  errorForStatus,
  invalidUrl,
  missingModel,
  type WireError,
} from "./openai_errors.ts";
import { IdSource } from "./openai_wire.ts";
import { pause } from "./pause.ts";

type Json = Record<string, unknown>;

/** An `input_image` part the mock received, with what its data URL's header says. */
export interface ReceivedImage {
  /** Where the part was: a message's `content` or a `function_call_output`'s `output`. */
  within: "message" | "function_call_output";
  detail: string | null;
  /** Read from a data URL's header; null for a URL, a file id, or bytes that are no picture. */
  format: string | null;
  width: number | null;
  height: number | null;
}

/** One message a client sent on a socket. */
export interface ReceivedMessage {
  /** The text as sent (a binary message decoded as UTF-8). */
  raw: string;
  /** The parsed JSON, or undefined when the text is not JSON. */
  json: unknown;
  /** The `input_image` parts of a `response.create`, in input order (empty for other messages). */
  images: ReceivedImage[];
}

/** One upgrade request and, once accepted, what happened on its socket. */
export interface RecordedConnection {
  /** Path and query, e.g. `/v1/responses`. */
  path: string;
  /** Headers of the upgrade request, lower-case names. */
  headers: Record<string, string>;
  /** 101 when upgraded, else the HTTP status the upgrade was answered with. */
  status: number;
  /** Every message received, in order. */
  messages: ReceivedMessage[];
  /** How the socket closed (either side closing); null while open or when it never opened. */
  closed: { code: number; reason: string } | null;
}

/** Options of {@linkcode startMockResponsesWs}. */
export interface MockResponsesWsOptions {
  /** Answer every upgrade with this HTTP status instead; `true` is 404, an unknown route. */
  refuseUpgrade?: boolean | number;
  /** Input tokens of one `input_image`: a number (default 85, as the HTTP mock) or a price. */
  imageTokens?: number | ((image: ReceivedImage, model: string) => number);
  /** The `created_at` of answers, in Unix seconds. */
  clock?: () => number;
  /** Port to listen on; default 0 (any free port). */
  port?: number;
}

/** A running mock; `requests` holds every `response.create` received, `received` counts them. */
export interface MockResponsesWs extends MockUpstream<ReceivedMessage> {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** `ws://127.0.0.1:PORT/v1`, a base URL: sockets open `${wsUrl}/responses`. */
  readonly wsUrl: string;
  /** Every upgrade request, accepted or not, in order. */
  readonly connections: readonly RecordedConnection[];
  /** Counts sockets opened. */
  readonly opened: EventCount;
  /** Counts sockets closed, by either side. */
  readonly closed: EventCount;
}

const DEFAULT_IMAGE_TOKENS = 85;
const GOING_AWAY = 1001;

/** OpenAI's 401 for a request without a key. */
const NO_API_KEY = errorBody(
  "You didn't provide an API key. You need to provide your API key in an Authorization header " +
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with " +
    "blank username) if you're accessing the API from your browser and are prompted for a " +
    "username and password. You can obtain an API key from " +
    "https://platform.openai.com/account/api-keys.",
  "invalid_request_error",
);

/**
 * Fields of `POST /v1/responses` that WebSocket mode refuses, with the reason its docs give. The
 * docs say `stream` "should not be sent", but Codex sends `stream: true` on every
 * `response.create` and the real API takes it: it is accepted here too.
 */
const TRANSPORT_FIELDS: Record<string, string> = {
  background: "background is not supported over WebSocket.",
};

const NOT_AN_EVENT = errorBody(
  "Invalid client event: expected a JSON object with a 'type'.",
  "invalid_request_error",
  null,
  "invalid_json",
);

/** Why a client message cannot be answered with a response, or null when it can. */
function clientEventProblem(event: Json | null): WireError | null {
  if (!event) return NOT_AN_EVENT;
  if (event.type !== "response.create") {
    return errorBody(
      `Invalid value: '${event.type}'. Supported values are: 'response.create'.`,
      "invalid_request_error",
      "type",
      "invalid_value",
    );
  }
  const field = Object.keys(TRANSPORT_FIELDS).find((name) => name in event);
  if (field) {
    return errorBody(
      `Unsupported parameter: '${field}'. ${TRANSPORT_FIELDS[field]}`,
      "invalid_request_error",
      field,
      "unsupported_parameter",
    );
  }
  return typeof event.model === "string" ? null : missingModel();
}

/** The `error` server event: the HTTP status and the API's error, with its headers if any. */
function errorEvent(status: number, body: WireError, headers: Record<string, string> = {}): Json {
  const { type, code, message, param } = body.error;
  const error: Json = { type, code, message, param };
  if (Object.keys(headers).length > 0) error.headers = headers;
  return { type: "error", status, error };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function probeDataUrl(url: unknown) {
  const prefix = typeof url === "string" ? /^data:[^,]*;base64,/.exec(url) : null;
  if (!prefix) return undefined;
  try {
    return probeImage(Uint8Array.fromBase64((url as string).slice(prefix[0].length)));
  } catch {
    return undefined;
  }
}

function imagesIn(parts: unknown[], within: ReceivedImage["within"]): ReceivedImage[] {
  return parts.filter((part): part is Json => isObject(part) && part.type === "input_image")
    .map((part) => {
      const header = probeDataUrl(part.image_url);
      return {
        within,
        detail: typeof part.detail === "string" ? part.detail : null,
        format: header?.format ?? null,
        width: header?.width ?? null,
        height: header?.height ?? null,
      };
    });
}

/** The `input_image` parts of a Responses `input`: in messages and in function call outputs. */
function receivedImages(input: unknown): ReceivedImage[] {
  if (!Array.isArray(input)) return [];
  return input.flatMap((item) => {
    if (!isObject(item)) return [];
    if (Array.isArray(item.content)) return imagesIn(item.content, "message");
    if (item.type === "function_call_output" && Array.isArray(item.output)) {
      return imagesIn(item.output, "function_call_output");
    }
    return [];
  });
}

interface Usage {
  input_tokens: number;
  total_tokens: number;
}
interface OutputMessage extends Json {
  id: string;
  content: { type: string; text: string; annotations: unknown[] }[];
}

/** An event of `answerResponses` split into its type and the payload that follows it. */
function typeAndPayload({ type, sequence_number: _, ...payload }: Json): [string, Json] {
  return [String(type), payload];
}

/**
 * The server events of one answer: the HTTP mock's stream (`answerResponses`) with the events
 * the real stream has around its deltas, renumbered from 0, `imageTokens` added to the input.
 */
function responseEvents(body: Json, id: string, created: number, imageTokens: number): Json[] {
  const answer = answerResponses({ ...body, stream: true }, id, created, 0);
  if (answer.kind !== "stream") throw new Error("answerResponses did not stream");
  const [start, ...deltas] = answer.events.map((event) =>
    JSON.parse(event.slice(event.indexOf("data: ") + "data: ".length)) as Json
  );
  const response = deltas.pop()!.response as Json & { output: OutputMessage[]; usage: Usage };
  response.usage.input_tokens += imageTokens;
  response.usage.total_tokens += imageTokens;
  const message = response.output[0];
  const part = message.content[0];
  const at = { item_id: message.id, output_index: 0, content_index: 0 };
  const events: [string, Json][] = [
    ["response.created", { response: start.response }],
    ["response.in_progress", { response: start.response }],
    ["response.output_item.added", {
      output_index: 0,
      item: { ...message, status: "in_progress", content: [] },
    }],
    ["response.content_part.added", { ...at, part: { ...part, text: "" } }],
    ...deltas.map(typeAndPayload),
    ["response.output_text.done", { ...at, text: part.text }],
    ["response.content_part.done", { ...at, part }],
    ["response.output_item.done", { output_index: 0, item: message }],
    ["response.completed", { response }],
  ];
  return events.map(([type, payload], sequence) => ({
    type,
    sequence_number: sequence,
    ...payload,
  }));
}

function refusalStatus(refuse: boolean | number | undefined): number | null {
  if (refuse === undefined || refuse === false) return null;
  return refuse === true ? 404 : refuse;
}

const hasBearerKey = (authorization: string | null) =>
  /^Bearer\s+\S/i.test(authorization?.trim() ?? "");

/** Starts a mock Responses WebSocket upstream on 127.0.0.1. */
export function startMockResponsesWs(options: MockResponsesWsOptions = {}): MockResponsesWs {
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const tokens = options.imageTokens ?? DEFAULT_IMAGE_TOKENS;
  const priceImage = typeof tokens === "number" ? () => tokens : tokens;
  const refusal = refusalStatus(options.refuseUpgrade);
  const ids = new IdSource();
  const closing = new AbortController();
  const connections: RecordedConnection[] = [];
  const requests: ReceivedMessage[] = [];
  const received = new EventCounter();
  const aborted = new EventCounter();
  const opened = new EventCounter();
  const closed = new EventCounter();
  /** Open sockets, each with the promise of its close. */
  const sockets = new Map<WebSocket, Promise<void>>();
  /** Failures served so far per `mock-fail-N-NNN` model name. */
  const failures = new Map<string, number>();

  const goAway = (socket: WebSocket) => socket.close(GOING_AWAY, "The mock upstream is closing.");
  closing.signal.addEventListener("abort", () => {
    for (const socket of sockets.keys()) {
      // A socket still in its handshake can only be closed once it is open.
      if (socket.readyState === WebSocket.CONNECTING) {
        socket.addEventListener("open", () => goAway(socket), { once: true });
      } else goAway(socket);
    }
  });

  const failureStatus = (script: Script, model: string): number | null => {
    if (script.kind === "error") return script.status;
    if (script.kind !== "flaky") return null;
    const failed = failures.get(model) ?? 0;
    if (failed >= script.failures) return null;
    failures.set(model, failed + 1);
    return script.status;
  };

  /** Answers one client message; `gone` aborts when its socket closes. */
  const answer = async (
    message: ReceivedMessage,
    reply: (event: Json) => void,
    gone: AbortSignal,
  ): Promise<void> => {
    const event = isObject(message.json) ? message.json : null;
    const problem = clientEventProblem(event);
    if (problem) return reply(errorEvent(400, problem));
    const model = event!.model as string;
    const script = scriptFor(model);
    if (script.kind === "hang") {
      const markAborted = abortMarker(closing.signal, aborted);
      await pause(Infinity, [gone, closing.signal]);
      if (gone.aborted) markAborted();
      return;
    }
    const status = failureStatus(script, model);
    if (status !== null) {
      const failure = errorForStatus(status, model);
      return reply(errorEvent(status, failure.body, failure.headers));
    }
    const imageTokens = message.images.reduce((sum, image) => sum + priceImage(image, model), 0);
    const events = responseEvents(event!, `resp_${ids.request()}`, clock(), imageTokens);
    for (const serverEvent of events) reply(serverEvent);
  };

  const serveSocket = (socket: WebSocket, connection: RecordedConnection) => {
    const gone = new AbortController();
    /** The last answer of each `stream_id` lane: a lane answers in order, lanes independently. */
    const lanes = new Map<string, Promise<void>>();
    socket.binaryType = "arraybuffer";
    sockets.set(
      socket,
      new Promise((resolve) => socket.addEventListener("close", () => resolve(), { once: true })),
    );
    socket.onopen = () => opened.add();
    socket.onmessage = ({ data }) => {
      const raw = typeof data === "string" ? data : new TextDecoder().decode(data);
      const json = parseJson(raw);
      const event = isObject(json) ? json : null;
      const isCreate = event?.type === "response.create";
      const message = { raw, json, images: isCreate ? receivedImages(event.input) : [] };
      connection.messages.push(message);
      if (isCreate) {
        requests.push(message);
        received.add();
      }
      const lane = typeof event?.stream_id === "string" ? event.stream_id : "";
      const reply = (serverEvent: Json) => {
        if (socket.readyState !== WebSocket.OPEN) return;
        socket.send(JSON.stringify(lane ? { ...serverEvent, stream_id: lane } : serverEvent));
      };
      const previous = lanes.get(lane) ?? Promise.resolve();
      lanes.set(lane, previous.then(() => answer(message, reply, gone.signal)));
    };
    socket.onclose = ({ code, reason }) => {
      connection.closed = { code, reason };
      sockets.delete(socket);
      gone.abort();
      closed.add();
    };
  };

  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });

  const handle = (request: Request): Response => {
    const url = new URL(request.url);
    const isUpgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (request.method !== "GET" || url.pathname !== "/v1/responses" || !isUpgrade) {
      return json(404, invalidUrl(request.method, url.pathname));
    }
    const connection: RecordedConnection = {
      path: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      status: 101,
      messages: [],
      closed: null,
    };
    connections.push(connection);
    if (refusal !== null) {
      connection.status = refusal;
      return json(
        refusal,
        refusal === 404
          ? invalidUrl(request.method, url.pathname)
          : errorBody(`WebSocket upgrade refused (HTTP ${refusal}).`, "invalid_request_error"),
      );
    }
    if (!hasBearerKey(request.headers.get("authorization"))) {
      connection.status = 401;
      return json(401, NO_API_KEY);
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    serveSocket(socket, connection);
    return response;
  };

  const server = serveMock(
    handle,
    (error) => json(500, errorBody(`Mock upstream failed: ${error}`, "server_error")),
    closing,
    options.port,
  );
  // Sockets finish their closing handshake before the server shuts down, which would cut them.
  const close = async () => {
    closing.abort();
    await Promise.all(sockets.values());
    await server.close();
  };

  return {
    origin: server.origin,
    wsUrl: `${server.origin.replace("http:", "ws:")}/v1`,
    connections,
    requests,
    received,
    aborted,
    opened,
    closed,
    close,
    [Symbol.asyncDispose]: close,
  };
}
