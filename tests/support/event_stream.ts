/**
 * Turns a lazy sequence of server-sent events into a response body that can be paced, cut off
 * mid-stream, and that reports when its client went away.
 *
 * The stream has no internal buffer (`highWaterMark: 0`): the server asks for event k+1 only once
 * it has taken event k, so a pause really delays the client and a cut comes after what was sent.
 *
 * @module
 */

/** How to play the events. */
export interface EventStreamOptions {
  /** The events, already framed (`data: …\n\n`). */
  events: Iterator<string>;
  /** Wait this long before every event after the first; 0 plays them back to back. */
  intervalMs?: number;
  /** Destroy the connection instead of sending event number `cutAfter + 1`. */
  cutAfter?: number;
  /** Ends the stream early (the mock is shutting down). */
  closing: AbortSignal;
  /** Called once if the client goes away before the stream ends. */
  onCancel: () => void;
}

const encoder = new TextEncoder();

/** Builds the response body that plays `options.events`. */
export function eventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const { events, intervalMs = 0, cutAfter, closing, onCancel } = options;
  let sent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  let stopOnClose: (() => void) | undefined;

  const finish = () => {
    clearTimeout(timer);
    wake?.();
    if (stopOnClose) closing.removeEventListener("abort", stopOnClose);
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      stopOnClose = () => {
        finish();
        controller.error(new Error("mock upstream closed"));
      };
      closing.addEventListener("abort", stopOnClose, { once: true });
    },
    pull(controller) {
      const emit = () => {
        if (cutAfter !== undefined && sent >= cutAfter) {
          finish();
          controller.error(new Error("mock-reset: connection destroyed mid-stream"));
          return;
        }
        const next = events.next();
        if (next.done) {
          finish();
          controller.close();
          return;
        }
        sent++;
        controller.enqueue(encoder.encode(next.value));
      };
      if (intervalMs <= 0 || sent === 0) return emit();
      return new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(() => {
          wake = undefined;
          emit();
          resolve();
        }, intervalMs);
      });
    },
    cancel() {
      finish();
      onCancel();
    },
  }, { highWaterMark: 0 });
}
