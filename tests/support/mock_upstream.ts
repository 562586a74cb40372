/** What every mock upstream offers a test, whatever API it speaks. */
import type { EventCount } from "./event_count.ts";

/** A request whose client went away before the mock finished answering it. */
export interface AbortRecord {
  path: string;
  model: string;
}

/** A running mock upstream recording requests of type `R`. */
export interface MockUpstream<R> {
  /** Every request received, in order (empty when recording is off). */
  readonly requests: R[];
  /** Counts requests as they arrive (also when recording is off); await `received.wait(n)`. */
  readonly received: EventCount;
  /** Counts answers whose client went away before their end; await `aborted.wait(n)`. */
  readonly aborted: EventCount;
  /** Ends pending answers and streams, and stops the server. */
  close(): Promise<void>;
  /** Same as `close`, for `await using mock = startMock…()`. */
  [Symbol.asyncDispose](): Promise<void>;
}
