/**
 * What can go wrong with an upstream's 200 (CONTRACT.md, Errors): an answer that is not the
 * API's (a 502 `bad_upstream_response`, given before any byte reaches the client), and a stream
 * that stops short of its terminal event, goes silent past the idle limit, or breaks off (each
 * ends with the door's error event).
 */
import { GatewayError } from "../errors.ts";
import { onDeadline } from "../providers/deadlines.ts";
import { giveBackReadBuffer, takeReadBuffer } from "./read_buffers.ts";

/** The upstream sent nothing for the idle limit; squint hung up on it. */
export class StreamIdleError extends Error {
  override name = "StreamIdleError";
  constructor(readonly ms: number) {
    super(
      `the upstream sent nothing for ${
        ms / 1000
      } s (SQUINT_STREAM_IDLE_TIMEOUT_S); squint ended the stream`,
    );
  }
}

/** The upstream closed its stream before its terminal event. */
export class IncompleteStreamError extends Error {
  override name = "IncompleteStreamError";
}

/** How a stream ended short, as the log and the door's error event say it. */
export interface StreamFault {
  code: "stream_idle_timeout" | "incomplete_stream" | "upstream_stream_error";
  outcome: "incomplete" | "upstream_error";
  message: string;
}

/** The fault a stream read failed with: squint's own limits, else the upstream breaking off. */
export function streamFault(e: unknown): StreamFault {
  if (e instanceof StreamIdleError) {
    return { code: "stream_idle_timeout", outcome: "incomplete", message: e.message };
  }
  if (e instanceof IncompleteStreamError) {
    return { code: "incomplete_stream", outcome: "incomplete", message: e.message };
  }
  return {
    code: "upstream_stream_error",
    outcome: "upstream_error",
    message: `upstream stream failed: ${(e as Error)?.message ?? e}`,
  };
}

/** The fault of a stream that closed without its terminal event (`what`: that event). */
export function incomplete(what: string): StreamFault {
  return streamFault(
    new IncompleteStreamError(`the upstream's stream ended without its terminal event (${what})`),
  );
}

/**
 * Reads an upstream body with an idle limit: a read that waits `ms` for the upstream ends the
 * stream (the body is cancelled, which aborts its fetch) and `read` throws a StreamIdleError. The
 * clock runs only while a read waits, so a slow client never counts as a silent upstream. One
 * deadline serves the whole stream (re-armed only when it fires), not one per read, and streams
 * share the deadlines' timers (providers/deadlines.ts: a limit fires up to a tenth of a second
 * late): thousands of streams a second cost a few timers, not one each.
 *
 * A byte stream (every fetch body) is read into one buffer of the reader's own, reused read after
 * read: a default reader would allocate a fresh 64 KiB chunk for each read, which made the
 * allocation and its garbage the largest single cost of relaying a stream. The buffer is taken
 * from the streams that ended and given back when this one stops (`read_buffers.ts`). So a chunk
 * `read` returns is valid until the next `read` or `stop`; a caller that keeps it copies it.
 */
export class IdleLimitedReader {
  readonly #reader:
    | { byob: false; reader: ReadableStreamDefaultReader<Uint8Array> }
    | { byob: true; reader: ReadableStreamBYOBReader };
  /** The buffer the next byte-stream read goes into; undefined once given back. */
  #buffer: ArrayBuffer | undefined;
  readonly #ms: number;
  /** Cancels the pending deadline; undefined while none is set. */
  #cancelDeadline: (() => void) | undefined;
  /** When the read under way started; -1 when none waits. */
  #waitingSince = -1;
  #idle = false;

  constructor(body: ReadableStream<Uint8Array>, ms: number | undefined) {
    try {
      this.#reader = { byob: true, reader: body.getReader({ mode: "byob" }) };
    } catch {
      this.#reader = { byob: false, reader: body.getReader() }; // not a byte stream
    }
    this.#ms = ms !== undefined && ms > 0 && Number.isFinite(ms) ? ms : 0;
  }

  #arm(delay: number): void {
    this.#cancelDeadline = onDeadline(delay, () => {
      this.#cancelDeadline = undefined;
      if (this.#waitingSince < 0) return;
      const left = this.#ms - (performance.now() - this.#waitingSince);
      if (left > 0) return this.#arm(left);
      this.#idle = true;
      this.#reader.reader.cancel(new StreamIdleError(this.#ms)).catch(() => {});
    });
  }

  /**
   * The next chunk, valid until the next read; throws StreamIdleError past the limit, or what the
   * upstream failed with.
   */
  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.#ms > 0) {
      this.#waitingSince = performance.now();
      if (this.#cancelDeadline === undefined) this.#arm(this.#ms);
    }
    try {
      const result = await this.#next();
      if (this.#idle) throw new StreamIdleError(this.#ms);
      return result;
    } finally {
      this.#waitingSince = -1;
    }
  }

  async #next(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (!this.#reader.byob) return await this.#reader.reader.read();
    const result = await this.#reader.reader.read(
      new Uint8Array(this.#buffer ?? takeReadBuffer()),
    );
    // The buffer was transferred into the read and comes back as the chunk's own.
    if (result.value) this.#buffer = result.value.buffer as ArrayBuffer;
    return result as ReadableStreamReadResult<Uint8Array>;
  }

  /** Stops the clock (the stream ended) and gives the read buffer back; no read follows. */
  stop(): void {
    this.#cancelDeadline?.();
    this.#cancelDeadline = undefined;
    if (this.#buffer !== undefined) giveBackReadBuffer(this.#buffer);
    this.#buffer = undefined;
  }

  /** Cancels the upstream body (the client went away). */
  async cancel(reason: unknown): Promise<void> {
    this.stop();
    await this.#reader.reader.cancel(reason).catch(() => {});
  }
}

/** A JSON object parsed from `text`, or undefined when `text` is anything else. */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Statuses whose answer has no body (Fetch's null body statuses, 101 aside). */
const BODILESS = new Set([204, 205, 304]);

/**
 * The 502 for an upstream status that cannot carry the answer a door asked for (204, 205, 304;
 * relayed as they are on passthrough paths only), else undefined.
 */
export function bodilessAnswer(status: number): GatewayError | undefined {
  if (!BODILESS.has(status)) return undefined;
  return new GatewayError(
    502,
    `the upstream answered ${status}, which carries no body, where the API's answer was asked for`,
    "api_error",
    "bad_upstream_response",
  );
}

/** The 502 for an upstream success that is not the API's answer (`what` it should have been). */
export function badUpstreamResponse(
  upstream: string,
  answer: Response,
  what: string,
  text: string,
): GatewayError {
  const { status } = answer;
  const contentType = answer.headers.get("content-type");
  const sample = text.trim().slice(0, 200);
  const said = sample === "" ? "an empty body" : `${contentType ?? "no content type"}: ${sample}`;
  return new GatewayError(
    502,
    `${upstream} answered ${status} with something that is not ${what} (${said})`,
    "api_error",
    "bad_upstream_response",
  );
}
