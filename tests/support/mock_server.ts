/**
 * The plumbing every mock upstream shares: its loopback server and shutdown, paced streamed
 * answers that count a client leaving, and waiting for a client to leave.
 */
import type { EventCounter } from "./event_count.ts";
import { eventStream } from "./event_stream.ts";
import { pause } from "./pause.ts";

/** One exchange as the plumbing sees it. */
export interface MockExchange {
  request: Request;
  info: Deno.ServeHandlerInfo;
  /** Counts the exchange as aborted (once). */
  markAborted: () => void;
}

/** A running mock server: its origin, and a shutdown that first ends pending answers. */
export interface MockServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `handle` on 127.0.0.1; `closing` aborts (ending pending answers) when closed. */
export function serveMock(
  handle: Deno.ServeHandler,
  onError: (error: unknown) => Response,
  closing: AbortController,
  port = 0,
): MockServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {}, onError }, handle);
  let closed: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    close() {
      closing.abort();
      closed ??= server.shutdown();
      return closed;
    },
  };
}

/** Pacing of a streamed answer: a pause between events, or a cut after so many. */
export interface Pacing {
  intervalMs?: number;
  cutAfter?: number;
}

/** The body of a streamed answer; a client that leaves before its end is counted as aborted. */
export function pacedBody(
  exchange: MockExchange,
  events: Iterator<string>,
  pacing: Pacing,
  closing: AbortSignal,
): ReadableStream<Uint8Array> {
  if (pacing.cutAfter === undefined) exchange.info.completed.catch(exchange.markAborted);
  return eventStream({ events, ...pacing, closing, onCancel: exchange.markAborted });
}

/**
 * Waits `ms` unless the client leaves first (counted as aborted) or the mock closes; true when
 * the wait was cut short and there is no one to answer.
 */
export async function waitForDisconnect(
  exchange: MockExchange,
  closing: AbortSignal,
  ms = Infinity,
): Promise<boolean> {
  await pause(ms, [exchange.request.signal, closing]);
  if (closing.aborted) return true;
  if (!exchange.request.signal.aborted) return false;
  exchange.markAborted();
  return true;
}

/**
 * Counts one exchange as aborted, once (`record` notes which), and never while the mock itself is
 * shutting down.
 */
export function abortMarker(
  closing: AbortSignal,
  aborted: EventCounter,
  record?: () => void,
): () => void {
  let marked = false;
  return () => {
    if (marked || closing.aborted) return;
    marked = true;
    record?.();
    aborted.add();
  };
}

/** A request's body: its text, and that text parsed when it is JSON (else the text; null when empty). */
export async function readMockBody(
  request: Request,
): Promise<{ text: string; parsed: unknown; isJson: boolean }> {
  const text = request.body ? await request.text() : "";
  if (!text) return { text, parsed: null, isJson: false };
  try {
    return { text, parsed: JSON.parse(text), isJson: true };
  } catch {
    return { text, parsed: text, isJson: false };
  }
}
