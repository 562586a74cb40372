/**
 * Relays a Chat Completions SSE stream event by event as it arrives. squint always asks the
 * upstream for usage; the client sees the usage chunk only if it asked for it. The `squint`
 * stats ride on the usage chunk (client asked) or on the finish_reason chunk, which is then held
 * only until the upstream's usage chunk arrives (CONTRACT.md, Streams). A stream that ends
 * without `data: [DONE]`, breaks off or goes silent ends with an OpenAI error event instead.
 */
import type { OpenAIUsage, SquintStats } from "../accounting/stats.ts";
import { withServiceTier } from "../accounting/service_tier.ts";
import { eventData, splitEvents, SseBlocks, sseEvent } from "./sse.ts";
import { IdleLimitedReader, incomplete, type StreamFault, streamFault } from "./upstream_faults.ts";

/** How a relayed stream ended. */
export type StreamOutcome = "complete" | "client_closed" | "upstream_error" | "incomplete";

/** Options of `relayChatStream`. */
export interface ChatStreamOptions {
  /** Longest wait for the upstream's next bytes (none: no limit). */
  idleTimeoutMs?: number;
  /** The client set `stream_options.include_usage`. */
  clientWantsUsage: boolean;
  /** Stats for the final chunk, given the usage the upstream reported (if any). */
  stats: (usage: OpenAIUsage | undefined) => SquintStats;
  /** Called once when the stream ends, however it ends. */
  onEnd: (usage: OpenAIUsage | undefined, outcome: StreamOutcome) => void;
  /** Called once, as the first bytes go to the client. */
  onFirstBytes?: () => void;
}

const FINISHED = /"finish_reason"\s*:\s*"/;
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const USAGE_NULL = /"usage"\s*:\s*null/;
/** Added by the upstream to every chunk because squint asked for usage; absent otherwise. */
const INJECTED_USAGE_NULL = ',"usage":null';
/** A `usage: null` written otherwise than the injected one (spaced, or first in its object). */
const OTHER_USAGE_NULL = /(?<!,)"usage"\s*:\s*null|"usage"(?:\s+:\s*|:\s+)null/;
/** The upstream's own error event (`{"error":{…}}`), which ends its stream. */
const ERROR_EVENT = /^\s*\{\s*"error"\s*:/;
/** A block that holds any of these needs event-by-event handling; most blocks hold none. */
const NEEDS_HANDLING = /"finish_reason"\s*:\s*"|"usage"\s*:\s*\{|\[DONE\]|\r|data: ?\{\s*"error"/;

/** `controller.enqueue`, calling `onFirstBytes` once, before the first chunk goes out. */
export function enqueuer(onFirstBytes?: () => void) {
  let sent = false;
  return (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
    if (!sent) {
      sent = true;
      onFirstBytes?.();
    }
    controller.enqueue(bytes);
  };
}

/** The OpenAI error event that ends a stream squint cuts short. */
function chatErrorEvent(fault: StreamFault): string {
  return sseEvent(JSON.stringify({
    error: { message: fault.message, type: "api_error", param: null, code: fault.code },
  }));
}

/** The relayed stream; cancelling it (client gone) cancels the upstream body. */
export function relayChatStream(
  upstream: ReadableStream<Uint8Array>,
  options: ChatStreamOptions,
): ReadableStream<Uint8Array> {
  const reader = new IdleLimitedReader(upstream, options.idleTimeoutMs);
  const blocks = new SseBlocks();
  const encoder = new TextEncoder();
  let held: Record<string, unknown>[] = [];
  let usage: OpenAIUsage | undefined;
  let ended = false;
  const send = enqueuer(options.onFirstBytes);
  /** The upstream's terminal `[DONE]`, or an error event of its own, has been relayed. */
  let finished: StreamOutcome | undefined;

  const end = (outcome: StreamOutcome) => {
    if (ended) return;
    ended = true;
    reader.stop();
    options.onEnd(usage, outcome);
  };

  /** Releases held finish chunks, the last one carrying the stats. */
  const release = (): string[] => {
    if (held.length === 0) return [];
    held[held.length - 1].squint = options.stats(usage);
    const out = held.map((chunk) => sseEvent(JSON.stringify(chunk)));
    held = [];
    return out;
  };

  const handle = (event: string): string[] => {
    const data = eventData(event);
    if (data === undefined) return [`${event}\n\n`];
    if (data === "[DONE]") {
      finished ??= "complete";
      return [...release(), `${event}\n\n`];
    }
    if (ERROR_EVENT.test(data)) {
      finished = "upstream_error";
      return [...release(), `${event}\n\n`];
    }
    const hasUsage = USAGE_OBJECT.test(data);
    if (!hasUsage && !FINISHED.test(data)) {
      // The common case, byte for byte: OpenAI's compact chunks that need no change.
      if (options.clientWantsUsage || !USAGE_NULL.test(data)) return [`${event}\n\n`];
      if (data.includes(INJECTED_USAGE_NULL)) {
        return [sseEvent(data.replace(INJECTED_USAGE_NULL, ""))];
      }
    }
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data);
    } catch {
      return [`${event}\n\n`];
    }
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    if (hasUsage && chunk.usage && typeof chunk.usage === "object") {
      usage = withServiceTier(chunk.usage as OpenAIUsage, chunk.service_tier);
      if (choices.length === 0) {
        if (!options.clientWantsUsage) return release();
        chunk.squint = options.stats(usage);
        return [...release(), sseEvent(JSON.stringify(chunk))];
      }
      if (!options.clientWantsUsage) delete chunk.usage;
    } else if (!options.clientWantsUsage && chunk.usage === null) {
      delete chunk.usage;
    }
    const finishes = choices.some((c) => (c as { finish_reason?: unknown })?.finish_reason);
    if (finishes && !options.clientWantsUsage) {
      held.push(chunk);
      return [];
    }
    return [sseEvent(JSON.stringify(chunk))];
  };

  /**
   * One block of whole events, as bytes for the client: content deltas untouched (or only
   * unmarked), the rest handled. `raw` is the block's own bytes when it was one whole read.
   */
  const relayBlock = (block: string, raw: Uint8Array | undefined): Uint8Array | undefined => {
    if (!NEEDS_HANDLING.test(block)) {
      if (options.clientWantsUsage) return raw ? raw.slice() : encoder.encode(block);
      if (!OTHER_USAGE_NULL.test(block)) return withoutInjectedUsage(block, raw, encoder);
    }
    const out = splitEvents(block).flatMap(handle).join("");
    return out ? encoder.encode(out) : undefined;
  };

  /** Ends the client's stream: what is held, then the error event of a fault, if any. */
  const finish = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    out: string[],
    fault?: StreamFault,
  ) => {
    const text = [...out, ...release(), ...(fault ? [chatErrorEvent(fault)] : [])].join("");
    if (text) send(controller, encoder.encode(text));
    controller.close();
    end(fault?.outcome ?? finished ?? "complete");
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (e) {
          finish(controller, [], streamFault(e));
          return;
        }
        if (result.done) {
          const rest = blocks.flush();
          const out = rest ? handle(rest) : [];
          finish(controller, out, finished ? undefined : incomplete("data: [DONE]"));
          return;
        }
        const block = blocks.push(result.value);
        if (!block) continue;
        const out = relayBlock(block, blocks.whole ? result.value : undefined);
        if (out) {
          send(controller, out);
          return;
        }
      }
    },
    async cancel(reason) {
      end("client_closed");
      await reader.cancel(reason);
    },
  });
}

/**
 * The bytes of `block` without the injected `,"usage":null`s. Where the block is ASCII (its text
 * as long as its bytes, OpenAI's usual chunk), they are cut out of `raw` without re-encoding.
 */
function withoutInjectedUsage(
  block: string,
  raw: Uint8Array | undefined,
  encoder: TextEncoder,
): Uint8Array {
  const cuts: number[] = [];
  for (
    let at = block.indexOf(INJECTED_USAGE_NULL);
    at >= 0;
    at = block.indexOf(INJECTED_USAGE_NULL, at + INJECTED_USAGE_NULL.length)
  ) cuts.push(at);
  if (!raw || raw.length !== block.length) {
    return encoder.encode(cuts.length ? block.replaceAll(INJECTED_USAGE_NULL, "") : block);
  }
  if (cuts.length === 0) return raw.slice();
  const out = new Uint8Array(raw.length - cuts.length * INJECTED_USAGE_NULL.length);
  let from = 0;
  let to = 0;
  for (const at of cuts) {
    out.set(raw.subarray(from, at), to);
    to += at - from;
    from = at + INJECTED_USAGE_NULL.length;
  }
  out.set(raw.subarray(from), to);
  return out;
}
