/**
 * The Responses API's WebSocket mode (`GET /v1/responses` with an upgrade), relayed: squint opens
 * the upstream's socket first (a refusal there is answered with `426 Upgrade Required`, on which
 * Codex falls back to HTTPS at once), then takes the client's. Each `response.create` is read,
 * admitted, planned and optimized like a `POST /v1/responses` body through the Responses door,
 * and sent on; every upstream event comes back as it came. Each response is logged and accounted
 * as its own request when its terminal event passes; squint's figures go onto the socket only
 * when the upgrade asked for them (`X-Squint-Stats: event`).
 */
import { buildStats } from "../accounting/stats.ts";
import { errorLogRow } from "../accounting/request_log.ts";
import { contentForLog } from "../accounting/log_content.ts";
import { keepSent } from "../accounting/sent_record.ts";
import { asGatewayError, GatewayError } from "../errors.ts";
import { admitCaller } from "../keys/enforce.ts";
import { callerFor, identify, type Identity, tenantOf } from "../keys/identity.ts";
import type { RequestContext } from "../lifecycle/context.ts";
import { upstreamHeaders } from "../providers/openai.ts";
import { callLogger } from "../relay/chat_response.ts";
import { RESPONSES_DIALECT } from "../relay/native_response.ts";
import type { PreparedChat } from "../pipeline/prepare_chat.ts";
import { requestId } from "../accounting/request_id.ts";
import { RESPONSES } from "./native.ts";
import { own } from "../own.ts";
import { shuttingDown } from "../lifecycle/socket_responses.ts";
import { tooLarge } from "../intake/body.ts";
import { onDeadline } from "../providers/deadlines.ts";
import { StreamIdleError } from "../relay/upstream_faults.ts";

type Json = Record<string, unknown>;

/** The door's name in the request log. */
const SOCKET_DOOR = "responses_websocket";

/** The longest squint waits for the upstream's socket to open. */
const OPEN_TIMEOUT_MS = 30_000;

/** Handshake headers of the client's upgrade, which the upstream's own handshake replaces. */
const HANDSHAKE = /^sec-websocket-|^upgrade$|^connection$/;

/** Whether `request` asks for a WebSocket. */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/** Opens a socket to `url`; rejects with why when the upstream refuses or does not answer. */
function openSocket(url: string, headers: [string, string][]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // Deno's WebSocket takes handshake headers (the upstream's credential).
    const socket = new WebSocket(url, { headers } as unknown as string[]);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer within ${OPEN_TIMEOUT_MS / 1000} s`));
    }, OPEN_TIMEOUT_MS);
    socket.onopen = () => {
      clearTimeout(timer);
      resolve(socket);
    };
    socket.onerror = (event) => {
      clearTimeout(timer);
      reject(new Error((event as ErrorEvent).message ?? "refused"));
    };
  });
}

/** A Responses `error` server event for a request squint refused. */
function errorEvent(e: GatewayError): string {
  return JSON.stringify({
    type: "error",
    status: e.status,
    error: { type: e.type, code: e.code, message: e.message, param: e.param },
  });
}

/** One response under way on the socket: its log context and figures. */
interface Pending {
  id: string;
  started: number;
  prepared: PreparedChat;
  content: string | null;
}

/** Terminal events of a response, and the outcome each means. */
const ENDS: Record<string, string> = {
  "response.completed": "complete",
  "response.incomplete": "complete",
  "response.failed": "upstream_error",
  error: "upstream_error",
};

const EVENT_TYPE = /^\s*\{\s*"type"\s*:\s*"([^"]+)"/;

/**
 * The code to close one socket with when the other closed with `code`. 1005 (none given) and
 * 1006 (no close frame) cannot be sent: 1000. A socket squint opened (the upstream's) takes only
 * 1000 and 3000–4999 — the WebSocket API throws on the codes endpoints send of their own, such as
 * a browser's 1001 (going away) — so any other becomes 1000; the client's socket takes the rest.
 */
function closingCode(code: number | undefined, opened: boolean): number {
  if (code === undefined || code === 1005 || code === 1006) return 1000;
  if (opened && code !== 1000 && (code < 3000 || code > 4999)) return 1000;
  return code;
}

/** What a WebSocket handshake needs (RFC 6455 §4.2.1), each named as a client is told. */
const HANDSHAKE_NEEDS: [string, (headers: Headers) => boolean][] = [
  ["Connection: Upgrade", (h) => /\bupgrade\b/i.test(h.get("connection") ?? "")],
  ["a Sec-WebSocket-Key header", (h) => Boolean(h.get("sec-websocket-key"))],
  ["Sec-WebSocket-Version: 13", (h) => h.get("sec-websocket-version")?.trim() === "13"],
];

/** Refuses an upgrade the handshake cannot complete, before the upstream's socket is opened. */
function checkHandshake(headers: Headers): void {
  const missing = HANDSHAKE_NEEDS.find(([, met]) => !met(headers))?.[0];
  if (missing) {
    throw new GatewayError(
      400,
      `a WebSocket upgrade needs ${missing}`,
      "invalid_request_error",
      "invalid_websocket_upgrade",
    );
  }
}

/** Serves one WebSocket session of the Responses API. */
export async function serveResponsesSocket(
  request: Request,
  ctx: RequestContext,
): Promise<Response> {
  const { app } = ctx;
  const { config, storage } = app;
  const url = new URL(request.url);
  checkHandshake(request.headers);
  const identity = await identify(request.headers, config, storage.keys);
  const caller = callerFor(identity, config.openai_api_key, "openai");
  const headers = upstreamHeaders(request.headers, caller.providerKey)
    .filter(([name]) => !HANDSHAKE.test(name));
  let upstream: WebSocket;
  try {
    upstream = await openSocket(
      `${config.openai_base_url.replace(/^http/i, "ws")}/responses${url.search}`,
      headers,
    );
  } catch (e) {
    // Codex falls back to HTTPS on 426 only (a 404 or 405 makes it retry for seconds).
    throw new GatewayError(
      426,
      `the upstream did not take a WebSocket (${
        (e as Error).message
      }); use HTTPS POST /v1/responses`,
      "invalid_request_error",
      "websocket_unavailable",
      null,
      { upgrade: "websocket" },
    );
  }
  const { socket, response } = Deno.upgradeWebSocket(request);
  const session = new ResponsesSession(socket, upstream, {
    ctx,
    identity,
    tenant: await tenantOf(identity),
    headers: request.headers,
    url,
    statsOnSocket: request.headers.get("x-squint-stats")?.trim().toLowerCase() === "event",
  });
  session.start();
  return response;
}

/**
 * The bytes of a client message as sent: a text frame's UTF-8 (counted only when it could be over
 * `limit`), a binary frame's length.
 */
function messageBytes(data: unknown, limit: number): number {
  if (typeof data === "string") {
    return data.length * 3 <= limit ? data.length : new TextEncoder().encode(data).byteLength;
  }
  if (data instanceof ArrayBuffer) return data.byteLength;
  return data instanceof Blob ? data.size : 0;
}

/** What a session needs of its upgrade request. */
interface SessionContext {
  ctx: RequestContext;
  identity: Identity;
  tenant: string | null;
  headers: Headers;
  url: URL;
  statsOnSocket: boolean;
}

/** The two sockets of one session and the responses under way between them. */
class ResponsesSession {
  /** Client messages are handled one after the other, in the order they came. */
  #queue: Promise<void> = Promise.resolve();
  /** Responses sent upstream and not yet finished, oldest first. */
  #pending: Pending[] = [];
  /** When the upstream last sent an event, or a response was sent to it (the idle clock). */
  #heard = 0;
  /** Cancels the idle deadline; undefined while none is set. */
  #cancelIdle: (() => void) | undefined;

  constructor(
    readonly client: WebSocket,
    readonly upstream: WebSocket,
    readonly session: SessionContext,
  ) {}

  start(): void {
    const { client, upstream } = this;
    client.onmessage = (event) => {
      this.#queue = this.#queue.then(() => this.#fromClient(event.data)).catch(() => {});
    };
    upstream.onmessage = (event) => this.#fromUpstream(event.data);
    // Responses under way end with the socket that closed first: the client left, or the
    // upstream broke off before their terminal event.
    const closeBoth = (by: WebSocket, code?: number, reason?: string) => {
      this.#cancelIdle?.();
      for (const socket of [client, upstream]) {
        if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
          socket.close(closingCode(code, socket === upstream), reason);
        }
      }
      const said = code === undefined ? "with an error" : `(${code}${reason ? ` ${reason}` : ""})`;
      if (by === client) this.#endPending("client_closed");
      else {
        this.#endPending(
          "incomplete",
          `the upstream closed its socket ${said} before the response ended`,
        );
      }
    };
    client.onclose = (event) => closeBoth(client, event.code, event.reason);
    upstream.onclose = (event) => closeBoth(upstream, event.code, event.reason);
    client.onerror = () => closeBoth(client);
    upstream.onerror = () => closeBoth(upstream);
  }

  /** A client message: a `response.create` is optimized and sent on; anything else as it came. */
  async #fromClient(data: unknown): Promise<void> {
    const { ctx, headers, url, identity } = this.session;
    // An event is held to the body limit of the HTTPS door, whatever its type.
    const limit = ctx.app.config.max_body_mb * 2 ** 20;
    const create = typeof data === "string" && EVENT_TYPE.exec(data)?.[1] === "response.create";
    if (!create && messageBytes(data, limit) <= limit) {
      this.#send(this.upstream, data);
      return;
    }
    const id = requestId();
    const started = performance.now();
    let model: string | null = null;
    try {
      if (!create) throw tooLarge(limit);
      // A stopping squint finishes what is under way and starts nothing new.
      if (ctx.app.sockets.draining) throw shuttingDown();
      // The event is a Responses body with a `type`: read as one (the field is left alone).
      const bytes = new TextEncoder().encode(data as string);
      if (bytes.byteLength > limit) throw tooLarge(limit);
      let read = await RESPONSES.read(bytes, headers, ctx.app, undefined, url);
      model = read.model;
      const admission = await admitCaller(identity, read.model, ctx.app.storage);
      if (admission.budgetFallback) {
        read = await RESPONSES.read(bytes, headers, ctx.app, admission.model, url);
      }
      const { body: planned, prepared } = await RESPONSES.plan(read, ctx.app);
      const text = typeof planned === "string"
        ? planned
        : planned instanceof Uint8Array
        ? new TextDecoder().decode(planned)
        : await planned.text();
      this.#pending.push({
        id,
        started,
        prepared,
        content: contentForLog(read.messages, ctx.app.config.log_content),
      });
      ctx.app.sockets.begin();
      this.#watchIdle();
      keepSent(
        ctx.app.storage.media,
        id,
        "/v1/responses (websocket)",
        read.model,
        bytes,
        text,
        prepared.plan,
      );
      this.#send(this.upstream, text);
    } catch (e) {
      const error = asGatewayError(e);
      if (error.status >= 500 && !(e instanceof GatewayError)) {
        console.error(`squint ${id}:`, e);
      }
      ctx.app.record(errorLogRow(
        id,
        { door: SOCKET_DOOR, provider: "openai", keyId: this.session.tenant, model },
        started,
        error.status,
        error.message,
        error.code ?? error.type,
      ));
      this.#send(this.client, errorEvent(error));
    }
  }

  /** An upstream event: relayed as it came; a terminal one finishes the oldest response. */
  #fromUpstream(data: unknown): void {
    this.#heard = performance.now();
    this.#send(this.client, data);
    if (typeof data !== "string") return;
    const type = EVENT_TYPE.exec(data)?.[1];
    const outcome = type === undefined ? undefined : own(ENDS, type);
    if (outcome === undefined || this.#pending.length === 0) return;
    let event: Json | undefined;
    try {
      event = JSON.parse(data);
    } catch {
      event = undefined;
    }
    const usage = RESPONSES_DIALECT.eventUsage(event ?? {});
    const pending = this.#pending.shift()!;
    this.session.ctx.app.sockets.end();
    const stats = this.#log(pending, outcome, usage);
    if (this.session.statsOnSocket) {
      this.#send(this.client, JSON.stringify({ type: "squint", ...stats }));
    }
  }

  /**
   * Starts the idle clock for a response sent upstream: while responses are under way, an
   * upstream silent for SQUINT_STREAM_IDLE_TIMEOUT_S ends them, as a silent stream is ended on
   * the HTTPS doors. One deadline per session, re-armed only when it fires.
   */
  #watchIdle(): void {
    this.#heard = performance.now();
    if (this.#cancelIdle === undefined) this.#armIdle(this.#idleMs);
  }

  get #idleMs(): number {
    return this.session.ctx.app.config.stream_idle_timeout_s * 1000;
  }

  #armIdle(delay: number): void {
    this.#cancelIdle = onDeadline(delay, () => {
      this.#cancelIdle = undefined;
      if (this.#pending.length === 0) return;
      const left = this.#idleMs - (performance.now() - this.#heard);
      if (left > 0) return this.#armIdle(left);
      this.#upstreamIdle();
    });
  }

  /** The upstream went silent: the client is told, the responses logged, both sockets closed. */
  #upstreamIdle(): void {
    const { message } = new StreamIdleError(this.#idleMs);
    const error = new GatewayError(504, message, "timeout_error", "stream_idle_timeout");
    this.#send(this.client, errorEvent(error));
    this.#endPending("incomplete", message);
    this.upstream.close();
  }

  /** Ends every response under way, each logged with `outcome` (and why). */
  #endPending(outcome: string, error?: string): void {
    for (const pending of this.#pending.splice(0)) {
      this.session.ctx.app.sockets.end();
      this.#log(pending, outcome, undefined, error);
    }
  }

  /** Logs a finished response; its figures. */
  #log(pending: Pending, outcome: string, raw?: Json, error?: string) {
    const { ctx, tenant } = this.session;
    const usage = raw && RESPONSES_DIALECT.openAIUsage(raw);
    const { prepared } = pending;
    const stats = buildStats({
      tokens: prepared.plan.tokens,
      estimated: prepared.plan.estimated,
      optimizations: prepared.optimizations,
      requested: prepared.resolved,
      called: prepared.resolved,
      calledName: prepared.model,
      usage,
      cache: "bypass",
      passthroughReason: prepared.passthroughReason,
    });
    const log = callLogger(
      {
        requestId: pending.id,
        keyId: tenant,
        started: pending.started,
        record: ctx.app.record,
        content: pending.content,
      },
      prepared,
      null,
      SOCKET_DOOR,
    );
    log(200, outcome, stats, usage, error);
    return stats;
  }

  #send(socket: WebSocket, data: unknown): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(data as string);
  }
}
