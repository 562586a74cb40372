/**
 * The floor for a gateway that must read what it relays and log it, squint's job on a text-only
 * request without any of squint's own work: it reads and parses the request's JSON, forwards it
 * with the client's credential, and
 * - for a JSON answer: reads and parses it, adds a small stats object, writes it out again;
 * - for a stream: reads each chunk into JavaScript (a BYOB reader and one reused buffer, as the
 *   pump in bench/relay.ts does), decodes it and looks for the usage, and enqueues a copy;
 * answers with squint's seven headers beside the upstream's content type, and hands one row per
 * request to a worker that inserts them into SQLite in batches (bench/reader_log_worker.ts), as
 * squint's request log does. Nothing else: no keys, plans, images, cache, retries, metrics or log
 * line. squint over the reader is what squint's own work costs beyond reading and logging.
 *
 * @module
 */
import type { Relay } from "./relay.ts";

/** Rows are handed to the log worker at most this often. */
const BATCH_MS = 50;
/** Reused read buffer of a stream: SSE chunks are small. */
const READ_BUFFER_BYTES = 16 * 1024;
const USAGE = /"usage"\s*:\s*(\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})/;

/** A request's log row. */
interface Row {
  id: string;
  ts: number;
  model: string;
  status: number;
  ms: number;
  usage: string | null;
}

/** The upstream's stream, read chunk by chunk; `done` hears the last usage seen. */
function readStream(
  body: ReadableStream<Uint8Array>,
  done: (usage: string | null) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader({ mode: "byob" });
  const decoder = new TextDecoder();
  let buffer = new ArrayBuffer(READ_BUFFER_BYTES);
  let usage: string | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done: ended, value } = await reader.read(new Uint8Array(buffer));
      if (ended) {
        done(usage);
        return controller.close();
      }
      usage = USAGE.exec(decoder.decode(value, { stream: true }))?.[1] ?? usage;
      controller.enqueue(value.slice());
      buffer = value.buffer as ArrayBuffer;
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** Starts the reader on 127.0.0.1 in front of `upstreamBaseUrl`'s origin. */
export function startReader(upstreamBaseUrl: string, options: { port?: number } = {}): Relay {
  const upstream = new URL(upstreamBaseUrl);
  const dir = Deno.makeTempDirSync({ prefix: "squint-bench-reader-" });
  const worker = new Worker(new URL("./reader_log_worker.ts", import.meta.url), {
    type: "module",
    name: `${dir}/log.db`,
  });
  let rows: Row[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const log = (row: Row) => {
    rows.push(row);
    timer ??= setTimeout(() => {
      worker.postMessage(rows);
      rows = [];
      timer = undefined;
    }, BATCH_MS);
  };
  let served = 0;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen() {},
    onError: () => new Response(null, { status: 502 }),
  }, async (request) => {
    const started = performance.now();
    const text = await request.text();
    const body = JSON.parse(text) as { model: string; stream?: boolean };
    const credential = (name: string): [string, string][] => {
      const value = request.headers.get(name);
      return value === null ? [] : [[name, value]];
    };
    const answer = await fetch(upstream.origin + request.url.slice(request.url.indexOf("/", 8)), {
      method: "POST",
      headers: [
        ["content-type", "application/json"],
        ...credential("authorization"),
        ...credential("x-api-key"),
        ...credential("anthropic-version"),
      ],
      body: text,
      signal: request.signal,
    });
    const id = `rd-${++served}`;
    const headers = {
      "content-type": answer.headers.get("content-type") ?? "application/json",
      "x-request-id": id,
      "x-squint-tokens-before": "12",
      "x-squint-tokens-after": "12",
      "x-squint-tokens-saved": "0",
      "x-squint-cost-saved-usd": "0",
      "x-squint-cache-status": "bypass",
      "x-squint-model": body.model,
    };
    const row = (usage: string | null) => ({
      id,
      ts: Date.now(),
      model: body.model,
      status: answer.status,
      ms: performance.now() - started,
      usage,
    });
    if (body.stream && answer.body) {
      const relayed = readStream(answer.body, (usage) => log(row(usage)));
      return new Response(relayed, { status: answer.status, headers });
    }
    const json = JSON.parse(await answer.text());
    json.squint = { tokens_before: 12, tokens_after: 12, tokens_saved: 0, cache: "bypass" };
    log(row(JSON.stringify(json.usage ?? null)));
    return new Response(JSON.stringify(json), { status: answer.status, headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}${upstream.pathname.replace(/\/$/, "")}`,
    async close() {
      await server.shutdown();
      clearTimeout(timer);
      worker.terminate();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}
