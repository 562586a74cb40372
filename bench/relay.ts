/**
 * The floor for any Deno gateway: `Deno.serve` plus `fetch`, forwarding method, path, headers and
 * body, and streaming the upstream body back untouched. A benchmark of squint against this relay
 * measures what squint's own work costs.
 *
 * Deno's `fetch` decodes gzip and br bodies, so the relay lets `fetch` negotiate the upstream's
 * encoding itself and drops `content-encoding`/`content-length` from the (decoded) answer.
 *
 * Handed to the response as it is, the upstream's body never enters JavaScript: Deno pipes it in
 * Rust. A gateway that must see a stream's events as they pass (to count usage, to end a stream
 * that breaks off) cannot do that; `pump: true` starts the floor for such a gateway, which reads
 * each chunk into JavaScript (a BYOB reader and one reused buffer: a default reader, a
 * `TransformStream` or `ReadableStream.from` cost 1.6-1.9× as much) and enqueues a copy into the
 * response's stream, doing nothing else with it.
 *
 * @module
 */

/** A running relay. */
export interface Relay {
  /** Base URL to call instead of the upstream's: same path, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** Stops the relay once in-flight requests are done. */
  close(): Promise<void>;
}

/** Headers that belong to one connection (RFC 9110 §7.6.1), never forwarded. */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];
const REQUEST_DROPPED = [...HOP_BY_HOP, "host", "content-length", "accept-encoding"];
const RESPONSE_DROPPED = [...HOP_BY_HOP, "content-length", "content-encoding"];

function forwardable(headers: Headers, dropped: readonly string[]): Headers {
  const out = new Headers(headers);
  for (const name of headers.get("connection")?.split(",") ?? []) out.delete(name.trim());
  for (const name of dropped) out.delete(name);
  return out;
}

/** Options of `startRelay`. */
export interface RelayOptions {
  port?: number;
  /** Read the upstream's body chunk by chunk in JavaScript and enqueue each (the pump). */
  pump?: boolean;
}

/** Reused read buffer of the pump: SSE chunks are small. */
const PUMP_BUFFER_BYTES = 16 * 1024;

/** The upstream body, read chunk by chunk into JavaScript and passed on unchanged. */
function pumped(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(PUMP_BUFFER_BYTES);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) return controller.close();
      controller.enqueue(value.slice());
      buffer = value.buffer as ArrayBuffer;
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** Starts a relay on 127.0.0.1 that forwards every request to `upstreamBaseUrl`'s origin. */
export function startRelay(upstreamBaseUrl: string, options: RelayOptions = {}): Relay {
  const { port = 0, pump = false } = options;
  const upstream = new URL(upstreamBaseUrl);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen() {},
    onError: () => new Response(null, { status: 502 }),
  }, async (request) => {
    const path = request.url.slice(request.url.indexOf("/", 8));
    const answer = await fetch(upstream.origin + path, {
      method: request.method,
      headers: forwardable(request.headers, REQUEST_DROPPED),
      body: request.body,
      redirect: "manual",
      signal: request.signal,
    });
    return new Response(pump && answer.body ? pumped(answer.body) : answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: forwardable(answer.headers, RESPONSE_DROPPED),
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}${upstream.pathname.replace(/\/$/, "")}`,
    close: () => server.shutdown(),
  };
}
